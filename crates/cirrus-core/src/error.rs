//! The domain's error type. Each variant names a Cognito error family; the HTTP edge turns the
//! variant into the wire `__type` (see `cirrus-server`).

use thiserror::Error;

/// Errors from the domain rules and the store beneath them.
#[derive(Debug, Error)]
pub enum Error {
    /// A request member is missing, malformed or breaks a rule.
    #[error("{0}")]
    InvalidParameter(String),
    /// The pool, client, domain, provider, group or resource server does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// The user does not exist.
    #[error("{0}")]
    UserNotFound(String),
    /// An identity provider with this name already exists in the pool.
    #[error("{0}")]
    DuplicateProvider(String),
    /// A username is taken.
    #[error("{0}")]
    UsernameExists(String),
    /// Another user already has this sign-in alias (email, phone number, preferred username).
    #[error("{0}")]
    AliasExists(String),
    /// A group name is taken.
    #[error("{0}")]
    GroupExists(String),
    /// An app client names a scope no resource server defines.
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// An app client's OAuth flows contradict each other.
    #[error("{0}")]
    InvalidOAuthFlow(String),
    /// A quota was reached.
    #[error("{0}")]
    LimitExceeded(String),
    /// The request body is not the JSON the operation takes (wrong types, not an object).
    #[error("{0}")]
    Serialization(String),
    /// The caller may not do this.
    #[error("{0}")]
    NotAuthorized(String),
    /// Client credentials were wrong (RevokeToken).
    #[error("{0}")]
    Unauthorized(String),
    /// The operation is switched off for this client.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// The token is of a kind the operation does not take.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// A concurrent writer changed the same thing.
    #[error("{0}")]
    ConcurrentModification(String),
    /// The store failed; the message is for logs, not for callers.
    #[error("store error: {0}")]
    Store(String),
    /// Something that should not happen happened.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand for domain results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::InvalidParameter`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidParameter(msg.into())
    }

    /// The "User pool X does not exist." error.
    pub fn pool_not_found(pool_id: &str) -> Self {
        Error::ResourceNotFound(format!("User pool {pool_id} does not exist."))
    }

    /// The "User does not exist." error.
    pub fn user_not_found() -> Self {
        Error::UserNotFound("User does not exist.".into())
    }
}
