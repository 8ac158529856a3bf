//! SAML sign-in: the AuthnRequest that starts it, and the ACS that finishes it.

use super::*;
use crate::metrics::{self, Grant};

impl Cirrus {
    /// Starts SP-initiated SSO: stores the pending sign-in and returns the IdP redirect carrying
    /// the AuthnRequest (signed when the provider asks for it).
    pub async fn start_saml(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        request: OAuthRequest,
        acs_url: &str,
    ) -> Result<String> {
        let metadata = self.metadata_of(provider).ok_or_else(|| {
            Error::Internal(format!(
                "stored metadata of {} cannot be used",
                provider.provider_name
            ))
        })?;
        let sso = metadata
            .redirect_sso_url()
            .ok_or_else(|| Error::Internal("metadata has no HTTP-Redirect SSO endpoint".into()))?
            .to_string();
        let request_id = format!("_{}", hex_id()?);
        let relay_state = random_token(24)?;
        let now = self.now();
        let force_authn = request.force_login;
        let session = AuthSession {
            request,
            provider: provider.provider_name.clone(),
            request_id: request_id.clone(),
            acs_url: acs_url.to_string(),
        };
        let doc = serde_json::to_string(&session).map_err(|e| Error::Internal(e.to_string()))?;
        self.store
            .put_ephemeral(
                "authn",
                &relay_state,
                &pool.id,
                now + AUTH_SESSION_MS,
                &doc,
                now,
            )
            .await?;
        let mut authn = AuthnRequest::new(
            request_id,
            to_odt(now)?,
            sso.clone(),
            acs_url,
            sp_entity_id(&pool.id),
        );
        if let Some(format) = provider.provider_details.get("CirrusNameIdFormat") {
            authn.name_id_format = Some(format.clone());
        }
        authn.force_authn = force_authn;
        let signer = if provider
            .provider_details
            .contains_key("RequestSigningAlgorithm")
            || metadata.want_authn_requests_signed
        {
            Some(self.pool_redirect_signer(&pool.id).await?)
        } else {
            None
        };
        let xml = authn.to_xml().map_err(|e| Error::Internal(e.to_string()))?;
        redirect_url(
            &sso,
            RedirectParam::Request,
            &xml,
            Some(&relay_state),
            signer.as_ref(),
        )
        .map_err(|e| Error::Internal(format!("cannot build the AuthnRequest redirect: {e}")))
    }

    /// The pool's SAML signing key, as a redirect-binding signer.
    pub async fn pool_redirect_signer(&self, pool_id: &str) -> Result<RedirectSigner> {
        let key = self
            .store
            .pool_signing_key(pool_id)
            .await?
            .ok_or_else(|| Error::Internal(format!("pool {pool_id} has no signing key")))?;
        let name = format!("{pool_id}:{}", key.created);
        self.keys.signer(&name, || {
            let pkcs8 = self
                .vault
                .open(&key.private_key_sealed, &signing_key_aad(pool_id))?;
            RedirectSigner::from_pkcs8_der(&pkcs8)
                .map_err(|e| Error::Internal(format!("pool signing key does not parse: {e}")))
        })
    }

    pub(super) async fn refuse_sign_in(
        &self,
        pool_id: &str,
        request: Option<&OAuthRequest>,
        provider: Option<&str>,
        check: &'static str,
        message: &str,
        extra: Value,
    ) -> Result<SignInOutcome> {
        let mut detail = json!({
            "provider": provider,
            "client_id": request.map(|r| r.client_id.clone()),
            "check": check,
            "message": message,
        });
        if let (Value::Object(d), Value::Object(e)) = (&mut detail, extra) {
            d.extend(e);
        }
        let correlation_id = self.record(pool_id, "sign_in.failed", detail).await?;
        Ok(match request {
            Some(r) => SignInOutcome::ErrorRedirect {
                redirect: r.error_redirect(
                    "server_error",
                    &format!(
                        "Sign-in through {} failed ({check}). Correlation id: {correlation_id}",
                        provider.unwrap_or("the identity provider")
                    ),
                ),
                correlation_id,
                check,
            },
            None => SignInOutcome::ErrorPage {
                message: "Invalid samlResponse or relayState from identity provider".into(),
                correlation_id,
                check,
            },
        })
    }

    /// The ACS: validates a SAMLResponse against the pending sign-in its RelayState names (or,
    /// for providers with IDPInit, an IdP-initiated one), maps attributes, creates or updates the
    /// user, and answers with a code (or tokens) at the application's redirect_uri. Each call
    /// counts once in [`crate::metrics::SIGN_INS`].
    pub async fn complete_saml(
        &self,
        pool: &UserPool,
        saml_response: &str,
        relay_state: Option<&str>,
        acs_url: &str,
    ) -> Result<SignInOutcome> {
        let outcome = self
            .complete_saml_checked(pool, saml_response, relay_state, acs_url)
            .await;
        match &outcome {
            Ok(SignInOutcome::Success { .. }) => metrics::sign_in_succeeded(),
            Ok(
                SignInOutcome::ErrorRedirect { check, .. } | SignInOutcome::ErrorPage { check, .. },
            ) => metrics::sign_in_refused(check),
            Err(_) => metrics::sign_in_failed(),
        }
        outcome
    }

    async fn complete_saml_checked(
        &self,
        pool: &UserPool,
        saml_response: &str,
        relay_state: Option<&str>,
        acs_url: &str,
    ) -> Result<SignInOutcome> {
        let now = self.now();
        let session = match relay_state {
            Some(rs) => match self.store.take_ephemeral("authn", rs, now).await? {
                Some(doc) => serde_json::from_str::<AuthSession>(&doc)
                    .ok()
                    .filter(|s| s.request.pool_id == pool.id),
                None => None,
            },
            None => None,
        };
        let (request, provider_name, request_id, expected_acs) = match session {
            Some(s) => (s.request, s.provider, Some(s.request_id), s.acs_url),
            None => match self.idp_initiated(pool, relay_state).await? {
                Ok((request, provider)) => (request, provider, None, acs_url.to_string()),
                Err(reason) => {
                    return self
                        .refuse_sign_in(&pool.id, None, None, "relay_state", &reason, json!({}))
                        .await;
                }
            },
        };
        let fail = |check: &'static str, message: String, extra: Value| {
            let request = request.clone();
            let provider_name = provider_name.clone();
            async move {
                self.refuse_sign_in(
                    &pool.id,
                    Some(&request),
                    Some(&provider_name),
                    check,
                    &message,
                    extra,
                )
                .await
            }
        };
        let Some(provider) = self.store.get_provider(&pool.id, &provider_name).await? else {
            return fail(
                "provider",
                format!("Identity provider {provider_name} no longer exists."),
                json!({}),
            )
            .await;
        };
        let Some(client) = self.store.get_client(&pool.id, &request.client_id).await? else {
            return fail(
                "client",
                "The app client no longer exists.".into(),
                json!({}),
            )
            .await;
        };
        if !client.supports_provider(&provider_name) {
            return fail(
                "client",
                format!("App client no longer supports {provider_name}."),
                json!({}),
            )
            .await;
        }
        let metadata = match self.metadata_of(&provider) {
            Some(m) => m,
            _ => {
                return fail(
                    "metadata",
                    "The provider's stored metadata cannot be used.".into(),
                    json!({}),
                )
                .await;
            }
        };
        let mut trust = ProviderTrust::from_metadata(&metadata);
        trust.algorithms.allow_sha1 = provider.flag("CirrusAllowSha1");
        let mut expect = Expectations::new(
            sp_entity_id(&pool.id),
            expected_acs,
            request_id.clone(),
            to_odt(now)?,
        );
        expect.allow_unsolicited = request_id.is_none();
        if let Some(skew) = provider
            .provider_details
            .get("CirrusClockSkewSeconds")
            .and_then(|s| s.parse::<u64>().ok())
        {
            expect.clock_skew = Duration::from_secs(skew);
        }
        if let Some(sealed) = &provider.encryption_key_sealed {
            let aad = crate::ops::identity_providers::encryption_key_aad(
                &pool.id,
                &provider.provider_name,
            );
            let name = format!("{aad}:{}", provider.creation_date.0);
            let key = self.keys.decrypter(&name, || {
                let pkcs8 = self.vault.open(sealed, &aad)?;
                cirrus_saml::xenc::DecryptionKey::from_pkcs8_der(&pkcs8).map_err(|e| {
                    Error::Internal(format!("stored encryption key does not parse: {e}"))
                })
            })?;
            trust.decryption_keys.push(key);
        }
        expect.max_encoded_bytes = MAX_SAML_RESPONSE_CHARS;
        let assertion = match cirrus_saml::validate_response(saml_response, &trust, &expect) {
            Ok(a) => a,
            Err(e) => return fail(e.check(), e.to_string(), json!({})).await,
        };
        if provider.flag("EncryptedResponses") && !assertion.encrypted {
            return fail(
                "encryption",
                "The provider requires encrypted assertions (EncryptedResponses is \"true\") but this assertion was not encrypted.".into(),
                json!({}),
            )
            .await;
        }
        let replay_key = format!("{}:{}", provider.provider_name, assertion.assertion_id);
        let keep_until =
            (assertion.not_on_or_after.unix_timestamp() * 1000).max(now + AUTH_SESSION_MS);
        match self
            .store
            .put_ephemeral("assertion", &replay_key, &pool.id, keep_until, "{}", now)
            .await
        {
            Ok(()) => {}
            Err(crate::store::StoreError::Conflict(_)) => {
                return fail(
                    "replay",
                    format!("Assertion {} was already used.", assertion.assertion_id),
                    json!({}),
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        }
        let user = match self
            .upsert_federated_user(pool, &client, &provider, &assertion)
            .await?
        {
            Ok(u) => u,
            Err(SignInRefusal {
                rule,
                attribute,
                message,
            }) => {
                return fail(
                    rule,
                    message,
                    json!({"attribute": attribute, "name_id": assertion.name_id.value}),
                )
                .await;
            }
        };
        let auth_time = assertion.authn_instant.unix_timestamp();
        let session_id = random_token(32)?;
        let hosted = HostedSession {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            provider: provider_name.clone(),
            auth_time,
            name_id: Some(assertion.name_id.value.clone()),
            name_id_format: assertion.name_id.format.clone(),
            session_index: assertion.session_index.clone(),
            created: now,
        };
        self.store
            .put_ephemeral(
                "hosted",
                &sha256_b64(&session_id),
                &pool.id,
                now + HOSTED_SESSION_MS,
                &serde_json::to_string(&hosted).map_err(|e| Error::Internal(e.to_string()))?,
                now,
            )
            .await?;
        let redirect = self
            .finish(pool, &client, &request, &user, &provider_name, auth_time)
            .await?;
        self.record(
            &pool.id,
            "sign_in.succeeded",
            json!({"provider": provider_name, "client_id": client.client_id, "username": user.username, "name_id": assertion.name_id.value, "assertion_id": assertion.assertion_id}),
        )
        .await?;
        Ok(SignInOutcome::Success {
            redirect,
            session_id,
        })
    }

    /// Reads an IdP-initiated RelayState (`client_id=...&redirect_uri=...`), for providers with
    /// `IDPInit`.
    pub(super) async fn idp_initiated(
        &self,
        pool: &UserPool,
        relay_state: Option<&str>,
    ) -> Result<std::result::Result<(OAuthRequest, String), String>> {
        let Some(rs) = relay_state else {
            return Ok(Err(
                "The response has no RelayState and no pending sign-in.".into(),
            ));
        };
        let params: AuthorizeParams = match serde_urlencoded_lite(rs) {
            Some(p) => p,
            None => return Ok(Err("The RelayState names no pending sign-in.".into())),
        };
        let name = match (&params.identity_provider, &params.idp_identifier) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => match self.store.provider_by_identifier(&pool.id, id).await? {
                Some(p) => p.provider_name,
                None => {
                    return Ok(Err(format!(
                        "No identity provider has the identifier {id}."
                    )));
                }
            },
            _ => return Ok(Err("The RelayState names no pending sign-in.".into())),
        };
        match self.store.get_provider(&pool.id, &name).await? {
            Some(p) if p.flag("IDPInit") => {}
            Some(_) => {
                return Ok(Err(format!(
                    "Identity provider {name} does not allow IdP-initiated sign-in (IDPInit)."
                )));
            }
            None => return Ok(Err(format!("Identity provider {name} does not exist."))),
        }
        match self.authorize(pool, &params, None, "").await? {
            AuthorizeStep::Redirect(url) if url.contains("error=") => Ok(Err(format!(
                "The RelayState's authorization request is refused: {url}"
            ))),
            AuthorizeStep::ErrorPage(e) => Ok(Err(e.description)),
            _ => {
                // Rebuild the validated request without starting a new SAML round trip.
                let client_id = params.client_id.clone().unwrap_or_default();
                let Some(client) = self.store.get_client(&pool.id, &client_id).await? else {
                    return Ok(Err("Unknown client.".into()));
                };
                let redirect_uri = params
                    .redirect_uri
                    .clone()
                    .or(client.settings.default_redirect_uri.clone())
                    .unwrap_or_default();
                let scopes = params
                    .scope
                    .as_deref()
                    .map(|s| {
                        s.split(' ')
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_else(|| {
                        client
                            .settings
                            .allowed_o_auth_scopes
                            .clone()
                            .unwrap_or_default()
                    });
                Ok(Ok((
                    OAuthRequest {
                        pool_id: pool.id.clone(),
                        client_id,
                        redirect_uri,
                        response_type: params
                            .response_type
                            .clone()
                            .unwrap_or_else(|| "code".into()),
                        state: params.state.clone(),
                        scopes,
                        nonce: params.nonce.clone(),
                        code_challenge: None,
                        force_login: false,
                    },
                    name,
                )))
            }
        }
    }

    /// Finishes a sign-in: a code for the code flow, tokens in the fragment for the implicit one.
    pub(super) async fn finish(
        &self,
        pool: &UserPool,
        client: &AppClient,
        request: &OAuthRequest,
        user: &User,
        provider: &str,
        auth_time: i64,
    ) -> Result<String> {
        let now = self.now();
        if request.response_type == "token" {
            let origin = uuid::Uuid::new_v4().to_string();
            let tokens = self
                .issue_tokens(
                    pool,
                    client,
                    user,
                    &request.scopes,
                    request.nonce.as_deref(),
                    auth_time,
                    &origin,
                    false,
                    provider,
                )
                .await?;
            metrics::tokens_issued(Grant::Implicit);
            let mut params = vec![];
            if let Some(id) = tokens.id_token {
                params.push(("id_token", id));
            }
            params.push(("access_token", tokens.access_token));
            params.push(("expires_in", tokens.expires_in.to_string()));
            params.push(("token_type", "Bearer".to_string()));
            if let Some(s) = &request.state {
                params.push(("state", s.clone()));
            }
            return Ok(append_params(&request.redirect_uri, &params, true));
        }
        let code = uuid::Uuid::new_v4().to_string();
        let grant = CodeGrant {
            request: request.clone(),
            username: user.username.clone(),
            provider: provider.to_string(),
            auth_time,
        };
        self.store
            .put_ephemeral(
                "code",
                &sha256_b64(&code),
                &pool.id,
                now + CODE_MS,
                &serde_json::to_string(&grant).map_err(|e| Error::Internal(e.to_string()))?,
                now,
            )
            .await?;
        let mut params = vec![("code", code)];
        if let Some(s) = &request.state {
            params.push(("state", s.clone()));
        }
        Ok(append_params(&request.redirect_uri, &params, false))
    }
}
