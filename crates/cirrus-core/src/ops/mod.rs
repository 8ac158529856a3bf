//! The operations of the user pool service, one module per resource. Each validates its input
//! against the API model and the pool's rules before it touches the store.

pub mod audit;
pub mod certificates;
pub mod clients;
pub mod domains;
pub mod federation;
pub mod groups;
pub mod identity_providers;
pub mod links;
pub mod maintenance;
pub mod oauth;
pub mod resource_servers;
pub mod sessions;
pub mod sp_metadata;
pub mod user_pools;
pub mod users;

use std::sync::Arc;

use crate::clock::{Clock, Millis};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use crate::model::user_pool::UserPool;
use crate::store::{Store, StoreError};
use crate::vault::Vault;

/// Settings of one Cirrus deployment that the rules depend on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The AWS-style region in pool ids and ARNs.
    pub region: String,
    /// The account id in ARNs.
    pub account_id: String,
    /// The URL this deployment is reached at, without a trailing slash.
    pub public_url: String,
}

/// Fetches IdP metadata from a `MetadataURL` (the I/O lives in the server).
#[async_trait::async_trait]
pub trait MetadataFetcher: Send + Sync + std::fmt::Debug {
    /// The document at `url`, or a message saying why it could not be had.
    async fn fetch(&self, url: &str) -> std::result::Result<String, String>;
}

/// The user pool service: the store, the clock, the keys and the deployment settings.
#[derive(Debug, Clone)]
pub struct Cirrus {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub vault: Arc<Vault>,
    pub keys: Arc<crate::tokens::KeyCache>,
    pub metadata: Arc<MetadataCache>,
    pub fetcher: Arc<dyn MetadataFetcher>,
    pub config: Arc<Config>,
}

/// Parsed IdP metadata by provider, so a sign-in does not parse XML and certificates again;
/// an entry is used only while the provider record is unchanged.
#[derive(Debug, Default)]
pub struct MetadataCache {
    parsed: std::sync::Mutex<std::collections::HashMap<ProviderKey, CachedMetadata>>,
}

/// (pool id, provider name).
type ProviderKey = (String, String);
/// (provider last modified, metadata fetched at, the parsed metadata).
type CachedMetadata = (i64, i64, Arc<cirrus_saml::IdpMetadata>);

impl Cirrus {
    /// The parsed metadata of a SAML provider (cached), or `None` if it has none or it does not
    /// parse.
    pub fn metadata_of(
        &self,
        p: &crate::model::identity_provider::IdentityProvider,
    ) -> Option<Arc<cirrus_saml::IdpMetadata>> {
        let key = (p.user_pool_id.clone(), p.provider_name.clone());
        let stamp = (
            p.last_modified_date.0,
            p.metadata_fetched_at.map(|t| t.0).unwrap_or(0),
        );
        if let Ok(map) = self.metadata.parsed.lock()
            && let Some((m, f, md)) = map.get(&key)
            && (*m, *f) == stamp
        {
            return Some(md.clone());
        }
        let xml = p.metadata_xml.as_deref()?;
        let md = Arc::new(
            cirrus_saml::parse_idp_metadata(
                xml,
                p.provider_details.get("CirrusEntityId").map(String::as_str),
            )
            .ok()?,
        );
        if let Ok(mut map) = self.metadata.parsed.lock() {
            map.insert(key, (stamp.0, stamp.1, md.clone()));
        }
        Some(md)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        crate::metrics::store_error(&e);
        Error::Store(e.to_string())
    }
}

/// The page size of a list call: `requested` within `1..=max`, `max` when absent.
pub(crate) fn page_size(requested: Option<i64>, member: &str, min: i64, max: i64) -> Result<usize> {
    match requested {
        None => Ok(max as usize),
        Some(n) => {
            crate::validate::range(n, member, min, max)?;
            Ok(if n == 0 { max as usize } else { n as usize })
        }
    }
}

/// Turns a NextToken into a store key and back. Tokens are opaque to callers.
pub(crate) mod token {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::error::{Error, Result};

    pub fn encode(key: Option<String>) -> Option<String> {
        key.map(|k| URL_SAFE_NO_PAD.encode(k.as_bytes()))
    }

    pub fn decode(token: Option<&String>) -> Result<Option<String>> {
        match token {
            None => Ok(None),
            Some(t) => URL_SAFE_NO_PAD
                .decode(t.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|k| !k.chars().any(char::is_control))
                .map(Some)
                .ok_or_else(|| Error::invalid("Invalid pagination token.")),
        }
    }
}

impl Cirrus {
    /// Now, in milliseconds.
    pub fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    /// Now, as a record timestamp.
    pub fn timestamp(&self) -> Timestamp {
        Timestamp(self.now())
    }

    /// Loads a pool or answers ResourceNotFound.
    pub async fn pool(&self, pool_id: &str) -> Result<UserPool> {
        crate::validate::string(pool_id, "userPoolId", 1, 55, &crate::validate::POOL_ID)?;
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| Error::pool_not_found(pool_id))
    }
}
