//! The operational endpoints: `/healthz`, and `/metrics` for Prometheus.
//!
//! Metrics reveal activity (sign-in rates, refusals, which operations run), so on the main
//! listener `/metrics` answers only a loopback peer that did not come through a proxy. The
//! operator's own listener (`cirrus serve --metrics-listen`, [`ops_router`]) serves it to
//! anyone who can reach that address.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Extension, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::metrics::MetricsEndpoint;

/// The Prometheus text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Headers that mean a proxy relayed the request: its peer address is then the proxy's.
const PROXY_HEADERS: &[&str] = &["forwarded", "x-forwarded-for", "x-real-ip"];

/// `GET /healthz`.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Whether a request may read `/metrics` on the main listener: its peer is a loopback address
/// (IPv4-mapped included) and it carries no proxy header. No known peer is refused.
pub fn local_unproxied(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    peer.is_some_and(|p| p.ip().to_canonical().is_loopback())
        && !PROXY_HEADERS.iter().any(|h| headers.contains_key(*h))
}

fn exposition(endpoint: &MetricsEndpoint) -> Response {
    match endpoint.render() {
        Some(text) => {
            let mut r = text.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            r
        }
        None => (
            StatusCode::NOT_FOUND,
            "metrics are not enabled in this process\n",
        )
            .into_response(),
    }
}

/// `GET /metrics` on the main listener: loopback peers only.
pub async fn metrics_local(
    Extension(endpoint): Extension<MetricsEndpoint>,
    request: Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !local_unproxied(peer, request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "/metrics is served to loopback clients only; use cirrus serve --metrics-listen\n",
        )
            .into_response();
    }
    exposition(&endpoint)
}

/// `GET /metrics` on the metrics listener: anyone who reaches it.
pub async fn metrics_open(Extension(endpoint): Extension<MetricsEndpoint>) -> Response {
    exposition(&endpoint)
}

/// The router of `--metrics-listen`: `/metrics` and `/healthz`, open.
pub fn ops_router(endpoint: MetricsEndpoint) -> Router {
    Router::new()
        .route("/metrics", get(metrics_open))
        .route("/healthz", get(healthz))
        .layer(Extension(endpoint))
}
