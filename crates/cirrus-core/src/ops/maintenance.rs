//! Work a running deployment does on its own: purging expired sign-in state, refreshing IdP
//! metadata fetched from a URL, and rotating JWT signing keys on a schedule.

use super::Cirrus;
use crate::error::Result;
use crate::model::Timestamp;
use crate::model::identity_provider::IdentityProvider;
use crate::model::user_pool::UserPool;
use crate::ops::identity_providers::check_saml_metadata;

/// How often URL metadata is fetched again at most (Cognito refreshes about every 6 hours).
pub const METADATA_REFRESH_MS: i64 = 6 * 60 * 60 * 1000;

/// What one metadata refresh pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefreshReport {
    pub refreshed: Vec<String>,
    /// Providers whose fetch or check failed; their old metadata stays in force.
    pub failed: Vec<(String, String)>,
}

impl Cirrus {
    pub(crate) async fn all_pools(&self) -> Result<Vec<UserPool>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list_pools(100, after.as_deref()).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    pub(crate) async fn all_providers(&self, pool_id: &str) -> Result<Vec<IdentityProvider>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list_providers(pool_id, 100, after.as_deref())
                .await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// Deletes expired codes, pending sign-ins, replay-cache entries and sessions.
    pub async fn purge_expired(&self) -> Result<u64> {
        Ok(self.store.purge_expired(self.now()).await?)
    }

    /// Fetches again the metadata of every SAML provider configured by `MetadataURL` whose copy
    /// is older than `max_age_ms`. A document that no longer passes the checks is not taken:
    /// the provider keeps working on its last good metadata, and the failure is audited.
    pub async fn refresh_metadata(&self, max_age_ms: i64) -> Result<RefreshReport> {
        let now = self.now();
        let mut report = RefreshReport::default();
        for pool in self.all_pools().await? {
            for mut provider in self.all_providers(&pool.id).await? {
                let Some(url) = provider.provider_details.get("MetadataURL").cloned() else {
                    continue;
                };
                if provider
                    .metadata_fetched_at
                    .is_some_and(|t| now - t.0 < max_age_ms)
                {
                    continue;
                }
                let name = format!("{}/{}", pool.id, provider.provider_name);
                let outcome = match self.fetcher.fetch(&url).await {
                    Ok(xml) => check_saml_metadata(&xml, &provider.provider_details, now)
                        .map(|_| xml)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(xml) => {
                        provider.metadata_xml = Some(xml);
                        provider.metadata_fetched_at = Some(Timestamp(now));
                        self.store.put_provider(&provider).await?;
                        report.refreshed.push(name);
                    }
                    Err(reason) => {
                        self.record(
                            &pool.id,
                            "metadata.refresh_failed",
                            serde_json::json!({"provider": provider.provider_name, "url": url, "reason": reason}),
                        )
                        .await?;
                        report.failed.push((name, reason));
                    }
                }
            }
        }
        Ok(report)
    }

    /// Rotates the JWT keys of every pool whose signing keys are older than `max_age_ms`.
    pub async fn rotate_due_jwt_keys(&self, max_age_ms: i64) -> Result<Vec<String>> {
        let now = self.now();
        let mut rotated = Vec::new();
        for pool in self.all_pools().await? {
            let keys = self.store.jwt_keys(&pool.id).await?;
            let newest = keys
                .iter()
                .filter(|k| k.retire_after > now)
                .map(|k| k.created)
                .max();
            if newest.is_some_and(|created| now - created >= max_age_ms) {
                self.rotate_jwt_keys(&pool.id).await?;
                self.record(
                    &pool.id,
                    "keys.rotated",
                    serde_json::json!({"reason": "schedule"}),
                )
                .await?;
                rotated.push(pool.id);
            }
        }
        Ok(rotated)
    }
}
