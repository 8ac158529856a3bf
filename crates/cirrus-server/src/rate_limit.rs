//! Per-client request rate limits: a token bucket per client IP address (governor's GCRA).
//!
//! The client is the TCP peer, unless the peer is a configured trusted proxy: then it is the
//! right-most address of `X-Forwarded-For` that is not itself a trusted proxy (what a proxy
//! appends cannot be forged by the client; what the client sent is to its left). Loopback
//! clients are never limited (local tools, health checks, a proxy on the same host that is
//! not declared trusted). A refused admin API call gets Cognito's `TooManyRequestsException`;
//! any other request `429 Too Many Requests`; both carry `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use ipnet::IpNet;

/// What `--rate-limit-*` and `--trusted-proxies` configure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests per second each client may make, sustained.
    pub per_second: NonZeroU32,
    /// Requests a client may make at once before the rate applies.
    pub burst: NonZeroU32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
}

/// A `--trusted-proxies` entry that is neither an address nor a network.
#[derive(Debug, thiserror::Error)]
#[error("not an IP address or network: {0:?}")]
pub struct BadProxy(String);

/// Parses `--trusted-proxies`: comma-separated addresses (`10.0.0.7`) and networks
/// (`10.0.0.0/8`).
pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, BadProxy> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            IpNet::from_str(s)
                .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
                .map_err(|_| BadProxy(s.to_string()))
        })
        .collect()
}

/// The limiter shared by every request.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpNet>,
}

impl RateLimiter {
    /// A limiter with `config`'s quota per client.
    pub fn new(config: RateLimitConfig) -> RateLimiter {
        let quota = Quota::per_second(config.per_second).allow_burst(config.burst);
        RateLimiter {
            buckets: governor::RateLimiter::keyed(quota),
            trusted_proxies: config.trusted_proxies,
        }
    }

    /// Forgets clients whose bucket is full again, so the table only holds active clients.
    pub fn sweep(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client a request comes from (see the module documentation).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; they are IPv4 clients.
        let peer = peer.to_canonical();
        if !self.trusted(peer) {
            return peer;
        }
        let mut client = peer;
        // Every X-Forwarded-For header, in order, as one list; walk it from the right.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = parse_hop(hop) else {
                // Garbage where an address should be: the last good hop is the client.
                break;
            };
            client = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        client
    }

    /// Whether `client` may make a request now; otherwise how many seconds until it may.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        if client.is_loopback() {
            return Ok(());
        }
        self.buckets.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Result<IpAddr, std::net::AddrParseError> {
    IpAddr::from_str(hop)
        .or_else(|e| SocketAddr::from_str(hop).map(|s| s.ip()).map_err(|_| e))
        .map(|ip| ip.to_canonical())
}

/// The middleware: refuses a request over its client's quota. Requests without a peer address
/// (in-process tests) are not limited.
pub async fn limit(
    State(limiter): State<std::sync::Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return next.run(request).await;
    };
    let client = limiter.client(peer.ip(), request.headers());
    match limiter.check(client) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::debug!(%client, wait, "rate limited");
            metrics::counter!("cirrus_http_requests_rate_limited_total").increment(1);
            too_many(
                request.method() == Method::POST && request.uri().path() == "/",
                wait,
            )
        }
    }
}

fn too_many(admin_api: bool, wait: u64) -> Response {
    let retry_after = HeaderValue::from(wait.max(1));
    if admin_api {
        // What Cognito answers: HTTP 400 with the throttling type, which the AWS SDKs retry.
        let body = serde_json::json!({
            "__type": "TooManyRequestsException",
            "message": "Too many requests from this client; retry later.",
        });
        return (
            StatusCode::BAD_REQUEST,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-amz-json-1.1"),
                ),
                (header::RETRY_AFTER, retry_after),
            ],
            body.to_string(),
        )
            .into_response();
    }
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after)],
        "Too many requests from this client; retry later.\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(proxies: &str, per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            per_second: NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
            trusted_proxies: parse_trusted_proxies(proxies).unwrap_or_default(),
        })
    }

    fn ip(s: &str) -> IpAddr {
        IpAddr::from_str(s).unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append("x-forwarded-for", v);
            }
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let l = limiter("10.0.0.0/8, 192.0.2.1", 1, 1);
        // An untrusted peer's header is ignored: it could say anything.
        assert_eq!(
            l.client(ip("198.51.100.9"), &xff(&["203.0.113.5"])),
            ip("198.51.100.9")
        );
        // A trusted proxy: the right-most address that is not a proxy is the client, whatever
        // the client itself put on the left.
        assert_eq!(
            l.client(ip("10.1.2.3"), &xff(&["1.1.1.1, 203.0.113.5, 10.9.9.9"])),
            ip("203.0.113.5")
        );
        // Several headers are one list, in order.
        assert_eq!(
            l.client(ip("192.0.2.1"), &xff(&["1.1.1.1", "203.0.113.6:443"])),
            ip("203.0.113.6")
        );
        // Garbage stops the walk at the last good hop; no header leaves the proxy as client.
        assert_eq!(
            l.client(ip("10.1.2.3"), &xff(&["nonsense, 10.2.2.2"])),
            ip("10.2.2.2")
        );
        assert_eq!(l.client(ip("10.1.2.3"), &HeaderMap::new()), ip("10.1.2.3"));
        // IPv4 peers of a dual-stack listener are IPv4: trusted, and loopback when they are.
        assert_eq!(
            l.client(ip("::ffff:10.1.2.3"), &xff(&["203.0.113.5"])),
            ip("203.0.113.5")
        );
        let local = l.client(ip("::ffff:127.0.0.1"), &HeaderMap::new());
        assert!(l.check(local).is_ok() && l.check(local).is_ok() && l.check(local).is_ok());
    }

    #[test]
    fn quota_per_client_and_loopback_exempt() {
        let l = limiter("", 1, 2);
        let a = ip("203.0.113.1");
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_ok());
        let wait = l.check(a).unwrap_err();
        assert!(wait >= 1, "a refusal says when to come back");
        assert!(l.check(ip("203.0.113.2")).is_ok(), "buckets are per client");
        for _ in 0..100 {
            assert!(l.check(ip("127.0.0.1")).is_ok());
            assert!(l.check(ip("::1")).is_ok());
        }
    }

    #[test]
    fn trusted_proxy_list_errors() {
        assert!(parse_trusted_proxies("10.0.0.1, ::1, 10.0.0.0/8,").is_ok());
        let err = parse_trusted_proxies("10.0.0.1, proxy.example").unwrap_err();
        assert!(err.to_string().contains("proxy.example"));
        assert!(parse_trusted_proxies("10.0.0.0/33").is_err());
    }

    #[test]
    fn refusals_speak_each_protocol() {
        let admin = too_many(true, 3);
        assert_eq!(admin.status(), StatusCode::BAD_REQUEST);
        assert_eq!(admin.headers()[header::RETRY_AFTER], "3");
        let page = too_many(false, 0);
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(page.headers()[header::RETRY_AFTER], "1");
    }
}
