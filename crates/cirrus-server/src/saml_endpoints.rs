//! The SAML endpoints of a pool domain: the ACS (`/saml2/idpresponse`, HTTP-POST). The IdP posts
//! here cross-site, so it is exempt from CSRF checks; what protects it is the signature, the
//! single-use pending sign-in behind RelayState, `InResponseTo`, and the replay cache.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use cirrus_core::ops::oauth::{HOSTED_SESSION_MS, SignInOutcome};
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
