//! Sign-out: `/logout` ends the hosted-UI session and, for a SAML provider with `IDPSignout`,
//! sends a signed LogoutRequest to the IdP; its LogoutResponse comes back to `/saml2/logout`.

use cirrus_saml::messages::{
    LogoutExpectations, LogoutRequest, RedirectParam, SpLogoutResponse, redirect_url,
    validate_logout_response, validate_logout_response_redirect,
};
use cirrus_saml::response::NameId;
use cirrus_saml::slo::{
    LogoutRequestExpectations, validate_logout_request_post, validate_logout_request_redirect,
};
use cirrus_saml::xml::XmlLimits;

use super::*;

/// What `/logout` does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutStep {
    /// Send the browser here (the IdP's SLO endpoint, or straight to the target).
    Redirect(String),
}

/// The IdP's LogoutResponse to our LogoutRequest, as it arrived at `/saml2/logout`.
#[derive(Debug, Clone, Copy)]
pub enum LogoutAnswer<'a> {
    /// HTTP-POST: the base64 `SAMLResponse` and the RelayState.
    Post {
        saml_response: &'a str,
        relay_state: Option<&'a str>,
    },
    /// HTTP-Redirect: the raw query string, exactly as received.
    Redirect { raw_query: &'a str },
}

/// A LogoutRequest an IdP sent to `/saml2/logout`, as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum InboundLogout<'a> {
    /// HTTP-Redirect: the raw query string, exactly as received (the signature covers it).
    Redirect { raw_query: &'a str },
    /// HTTP-POST: the base64 `SAMLRequest` and the RelayState.
    Post {
        saml_request: &'a str,
        relay_state: Option<&'a str>,
    },
}

fn signed_out_key(pool_id: &str, provider: &str, username: &str) -> String {
    format!("{pool_id}:{provider}:{username}")
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
        let metadata = self.metadata_of(&provider);
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
        answer: LogoutAnswer<'_>,
        slo_url: &str,
    ) -> Result<Option<String>> {
        let now = self.now();
        let relay_state = match answer {
            LogoutAnswer::Post { relay_state, .. } => relay_state.map(str::to_string),
            LogoutAnswer::Redirect { raw_query } => {
                url::form_urlencoded::parse(raw_query.as_bytes())
                    .find(|(k, _)| k == "RelayState")
                    .map(|(_, v)| v.into_owned())
            }
        };
        let Some(rs) = relay_state.as_deref() else {
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
        let metadata = provider.as_ref().and_then(|p| self.metadata_of(p));
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
                match answer {
                    LogoutAnswer::Post { saml_response, .. } => {
                        validate_logout_response(saml_response, &trust, &expect)
                    }
                    LogoutAnswer::Redirect { raw_query } => {
                        validate_logout_response_redirect(raw_query, &trust, &expect)
                    }
                }
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

    /// Whether the IdP signed this user out (IdP-initiated logout) after `since`.
    pub(super) async fn signed_out_since(
        &self,
        pool: &UserPool,
        provider: &str,
        username: &str,
        since: i64,
    ) -> Result<bool> {
        let key = signed_out_key(&pool.id, provider, username);
        Ok(self
            .store
            .get_ephemeral("signed-out", &key, self.now())
            .await?
            .and_then(|doc| serde_json::from_str::<Value>(&doc).ok())
            .and_then(|v| v.get("at").and_then(Value::as_i64))
            .is_some_and(|at| at >= since))
    }

    /// An IdP-initiated LogoutRequest at `/saml2/logout`: checked against the signing
    /// certificates of the provider that sent it, then every hosted-UI session of that user from
    /// that provider ends, their refresh tokens from it are revoked, and the answer is a signed
    /// LogoutResponse redirect to the IdP. `Err(reason)` when the request is refused (audited).
    pub async fn idp_logout(
        &self,
        pool: &UserPool,
        message: InboundLogout<'_>,
        slo_url: &str,
    ) -> Result<std::result::Result<String, String>> {
        let now = self.now();
        let expect = LogoutRequestExpectations::new(slo_url, to_odt(now)?);
        let mut after: Option<String> = None;
        let mut last_error =
            "no SAML identity provider of this pool has a SingleLogoutService".to_string();
        loop {
            let page = self
                .store
                .list_providers(&pool.id, 100, after.as_deref())
                .await?;
            for provider in page.items.iter().filter(|p| p.is_saml()) {
                let Some(md) = self.metadata_of(provider) else {
                    continue;
                };
                let Some(slo) = md.redirect_slo_endpoint().map(|e| {
                    e.response_location
                        .clone()
                        .unwrap_or_else(|| e.location.clone())
                }) else {
                    continue;
                };
                let mut trust = ProviderTrust::from_metadata(&md);
                trust.algorithms.allow_sha1 = provider.flag("CirrusAllowSha1");
                let validated = match message {
                    InboundLogout::Redirect { raw_query } => {
                        validate_logout_request_redirect(raw_query, &trust, &expect)
                    }
                    InboundLogout::Post {
                        saml_request,
                        relay_state,
                    } => {
                        validate_logout_request_post(saml_request, &trust, &expect).map(|mut r| {
                            r.relay_state = relay_state.map(str::to_string);
                            r
                        })
                    }
                };
                let request = match validated {
                    Ok(r) => r,
                    Err(e) => {
                        last_error = format!("{} ({}): {e}", provider.provider_name, e.check());
                        continue;
                    }
                };
                let replay_key = format!("{}:{}", provider.provider_name, request.id);
                match self
                    .store
                    .put_ephemeral(
                        "slo-request",
                        &replay_key,
                        &pool.id,
                        now + AUTH_SESSION_MS * 2,
                        "{}",
                        now,
                    )
                    .await
                {
                    Ok(()) => {}
                    Err(crate::store::StoreError::Conflict(_)) => {
                        let reason = format!(
                            "LogoutRequest {} from {} was already used",
                            request.id, provider.provider_name
                        );
                        self.record(&pool.id, "sign_out.idp_refused", json!({"provider": provider.provider_name, "check": "replay", "message": reason}))
                            .await?;
                        return Ok(Err(reason));
                    }
                    Err(e) => return Err(e.into()),
                }
                let username = match self
                    .linked_username(pool, provider, &request.name_id.value)
                    .await?
                {
                    Some(u) => u,
                    None => super::super::federation::federated_username(
                        pool,
                        &provider.provider_name,
                        &request.name_id.value,
                    ),
                };
                let revoked = self
                    .store
                    .revoke_user_tokens(&pool.id, &username, Some(&provider.provider_name), now)
                    .await?;
                self.store
                    .delete_ephemeral(
                        "signed-out",
                        &signed_out_key(&pool.id, &provider.provider_name, &username),
                    )
                    .await?;
                self.store
                    .put_ephemeral(
                        "signed-out",
                        &signed_out_key(&pool.id, &provider.provider_name, &username),
                        &pool.id,
                        now + HOSTED_SESSION_MS,
                        &json!({"at": now}).to_string(),
                        now,
                    )
                    .await?;
                self.record(
                    &pool.id,
                    "sign_out.idp_initiated",
                    json!({"provider": provider.provider_name, "username": username, "revoked_refresh_tokens": revoked}),
                )
                .await?;
                let answer = SpLogoutResponse::answering(
                    &request,
                    format!("_{}", hex_id()?),
                    to_odt(now)?,
                    slo,
                    sp_entity_id(&pool.id),
                );
                let signer = self.pool_redirect_signer(&pool.id).await?;
                let url = answer
                    .redirect_url(request.relay_state.as_deref(), Some(&signer))
                    .map_err(|e| {
                        Error::Internal(format!("cannot build the LogoutResponse: {e}"))
                    })?;
                return Ok(Ok(url));
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        self.record(
            &pool.id,
            "sign_out.idp_refused",
            json!({"check": "logout_request", "message": last_error}),
        )
        .await?;
        Ok(Err(last_error))
    }
}
