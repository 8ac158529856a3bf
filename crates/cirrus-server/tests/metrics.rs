//! `/metrics` on the main router: only loopback peers that did not come through a proxy may
//! read it, and requests are labelled by route template, never by the raw path.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use cirrus_core::clock::SystemClock;
use cirrus_core::keys::MasterKey;
use cirrus_core::ops::{Cirrus, Config};
use cirrus_core::store::Store;
use cirrus_core::vault::Vault;
use cirrus_server::metadata_fetch::HttpMetadataFetcher;
use cirrus_server::metrics::MetricsEndpoint;
use cirrus_server::{AdminAuth, AppState, router_with_metrics};
use cirrus_store::SqlStore;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};
use tower::ServiceExt;

const POOL_ID: &str = "us-east-1_AbC123xyZ";
const PREFIX: &str = "acme-login-7f3a";

async fn app(recorder: &PrometheusRecorder) -> (Router, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("cirrus-metrics-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = SqlStore::open_sqlite(&dir.join("cirrus.db"))
        .await
        .expect("store");
    let cirrus = Cirrus {
        store: Arc::new(store) as Arc<dyn Store>,
        clock: Arc::new(SystemClock),
        vault: Arc::new(Vault::new(MasterKey::generate().expect("key"))),
        keys: Arc::default(),
        metadata: Arc::default(),
        fetcher: Arc::new(HttpMetadataFetcher::new(false)),
        config: Arc::new(Config {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: "http://127.0.0.1:9229".into(),
        }),
    };
    let handle = recorder.handle();
    let endpoint = MetricsEndpoint::new(move || handle.render());
    let state = AppState {
        cirrus,
        auth: AdminAuth::Open,
    };
    (router_with_metrics(state, endpoint), dir)
}

async fn get(
    app: &Router,
    path: &str,
    peer: Option<&str>,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).expect("request");
    if let Some(peer) = peer {
        let addr: SocketAddr = peer.parse().expect("peer address");
        request.extensions_mut().insert(ConnectInfo(addr));
    }
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

// The recorder is thread-local to the test (current-thread runtime), so tests do not see each
// other's counts.
#[tokio::test(flavor = "current_thread")]
async fn metrics_answer_only_unproxied_loopback_peers() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (app, dir) = app(&recorder).await;

    for (peer, headers, expected) in [
        (Some("10.1.2.3:40000"), vec![], StatusCode::FORBIDDEN),
        (Some("192.168.0.7:40000"), vec![], StatusCode::FORBIDDEN),
        (Some("[2001:db8::1]:40000"), vec![], StatusCode::FORBIDDEN),
        (None, vec![], StatusCode::FORBIDDEN),
        (
            Some("127.0.0.1:40000"),
            vec![("x-forwarded-for", "203.0.113.9")],
            StatusCode::FORBIDDEN,
        ),
        (
            Some("127.0.0.1:40000"),
            vec![("forwarded", "for=203.0.113.9")],
            StatusCode::FORBIDDEN,
        ),
        (Some("127.0.0.1:40000"), vec![], StatusCode::OK),
        (Some("[::1]:40000"), vec![], StatusCode::OK),
        (Some("[::ffff:127.0.0.1]:40000"), vec![], StatusCode::OK),
    ] {
        let (status, body) = get(&app, "/metrics", peer, &headers).await;
        assert_eq!(status, expected, "peer {peer:?} with {headers:?}: {body}");
        if status == StatusCode::FORBIDDEN {
            assert!(
                !body.contains("cirrus_"),
                "a refusal leaked metrics: {body}"
            );
        } else {
            assert!(body.contains("cirrus_http_requests_total"), "{body}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "current_thread")]
async fn routes_are_labelled_by_template() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (app, dir) = app(&recorder).await;

    get(
        &app,
        &format!("/{POOL_ID}/.well-known/jwks.json"),
        None,
        &[],
    )
    .await;
    get(
        &app,
        &format!("/{POOL_ID}/.well-known/jwks.json"),
        None,
        &[],
    )
    .await;
    get(
        &app,
        &format!("/domain/{PREFIX}/oauth2/authorize?client_id=abc"),
        None,
        &[],
    )
    .await;
    get(&app, &format!("/no/such/{POOL_ID}"), None, &[]).await;
    get(&app, "/healthz", None, &[]).await;
    let (status, text) = get(&app, "/metrics", Some("127.0.0.1:1"), &[]).await;
    assert_eq!(status, StatusCode::OK);

    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("cirrus_http_requests_total{"))
        .collect();
    let has = |route: &str, count: u32| {
        requests.iter().any(|l| {
            l.contains(&format!("route=\"{route}\"")) && l.ends_with(&format!("}} {count}"))
        })
    };
    assert!(has("/{pool_id}/.well-known/jwks.json", 2), "{requests:#?}");
    assert!(has("/domain/{prefix}/oauth2/authorize", 1), "{requests:#?}");
    assert!(has("unmatched", 1), "{requests:#?}");
    assert!(has("/healthz", 1), "{requests:#?}");
    assert!(
        requests
            .iter()
            .any(|l| l.contains("route=\"/healthz\",method=\"GET\",status=\"200\"")),
        "{requests:#?}"
    );
    for secret in [POOL_ID, PREFIX, "abc", "no/such"] {
        assert!(!text.contains(secret), "{secret} in a label:\n{text}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
