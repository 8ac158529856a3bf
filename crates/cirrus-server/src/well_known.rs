//! The issuer's documents: `{public_url}/{pool_id}/.well-known/openid-configuration` and
//! `jwks.json`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::AppState;

fn not_found(pool_id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": format!("User pool {pool_id} does not exist.")})),
    )
        .into_response()
}

/// `GET /{pool_id}/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    let c = &state.cirrus;
    match c.store.get_pool(&pool_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&pool_id),
        Err(e) => {
            tracing::error!(%e, "discovery");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let issuer = c.issuer(&pool_id);
    let mut doc = Map::new();
    doc.insert("issuer".into(), json!(issuer));
    doc.insert(
        "jwks_uri".into(),
        json!(format!("{issuer}/.well-known/jwks.json")),
    );
    if let Ok(domains) = c.store.pool_domains(&pool_id).await {
        let base = domains
            .iter()
            .find(|d| d.is_custom())
            .map(|d| {
                let scheme = if c.config.public_url.starts_with("https://") {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{}", d.domain)
            })
            .or_else(|| {
                domains
                    .first()
                    .map(|d| format!("{}/domain/{}", c.config.public_url, d.domain))
            });
        if let Some(base) = base {
            doc.insert(
                "authorization_endpoint".into(),
                json!(format!("{base}/oauth2/authorize")),
            );
            doc.insert(
                "token_endpoint".into(),
                json!(format!("{base}/oauth2/token")),
            );
            doc.insert(
                "userinfo_endpoint".into(),
                json!(format!("{base}/oauth2/userInfo")),
            );
            doc.insert(
                "revocation_endpoint".into(),
                json!(format!("{base}/oauth2/revoke")),
            );
            doc.insert(
                "end_session_endpoint".into(),
                json!(format!("{base}/logout")),
            );
        }
    }
    doc.insert("response_types_supported".into(), json!(["code", "token"]));
    doc.insert(
        "scopes_supported".into(),
        json!(["openid", "email", "phone", "profile"]),
    );
    doc.insert("subject_types_supported".into(), json!(["public"]));
    doc.insert(
        "id_token_signing_alg_values_supported".into(),
        json!(["RS256"]),
    );
    doc.insert(
        "token_endpoint_auth_methods_supported".into(),
        json!(["client_secret_basic", "client_secret_post"]),
    );
    doc.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    doc.insert(
        "grant_types_supported".into(),
        json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ]),
    );
    Json(Value::Object(doc)).into_response()
}

/// `GET /{pool_id}/.well-known/jwks.json`.
pub async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match state.cirrus.jwks(&pool_id).await {
        Ok(doc) => Json(doc).into_response(),
        Err(cirrus_core::Error::ResourceNotFound(_))
        | Err(cirrus_core::Error::InvalidParameter(_)) => not_found(&pool_id),
        Err(e) => {
            tracing::error!(%e, "jwks");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
