//! Identity providers: what the admin configured, plus what Cirrus derived and generated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// An identity provider as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    pub user_pool_id: String,
    pub provider_name: String,
    pub provider_type: String,
    /// The `ProviderDetails` keys the admin set (derived, output-only keys are not kept here).
    pub provider_details: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
    /// SAML: the metadata document in force (the uploaded file, or the last fetch of the URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_xml: Option<String>,
    /// SAML: when `metadata_xml` was fetched from `MetadataURL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_fetched_at: Option<Timestamp>,
    /// SAML: the certificate the IdP encrypts assertions to (base64 DER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate: Option<String>,
    /// SAML: the matching private key (PKCS#8), sealed under the master key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_sealed: Option<String>,
}

impl IdentityProvider {
    /// Whether this is a SAML provider.
    pub fn is_saml(&self) -> bool {
        self.provider_type == "SAML"
    }

    /// A boolean `ProviderDetails` flag (`"true"` / `"false"`).
    pub fn flag(&self, key: &str) -> bool {
        self.provider_details.get(key).is_some_and(|v| v == "true")
    }
}
