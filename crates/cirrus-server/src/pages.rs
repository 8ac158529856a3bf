//! Server-rendered pages of the hosted UI (minijinja templates compiled in; no external assets,
//! works without JavaScript) and the headers every page carries.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("sign_in.html", include_str!("../templates/sign_in.html")),
        ("error.html", include_str!("../templates/error.html")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            // The templates are part of the binary; a broken one is caught by the tests.
            tracing::error!(%name, %e, "built-in template does not compile");
        }
    }
    env
});

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Renders a page with a fresh CSP nonce for its inline style.
pub fn render(status: StatusCode, template: &str, context: minijinja::Value) -> Response {
    let nonce = nonce();
    let ctx = minijinja::context! { nonce => nonce.clone(), ..context };
    let body = TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!(%template, %e, "template failed");
            "<!doctype html><title>Error</title><p>Internal error.</p>".to_string()
        });
    let mut response = (status, Html(body)).into_response();
    security_headers(&mut response, &nonce);
    response
}

/// The hosted UI's headers: a strict CSP (nothing loads but this page and its nonce'd style),
/// no framing, no caching, no referrer.
pub fn security_headers(response: &mut Response, nonce: &str) {
    let h = response.headers_mut();
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// An error page.
pub fn error_page(
    status: StatusCode,
    message: &str,
    error: Option<&str>,
    correlation_id: Option<&str>,
) -> Response {
    render(
        status,
        "error.html",
        minijinja::context! { message => message, error => error, correlation_id => correlation_id },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compile_and_escape() {
        let r = error_page(
            StatusCode::BAD_REQUEST,
            "<script>x</script>",
            Some("invalid_request"),
            Some("abc"),
        );
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("frame-ancestors 'none'"));
        for name in ["base.html", "sign_in.html", "error.html"] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
        let html = TEMPLATES
            .get_template("error.html")
            .unwrap()
            .render(minijinja::context! { message => "<b>", nonce => "n" })
            .unwrap();
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
    }
}
