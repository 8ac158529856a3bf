//! Resource servers and their custom scopes.

use serde::{Deserialize, Serialize};

/// `ResourceServerScopeType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerScope {
    pub scope_name: Option<String>,
    pub scope_description: Option<String>,
}

/// `ResourceServerType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServer {
    pub user_pool_id: String,
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<ResourceServerScope>,
}

impl ResourceServer {
    /// The full scope strings (`identifier/scope`) this server defines.
    pub fn scope_strings(&self) -> impl Iterator<Item = String> + '_ {
        self.scopes
            .iter()
            .filter_map(|s| s.scope_name.as_deref())
            .map(|s| format!("{}/{s}", self.identifier))
    }
}
