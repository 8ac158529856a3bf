//! The hosted UI of a pool's domain: `/oauth2/authorize`, `/login` (the sign-in page) and
//! `/logout`. A prefix domain is served under `{public_url}/domain/{prefix}`, a custom domain at
//! the root of its own host.

use axum::extract::{FromRequestParts, Query, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cirrus_core::model::user_pool::UserPool;
use cirrus_core::ops::oauth::{AuthorizeParams, AuthorizeStep, SignInPage, append_params};
use serde::Deserialize;

use crate::AppState;
use crate::pages::{error_page, render};

/// The name of the hosted-UI session cookie.
pub const SESSION_COOKIE: &str = "cirrus_session";

/// The pool domain a request came through.
#[derive(Debug, Clone)]
pub struct HostedDomain {
    pub pool: UserPool,
    /// The URL the domain's paths hang off (no trailing slash).
    pub base: String,
    /// The path cookies of this domain are scoped to.
    pub cookie_path: String,
    /// Whether cookies must be `Secure`.
    pub secure: bool,
}

impl HostedDomain {
    /// The ACS URL on this domain.
    pub fn acs_url(&self) -> String {
        format!("{}/saml2/idpresponse", self.base)
    }

    /// The session cookie's value, if the browser sent one.
    pub fn session(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == SESSION_COOKIE)
            .map(|(_, v)| v.to_string())
    }

    /// A `Set-Cookie` value for the session (an empty id with max-age 0 clears it).
    pub fn session_cookie(&self, id: &str, max_age_s: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={id}; Path={}; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{secure}",
            self.cookie_path
        )
    }
}

impl FromRequestParts<AppState> for HostedDomain {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let public = state.cirrus.config.public_url.clone();
        let secure = public.starts_with("https://");
        let prefix = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| {
                p.iter()
                    .find(|(k, _)| *k == "prefix")
                    .map(|(_, v)| v.to_string())
            });
        let (domain_name, base, cookie_path) = match prefix {
            Some(prefix) => {
                let base = format!("{public}/domain/{prefix}");
                let path = url::Url::parse(&base)
                    .map(|u| u.path().to_string())
                    .unwrap_or_else(|_| "/".into());
                (prefix, base, path)
            }
            None => {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(|h| h.split(':').next().unwrap_or(h).to_lowercase())
                    .unwrap_or_default();
                let scheme = if secure { "https" } else { "http" };
                let authority = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                (host, format!("{scheme}://{authority}"), "/".to_string())
            }
        };
        let found = match state.cirrus.store.get_domain(&domain_name).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(%e, "domain lookup failed");
                return Err(error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error.",
                    None,
                    None,
                ));
            }
        };
        let Some(domain) = found else {
            return Err(error_page(
                StatusCode::NOT_FOUND,
                "There is no sign-in page at this address.",
                None,
                None,
            ));
        };
        match state.cirrus.store.get_pool(&domain.user_pool_id).await {
            Ok(Some(pool)) => Ok(HostedDomain {
                pool,
                base,
                cookie_path,
                secure,
            }),
            _ => Err(error_page(
                StatusCode::NOT_FOUND,
                "There is no sign-in page at this address.",
                None,
                None,
            )),
        }
    }
}

fn internal(e: cirrus_core::Error) -> Response {
    tracing::error!(%e, "hosted UI error");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong. Please try again.",
        None,
        None,
    )
}

/// A 302 that also carries the security headers.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            r
        }
        Err(_) => Redirect::to("/").into_response(),
    }
}

fn sign_in_page(
    domain: &HostedDomain,
    page: &SignInPage,
    params: &AuthorizeParams,
    error: Option<&str>,
    email: &str,
) -> Response {
    let mut base_params: Vec<(&str, String)> = vec![
        ("client_id", page.request.client_id.clone()),
        ("response_type", page.request.response_type.clone()),
        ("redirect_uri", page.request.redirect_uri.clone()),
    ];
    for (k, v) in [
        ("state", &params.state),
        ("scope", &params.scope),
        ("nonce", &params.nonce),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
        ("prompt", &params.prompt),
    ] {
        if let Some(v) = v {
            base_params.push((k, v.clone()));
        }
    }
    let providers: Vec<_> = page
        .providers
        .iter()
        .map(|p| {
            let mut q = base_params.clone();
            q.push(("identity_provider", p.name.clone()));
            minijinja::context! {
                name => p.name.clone(),
                href => append_params(&format!("{}/oauth2/authorize", domain.base), &q, false),
            }
        })
        .collect();
    let hidden: Vec<(String, String)> = base_params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "sign_in.html",
        minijinja::context! {
            client_name => page.client_name.clone(),
            providers => providers,
            email_routing => page.email_routing,
            cognito => page.cognito,
            login_url => format!("{}/login", domain.base),
            hidden => hidden,
            error => error,
            email => email,
        },
    )
}

async fn step(
    state: &AppState,
    domain: &HostedDomain,
    headers: &HeaderMap,
    params: &AuthorizeParams,
) -> Response {
    let session = domain.session(headers);
    match state
        .cirrus
        .authorize(&domain.pool, params, session.as_deref(), &domain.acs_url())
        .await
    {
        Ok(AuthorizeStep::Redirect(url)) => found(&url),
        Ok(AuthorizeStep::ErrorPage(e)) => {
            error_page(StatusCode::BAD_REQUEST, &e.description, Some(e.error), None)
        }
        Ok(AuthorizeStep::SignIn(page)) => sign_in_page(domain, &page, params, None, ""),
        Err(e) => internal(e),
    }
}

/// `GET /oauth2/authorize`.
pub async fn authorize(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    step(&state, &domain, &headers, &params).await
}

/// `/login`'s query: the authorize parameters, and the email typed into the page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(flatten)]
    params: AuthorizeParams,
    email: Option<String>,
}

/// `GET /login`: the sign-in page, and the email field's routing by IdP identifier.
pub async fn login(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let Some(email) = q.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
        return step(&state, &domain, &headers, &q.params).await;
    };
    let client_id = q.params.client_id.clone().unwrap_or_default();
    match state
        .cirrus
        .provider_for_email(&domain.pool, &client_id, email)
        .await
    {
        Ok(Some(provider)) => {
            let mut params = q.params.clone();
            params.identity_provider = Some(provider);
            step(&state, &domain, &headers, &params).await
        }
        Ok(None) => {
            // Show the page again, with the reason.
            match state
                .cirrus
                .authorize(&domain.pool, &q.params, None, &domain.acs_url())
                .await
            {
                Ok(AuthorizeStep::SignIn(page)) => sign_in_page(
                    &domain,
                    &page,
                    &q.params,
                    Some(
                        "No sign-in option matches that email domain. Check the address, or choose your organization below.",
                    ),
                    email,
                ),
                Ok(AuthorizeStep::Redirect(url)) => found(&url),
                Ok(AuthorizeStep::ErrorPage(e)) => {
                    error_page(StatusCode::BAD_REQUEST, &e.description, Some(e.error), None)
                }
                Err(e) => internal(e),
            }
        }
        Err(e) => internal(e),
    }
}

/// `/logout`'s query.
#[derive(Debug, Deserialize)]
pub struct LogoutQuery {
    client_id: Option<String>,
    logout_uri: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    state: Option<String>,
    scope: Option<String>,
}

/// `GET /logout`: ends the hosted-UI session, then goes to `logout_uri` (a registered logout
/// URL) or back to the sign-in page for `redirect_uri`.
pub async fn logout(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
    Query(q): Query<LogoutQuery>,
) -> Response {
    let Some(client_id) = q.client_id.as_deref() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "client_id is required.",
            Some("invalid_request"),
            None,
        );
    };
    let client = match state
        .cirrus
        .store
        .get_client(&domain.pool.id, client_id)
        .await
    {
        Ok(Some(c)) => c,
        Ok(None) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Unknown client.",
                Some("invalid_request"),
                None,
            );
        }
        Err(e) => return internal(e.into()),
    };
    let target = if let Some(uri) = &q.logout_uri {
        if !client
            .settings
            .logout_urls
            .iter()
            .flatten()
            .any(|u| u == uri)
        {
            return error_page(
                StatusCode::BAD_REQUEST,
                "logout_uri is not one of the client's sign-out URLs.",
                Some("invalid_request"),
                None,
            );
        }
        uri.clone()
    } else if let Some(uri) = &q.redirect_uri {
        if !client
            .settings
            .callback_urls
            .iter()
            .flatten()
            .any(|u| u == uri)
        {
            return error_page(
                StatusCode::BAD_REQUEST,
                "redirect_uri is not one of the client's callback URLs.",
                Some("redirect_mismatch"),
                None,
            );
        }
        let mut params = vec![
            ("client_id", client_id.to_string()),
            ("redirect_uri", uri.clone()),
        ];
        params.push((
            "response_type",
            q.response_type.clone().unwrap_or_else(|| "code".into()),
        ));
        if let Some(s) = &q.state {
            params.push(("state", s.clone()));
        }
        if let Some(s) = &q.scope {
            params.push(("scope", s.clone()));
        }
        append_params(&format!("{}/login", domain.base), &params, false)
    } else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "logout_uri or redirect_uri is required.",
            Some("invalid_request"),
            None,
        );
    };
    if let Some(session) = domain.session(&headers)
        && let Err(e) = state.cirrus.end_hosted_session(&session).await
    {
        return internal(e);
    }
    let mut response = found(&target);
    if let Ok(v) = HeaderValue::from_str(&domain.session_cookie("", 0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
