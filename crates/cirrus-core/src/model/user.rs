//! Users and their attributes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// `AttributeType`: one name/value pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// A user's account status (`UserStatusType`).
pub const USER_STATUSES: &[&str] = &[
    "UNCONFIRMED",
    "CONFIRMED",
    "ARCHIVED",
    "COMPROMISED",
    "UNKNOWN",
    "RESET_REQUIRED",
    "FORCE_CHANGE_PASSWORD",
    "EXTERNAL_PROVIDER",
];

/// A user of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub pool_id: String,
    pub username: String,
    pub sub: String,
    pub status: String,
    pub enabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Attribute values by name, `sub` included.
    pub attributes: BTreeMap<String, String>,
}

impl User {
    /// The attributes as Cognito lists them, `sub` first, then by name.
    pub fn attribute_list(&self, only: Option<&[String]>) -> Vec<Attribute> {
        let wanted = |name: &str| only.is_none_or(|names| names.iter().any(|n| n == name));
        let mut out = Vec::with_capacity(self.attributes.len());
        if wanted("sub") {
            out.push(Attribute {
                name: "sub".into(),
                value: Some(self.sub.clone()),
            });
        }
        out.extend(
            self.attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "sub" && wanted(k))
                .map(|(k, v)| Attribute {
                    name: k.clone(),
                    value: Some(v.clone()),
                }),
        );
        out
    }
}
