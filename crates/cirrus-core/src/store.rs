//! The `Store` trait: everything Cirrus keeps, behind one interface with an embedded (SQLite)
//! and a shared (PostgreSQL) implementation in `cirrus-store`. Rules live in the callers; a
//! store only keeps records and enforces uniqueness.

use async_trait::async_trait;

use crate::model::client::AppClient;
use crate::model::domain::PoolDomain;
use crate::model::group::Group;
use crate::model::identity_provider::IdentityProvider;
use crate::model::resource_server::ResourceServer;
use crate::model::session::{AuditEvent, IdentityLink, JwtKeyRecord, RefreshTokenRecord};
use crate::model::user::User;
use crate::model::user_pool::UserPool;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint was hit; the string names what clashed.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The record to change does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// A stored record could not be decoded.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a listing, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The key to pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// The signing identity of a pool (its SAML request-signing certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSigningKey {
    pub pool_id: String,
    /// Base64 X.509 DER.
    pub certificate: String,
    /// PKCS#8 sealed under the master key.
    pub private_key_sealed: String,
    pub created: i64,
}

/// How ListUsers narrows its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    /// Every user.
    All,
    /// `username` (exact or prefix).
    Username {
        value: String,
        prefix: bool,
        ignore_case: bool,
    },
    /// `cognito:user_status`.
    Status(String),
    /// `status` (`Enabled` / `Disabled`).
    Enabled(bool),
    /// `sub`.
    Sub { value: String, prefix: bool },
    /// A stored attribute (email, name, ...).
    Attribute {
        name: String,
        value: String,
        prefix: bool,
        ignore_case: bool,
    },
}

/// A change to a pool, applied under the pool's write lock.
pub type PoolChange = Box<dyn FnOnce(&mut UserPool) -> crate::Result<()> + Send>;
/// A change to a user, applied under the user's write lock.
pub type UserChange = Box<dyn FnOnce(&mut User) -> crate::Result<()> + Send>;

/// Persistence for every record Cirrus keeps.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // --- user pools ---
    /// Inserts a pool with its signing key, in one transaction.
    async fn create_pool(&self, pool: &UserPool, key: &PoolSigningKey) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    /// Replaces a pool's record.
    async fn put_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Changes a pool under a write lock: reads it, applies `change`, writes it, in one
    /// transaction, so concurrent changes are serialized instead of lost.
    async fn update_pool(&self, pool_id: &str, change: PoolChange) -> crate::Result<UserPool>;
    /// Deletes a pool and everything in it.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()>;
    async fn list_pools(&self, limit: usize, after: Option<&str>) -> StoreResult<Page<UserPool>>;
    async fn pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>>;

    // --- app clients ---
    async fn create_client(&self, client: &AppClient) -> StoreResult<()>;
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<AppClient>>;
    /// Finds a client by id alone (client ids are unique across pools).
    async fn find_client(&self, client_id: &str) -> StoreResult<Option<AppClient>>;
    async fn put_client(&self, client: &AppClient) -> StoreResult<()>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()>;
    async fn list_clients(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<AppClient>>;
    async fn count_clients(&self, pool_id: &str) -> StoreResult<usize>;

    // --- domains ---
    async fn create_domain(&self, domain: &PoolDomain) -> StoreResult<()>;
    async fn get_domain(&self, domain: &str) -> StoreResult<Option<PoolDomain>>;
    async fn put_domain(&self, domain: &PoolDomain) -> StoreResult<()>;
    async fn delete_domain(&self, domain: &str) -> StoreResult<()>;
    async fn pool_domains(&self, pool_id: &str) -> StoreResult<Vec<PoolDomain>>;

    // --- identity providers ---
    /// Inserts a provider and claims its identifiers (compared without case); a clash on either
    /// is a `Conflict`.
    async fn create_provider(&self, provider: &IdentityProvider) -> StoreResult<()>;
    async fn get_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// Replaces a provider and its identifiers.
    async fn put_provider(&self, provider: &IdentityProvider) -> StoreResult<()>;
    async fn delete_provider(&self, pool_id: &str, name: &str) -> StoreResult<()>;
    async fn list_providers(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<IdentityProvider>>;
    async fn provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    async fn count_providers(&self, pool_id: &str) -> StoreResult<usize>;

    // --- resource servers ---
    async fn create_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>>;
    async fn put_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<()>;
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<ResourceServer>>;

    // --- users ---
    /// Inserts a user. With `fold_case` (case-insensitive pools) usernames that differ only in
    /// case clash.
    async fn create_user(&self, user: &User, fold_case: bool) -> StoreResult<()>;
    /// Inserts a user whose values of `unique` attributes no other user of the pool may share
    /// (compared without case when `fold_case`); the check and the insert are one transaction
    /// under the pool's lock. A clash is a `Conflict` naming the attribute (`alias <name>`).
    async fn create_user_unique(
        &self,
        user: &User,
        fold_case: bool,
        unique: &[String],
    ) -> StoreResult<()>;
    /// Finds a user by username, ignoring case when `fold_case`.
    async fn get_user(
        &self,
        pool_id: &str,
        username: &str,
        fold_case: bool,
    ) -> StoreResult<Option<User>>;
    /// Finds users whose attribute equals a value (aliases, sign-in with email).
    async fn find_users_by_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
        ignore_case: bool,
    ) -> StoreResult<Vec<User>>;
    /// Replaces a user's status, flag and attributes.
    async fn put_user(&self, user: &User) -> StoreResult<()>;
    /// Changes a user under a write lock (see [`Store::update_pool`]).
    async fn update_user(
        &self,
        pool_id: &str,
        username: &str,
        change: UserChange,
    ) -> crate::Result<User>;
    async fn delete_user(&self, pool_id: &str, username: &str) -> StoreResult<()>;
    async fn list_users(
        &self,
        pool_id: &str,
        filter: &UserFilter,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<User>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<usize>;

    // --- groups ---
    async fn create_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    async fn put_group(&self, group: &Group) -> StoreResult<()>;
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()>;
    async fn list_groups(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<Group>>;
    async fn add_user_to_group(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> StoreResult<()>;
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> StoreResult<()>;
    async fn groups_of_user(
        &self,
        pool_id: &str,
        username: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<Group>>;
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<User>>;

    // --- short-lived records (auth sessions, codes, replay cache, hosted-UI sessions) ---
    /// Inserts a record; an unexpired record with the same kind and key is a `Conflict` (this is
    /// how the replay cache refuses a second use).
    async fn put_ephemeral(
        &self,
        kind: &str,
        key: &str,
        pool_id: &str,
        expires: i64,
        doc: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Removes and returns an unexpired record: whoever takes it first gets it, once.
    async fn take_ephemeral(&self, kind: &str, key: &str, now: i64) -> StoreResult<Option<String>>;
    /// Reads an unexpired record without consuming it.
    async fn get_ephemeral(&self, kind: &str, key: &str, now: i64) -> StoreResult<Option<String>>;
    async fn delete_ephemeral(&self, kind: &str, key: &str) -> StoreResult<()>;
    /// Deletes every expired short-lived record; returns how many.
    async fn purge_expired(&self, now: i64) -> StoreResult<u64>;

    // --- JWT signing keys ---
    async fn add_jwt_key(&self, key: &JwtKeyRecord) -> StoreResult<()>;
    async fn jwt_keys(&self, pool_id: &str) -> StoreResult<Vec<JwtKeyRecord>>;
    /// Sets when a key stops signing.
    async fn retire_jwt_key(&self, pool_id: &str, kid: &str, retire_after: i64) -> StoreResult<()>;

    // --- refresh tokens and revocation ---
    async fn put_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()>;
    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Revokes one refresh token and its session (`origin_jti`); returns the record if it existed.
    async fn revoke_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Revokes every refresh token of a user (optionally only those from one provider) and their
    /// sessions; returns how many tokens.
    async fn revoke_user_tokens(
        &self,
        pool_id: &str,
        username: &str,
        provider: Option<&str>,
        now: i64,
    ) -> StoreResult<u64>;
    /// Whether a session was revoked.
    async fn is_origin_revoked(&self, pool_id: &str, origin_jti: &str) -> StoreResult<bool>;

    // --- audit trail ---
    async fn add_audit_event(&self, event: &AuditEvent) -> StoreResult<()>;
    /// The newest events first, of one pool or of all.
    async fn audit_events(
        &self,
        pool_id: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>>;

    // --- linked identities ---
    /// Adds a link; one already present for the same identity is a `Conflict`.
    async fn add_link(&self, link: &IdentityLink) -> StoreResult<()>;
    /// The links of one provider in a pool.
    async fn provider_links(&self, pool_id: &str, provider: &str)
    -> StoreResult<Vec<IdentityLink>>;
    /// The links that sign in as one user.
    async fn user_links(&self, pool_id: &str, username: &str) -> StoreResult<Vec<IdentityLink>>;
    /// Removes a link; returns it if it existed.
    async fn remove_link(
        &self,
        pool_id: &str,
        provider: &str,
        attribute: &str,
        value: &str,
    ) -> StoreResult<Option<IdentityLink>>;
}
