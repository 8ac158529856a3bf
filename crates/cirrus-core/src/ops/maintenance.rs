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

/// The shortest refresh interval a metadata document's `cacheDuration` (or an imminent
/// `validUntil`) can ask for: the refresh pass runs every ten minutes, and IdPs are not fetched
/// more often than that.
pub const METADATA_MIN_REFRESH_MS: i64 = 10 * 60 * 1000;

/// Which providers a metadata refresh pass fetches.
#[derive(Debug, Clone, Copy)]
enum RefreshScope<'a> {
    /// Every provider whose copy is older than its refresh interval.
    Due { max_age_ms: i64 },
    /// The providers of one pool (or one of them), now.
    Now {
        pool_id: &'a str,
        provider: Option<&'a str>,
    },
}

/// Whether metadata fetched at `fetched_at` (epoch ms) is due at `now`: when older than
/// `max_age_ms`, or than the document's `cacheDuration`, or when its `validUntil` falls before
/// the next regular refresh; never sooner than [`METADATA_MIN_REFRESH_MS`] after the last fetch.
fn refresh_due(
    fetched_at: Option<i64>,
    cache_duration: Option<std::time::Duration>,
    valid_until: Option<time::OffsetDateTime>,
    now: i64,
    max_age_ms: i64,
) -> bool {
    let Some(fetched) = fetched_at else {
        return true;
    };
    let mut max_age = max_age_ms;
    if let Some(d) = cache_duration {
        let asked = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        max_age = max_age.min(asked.max(METADATA_MIN_REFRESH_MS));
    }
    if valid_until.is_some_and(|t| t.unix_timestamp().saturating_mul(1000) - now < max_age) {
        max_age = max_age.min(METADATA_MIN_REFRESH_MS);
    }
    now - fetched >= max_age
}

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
    /// is due: older than `max_age_ms`, or than the document's own `cacheDuration`, or about to
    /// pass its `validUntil` (never more often than [`METADATA_MIN_REFRESH_MS`]). A document that
    /// no longer passes the checks is not taken: the provider keeps working on its last good
    /// metadata, and the failure is audited.
    pub async fn refresh_metadata(&self, max_age_ms: i64) -> Result<RefreshReport> {
        self.refresh_pass(RefreshScope::Due { max_age_ms }).await
    }

    /// Fetches again, now, the metadata of a pool's providers configured by `MetadataURL` (or of
    /// the one named), as after an IdP's certificate rollover. Naming a provider configured by
    /// `MetadataFile` is an error: there is nothing to fetch.
    pub async fn refresh_metadata_now(
        &self,
        pool_id: &str,
        provider: Option<&str>,
    ) -> Result<RefreshReport> {
        self.pool(pool_id).await?;
        if let Some(name) = provider
            && !self
                .provider(pool_id, name)
                .await?
                .provider_details
                .contains_key("MetadataURL")
        {
            return Err(crate::Error::invalid(format!(
                "Identity provider {name} is configured with MetadataFile, not MetadataURL: there is nothing to fetch. Update its MetadataFile instead."
            )));
        }
        self.refresh_pass(RefreshScope::Now { pool_id, provider })
            .await
    }

    /// Whether `provider`'s URL metadata is due for a refresh at `now`.
    fn metadata_due(&self, provider: &IdentityProvider, now: i64, max_age_ms: i64) -> bool {
        let metadata = self.metadata_of(provider);
        refresh_due(
            provider.metadata_fetched_at.map(|t| t.0),
            metadata.as_ref().and_then(|m| m.cache_duration),
            metadata.as_ref().and_then(|m| m.valid_until),
            now,
            max_age_ms,
        )
    }

    async fn refresh_pass(&self, scope: RefreshScope<'_>) -> Result<RefreshReport> {
        let now = self.now();
        let mut report = RefreshReport::default();
        let pools = match scope {
            RefreshScope::Due { .. } => self.all_pools().await?,
            RefreshScope::Now { pool_id, .. } => vec![self.pool(pool_id).await?],
        };
        for pool in pools {
            for mut provider in self.all_providers(&pool.id).await? {
                let Some(url) = provider.provider_details.get("MetadataURL").cloned() else {
                    continue;
                };
                let wanted = match scope {
                    RefreshScope::Due { max_age_ms } => {
                        self.metadata_due(&provider, now, max_age_ms)
                    }
                    RefreshScope::Now { provider: name, .. } => {
                        name.is_none_or(|n| n == provider.provider_name)
                    }
                };
                if !wanted {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MIN: i64 = 60 * 1000;
    const HOUR: i64 = 60 * MIN;

    fn at(ms: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(ms / 1000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn refresh_interval_follows_the_document() {
        let now = 1_000 * HOUR;
        // Never fetched: due. Otherwise the regular interval.
        assert!(refresh_due(None, None, None, now, METADATA_REFRESH_MS));
        assert!(!refresh_due(
            Some(now - 5 * HOUR),
            None,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        assert!(refresh_due(
            Some(now - 6 * HOUR),
            None,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        // cacheDuration PT1H shortens it; a longer one does not lengthen it.
        let hour = Some(Duration::from_secs(3600));
        assert!(refresh_due(
            Some(now - HOUR),
            hour,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        assert!(!refresh_due(
            Some(now - 59 * MIN),
            hour,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        let day = Some(Duration::from_secs(86_400));
        assert!(!refresh_due(
            Some(now - 5 * HOUR),
            day,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        // A tiny cacheDuration is held to the floor.
        let second = Some(Duration::from_secs(1));
        assert!(!refresh_due(
            Some(now - 5 * MIN),
            second,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        assert!(refresh_due(
            Some(now - 10 * MIN),
            second,
            None,
            now,
            METADATA_REFRESH_MS
        ));
        // validUntil before the next regular refresh: fetch at the floor interval.
        let soon = Some(at(now + 2 * HOUR));
        assert!(refresh_due(
            Some(now - 10 * MIN),
            None,
            soon,
            now,
            METADATA_REFRESH_MS
        ));
        assert!(!refresh_due(
            Some(now - 9 * MIN),
            None,
            soon,
            now,
            METADATA_REFRESH_MS
        ));
        let later = Some(at(now + 48 * HOUR));
        assert!(!refresh_due(
            Some(now - 10 * MIN),
            None,
            later,
            now,
            METADATA_REFRESH_MS
        ));
    }
}
