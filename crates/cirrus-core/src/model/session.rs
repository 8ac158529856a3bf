//! Records of sign-in state: JWT signing keys, refresh tokens and audit events.

use serde::{Deserialize, Serialize};

/// One JWT signing key of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtKeyRecord {
    pub pool_id: String,
    pub kid: String,
    /// `id` or `access`: Cognito signs the two token kinds with different keys.
    pub token_use: String,
    pub created: i64,
    /// After this instant (epoch ms) the key no longer signs; it is published until every token
    /// it signed has expired (`retire_after` + the longest token lifetime).
    pub retire_after: i64,
    /// PKCS#8, sealed under the master key.
    pub private_key_sealed: String,
    /// The public JWK as JSON.
    pub public_jwk: String,
}

/// A refresh token as stored (the token itself is only ever held by the client; the store
/// keeps its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub origin_jti: String,
    /// The identity provider the session came from (`COGNITO` for native sign-in).
    pub provider: String,
    pub created: i64,
    pub expires: i64,
    pub revoked: bool,
    /// What a refresh must repeat: scopes, auth_time, and so on, as JSON.
    pub doc: String,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    pub pool_id: String,
    /// Epoch milliseconds.
    pub at: i64,
    /// What happened, e.g. `sign_in.succeeded`, `sign_in.failed`.
    pub kind: String,
    /// The details, as JSON.
    pub detail: serde_json::Value,
}

/// An external identity linked to an existing user (AdminLinkProviderForUser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLink {
    pub pool_id: String,
    pub provider: String,
    /// `Cognito_Subject` (the NameID) or a user-pool attribute the provider maps.
    pub attribute: String,
    pub value: String,
    /// The user the identity signs in as.
    pub username: String,
    pub created: i64,
}
