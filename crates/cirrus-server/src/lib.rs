//! The HTTP layer of Cirrus: the cognito-idp JSON API on `POST /`, and the operational
//! endpoints. Handlers are thin: they parse, call `cirrus-core`, and render.

pub mod admin_api;
pub mod metadata_fetch;
pub mod sigv4;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use cirrus_core::ops::Cirrus;

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

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", post(admin_api::handle))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}
