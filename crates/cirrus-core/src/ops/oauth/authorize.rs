//! `/oauth2/authorize` and `/login`: validating the request and choosing the identity provider.

use super::*;

impl Cirrus {
    /// Validates an authorize request and decides what happens next. `session` is the hosted-UI
    /// session cookie, `acs_url` the ACS on the domain the request came through.
    pub async fn authorize(
        &self,
        pool: &UserPool,
        params: &AuthorizeParams,
        session: Option<&str>,
        acs_url: &str,
    ) -> Result<AuthorizeStep> {
        let Some(client_id) = params.client_id.as_deref() else {
            return Ok(AuthorizeStep::ErrorPage(OAuthError::new(
                "invalid_request",
                "client_id is required.",
            )));
        };
        let client = match self.store.get_client(&pool.id, client_id).await? {
            Some(c) => c,
            None => {
                return Ok(AuthorizeStep::ErrorPage(OAuthError::new(
                    "invalid_request",
                    format!("Client {client_id} does not exist in this user pool."),
                )));
            }
        };
        if !oauth_enabled(&client) {
            return Ok(AuthorizeStep::ErrorPage(OAuthError::new(
                "unauthorized_client",
                "This app client is not enabled for OAuth flows (AllowedOAuthFlowsUserPoolClient).",
            )));
        }
        let callbacks = client.settings.callback_urls.clone().unwrap_or_default();
        let redirect_uri = match params.redirect_uri.as_deref() {
            Some(r) => r.to_string(),
            None => match &client.settings.default_redirect_uri {
                Some(d) => d.clone(),
                None => {
                    return Ok(AuthorizeStep::ErrorPage(OAuthError::new(
                        "redirect_mismatch",
                        "redirect_uri is required.",
                    )));
                }
            },
        };
        if !callbacks.iter().any(|c| c == &redirect_uri) {
            return Ok(AuthorizeStep::ErrorPage(OAuthError::new(
                "redirect_mismatch",
                "redirect_uri is not one of the client's callback URLs.",
            )));
        }
        let mut request = OAuthRequest {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            redirect_uri,
            response_type: String::new(),
            state: params.state.clone(),
            scopes: Vec::new(),
            nonce: params.nonce.clone(),
            code_challenge: None,
            force_login: params
                .prompt
                .as_deref()
                .is_some_and(|p| p.split(' ').any(|x| x == "login")),
        };
        let refuse = |request: &OAuthRequest, error: &'static str, description: &str| {
            Ok(AuthorizeStep::Redirect(
                request.error_redirect(error, description),
            ))
        };
        let flows = client
            .settings
            .allowed_o_auth_flows
            .clone()
            .unwrap_or_default();
        match params.response_type.as_deref() {
            None => return refuse(&request, "invalid_request", "response_type is required."),
            Some(rt @ ("code" | "token")) => {
                if !flows
                    .iter()
                    .any(|f| f == if rt == "code" { "code" } else { "implicit" })
                {
                    return refuse(
                        &request,
                        "unauthorized_client",
                        "This client may not use this response_type.",
                    );
                }
                request.response_type = rt.to_string();
            }
            Some(_) => {
                return refuse(
                    &request,
                    "unsupported_response_type",
                    "response_type must be code or token.",
                );
            }
        }
        match (
            params.code_challenge.as_deref(),
            params.code_challenge_method.as_deref(),
        ) {
            (None, None) => {}
            (Some(c), Some("S256")) => {
                if c.len() < 43 || c.len() > 128 {
                    return refuse(
                        &request,
                        "invalid_request",
                        "code_challenge must be 43 to 128 characters.",
                    );
                }
                request.code_challenge = Some(c.to_string());
            }
            (Some(_), None) | (None, Some(_)) => {
                return refuse(
                    &request,
                    "invalid_request",
                    "code_challenge and code_challenge_method go together.",
                );
            }
            (Some(_), Some(_)) => {
                return refuse(
                    &request,
                    "invalid_request",
                    "code_challenge_method must be S256.",
                );
            }
        }
        let allowed = client
            .settings
            .allowed_o_auth_scopes
            .clone()
            .unwrap_or_default();
        request.scopes = match params.scope.as_deref() {
            None => allowed.clone(),
            Some(s) => {
                let asked: Vec<String> = s
                    .split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = asked.iter().find(|a| !allowed.contains(a)) {
                    return refuse(
                        &request,
                        "invalid_scope",
                        &format!("Scope {bad} is not allowed for this client."),
                    );
                }
                asked
            }
        };
        let has_openid = request.scopes.iter().any(|s| s == "openid");
        if !has_openid
            && request
                .scopes
                .iter()
                .any(|s| ["email", "phone", "profile"].contains(&s.as_str()))
        {
            return refuse(
                &request,
                "invalid_scope",
                "The email, phone and profile scopes require openid.",
            );
        }

        let supported = client
            .settings
            .supported_identity_providers
            .clone()
            .unwrap_or_default();
        let chosen = if let Some(name) = &params.identity_provider {
            if !supported.contains(name) {
                return refuse(
                    &request,
                    "invalid_request",
                    &format!("Identity provider {name} is not enabled for this client."),
                );
            }
            Some(name.clone())
        } else if let Some(identifier) = &params.idp_identifier {
            match self
                .store
                .provider_by_identifier(&pool.id, identifier)
                .await?
            {
                Some(p) if supported.contains(&p.provider_name) => Some(p.provider_name),
                _ => {
                    return refuse(
                        &request,
                        "invalid_request",
                        &format!(
                            "No identity provider of this client has the identifier {identifier}."
                        ),
                    );
                }
            }
        } else {
            None
        };

        if !request.force_login
            && let Some(done) = self
                .resume_session(pool, &client, &request, session, chosen.as_deref())
                .await?
        {
            return Ok(AuthorizeStep::Redirect(done));
        }
        // OIDC prompt=none: answer at once, signed in or not.
        if params
            .prompt
            .as_deref()
            .is_some_and(|p| p.split(' ').any(|x| x == "none"))
        {
            return refuse(
                &request,
                "login_required",
                "The user is not signed in and prompt=none forbids asking.",
            );
        }

        match chosen {
            Some(name) if name != "COGNITO" => {
                let provider =
                    self.store
                        .get_provider(&pool.id, &name)
                        .await?
                        .ok_or_else(|| {
                            Error::Internal(format!("client lists missing provider {name}"))
                        })?;
                if !provider.is_saml() {
                    return refuse(
                        &request,
                        "invalid_request",
                        &format!(
                            "Sign-in through {} providers is not supported yet.",
                            provider.provider_type
                        ),
                    );
                }
                Ok(AuthorizeStep::Redirect(
                    self.start_saml(pool, &provider, request, acs_url).await?,
                ))
            }
            _ => {
                let mut providers = Vec::new();
                for name in supported.iter().filter(|n| *n != "COGNITO") {
                    if let Some(p) = self.store.get_provider(&pool.id, name).await? {
                        providers.push(ProviderChoice {
                            name: p.provider_name.clone(),
                            provider_type: p.provider_type.clone(),
                            has_identifiers: !p.idp_identifiers.is_empty(),
                        });
                    }
                }
                let email_routing = providers.iter().any(|p| p.has_identifiers);
                Ok(AuthorizeStep::SignIn(Box::new(SignInPage {
                    request,
                    client_name: client.name().to_string(),
                    providers,
                    email_routing,
                    cognito: supported.iter().any(|n| n == "COGNITO"),
                })))
            }
        }
    }

    /// Looks up a provider by an email address's domain among a client's providers (the sign-in
    /// page's email field).
    pub async fn provider_for_email(
        &self,
        pool: &UserPool,
        client_id: &str,
        email: &str,
    ) -> Result<Option<String>> {
        let Some((_, domain)) = email.trim().rsplit_once('@') else {
            return Ok(None);
        };
        let Some(client) = self.store.get_client(&pool.id, client_id).await? else {
            return Ok(None);
        };
        let domain = domain.to_lowercase();
        let found = match self.store.provider_by_identifier(&pool.id, &domain).await? {
            Some(p) => Some(p),
            None => {
                self.store
                    .provider_by_identifier(&pool.id, domain.trim())
                    .await?
            }
        };
        Ok(found
            .map(|p| p.provider_name)
            .filter(|name| client.supports_provider(name)))
    }

    pub(super) async fn resume_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        request: &OAuthRequest,
        session: Option<&str>,
        chosen: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(id) = session else { return Ok(None) };
        let Some(doc) = self
            .store
            .get_ephemeral("hosted", &sha256_b64(id), self.now())
            .await?
        else {
            return Ok(None);
        };
        let Ok(hosted) = serde_json::from_str::<HostedSession>(&doc) else {
            return Ok(None);
        };
        if hosted.pool_id != pool.id
            || !client.supports_provider(&hosted.provider)
            || chosen.is_some_and(|c| c != hosted.provider)
        {
            return Ok(None);
        }
        let Some(user) = self
            .store
            .get_user(&pool.id, &hosted.username, false)
            .await?
        else {
            return Ok(None);
        };
        if !user.enabled {
            return Ok(None);
        }
        if self
            .signed_out_since(pool, &hosted.provider, &hosted.username, hosted.created)
            .await?
        {
            return Ok(None);
        }
        Ok(Some(
            self.finish(
                pool,
                client,
                request,
                &user,
                &hosted.provider,
                hosted.auth_time,
            )
            .await?,
        ))
    }
}
