//! Sign-out: `/logout` ends the hosted-UI session and, for a SAML provider with `IDPSignout`,
//! sends a signed LogoutRequest to the IdP; its LogoutResponse comes back to `/saml2/logout`.

use cirrus_saml::messages::{
    LogoutExpectations, LogoutRequest, RedirectParam, redirect_url, validate_logout_response,
};
use cirrus_saml::response::NameId;
use cirrus_saml::xml::XmlLimits;

use super::*;

/// What `/logout` does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutStep {
    /// Send the browser here (the IdP's SLO endpoint, or straight to the target).
    Redirect(String),
}

/// A sign-out waiting for the IdP's LogoutResponse.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingLogout {
    pool_id: String,
    provider: String,
    request_id: String,
    target: String,
}

impl Cirrus {
    /// Ends the hosted-UI session `session` and decides where the browser goes: through the
    /// IdP's single logout when the session's provider has `IDPSignout`, else to `target`.
    pub async fn logout(
        &self,
        pool: &UserPool,
        session: Option<&str>,
        target: &str,
    ) -> Result<LogoutStep> {
        let now = self.now();
        let Some(session) = session else {
            return Ok(LogoutStep::Redirect(target.to_string()));
        };
        let key = sha256_b64(session);
        let hosted = self
            .store
            .take_ephemeral("hosted", &key, now)
            .await?
            .and_then(|doc| serde_json::from_str::<HostedSession>(&doc).ok())
            .filter(|h| h.pool_id == pool.id);
        let Some(hosted) = hosted else {
            return Ok(LogoutStep::Redirect(target.to_string()));
        };
        let Some(provider) = self.store.get_provider(&pool.id, &hosted.provider).await? else {
            return Ok(LogoutStep::Redirect(target.to_string()));
        };
        let (Some(name_id), true) = (hosted.name_id.clone(), provider.flag("IDPSignout")) else {
            return Ok(LogoutStep::Redirect(target.to_string()));
        };
        let metadata = provider.metadata_xml.as_deref().and_then(|xml| {
            cirrus_saml::parse_idp_metadata(
                xml,
                provider
                    .provider_details
                    .get("CirrusEntityId")
                    .map(String::as_str),
            )
            .ok()
        });
        let Some(slo) = metadata
            .as_ref()
            .and_then(|m| m.redirect_slo_endpoint())
            .map(|e| e.location.clone())
        else {
            return Ok(LogoutStep::Redirect(target.to_string()));
        };
        let request_id = format!("_{}", hex_id()?);
        let relay_state = random_token(24)?;
        let pending = PendingLogout {
            pool_id: pool.id.clone(),
            provider: provider.provider_name.clone(),
            request_id: request_id.clone(),
            target: target.to_string(),
        };
        let doc = serde_json::to_string(&pending).map_err(|e| Error::Internal(e.to_string()))?;
        self.store
            .put_ephemeral(
                "logout",
                &relay_state,
                &pool.id,
                now + AUTH_SESSION_MS,
                &doc,
                now,
            )
            .await?;
        let request = LogoutRequest {
            id: request_id,
            issue_instant: to_odt(now)?,
            destination: slo.clone(),
            sp_entity_id: sp_entity_id(&pool.id),
            name_id: NameId {
                value: name_id,
                format: hosted.name_id_format.clone(),
                name_qualifier: None,
                sp_name_qualifier: None,
            },
            session_index: hosted.session_index.clone(),
        };
        let xml = request
            .to_xml()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let signer = self.pool_redirect_signer(&pool.id).await?;
        let url = redirect_url(
            &slo,
            RedirectParam::Request,
            &xml,
            Some(&relay_state),
            Some(&signer),
        )
        .map_err(|e| Error::Internal(format!("cannot build the LogoutRequest redirect: {e}")))?;
        self.record(
            &pool.id,
            "sign_out.started",
            json!({"provider": provider.provider_name, "username": hosted.username}),
        )
        .await?;
        Ok(LogoutStep::Redirect(url))
    }

    /// The IdP's LogoutResponse (HTTP-POST) at `/saml2/logout`: checked against the pending
    /// sign-out its RelayState names, then the browser goes on to the application's target.
    /// A response that fails the checks is audited; the local session is already gone, so the
    /// browser still goes on.
    pub async fn finish_logout(
        &self,
        pool: &UserPool,
        saml_response: &str,
        relay_state: Option<&str>,
        slo_url: &str,
    ) -> Result<Option<String>> {
        let now = self.now();
        let Some(rs) = relay_state else {
            return Ok(None);
        };
        let Some(pending) = self
            .store
            .take_ephemeral("logout", rs, now)
            .await?
            .and_then(|doc| serde_json::from_str::<PendingLogout>(&doc).ok())
            .filter(|p| p.pool_id == pool.id)
        else {
            return Ok(None);
        };
        let provider = self.store.get_provider(&pool.id, &pending.provider).await?;
        let metadata = provider.as_ref().and_then(|p| {
            p.metadata_xml.as_deref().and_then(|xml| {
                cirrus_saml::parse_idp_metadata(
                    xml,
                    p.provider_details.get("CirrusEntityId").map(String::as_str),
                )
                .ok()
            })
        });
        let outcome = match metadata {
            Some(md) => {
                let trust = ProviderTrust::from_metadata(&md);
                let expect = LogoutExpectations {
                    slo_url: slo_url.to_string(),
                    request_id: pending.request_id.clone(),
                    require_signature: true,
                    clock_skew: Duration::from_secs(180),
                    now: to_odt(now)?,
                    limits: XmlLimits::MESSAGE,
                };
                validate_logout_response(saml_response, &trust, &expect)
                    .map(|_| ())
                    .map_err(|e| (e.check(), e.to_string()))
            }
            None => Err((
                "provider",
                "the provider or its metadata is gone".to_string(),
            )),
        };
        match outcome {
            Ok(()) => {
                self.record(
                    &pool.id,
                    "sign_out.completed",
                    json!({"provider": pending.provider}),
                )
                .await?;
            }
            Err((check, message)) => {
                self.record(
                    &pool.id,
                    "sign_out.failed",
                    json!({"provider": pending.provider, "check": check, "message": message}),
                )
                .await?;
            }
        }
        Ok(Some(pending.target))
    }
}
