//! The HTTP layer of Cirrus: the cognito-idp JSON API on `POST /`, and the operational
//! endpoints (`/healthz`, `/metrics`). Handlers are thin: they parse, call `cirrus-core`, and
//! render.

pub mod admin_api;
pub mod hosted_ui;
pub mod metadata_fetch;
pub mod metrics;
pub mod middleware;
pub mod oauth2;
pub mod ops_endpoints;
pub mod pages;
pub mod rate_limit;
pub mod saml_endpoints;
pub mod sigv4;
pub mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::routing::{get, post};
use cirrus_core::ops::Cirrus;

use crate::metrics::MetricsEndpoint;
use crate::sigv4::AdminKeys;

/// How admin API calls are authenticated.
#[derive(Debug, Clone)]
pub enum AdminAuth {
    /// Development on a loopback listener without keys: signed and unsigned calls are accepted.
    Open,
    /// SigV4 verified against these keys.
    SigV4(Arc<AdminKeys>),
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub cirrus: Cirrus,
    pub auth: AdminAuth,
}

/// The largest request body the admin API reads (MetadataFile alone may be 128 KiB).
pub const MAX_ADMIN_BODY: usize = 1024 * 1024;

/// The routes of a pool domain, the same under `/domain/{prefix}` and at a custom host's root.
fn domain_routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(hosted_ui::authorize))
        .route("/login", get(hosted_ui::login))
        .route("/logout", get(hosted_ui::logout))
        .route("/oauth2/token", post(oauth2::token))
        .route(
            "/oauth2/userInfo",
            get(oauth2::userinfo).post(oauth2::userinfo),
        )
        .route("/oauth2/revoke", post(oauth2::revoke))
        .route("/saml2/metadata", get(saml_endpoints::metadata))
        .route(
            "/saml2/logout",
            post(saml_endpoints::slo)
                .get(saml_endpoints::slo_redirect)
                .layer(DefaultBodyLimit::max(saml_endpoints::MAX_ACS_BODY)),
        )
        .route(
            "/saml2/idpresponse",
            post(saml_endpoints::acs).layer(DefaultBodyLimit::max(saml_endpoints::MAX_ACS_BODY)),
        )
}

/// The application's routes, with `/metrics` answering 404 (no recorder).
pub fn router(state: AppState) -> Router {
    router_with_metrics(state, MetricsEndpoint::disabled())
}

/// The application's routes; `/metrics` renders `metrics` to loopback peers (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()` so the peer is known). Every request
/// is counted and timed by route template.
pub fn router_with_metrics(state: AppState, metrics: MetricsEndpoint) -> Router {
    Router::new()
        .route("/", post(admin_api::handle))
        .route("/healthz", get(ops_endpoints::healthz))
        .route(
            "/metrics",
            get(ops_endpoints::metrics_local).layer(Extension(metrics)),
        )
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(well_known::openid_configuration),
        )
        .route("/{pool_id}/.well-known/jwks.json", get(well_known::jwks))
        .nest("/domain/{prefix}", domain_routes())
        .merge(domain_routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(middleware::http_metrics::record))
}
