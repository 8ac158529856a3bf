//! The OAuth 2.0 / OIDC side of sign-in: `/oauth2/authorize` (choosing the identity provider and
//! starting SAML), the ACS that finishes it, `/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke` and `/logout`.

mod authorize;
mod grants;
mod logout;
mod saml_sign_in;
mod userinfo;

pub use logout::{InboundLogout, LogoutAnswer, LogoutStep};
pub use userinfo::TokenRefusal;

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
use crate::model::session::RefreshTokenRecord;
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
        /// The check that refused (as in the audit event).
        check: &'static str,
    },
    /// Refused before the application is known: show an error page.
    ErrorPage {
        message: String,
        correlation_id: String,
        /// The check that refused (as in the audit event).
        check: &'static str,
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
    /// What single logout names: the NameID (and its format) and the IdP's SessionIndex.
    #[serde(default)]
    name_id: Option<String>,
    #[serde(default)]
    name_id_format: Option<String>,
    #[serde(default)]
    session_index: Option<String>,
    /// When the session began (epoch ms); a later IdP-initiated logout of the user ends it.
    #[serde(default)]
    created: i64,
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
            "https://a/cb?code=x+y"
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
