//! The SAML endpoints of a pool domain: the ACS (`/saml2/idpresponse`, HTTP-POST). The IdP posts
//! here cross-site, so it is exempt from CSRF checks; what protects it is the signature, the
//! single-use pending sign-in behind RelayState, `InResponseTo`, and the replay cache.

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use cirrus_core::ops::oauth::{HOSTED_SESSION_MS, InboundLogout, LogoutAnswer, SignInOutcome};
use serde::Deserialize;

use crate::AppState;
use crate::hosted_ui::{HostedDomain, found};
use crate::pages::error_page;

/// The largest SAMLResponse form accepted (Cognito accepts 100,000 characters).
pub const MAX_ACS_BODY: usize = 512 * 1024;

#[derive(Debug, Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// `POST /saml2/idpresponse`.
pub async fn acs(State(state): State<AppState>, domain: HostedDomain, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<AcsForm>(&body) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The identity provider's response is not a valid form post.",
            None,
            None,
        );
    };
    let Some(saml_response) = form.saml_response.filter(|s| !s.is_empty()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The identity provider sent no SAMLResponse.",
            None,
            None,
        );
    };
    match state
        .cirrus
        .complete_saml(
            &domain.pool,
            &saml_response,
            form.relay_state.as_deref(),
            &domain.acs_url(),
        )
        .await
    {
        Ok(SignInOutcome::Success {
            redirect,
            session_id,
        }) => {
            let mut r = found(&redirect);
            if let Ok(v) =
                HeaderValue::from_str(&domain.session_cookie(&session_id, HOSTED_SESSION_MS / 1000))
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok(SignInOutcome::ErrorRedirect { redirect, .. }) => found(&redirect),
        Ok(SignInOutcome::ErrorPage {
            message,
            correlation_id,
            ..
        }) => error_page(
            StatusCode::BAD_REQUEST,
            &message,
            Some("invalid_request"),
            Some(&correlation_id),
        ),
        Err(e) => {
            tracing::error!(%e, "ACS error");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Please try again.",
                None,
                None,
            )
        }
    }
}

/// `/saml2/metadata`'s query.
#[derive(Debug, Deserialize)]
pub struct MetadataQuery {
    identity_provider: Option<String>,
}

/// `GET /saml2/metadata`: the SP metadata of the domain's pool, signed; with
/// `?identity_provider=NAME` also that provider's encryption certificate and requested
/// attributes.
pub async fn metadata(
    State(state): State<AppState>,
    domain: HostedDomain,
    axum::extract::Query(q): axum::extract::Query<MetadataQuery>,
) -> Response {
    use axum::response::IntoResponse;
    match state
        .cirrus
        .sp_metadata(
            &domain.pool.id,
            q.identity_provider.as_deref(),
            &domain.base,
        )
        .await
    {
        Ok(xml) => {
            let mut r = xml.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/samlmetadata+xml"),
            );
            let name = format!(
                "attachment; filename=\"{}-sp-metadata.xml\"",
                domain.pool.id
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(cirrus_core::Error::ResourceNotFound(m))
        | Err(cirrus_core::Error::InvalidParameter(m)) => {
            error_page(StatusCode::NOT_FOUND, &m, None, None)
        }
        Err(e) => {
            tracing::error!(%e, "SP metadata");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong.",
                None,
                None,
            )
        }
    }
}

/// `POST /saml2/logout`: the IdP's LogoutResponse to a sign-out Cirrus started, or an
/// IdP-initiated LogoutRequest (HTTP-POST binding).
pub async fn slo(State(state): State<AppState>, domain: HostedDomain, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct SloForm {
        #[serde(rename = "SAMLResponse")]
        saml_response: Option<String>,
        #[serde(rename = "SAMLRequest")]
        saml_request: Option<String>,
        #[serde(rename = "RelayState")]
        relay_state: Option<String>,
    }
    let Ok(form) = serde_urlencoded::from_bytes::<SloForm>(&body) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The identity provider's message is not a valid form post.",
            None,
            None,
        );
    };
    let slo_url = format!("{}/saml2/logout", domain.base);
    if let Some(request) = form.saml_request.filter(|s| !s.is_empty()) {
        let message = InboundLogout::Post {
            saml_request: &request,
            relay_state: form.relay_state.as_deref(),
        };
        return idp_logout(&state, &domain, message, &slo_url).await;
    }
    let Some(response) = form.saml_response.filter(|s| !s.is_empty()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The identity provider sent no SAMLResponse or SAMLRequest.",
            None,
            None,
        );
    };
    let answer = LogoutAnswer::Post {
        saml_response: &response,
        relay_state: form.relay_state.as_deref(),
    };
    finish_logout(&state, &domain, answer, &slo_url).await
}

async fn finish_logout(
    state: &AppState,
    domain: &HostedDomain,
    answer: LogoutAnswer<'_>,
    slo_url: &str,
) -> Response {
    match state
        .cirrus
        .finish_logout(&domain.pool, answer, slo_url)
        .await
    {
        Ok(Some(target)) => found(&target),
        Ok(None) => error_page(
            StatusCode::BAD_REQUEST,
            "This sign-out is unknown or has expired. You are signed out of this application.",
            None,
            None,
        ),
        Err(e) => {
            tracing::error!(%e, "SLO error");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong.",
                None,
                None,
            )
        }
    }
}

/// `GET /saml2/logout`: an IdP-initiated LogoutRequest, or the IdP's LogoutResponse, over the
/// HTTP-Redirect binding. The raw query is passed on untouched: its signature covers those
/// exact bytes.
pub async fn slo_redirect(
    State(state): State<AppState>,
    domain: HostedDomain,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let slo_url = format!("{}/saml2/logout", domain.base);
    if query.contains("SAMLResponse=") {
        let answer = LogoutAnswer::Redirect { raw_query: &query };
        return finish_logout(&state, &domain, answer, &slo_url).await;
    }
    if !query.contains("SAMLRequest=") {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The identity provider sent no SAMLRequest or SAMLResponse.",
            None,
            None,
        );
    }
    idp_logout(
        &state,
        &domain,
        InboundLogout::Redirect { raw_query: &query },
        &slo_url,
    )
    .await
}

async fn idp_logout(
    state: &AppState,
    domain: &HostedDomain,
    message: InboundLogout<'_>,
    slo_url: &str,
) -> Response {
    match state
        .cirrus
        .idp_logout(&domain.pool, message, slo_url)
        .await
    {
        Ok(Ok(url)) => found(&url),
        Ok(Err(_)) => error_page(
            StatusCode::BAD_REQUEST,
            "The sign-out request from your identity provider could not be verified.",
            Some("invalid_request"),
            None,
        ),
        Err(e) => {
            tracing::error!(%e, "IdP-initiated logout");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong.",
                None,
                None,
            )
        }
    }
}
