//! The OAuth 2.0 / OIDC side of sign-in: `/oauth2/authorize` (choosing the identity provider and
//! starting SAML), the ACS that finishes it, `/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke` and `/logout`.

use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cirrus_saml::messages::{AuthnRequest, RedirectParam, RedirectSigner, redirect_url};
use cirrus_saml::{Expectations, OffsetDateTime, ProviderTrust};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Cirrus;
use super::federation::SignInRefusal;
use crate::error::{Error, Result};
use crate::model::client::AppClient;
use crate::model::identity_provider::IdentityProvider;
use crate::model::session::{AuditEvent, RefreshTokenRecord};
use crate::model::user::User;
use crate::model::user_pool::UserPool;
use crate::ops::user_pools::signing_key_aad;
use crate::tokens::{at_hash, sign_jwt};

/// The largest SAMLResponse accepted, in characters (Cognito's limit).
pub const MAX_SAML_RESPONSE_CHARS: usize = 100_000;
/// How long a pending SAML sign-in may take (Cognito's 5 minutes).
pub const AUTH_SESSION_MS: i64 = 5 * 60 * 1000;
/// How long an authorization code lives.
pub const CODE_MS: i64 = 5 * 60 * 1000;
/// How long the hosted-UI session lasts (Cognito's 1 hour).
pub const HOSTED_SESSION_MS: i64 = 60 * 60 * 1000;

const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// Query parameters of `/oauth2/authorize` and `/login`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub prompt: Option<String>,
}

/// An OAuth error: the code and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
        }
    }
}

/// A validated authorization request, kept while the user is away at the IdP.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthRequest {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: String,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub force_login: bool,
}

impl OAuthRequest {
    /// `redirect_uri` with an error (and `state`), as OAuth answers a request it refuses.
    pub fn error_redirect(&self, error: &str, description: &str) -> String {
        let mut params = vec![
            ("error_description", description.to_string()),
            ("error", error.to_string()),
        ];
        if let Some(s) = &self.state {
            params.push(("state", s.clone()));
        }
        append_params(&self.redirect_uri, &params, false)
    }
}

/// Appends parameters to a URL's query (or, for the implicit grant, its fragment).
pub fn append_params(base: &str, params: &[(&str, String)], fragment: bool) -> String {
    let encoded: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect();
    let joined = encoded.join("&");
    if fragment {
        format!("{base}#{joined}")
    } else if base.contains('?') {
        format!("{base}&{joined}")
    } else {
        format!("{base}?{joined}")
    }
}

/// One provider button of the sign-in page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProviderChoice {
    pub name: String,
    pub provider_type: String,
    pub has_identifiers: bool,
}

/// What the sign-in page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInPage {
    pub request: OAuthRequest,
    pub client_name: String,
    pub providers: Vec<ProviderChoice>,
    /// Whether the page asks for an email address and routes by its domain.
    pub email_routing: bool,
    /// Whether the client lists COGNITO (native users).
    pub cognito: bool,
}

/// The next step of an authorize request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeStep {
    /// The request cannot be answered at a redirect_uri: show an error page.
    ErrorPage(OAuthError),
    /// Send the browser here.
    Redirect(String),
    /// Show the sign-in page.
    SignIn(Box<SignInPage>),
}

/// The result of a sign-in at the ACS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in: send the browser here, and set the hosted-UI session cookie.
    Success {
        redirect: String,
        session_id: String,
    },
    /// Refused, and the application is known: send the browser here (an OAuth error).
    ErrorRedirect {
        redirect: String,
        correlation_id: String,
    },
    /// Refused before the application is known: show an error page.
    ErrorPage {
        message: String,
        correlation_id: String,
    },
}

/// What a pending SAML sign-in remembers, keyed by its RelayState.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AuthSession {
    request: OAuthRequest,
    provider: String,
    request_id: String,
    acs_url: String,
}

/// What an authorization code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CodeGrant {
    request: OAuthRequest,
    username: String,
    provider: String,
    auth_time: i64,
}

/// A hosted-UI session (the cookie's server side).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HostedSession {
    pool_id: String,
    username: String,
    provider: String,
    auth_time: i64,
}

/// What a refresh token repeats.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshGrant {
    scopes: Vec<String>,
    auth_time: i64,
}

/// `/oauth2/token`'s response.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// The token request's form, and how the client authenticated.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Internal("random source failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

fn sha256_b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        s.as_bytes(),
    ))
}

fn unit_seconds(unit: Option<&str>, default: &str) -> i64 {
    match unit.unwrap_or(default) {
        "seconds" => 1,
        "minutes" => 60,
        "days" => 86_400,
        _ => 3600,
    }
}

/// Lifetimes of a client's tokens, in seconds: (id, access, refresh).
pub fn token_lifetimes(client: &AppClient) -> (i64, i64, i64) {
    let s = &client.settings;
    let units = s.token_validity_units.clone().unwrap_or_default();
    let id = s
        .id_token_validity
        .map(|v| v * unit_seconds(units.id_token.as_deref(), "hours"))
        .unwrap_or(3600);
    let access = s
        .access_token_validity
        .map(|v| v * unit_seconds(units.access_token.as_deref(), "hours"))
        .unwrap_or(3600);
    let refresh = s
        .refresh_token_validity
        .filter(|v| *v > 0)
        .map(|v| v * unit_seconds(units.refresh_token.as_deref(), "days"))
        .unwrap_or(30 * 86_400);
    (id, access, refresh)
}

/// Whether a client may use the hosted UI at all.
fn oauth_enabled(client: &AppClient) -> bool {
    client.settings.allowed_o_auth_flows_user_pool_client == Some(true)
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

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

    async fn resume_session(
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

    /// Starts SP-initiated SSO: stores the pending sign-in and returns the IdP redirect carrying
    /// the AuthnRequest (signed when the provider asks for it).
    pub async fn start_saml(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        request: OAuthRequest,
        acs_url: &str,
    ) -> Result<String> {
        let metadata = provider
            .metadata_xml
            .as_deref()
            .ok_or_else(|| {
                Error::Internal(format!(
                    "provider {} has no metadata",
                    provider.provider_name
                ))
            })
            .and_then(|xml| {
                cirrus_saml::parse_idp_metadata(
                    xml,
                    provider
                        .provider_details
                        .get("CirrusEntityId")
                        .map(String::as_str),
                )
                .map_err(|e| {
                    Error::Internal(format!(
                        "stored metadata of {} does not parse: {e}",
                        provider.provider_name
                    ))
                })
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
        let pkcs8 = self
            .vault
            .open(&key.private_key_sealed, &signing_key_aad(pool_id))?;
        RedirectSigner::from_pkcs8_der(&pkcs8)
            .map_err(|e| Error::Internal(format!("pool signing key does not parse: {e}")))
    }

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

    /// The audit trail, newest first.
    pub async fn audit_events(
        &self,
        pool_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        Ok(self.store.audit_events(pool_id, limit).await?)
    }

    async fn refuse_sign_in(
        &self,
        pool_id: &str,
        request: Option<&OAuthRequest>,
        provider: Option<&str>,
        check: &str,
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
        tracing_free_log(pool_id, check, message);
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
            },
            None => SignInOutcome::ErrorPage {
                message: "Invalid samlResponse or relayState from identity provider".into(),
                correlation_id,
            },
        })
    }

    /// The ACS: validates a SAMLResponse against the pending sign-in its RelayState names (or,
    /// for providers with IDPInit, an IdP-initiated one), maps attributes, creates or updates the
    /// user, and answers with a code (or tokens) at the application's redirect_uri.
    pub async fn complete_saml(
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
        let metadata = match provider.metadata_xml.as_deref().map(|xml| {
            cirrus_saml::parse_idp_metadata(
                xml,
                provider
                    .provider_details
                    .get("CirrusEntityId")
                    .map(String::as_str),
            )
        }) {
            Some(Ok(m)) => m,
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
            let pkcs8 = self.vault.open(
                sealed,
                &crate::ops::identity_providers::encryption_key_aad(
                    &pool.id,
                    &provider.provider_name,
                ),
            )?;
            let key = cirrus_saml::xenc::DecryptionKey::from_pkcs8_der(&pkcs8).map_err(|e| {
                Error::Internal(format!("stored encryption key does not parse: {e}"))
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
    async fn idp_initiated(
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
    async fn finish(
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

    /// Issues ID, access and (optionally) refresh tokens for a user.
    #[allow(clippy::too_many_arguments)]
    async fn issue_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        scopes: &[String],
        nonce: Option<&str>,
        auth_time: i64,
        origin_jti: &str,
        with_refresh: bool,
        provider: &str,
    ) -> Result<TokenResponse> {
        let now_s = self.now() / 1000;
        let (id_life, access_life, refresh_life) = token_lifetimes(client);
        let groups: Vec<String> = self
            .store
            .groups_of_user(&pool.id, &user.username, 100, None)
            .await?
            .items
            .into_iter()
            .map(|g| g.group_name)
            .collect();
        let issuer = self.issuer(&pool.id);
        let event_id = uuid::Uuid::new_v4().to_string();
        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        if !groups.is_empty() {
            access.insert("cognito:groups".into(), json!(groups));
        }
        access.insert("iss".into(), json!(issuer));
        access.insert("version".into(), json!(2));
        access.insert("client_id".into(), json!(client.client_id));
        access.insert("origin_jti".into(), json!(origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!(scopes.join(" ")));
        access.insert("auth_time".into(), json!(auth_time));
        access.insert("exp".into(), json!(now_s + access_life));
        access.insert("iat".into(), json!(now_s));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), json!(user.username));
        let (kid, key) = self.signing_key(&pool.id, "access").await?;
        let access_token = sign_jwt(&kid, &key, &Value::Object(access))?;

        let id_token = if scopes.iter().any(|s| s == "openid") {
            let mut id = Map::new();
            id.insert("at_hash".into(), json!(at_hash(&access_token)));
            id.insert("sub".into(), json!(user.sub));
            if !groups.is_empty() {
                id.insert("cognito:groups".into(), json!(groups));
            }
            for (name, value) in self.readable_claims(pool, client, user, None) {
                id.entry(name).or_insert(value);
            }
            id.insert("iss".into(), json!(issuer));
            id.insert("cognito:username".into(), json!(user.username));
            if let Some(n) = nonce {
                id.insert("nonce".into(), json!(n));
            }
            id.insert("origin_jti".into(), json!(origin_jti));
            id.insert("aud".into(), json!(client.client_id));
            id.insert("event_id".into(), json!(event_id));
            id.insert("token_use".into(), json!("id"));
            id.insert("auth_time".into(), json!(auth_time));
            id.insert("exp".into(), json!(now_s + id_life));
            id.insert("iat".into(), json!(now_s));
            id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
            let (kid, key) = self.signing_key(&pool.id, "id").await?;
            Some(sign_jwt(&kid, &key, &Value::Object(id))?)
        } else {
            None
        };

        let refresh_token = if with_refresh {
            let token = random_token(48)?;
            let now = self.now();
            self.store
                .put_refresh_token(&RefreshTokenRecord {
                    token_hash: sha256_b64(&token),
                    pool_id: pool.id.clone(),
                    client_id: client.client_id.clone(),
                    username: user.username.clone(),
                    origin_jti: origin_jti.to_string(),
                    provider: provider.to_string(),
                    created: now,
                    expires: now + refresh_life * 1000,
                    revoked: false,
                    doc: serde_json::to_string(&RefreshGrant {
                        scopes: scopes.to_vec(),
                        auth_time,
                    })
                    .map_err(|e| Error::Internal(e.to_string()))?,
                })
                .await?;
            Some(token)
        } else {
            None
        };
        Ok(TokenResponse {
            id_token,
            access_token,
            refresh_token,
            token_type: "Bearer",
            expires_in: access_life,
        })
    }

    /// The user's attributes a client may read, as token claims: `*_verified` as booleans,
    /// `identities` as an array, everything else as strings. With `scopes`, only what they
    /// grant (userInfo's rule).
    pub fn readable_claims(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        scopes: Option<&[String]>,
    ) -> Vec<(String, Value)> {
        let readable = |name: &str| match &client.settings.read_attributes {
            Some(list) => list.iter().any(|a| a == name),
            None => !name.starts_with("custom:") && !name.starts_with("dev:"),
        };
        let granted = |name: &str| match scopes {
            None => true,
            Some(s) => {
                let has = |x: &str| s.iter().any(|g| g == x);
                has("profile")
                    || (has("email") && (name == "email" || name == "email_verified"))
                    || (has("phone") && (name == "phone_number" || name == "phone_number_verified"))
            }
        };
        let mut out = Vec::new();
        for (name, value) in &user.attributes {
            if name == "sub" {
                continue;
            }
            if name == "identities" {
                if let Ok(v) = serde_json::from_str::<Value>(value) {
                    let stringified = match v {
                        Value::Array(items) => Value::Array(
                            items
                                .into_iter()
                                .map(|item| match item {
                                    Value::Object(m) => Value::Object(
                                        m.into_iter()
                                            .map(|(k, v)| {
                                                let v = match v {
                                                    Value::Bool(b) => json!(b.to_string()),
                                                    Value::Number(n) => json!(n.to_string()),
                                                    other => other,
                                                };
                                                (k, v)
                                            })
                                            .collect(),
                                    ),
                                    other => other,
                                })
                                .collect(),
                        ),
                        other => other,
                    };
                    out.push((name.clone(), stringified));
                }
                continue;
            }
            if pool.schema_attributes.get(name).is_none() || !readable(name) || !granted(name) {
                continue;
            }
            let value = if name.ends_with("_verified") {
                json!(value == "true")
            } else {
                json!(value)
            };
            out.push((name.clone(), value));
        }
        out
    }

    fn authenticate_client(
        &self,
        client: &AppClient,
        secret: Option<&str>,
    ) -> std::result::Result<(), OAuthError> {
        match (&client.client_secret, secret) {
            (None, None) => Ok(()),
            (Some(expected), Some(given)) if ct_eq(expected, given) => Ok(()),
            (None, Some(_)) => Err(OAuthError::new(
                "invalid_client",
                "This client has no secret; send none.",
            )),
            _ => Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )),
        }
    }

    /// `/oauth2/token`. `basic` is the client id and secret from an `Authorization: Basic` header.
    pub async fn token(
        &self,
        pool: &UserPool,
        params: &TokenParams,
        basic: Option<(String, String)>,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let (client_id, secret) = match (&basic, &params.client_id) {
            (Some((id, s)), body_id) => {
                if body_id.as_ref().is_some_and(|b| b != id) {
                    return Ok(Err(OAuthError::new(
                        "invalid_request",
                        "client_id differs from the Authorization header.",
                    )));
                }
                (id.clone(), Some(s.clone()))
            }
            (None, Some(id)) => (id.clone(), params.client_secret.clone()),
            (None, None) => {
                return Ok(Err(OAuthError::new(
                    "invalid_request",
                    "client_id is required.",
                )));
            }
        };
        let Some(client) = self.store.get_client(&pool.id, &client_id).await? else {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )));
        };
        if let Err(e) = self.authenticate_client(&client, secret.as_deref()) {
            return Ok(Err(e));
        }
        match params.grant_type.as_deref() {
            Some("authorization_code") => self.code_grant(pool, &client, params).await,
            Some("refresh_token") => self.refresh_grant(pool, &client, params).await,
            Some("client_credentials") => {
                self.client_credentials_grant(pool, &client, params).await
            }
            Some(_) => Ok(Err(OAuthError::new(
                "unsupported_grant_type",
                "grant_type is not supported.",
            ))),
            None => Ok(Err(OAuthError::new(
                "invalid_request",
                "grant_type is required.",
            ))),
        }
    }

    async fn code_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let invalid = |d: &str| Ok(Err(OAuthError::new("invalid_grant", d)));
        let Some(code) = params.code.as_deref() else {
            return Ok(Err(OAuthError::new("invalid_request", "code is required.")));
        };
        let Some(doc) = self
            .store
            .take_ephemeral("code", &sha256_b64(code), self.now())
            .await?
        else {
            return invalid("The code is unknown, expired or already used.");
        };
        let grant: CodeGrant =
            serde_json::from_str(&doc).map_err(|e| Error::Internal(e.to_string()))?;
        if grant.request.client_id != client.client_id || grant.request.pool_id != pool.id {
            return invalid("The code was issued to another client.");
        }
        if params.redirect_uri.as_deref() != Some(grant.request.redirect_uri.as_str()) {
            return invalid("redirect_uri does not match the authorization request.");
        }
        if let Some(challenge) = &grant.request.code_challenge {
            let Some(verifier) = params.code_verifier.as_deref() else {
                return invalid("code_verifier is required.");
            };
            if !ct_eq(&sha256_b64(verifier), challenge) {
                return invalid("code_verifier does not match the code_challenge.");
            }
        }
        let Some(user) = self
            .store
            .get_user(&pool.id, &grant.username, false)
            .await?
        else {
            return invalid("The user no longer exists.");
        };
        if !user.enabled {
            return invalid("User is disabled.");
        }
        let origin = uuid::Uuid::new_v4().to_string();
        let tokens = self
            .issue_tokens(
                pool,
                client,
                &user,
                &grant.request.scopes,
                grant.request.nonce.as_deref(),
                grant.auth_time,
                &origin,
                true,
                &grant.provider,
            )
            .await?;
        Ok(Ok(tokens))
    }

    async fn refresh_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let invalid = |d: &str| Ok(Err(OAuthError::new("invalid_grant", d)));
        let Some(token) = params.refresh_token.as_deref() else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "refresh_token is required.",
            )));
        };
        let Some(record) = self.store.get_refresh_token(&sha256_b64(token)).await? else {
            return invalid("Invalid Refresh Token");
        };
        if record.pool_id != pool.id || record.client_id != client.client_id {
            return invalid("Invalid Refresh Token");
        }
        if record.revoked {
            return invalid("Refresh Token has been revoked");
        }
        if record.expires <= self.now() {
            return invalid("Refresh Token has expired");
        }
        let Some(user) = self
            .store
            .get_user(&pool.id, &record.username, false)
            .await?
        else {
            return invalid("Invalid Refresh Token");
        };
        if !user.enabled {
            return invalid("User is disabled.");
        }
        let grant: RefreshGrant =
            serde_json::from_str(&record.doc).map_err(|e| Error::Internal(e.to_string()))?;
        let tokens = self
            .issue_tokens(
                pool,
                client,
                &user,
                &grant.scopes,
                None,
                grant.auth_time,
                &record.origin_jti,
                false,
                &record.provider,
            )
            .await?;
        Ok(Ok(tokens))
    }

    async fn client_credentials_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let flows = client
            .settings
            .allowed_o_auth_flows
            .clone()
            .unwrap_or_default();
        if !oauth_enabled(client) || !flows.iter().any(|f| f == "client_credentials") {
            return Ok(Err(OAuthError::new(
                "unauthorized_client",
                "This client may not use client_credentials.",
            )));
        }
        if client.client_secret.is_none() {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "client_credentials needs a client secret.",
            )));
        }
        let allowed: Vec<String> = client
            .settings
            .allowed_o_auth_scopes
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()))
            .collect();
        let scopes: Vec<String> = match params.scope.as_deref() {
            None => allowed.clone(),
            Some(s) => {
                let asked: Vec<String> = s
                    .split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = asked.iter().find(|a| !allowed.contains(a)) {
                    return Ok(Err(OAuthError::new(
                        "invalid_scope",
                        format!("Scope {bad} is not allowed for this client."),
                    )));
                }
                asked
            }
        };
        let now_s = self.now() / 1000;
        let (_, access_life, _) = token_lifetimes(client);
        let claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now_s,
            "iss": self.issuer(&pool.id),
            "exp": now_s + access_life,
            "iat": now_s,
            "version": 2,
            "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": client.client_id,
        });
        let (kid, key) = self.signing_key(&pool.id, "access").await?;
        Ok(Ok(TokenResponse {
            id_token: None,
            access_token: sign_jwt(&kid, &key, &claims)?,
            refresh_token: None,
            token_type: "Bearer",
            expires_in: access_life,
        }))
    }

    /// `/oauth2/revoke`: revokes a refresh token and the session it belongs to. Unknown tokens
    /// answer success, as OAuth asks.
    pub async fn revoke(
        &self,
        pool: &UserPool,
        token: Option<&str>,
        client_id: Option<&str>,
        secret: Option<&str>,
    ) -> Result<std::result::Result<(), OAuthError>> {
        let Some(client_id) = client_id else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "client_id is required.",
            )));
        };
        let Some(client) = self.store.get_client(&pool.id, client_id).await? else {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )));
        };
        if let Err(e) = self.authenticate_client(&client, secret) {
            return Ok(Err(e));
        }
        if client.settings.enable_token_revocation == Some(false) {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "Token revocation is disabled for this client.",
            )));
        }
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "token is required.",
            )));
        };
        if token.matches('.').count() == 2 {
            return Ok(Err(OAuthError::new(
                "unsupported_token_type",
                "Only refresh tokens can be revoked.",
            )));
        }
        let hash = sha256_b64(token);
        if let Some(record) = self.store.get_refresh_token(&hash).await?
            && record.client_id == client.client_id
            && record.pool_id == pool.id
        {
            self.store.revoke_refresh_token(&hash, self.now()).await?;
        }
        Ok(Ok(()))
    }

    /// Ends a hosted-UI session (the `/logout` endpoint's server side).
    pub async fn end_hosted_session(&self, session: &str) -> Result<()> {
        self.store
            .delete_ephemeral("hosted", &sha256_b64(session))
            .await?;
        Ok(())
    }
}

/// The SP entity ID of a pool.
pub fn sp_entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

fn to_odt(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_err(|e| Error::Internal(format!("clock out of range: {e}")))
}

fn hex_id() -> Result<String> {
    let mut buf = [0u8; 20];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Internal("random source failed".into()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Parses `a=b&c=d` (form encoding) into authorize parameters; `None` when it is not that.
fn serde_urlencoded_lite(s: &str) -> Option<AuthorizeParams> {
    if !s.contains('=') {
        return None;
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    Some(AuthorizeParams {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        state: get("state"),
        scope: get("scope"),
        nonce: get("nonce"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        identity_provider: get("identity_provider"),
        idp_identifier: get("idp_identifier"),
        prompt: get("prompt"),
    })
}

fn tracing_free_log(_pool_id: &str, _check: &str, _message: &str) {
    // The core crate does not log; the audit event is the record. Kept as the one place to add
    // metrics later.
}

/// Decodes `Authorization: Basic` credentials.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = url::form_urlencoded::parse(format!("a={id}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let secret = url::form_urlencoded::parse(format!("a={secret}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    Some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_basic() {
        assert_eq!(
            append_params("https://a/cb", &[("code", "x y".into())], false),
            "https://a/cb?code=x%20y"
        );
        assert_eq!(
            append_params("https://a/cb?k=1", &[("code", "x".into())], false),
            "https://a/cb?k=1&code=x"
        );
        assert_eq!(
            append_params("https://a/cb", &[("id_token", "t".into())], true),
            "https://a/cb#id_token=t"
        );
        let header = format!("Basic {}", STANDARD.encode("client:s3cr%2Bet"));
        assert_eq!(
            basic_credentials(&header),
            Some(("client".into(), "s3cr+et".into()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }

    #[test]
    fn relay_state_parsing() {
        let p = serde_urlencoded_lite("response_type=code&client_id=abc&redirect_uri=https%3A%2F%2Fx%2Fcb&identity_provider=Corp").unwrap();
        assert_eq!(p.client_id.as_deref(), Some("abc"));
        assert_eq!(p.redirect_uri.as_deref(), Some("https://x/cb"));
        assert!(serde_urlencoded_lite("opaque-handle").is_none());
    }
}

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a JWT of ours, bad signature, wrong issuer or kind.
    Invalid(String),
    /// Expired, revoked, or the user was disabled or deleted.
    Expired(String),
}

impl Cirrus {
    /// Verifies an access token this pool issued: signature (by `kid`, against the pool's
    /// published keys), issuer, `token_use`, expiry, and that its session was not revoked.
    /// Returns its claims.
    pub async fn verify_access_token(
        &self,
        pool: &UserPool,
        token: &str,
    ) -> Result<std::result::Result<Map<String, Value>, TokenRefusal>> {
        let invalid = |m: &str| Ok(Err(TokenRefusal::Invalid(m.to_string())));
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return invalid("not a JWT");
        };
        let decode = |p: &str| URL_SAFE_NO_PAD.decode(p.as_bytes()).ok();
        let (Some(header), Some(claims), Some(sig)) = (decode(h), decode(c), decode(s)) else {
            return invalid("not a JWT");
        };
        let Ok(header) = serde_json::from_slice::<Value>(&header) else {
            return invalid("bad header");
        };
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return invalid("alg must be RS256");
        }
        let Some(kid) = header.get("kid").and_then(Value::as_str) else {
            return invalid("no kid");
        };
        let keys = self.store.jwt_keys(&pool.id).await?;
        let Some(jwk) = keys
            .iter()
            .find(|k| k.kid == kid && k.token_use == "access")
        else {
            return invalid("unknown kid");
        };
        let Ok(jwk) = serde_json::from_str::<Value>(&jwk.public_jwk) else {
            return invalid("stored key unreadable");
        };
        let field = |k: &str| {
            jwk.get(k)
                .and_then(Value::as_str)
                .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
        };
        let (Some(n), Some(e)) = (field("n"), field("e")) else {
            return invalid("stored key unreadable");
        };
        let public = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        };
        let signed = &token[..h.len() + 1 + c.len()];
        if public
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &sig,
            )
            .is_err()
        {
            return invalid("bad signature");
        }
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&claims) else {
            return invalid("bad claims");
        };
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer(&pool.id).as_str()) {
            return invalid("wrong issuer");
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return invalid("not an access token");
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp * 1000 <= self.now() {
            return Ok(Err(TokenRefusal::Expired(
                "Access Token has expired".into(),
            )));
        }
        if let Some(origin) = claims.get("origin_jti").and_then(Value::as_str)
            && self.store.is_origin_revoked(&pool.id, origin).await?
        {
            return Ok(Err(TokenRefusal::Expired(
                "Access Token has been revoked".into(),
            )));
        }
        Ok(Ok(claims))
    }

    /// `/oauth2/userInfo`: the user's claims that the token's scopes and client allow.
    pub async fn userinfo(
        &self,
        pool: &UserPool,
        token: &str,
    ) -> Result<std::result::Result<Value, TokenRefusal>> {
        let claims = match self.verify_access_token(pool, token).await? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let scopes: Vec<String> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .map(str::to_string)
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            return Ok(Err(TokenRefusal::Invalid(
                "the access token has no openid scope".into(),
            )));
        }
        let username = claims
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (Some(user), Some(client)) = (
            self.store.get_user(&pool.id, username, false).await?,
            self.store.get_client(&pool.id, client_id).await?,
        ) else {
            return Ok(Err(TokenRefusal::Expired(
                "The user or client no longer exists.".into(),
            )));
        };
        if !user.enabled {
            return Ok(Err(TokenRefusal::Expired("User is disabled.".into())));
        }
        let mut out = Map::new();
        out.insert("sub".into(), json!(user.sub));
        for (name, value) in self.readable_claims(pool, &client, &user, Some(&scopes)) {
            out.insert(name, value);
        }
        out.insert("username".into(), json!(user.username));
        Ok(Ok(Value::Object(out)))
    }
}
