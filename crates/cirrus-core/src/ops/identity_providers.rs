//! Identity providers: Create/Describe/Update/Delete/ListIdentityProviders and
//! GetIdentityProviderByIdentifier. SAML metadata is parsed and checked when it is configured.

use std::collections::BTreeMap;

use cirrus_saml::IdpMetadata;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{Cirrus, page_size, token};
use crate::attribute_mapping::{check_client_can_write, check_mapping};
use crate::error::{Error, Result};
use crate::model::identity_provider::IdentityProvider;
use crate::model::user_pool::UserPool;
use crate::store::StoreError;
use crate::validate;

/// The most identity providers one pool may have.
pub const MAX_PROVIDERS_PER_POOL: usize = 300;

const PROVIDER_TYPES: &[&str] = &[
    "SAML",
    "Facebook",
    "Google",
    "LoginWithAmazon",
    "SignInWithApple",
    "OIDC",
];
const SOCIAL_TYPES: &[&str] = &["Facebook", "Google", "LoginWithAmazon", "SignInWithApple"];

/// `ProviderDetails` keys an admin may set on a SAML provider.
pub const SAML_INPUT_KEYS: &[&str] = &[
    "MetadataFile",
    "MetadataURL",
    "IDPSignout",
    "IDPInit",
    "EncryptedResponses",
    "RequestSigningAlgorithm",
    "CirrusClockSkewSeconds",
    "CirrusAllowSha1",
    "CirrusNameIdFormat",
    "CirrusEntityId",
];

/// `ProviderDetails` keys Cirrus derives for a SAML provider; ignored when sent back.
pub const SAML_OUTPUT_KEYS: &[&str] = &[
    "ActiveEncryptionCertificate",
    "SSORedirectBindingURI",
    "SLORedirectBindingURI",
];

/// The largest MetadataFile accepted (Cognito's StringType limit).
pub const MAX_METADATA_FILE: usize = 131_072;

/// Create/UpdateIdentityProvider's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderRequest {
    pub user_pool_id: Option<String>,
    pub provider_name: Option<String>,
    pub provider_type: Option<String>,
    pub provider_details: Option<BTreeMap<String, String>>,
    pub attribute_mapping: Option<BTreeMap<String, String>>,
    pub idp_identifiers: Option<Vec<String>>,
}

/// A provider as Describe shows it, derived keys merged into `ProviderDetails`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderView {
    pub user_pool_id: String,
    pub provider_name: String,
    pub provider_type: String,
    pub provider_details: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub last_modified_date: crate::model::Timestamp,
    pub creation_date: crate::model::Timestamp,
}

/// The key-sealing context of a provider's encryption key.
pub fn encryption_key_aad(pool_id: &str, provider: &str) -> String {
    format!("pool:{pool_id}:idp:{provider}:saml-encryption")
}

fn check_flag(details: &BTreeMap<String, String>, key: &str) -> Result<()> {
    match details.get(key).map(String::as_str) {
        None | Some("true") | Some("false") => Ok(()),
        Some(other) => Err(Error::invalid(format!(
            "ProviderDetails.{key} must be \"true\" or \"false\", got \"{other}\"."
        ))),
    }
}

fn check_identifiers(identifiers: &[String]) -> Result<()> {
    validate::count(identifiers, "idpIdentifiers", 0, 50)?;
    let mut seen = std::collections::HashSet::new();
    for id in identifiers {
        validate::string(
            id,
            "idpIdentifiers.member",
            1,
            40,
            &validate::IDP_IDENTIFIER,
        )?;
        if !seen.insert(id.to_lowercase()) {
            return Err(Error::invalid(format!(
                "IdpIdentifiers lists '{id}' more than once."
            )));
        }
    }
    Ok(())
}

/// Parses a SAML provider's metadata and checks what Cirrus needs from it.
pub fn check_saml_metadata(
    xml: &str,
    details: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<IdpMetadata> {
    let entity = details.get("CirrusEntityId").map(String::as_str);
    let metadata = cirrus_saml::parse_idp_metadata(xml, entity).map_err(|e| {
        let hint = match e {
            cirrus_saml::MetadataError::AmbiguousEntity { .. } => {
                " Set the ProviderDetails key CirrusEntityId to the entityID of the one to use."
            }
            cirrus_saml::MetadataError::EntityNotFound(_) => {
                " Check ProviderDetails.CirrusEntityId."
            }
            _ => "",
        };
        let text = e.to_string();
        let sep = if hint.is_empty() || text.ends_with('.') {
            ""
        } else {
            "."
        };
        Error::invalid(format!("Invalid SAML metadata: {text}{sep}{hint}"))
    })?;
    if metadata.redirect_sso_url().is_none() {
        return Err(Error::invalid(
            "Invalid SAML metadata: the IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect binding, which is how Cirrus sends AuthnRequests.",
        ));
    }
    let now = OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .map_err(|e| Error::Internal(format!("clock out of range: {e}")))?;
    if metadata.is_expired(now) {
        return Err(Error::invalid(
            "Invalid SAML metadata: its validUntil is in the past; ask the IdP for current metadata.",
        ));
    }
    if metadata
        .signing_certificates
        .iter()
        .all(|c| c.not_after < now)
    {
        let subjects: Vec<String> = metadata
            .signing_certificates
            .iter()
            .map(|c| format!("{} (expired {})", c.subject, c.not_after.date()))
            .collect();
        return Err(Error::invalid(format!(
            "Invalid SAML metadata: every signing certificate has expired: {}.",
            subjects.join(", ")
        )));
    }
    if details.get("IDPSignout").is_some_and(|v| v == "true")
        && metadata.redirect_slo_endpoint().is_none()
    {
        return Err(Error::invalid(
            "IDPSignout is \"true\" but the metadata has no SingleLogoutService with the HTTP-Redirect binding.",
        ));
    }
    Ok(metadata)
}

fn check_saml_details(details: &BTreeMap<String, String>) -> Result<()> {
    for key in details.keys() {
        if !SAML_INPUT_KEYS.contains(&key.as_str()) && !SAML_OUTPUT_KEYS.contains(&key.as_str()) {
            return Err(Error::invalid(format!(
                "ProviderDetails key '{key}' is not supported for SAML providers. Supported keys: {}.",
                SAML_INPUT_KEYS.join(", ")
            )));
        }
    }
    match (details.get("MetadataFile"), details.get("MetadataURL")) {
        (None, None) => {
            return Err(Error::invalid(
                "At least one of the MetadataURL or MetadataFile should be provided.",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "Provide either MetadataURL or MetadataFile, not both.",
            ));
        }
        (Some(f), None) if f.len() > MAX_METADATA_FILE => {
            return Err(Error::invalid(format!(
                "MetadataFile is {} characters long; at most {MAX_METADATA_FILE} are allowed.",
                f.len()
            )));
        }
        _ => {}
    }
    for flag in [
        "IDPSignout",
        "IDPInit",
        "EncryptedResponses",
        "CirrusAllowSha1",
    ] {
        check_flag(details, flag)?;
    }
    if let Some(alg) = details.get("RequestSigningAlgorithm")
        && alg != "rsa-sha256"
    {
        return Err(Error::invalid(format!(
            "RequestSigningAlgorithm \"{alg}\" is not supported; the only value is \"rsa-sha256\"."
        )));
    }
    if let Some(skew) = details.get("CirrusClockSkewSeconds") {
        match skew.parse::<u32>() {
            Ok(s) if s <= 3600 => {}
            _ => {
                return Err(Error::invalid(format!(
                    "CirrusClockSkewSeconds must be a whole number of seconds from 0 to 3600, got \"{skew}\"."
                )));
            }
        }
    }
    if let Some(format) = details.get("CirrusNameIdFormat")
        && !format.starts_with("urn:oasis:names:tc:SAML:")
    {
        return Err(Error::invalid(format!(
            "CirrusNameIdFormat \"{format}\" is not a SAML NameID format URI (urn:oasis:names:tc:SAML:...)."
        )));
    }
    Ok(())
}

fn check_other_details(provider_type: &str, details: &BTreeMap<String, String>) -> Result<()> {
    let required: &[&str] = match provider_type {
        "OIDC" => &["client_id", "authorize_scopes", "oidc_issuer"],
        "SignInWithApple" => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        _ => &["client_id", "client_secret", "authorize_scopes"],
    };
    for key in required {
        if details.get(*key).is_none_or(|v| v.is_empty()) {
            return Err(Error::invalid(format!(
                "ProviderDetails must contain '{key}' for a {provider_type} provider."
            )));
        }
    }
    if let Some(issuer) = details.get("oidc_issuer") {
        let ok =
            url::Url::parse(issuer).is_ok_and(|u| u.scheme() == "https" || u.scheme() == "http");
        if !ok {
            return Err(Error::invalid(format!(
                "oidc_issuer '{issuer}' is not an absolute http(s) URL."
            )));
        }
    }
    Ok(())
}

impl Cirrus {
    /// Resolves the metadata document of a SAML provider: the file, or a fetch of the URL.
    async fn saml_metadata_source(
        &self,
        details: &BTreeMap<String, String>,
    ) -> Result<(String, Option<i64>)> {
        if let Some(file) = details.get("MetadataFile") {
            return Ok((file.clone(), None));
        }
        let url = details.get("MetadataURL").ok_or_else(|| {
            Error::invalid("At least one of the MetadataURL or MetadataFile should be provided.")
        })?;
        let xml = self
            .fetcher
            .fetch(url)
            .await
            .map_err(Error::InvalidParameter)?;
        Ok((xml, Some(self.now())))
    }

    fn view_provider(&self, p: IdentityProvider) -> ProviderView {
        let mut details = p.provider_details.clone();
        if p.is_saml() {
            if let Some(meta) = self.metadata_of(&p) {
                if let Some(sso) = meta.redirect_sso_url() {
                    details.insert("SSORedirectBindingURI".into(), sso.to_string());
                }
                if let Some(slo) = meta.redirect_slo_endpoint() {
                    details.insert("SLORedirectBindingURI".into(), slo.location.clone());
                }
            }
            if let Some(cert) = &p.encryption_certificate {
                details.insert("ActiveEncryptionCertificate".into(), cert.clone());
            }
        }
        ProviderView {
            user_pool_id: p.user_pool_id,
            provider_name: p.provider_name,
            provider_type: p.provider_type,
            provider_details: details,
            attribute_mapping: p.attribute_mapping,
            idp_identifiers: p.idp_identifiers,
            last_modified_date: p.last_modified_date,
            creation_date: p.creation_date,
        }
    }

    /// Validates a provider's details, mapping and identifiers; for SAML also fetches and parses
    /// the metadata. Returns the cleaned details and the metadata document.
    async fn check_provider(
        &self,
        pool: &UserPool,
        provider_type: &str,
        details: &BTreeMap<String, String>,
        mapping: &BTreeMap<String, String>,
        identifiers: &[String],
    ) -> Result<(BTreeMap<String, String>, Option<(String, Option<i64>)>)> {
        check_identifiers(identifiers)?;
        check_mapping(&pool.schema_attributes, provider_type, mapping)?;
        if provider_type == "SAML" {
            check_saml_details(details)?;
            let cleaned: BTreeMap<String, String> = details
                .iter()
                .filter(|(k, _)| !SAML_OUTPUT_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let (xml, fetched) = self.saml_metadata_source(&cleaned).await?;
            check_saml_metadata(&xml, &cleaned, self.now())?;
            Ok((cleaned, Some((xml, fetched))))
        } else {
            check_other_details(provider_type, details)?;
            Ok((details.clone(), None))
        }
    }

    fn identifier_clash(&self, e: StoreError, name: &str) -> Error {
        match e {
            StoreError::Conflict(what) if what.starts_with("identifier ") => {
                Error::invalid(format!(
                    "Duplicate IdpIdentifier: {} already belongs to another identity provider of this user pool.",
                    what.trim_start_matches("identifier ")
                ))
            }
            StoreError::Conflict(_) => Error::DuplicateProvider(format!(
                "A provider with the name {name} already exists in this user pool."
            )),
            other => other.into(),
        }
    }

    /// CreateIdentityProvider.
    pub async fn create_provider(&self, req: ProviderRequest) -> Result<ProviderView> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        let name = validate::required(&req.provider_name, "providerName")?;
        validate::string(name, "providerName", 1, 32, &validate::PROVIDER_NAME_V2)?;
        let provider_type = validate::required(&req.provider_type, "providerType")?;
        validate::one_of(provider_type, "providerType", PROVIDER_TYPES)?;
        let details = validate::required(&req.provider_details, "providerDetails")?;
        if name.eq_ignore_ascii_case("cognito") {
            return Err(Error::invalid(format!(
                "Provider name {name} is reserved for the user pool's own users."
            )));
        }
        if SOCIAL_TYPES.contains(&provider_type.as_str()) && name != provider_type {
            return Err(Error::invalid(format!(
                "Provider {name} cannot be of type {provider_type}."
            )));
        }
        if !SOCIAL_TYPES.contains(&provider_type.as_str()) && SOCIAL_TYPES.contains(&name.as_str())
        {
            return Err(Error::invalid(format!(
                "Provider name {name} is reserved for the {name} provider type."
            )));
        }
        let pool = self.pool(pool_id).await?;
        let mapping = req.attribute_mapping.clone().unwrap_or_default();
        let identifiers = req.idp_identifiers.clone().unwrap_or_default();
        if self.store.get_provider(pool_id, name).await?.is_some() {
            return Err(Error::DuplicateProvider(format!(
                "A provider with the name {name} already exists in this user pool."
            )));
        }
        if self.store.count_providers(pool_id).await? >= MAX_PROVIDERS_PER_POOL {
            return Err(Error::LimitExceeded(format!(
                "User pool {pool_id} already has {MAX_PROVIDERS_PER_POOL} identity providers."
            )));
        }
        let (details, metadata) = self
            .check_provider(&pool, provider_type, details, &mapping, &identifiers)
            .await?;
        let now = self.timestamp();
        let (encryption_certificate, encryption_key_sealed) = if provider_type == "SAML" {
            let (cert, key) = self.vault.new_signing_identity(
                &format!("urn:amazon:cognito:sp:{pool_id} encryption {name}"),
                &encryption_key_aad(pool_id, name),
                now.0,
            )?;
            (Some(cert), Some(key))
        } else {
            (None, None)
        };
        let provider = IdentityProvider {
            user_pool_id: pool_id.clone(),
            provider_name: name.clone(),
            provider_type: provider_type.clone(),
            provider_details: details,
            attribute_mapping: mapping,
            idp_identifiers: identifiers,
            creation_date: now,
            last_modified_date: now,
            metadata_xml: metadata.as_ref().map(|(xml, _)| xml.clone()),
            metadata_fetched_at: metadata.and_then(|(_, at)| at).map(crate::model::Timestamp),
            encryption_certificate,
            encryption_key_sealed,
        };
        self.store
            .create_provider(&provider)
            .await
            .map_err(|e| self.identifier_clash(e, name))?;
        Ok(self.view_provider(provider))
    }

    /// Loads a provider or answers ResourceNotFound.
    pub async fn provider(&self, pool_id: &str, name: &str) -> Result<IdentityProvider> {
        validate::string(name, "providerName", 1, 32, &validate::PROVIDER_NAME)?;
        self.pool(pool_id).await?;
        self.store
            .get_provider(pool_id, name)
            .await?
            .ok_or_else(|| {
                Error::ResourceNotFound(format!("Identity provider {name} does not exist."))
            })
    }

    /// DescribeIdentityProvider.
    pub async fn describe_provider(&self, pool_id: &str, name: &str) -> Result<ProviderView> {
        Ok(self.view_provider(self.provider(pool_id, name).await?))
    }

    /// UpdateIdentityProvider: each supplied member replaces the stored one. ProviderDetails
    /// without a metadata source keeps the stored source.
    pub async fn update_provider(&self, req: ProviderRequest) -> Result<ProviderView> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        let name = validate::required(&req.provider_name, "providerName")?;
        let mut provider = self.provider(pool_id, name).await?;
        let pool = self.pool(pool_id).await?;
        let mut details = req
            .provider_details
            .clone()
            .unwrap_or_else(|| provider.provider_details.clone());
        if provider.is_saml()
            && !details.contains_key("MetadataFile")
            && !details.contains_key("MetadataURL")
        {
            for key in ["MetadataFile", "MetadataURL"] {
                if let Some(v) = provider.provider_details.get(key) {
                    details.insert(key.to_string(), v.clone());
                }
            }
        }
        let mapping = req
            .attribute_mapping
            .clone()
            .unwrap_or_else(|| provider.attribute_mapping.clone());
        let identifiers = req
            .idp_identifiers
            .clone()
            .unwrap_or_else(|| provider.idp_identifiers.clone());
        let (details, metadata) = self
            .check_provider(
                &pool,
                &provider.provider_type,
                &details,
                &mapping,
                &identifiers,
            )
            .await?;
        provider.provider_details = details;
        provider.attribute_mapping = mapping;
        provider.idp_identifiers = identifiers;
        if let Some((xml, fetched)) = metadata {
            provider.metadata_xml = Some(xml);
            provider.metadata_fetched_at = fetched.map(crate::model::Timestamp);
        }
        for client in self.clients_supporting(pool_id, name).await? {
            check_client_can_write(&pool.schema_attributes, &client, &provider)?;
        }
        provider.last_modified_date = self.timestamp();
        self.store
            .put_provider(&provider)
            .await
            .map_err(|e| self.identifier_clash(e, name))?;
        Ok(self.view_provider(provider))
    }

    /// DeleteIdentityProvider: refused while an app client still lists the provider.
    pub async fn delete_provider(&self, pool_id: &str, name: &str) -> Result<()> {
        self.provider(pool_id, name).await?;
        let clients = self.clients_supporting(pool_id, name).await?;
        if !clients.is_empty() {
            let ids: Vec<&str> = clients.iter().map(|c| c.client_id.as_str()).collect();
            return Err(Error::invalid(format!(
                "Identity provider {name} is still listed in SupportedIdentityProviders of app client(s) {}; remove it there first.",
                ids.join(", ")
            )));
        }
        self.store.delete_provider(pool_id, name).await?;
        Ok(())
    }

    /// ListIdentityProviders.
    pub async fn list_providers(
        &self,
        pool_id: &str,
        max: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<ProviderView>, Option<String>)> {
        self.pool(pool_id).await?;
        let limit = page_size(max, "maxResults", 0, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .list_providers(pool_id, limit, after.as_deref())
            .await?;
        Ok((
            page.items
                .into_iter()
                .map(|p| self.view_provider(p))
                .collect(),
            token::encode(page.next),
        ))
    }

    /// GetIdentityProviderByIdentifier.
    pub async fn provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<ProviderView> {
        validate::string(
            identifier,
            "idpIdentifier",
            1,
            40,
            &validate::IDP_IDENTIFIER,
        )?;
        self.pool(pool_id).await?;
        self.store
            .provider_by_identifier(pool_id, identifier)
            .await?
            .map(|p| self.view_provider(p))
            .ok_or_else(|| {
                Error::ResourceNotFound(format!(
                    "Identity provider with identifier {identifier} does not exist."
                ))
            })
    }
}
