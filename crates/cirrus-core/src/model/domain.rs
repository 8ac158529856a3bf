//! Hosted-UI domains: a prefix served under `{public_url}/domain/{prefix}`, or a custom host.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A domain bound to a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolDomain {
    pub domain: String,
    pub user_pool_id: String,
    /// The ACM certificate ARN of a custom domain; `None` for a prefix domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_login_version: Option<i64>,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
}

impl PoolDomain {
    /// Whether this is a custom (host-based) domain.
    pub fn is_custom(&self) -> bool {
        self.certificate_arn.is_some()
    }
}
