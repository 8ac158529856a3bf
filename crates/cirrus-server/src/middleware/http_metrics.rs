//! Counts every request and times it to the response head, labelled by the route *template*
//! (axum's `MatchedPath`), so pool ids and domain prefixes in paths never become label values.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics::SharedString;

use crate::metrics::{
    HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE, method_label, route_label, status_label,
};

/// `axum::middleware::from_fn` body: records [`HTTP_REQUESTS`] and [`HTTP_DURATION`].
pub async fn record(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => route_label(path.as_str()),
        None => SharedString::const_str(UNMATCHED_ROUTE),
    };
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = status_label(response.status());
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method)
        .record(start.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}
