//! The OAuth 2.0 endpoints of a pool domain: `/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cirrus_core::ops::oauth::{OAuthError, TokenParams, TokenRefusal, basic_credentials};
use serde_json::json;

use crate::AppState;
use crate::hosted_ui::HostedDomain;

fn oauth_error(status: StatusCode, e: &OAuthError) -> Response {
    let mut r = (
        status,
        Json(json!({"error": e.error, "error_description": e.description})),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn internal(e: cirrus_core::Error) -> Response {
    tracing::error!(%e, "OAuth endpoint error");
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &OAuthError {
            error: "server_error",
            description: "Internal error.".into(),
        },
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

fn basic(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().ok().and_then(basic_credentials))
}

/// `POST /oauth2/token`.
pub async fn token(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad = |d: &str| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            &OAuthError {
                error: "invalid_request",
                description: d.to_string(),
            },
        )
    };
    if !is_form(&headers) {
        return bad("Content-Type must be application/x-www-form-urlencoded.");
    }
    let Ok(params) = serde_urlencoded::from_bytes::<TokenParams>(&body) else {
        return bad("The request body is not a valid form.");
    };
    let basic = match basic(&headers) {
        Some(None) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                &OAuthError {
                    error: "invalid_client",
                    description: "The Authorization header is not valid Basic credentials.".into(),
                },
            );
        }
        Some(Some(c)) => Some(c),
        None => None,
    };
    let used_basic = basic.is_some();
    match state.cirrus.token(&domain.pool, &params, basic).await {
        Ok(Ok(tokens)) => {
            let mut r = Json(tokens).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            r
        }
        Ok(Err(e)) => {
            let status = if e.error == "invalid_client" && used_basic {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            oauth_error(status, &e)
        }
        Err(e) => internal(e),
    }
}

/// `GET|POST /oauth2/userInfo`.
pub async fn userinfo(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let challenge = |status: StatusCode, error: &str, description: &str| {
        let mut r = (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "Bearer error=\"{error}\", error_description=\"{description}\""
        )) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    };
    let Some(token) = token else {
        return challenge(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Bad OAuth2 request at UserInfo Endpoint",
        );
    };
    match state.cirrus.userinfo(&domain.pool, token).await {
        Ok(Ok(claims)) => Json(claims).into_response(),
        Ok(Err(TokenRefusal::Invalid(_))) | Ok(Err(TokenRefusal::Expired(_))) => challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Access token is expired, disabled, or deleted, or the user has globally signed out.",
        ),
        Err(e) => internal(e),
    }
}

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    domain: HostedDomain,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    struct Form {
        token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    }
    let Ok(form) = serde_urlencoded::from_bytes::<Form>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            &OAuthError {
                error: "invalid_request",
                description: "The request body is not a valid form.".into(),
            },
        );
    };
    let (client_id, secret) = match basic(&headers) {
        Some(Some((id, s))) => (Some(id), Some(s)),
        Some(None) => (None, None),
        None => (form.client_id.clone(), form.client_secret.clone()),
    };
    match state
        .cirrus
        .revoke(
            &domain.pool,
            form.token.as_deref(),
            client_id.as_deref(),
            secret.as_deref(),
        )
        .await
    {
        Ok(Ok(())) => StatusCode::OK.into_response(),
        Ok(Err(e)) => {
            let status = if e.error == "invalid_client" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            oauth_error(status, &e)
        }
        Err(e) => internal(e),
    }
}
