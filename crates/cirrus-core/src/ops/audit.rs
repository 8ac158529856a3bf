//! The audit trail: what happened in a pool, and why a sign-in was refused.

use serde_json::Value;

use super::Cirrus;
use crate::error::Result;
use crate::model::session::AuditEvent;

impl Cirrus {
    /// Adds an audit event; returns its id (the correlation id shown to users).
    pub(crate) async fn record(&self, pool_id: &str, kind: &str, detail: Value) -> Result<String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.store
            .add_audit_event(&AuditEvent {
                id: id.clone(),
                pool_id: pool_id.to_string(),
                at: self.now(),
                kind: kind.to_string(),
                detail,
            })
            .await?;
        Ok(id)
    }

    /// Records a change made through the admin API: `action` by `principal` (the access key id
    /// that signed it, or `unsigned` on an open development server), naming its `target`
    /// (identifiers only, never secrets or attribute values). Returns the event id.
    pub async fn record_admin_change(
        &self,
        pool_id: &str,
        action: &str,
        principal: &str,
        request_id: &str,
        target: Value,
    ) -> Result<String> {
        self.record(
            pool_id,
            &format!("admin.{action}"),
            serde_json::json!({
                "action": action,
                "principal": principal,
                "request_id": request_id,
                "target": target,
            }),
        )
        .await
    }

    /// The audit trail, newest first.
    pub async fn audit_events(
        &self,
        pool_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        Ok(self.store.audit_events(pool_id, limit).await?)
    }
}
