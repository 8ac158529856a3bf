//! The few counters the domain records through the `metrics` facade: sign-ins finished at the
//! ACS, token sets issued, and store failures. Every label value is a `&'static str` chosen in
//! code, so no pool, provider, user or NameID can reach a label. Without an installed recorder
//! (library use, tests) each call is a no-op.

use crate::store::StoreError;

/// Counter: federated sign-ins finished at the ACS, by `outcome` and the `check` that refused.
pub const SIGN_INS: &str = "cirrus_federated_sign_ins_total";
/// Counter: token sets issued, by `grant_type`.
pub const TOKENS_ISSUED: &str = "cirrus_tokens_issued_total";
/// Counter: store failures that reached an operation as an error, by `kind`.
pub const STORE_ERRORS: &str = "cirrus_store_errors_total";

/// How tokens were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `/oauth2/token` with a code.
    AuthorizationCode,
    /// `/oauth2/token` with a refresh token.
    RefreshToken,
    /// `/oauth2/token` for a confidential client, no user.
    ClientCredentials,
    /// Tokens in the redirect's fragment (`response_type=token`).
    Implicit,
}

impl Grant {
    /// The `grant_type` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
            Grant::Implicit => "implicit",
        }
    }
}

/// A sign-in finished with a code or tokens for the application.
pub(crate) fn sign_in_succeeded() {
    metrics::counter!(SIGN_INS, "outcome" => "success", "check" => "none").increment(1);
}

/// A sign-in was refused by `check` (the name the audit event records, e.g. `signature`,
/// `replay`, `required_attribute`).
pub(crate) fn sign_in_refused(check: &'static str) {
    metrics::counter!(SIGN_INS, "outcome" => "refused", "check" => check).increment(1);
}

/// A sign-in failed on an internal or store error.
pub(crate) fn sign_in_failed() {
    metrics::counter!(SIGN_INS, "outcome" => "error", "check" => "none").increment(1);
}

/// A set of tokens was issued.
pub(crate) fn tokens_issued(grant: Grant) {
    metrics::counter!(TOKENS_ISSUED, "grant_type" => grant.as_str()).increment(1);
}

/// A store error became an operation's error.
pub(crate) fn store_error(e: &StoreError) {
    let kind = match e {
        StoreError::Conflict(_) => "conflict",
        StoreError::NotFound(_) => "not_found",
        StoreError::Backend(_) => "backend",
        StoreError::Corrupt(_) => "corrupt",
    };
    metrics::counter!(STORE_ERRORS, "kind" => kind).increment(1);
}

/// Registers the help text of the domain's metrics with the installed recorder.
pub fn describe() {
    metrics::describe_counter!(
        SIGN_INS,
        "Federated sign-ins finished at the ACS, by outcome (success, refused, error) and the check that refused (none otherwise)."
    );
    metrics::describe_counter!(
        TOKENS_ISSUED,
        "Token sets issued, by grant type (authorization_code, refresh_token, client_credentials, implicit)."
    );
    metrics::describe_counter!(
        STORE_ERRORS,
        "Store failures that reached an operation as an error, by kind (backend, corrupt, conflict, not_found)."
    );
}
