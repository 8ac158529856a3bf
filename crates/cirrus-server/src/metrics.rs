//! What the HTTP layer measures, and how `/metrics` is rendered. The recorder itself is
//! installed by the binary; without one every recording here is a no-op.
//!
//! Label values are always chosen from fixed sets: route templates (never the raw path, which
//! holds pool ids and domain prefixes), known methods and status codes, the admin actions this
//! server implements, and the `__type` names of its errors.

use std::fmt;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use metrics::SharedString;

use crate::admin_api::ACTIONS;

/// Counter: HTTP requests answered, by `route`, `method` and `status`.
pub const HTTP_REQUESTS: &str = "cirrus_http_requests_total";
/// Histogram: time to the response head, by `route` and `method`.
pub const HTTP_DURATION: &str = "cirrus_http_request_duration_seconds";
/// Counter: admin API calls, by `action` and `error` (`none` when it succeeded).
pub const ADMIN_CALLS: &str = "cirrus_admin_api_calls_total";
/// Counter: metadata refreshes of URL-configured SAML providers, by `result`.
pub const METADATA_REFRESHES: &str = "cirrus_metadata_refreshes_total";
/// Gauge: always 1, labelled with the running `version`.
pub const BUILD_INFO: &str = "cirrus_build_info";
/// Gauge: when each SAML certificate stops being valid, epoch seconds.
pub const CERTIFICATE_NOT_AFTER: &str = "cirrus_saml_certificate_not_after_timestamp_seconds";

/// The bucket bounds (seconds) of [`HTTP_DURATION`]: 1 ms to 10 s.
pub const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `route` of a request that matched no route (a 404 from the fallback).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Every route template of [`crate::router`], so the common case labels without allocating.
const ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/metrics",
    "/{pool_id}/.well-known/openid-configuration",
    "/{pool_id}/.well-known/jwks.json",
    "/oauth2/authorize",
    "/login",
    "/logout",
    "/oauth2/token",
    "/oauth2/userInfo",
    "/oauth2/revoke",
    "/saml2/metadata",
    "/saml2/logout",
    "/saml2/idpresponse",
    "/domain/{prefix}/oauth2/authorize",
    "/domain/{prefix}/login",
    "/domain/{prefix}/logout",
    "/domain/{prefix}/oauth2/token",
    "/domain/{prefix}/oauth2/userInfo",
    "/domain/{prefix}/oauth2/revoke",
    "/domain/{prefix}/saml2/metadata",
    "/domain/{prefix}/saml2/logout",
    "/domain/{prefix}/saml2/idpresponse",
];

/// The `route` label of a matched route template (from axum's `MatchedPath`).
pub fn route_label(template: &str) -> SharedString {
    match ROUTES.iter().find(|r| **r == template) {
        Some(r) => SharedString::const_str(r),
        // Still a template, so still bounded; only a route added without listing it lands here.
        None => SharedString::from_owned(template.to_owned()),
    }
}

/// The `method` label: the standard methods by name, anything else `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// The `status` label: the code for the ones this server answers with, else the class (`4xx`).
pub fn status_label(status: StatusCode) -> &'static str {
    let code = match status.as_u16() {
        200 => "200",
        204 => "204",
        302 => "302",
        303 => "303",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        413 => "413",
        415 => "415",
        429 => "429",
        500 => "500",
        503 => "503",
        _ => "",
    };
    if !code.is_empty() {
        return code;
    }
    match status.as_u16() {
        ..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The `action` label of an admin API call: the action if this server implements it, else
/// `unknown` (so made-up `X-Amz-Target` values cannot grow the label set).
pub fn action_label(action: &str) -> &'static str {
    ACTIONS
        .iter()
        .find(|a| **a == action)
        .copied()
        .unwrap_or("unknown")
}

/// Counts one admin API call; `error` is the answered `__type`, `None` on success.
pub fn admin_call(action: &'static str, error: Option<&'static str>) {
    metrics::counter!(ADMIN_CALLS, "action" => action, "error" => error.unwrap_or("none"))
        .increment(1);
}

/// Counts the providers one metadata refresh pass refreshed and failed to refresh; a pass that
/// failed as a whole counts once as `error`.
pub fn metadata_refreshes(refreshed: usize, failed: usize) {
    metrics::counter!(METADATA_REFRESHES, "result" => "success").increment(refreshed as u64);
    metrics::counter!(METADATA_REFRESHES, "result" => "failure").increment(failed as u64);
}

/// Counts a metadata refresh pass that could not run (the store failed).
pub fn metadata_refresh_pass_failed() {
    metrics::counter!(METADATA_REFRESHES, "result" => "error").increment(1);
}

/// Registers the help text of every Cirrus metric (the HTTP layer's and the domain's) and sets
/// `cirrus_build_info`. Call once after installing a recorder.
pub fn describe(version: &'static str) {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method and status."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time from request to response head, by route template and method."
    );
    metrics::describe_counter!(
        ADMIN_CALLS,
        "cognito-idp admin API calls, by action (unknown for actions this server does not implement) and error __type (none on success)."
    );
    metrics::describe_counter!(
        METADATA_REFRESHES,
        "Metadata refreshes of providers configured by MetadataURL, by result (success, failure; error when the pass itself failed)."
    );
    metrics::describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label names the running build."
    );
    metrics::describe_gauge!(
        CERTIFICATE_NOT_AFTER,
        metrics::Unit::Seconds,
        "End of validity of each SAML certificate Cirrus relies on (IdP signing certificates from metadata, each pool's SP signing certificate, each provider's SP encryption certificate), in seconds since the Unix epoch; updated every ten minutes."
    );
    cirrus_core::metrics::describe();
    build_info(version);
}

/// Sets `cirrus_build_info` (again: gauges not set for an hour are dropped, see the recorder).
pub fn build_info(version: &'static str) {
    metrics::gauge!(BUILD_INFO, "version" => version).set(1.0);
}

/// Sets one `cirrus_saml_certificate_not_after_timestamp_seconds` series per certificate.
/// Labels name configuration (pool, provider, role, fingerprint), never users, so their number
/// is bounded by what admins configure; series of certificates no longer present lapse after
/// the recorder's idle timeout.
pub fn certificates(report: &cirrus_core::ops::certificates::CertificateReport) {
    for c in &report.certificates {
        metrics::gauge!(
            CERTIFICATE_NOT_AFTER,
            "pool_id" => c.pool_id.clone(),
            "provider" => c.provider.clone().unwrap_or_default(),
            "role" => c.role.as_str(),
            "fingerprint" => c.fingerprint.clone(),
        )
        .set(c.not_after as f64);
    }
}

/// Renders the metrics exposition; cheap to clone. The binary builds it around its recorder.
#[derive(Clone, Default)]
pub struct MetricsEndpoint {
    render: Option<Arc<dyn Fn() -> String + Send + Sync>>,
}

impl MetricsEndpoint {
    /// An endpoint that renders with `render` (the Prometheus text format).
    pub fn new(render: impl Fn() -> String + Send + Sync + 'static) -> Self {
        MetricsEndpoint {
            render: Some(Arc::new(render)),
        }
    }

    /// No recorder: `/metrics` answers 404.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// The exposition, or `None` without a recorder.
    pub fn render(&self) -> Option<String> {
        self.render.as_ref().map(|r| r())
    }
}

impl fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsEndpoint")
            .field("enabled", &self.render.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(action_label("ListUsers"), "ListUsers");
        assert_eq!(action_label("us-east-1_AbC123xyZ"), "unknown");
        assert_eq!(action_label("InitiateAuth"), "unknown");
        assert_eq!(
            method_label(&Method::from_bytes(b"BREW").unwrap_or(Method::GET)),
            "other"
        );
        assert_eq!(status_label(StatusCode::FOUND), "302");
        assert_eq!(status_label(StatusCode::IM_A_TEAPOT), "4xx");
        assert_eq!(status_label(StatusCode::BAD_GATEWAY), "5xx");
    }
}
