//! `cirrus serve`: opens the store, binds the listener, prints the ready line, serves until
//! SIGTERM or SIGINT.

use std::io::Write;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cirrus_core::clock::SystemClock;
use cirrus_core::keys::MasterKey;
use cirrus_core::ops::{Cirrus, Config};
use cirrus_core::store::Store;
use cirrus_core::vault::Vault;
use cirrus_server::metadata_fetch::HttpMetadataFetcher;
use cirrus_server::rate_limit::{RateLimitConfig, RateLimiter, parse_trusted_proxies};
use cirrus_server::sigv4::AdminKeys;
use cirrus_server::{AdminAuth, AppState};
use cirrus_store::SqlStore;
use clap::Args;

/// Where the store is, and the key that opens its secrets; shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Directory of the embedded store (and of the generated master key).
    #[arg(long, env = "CIRRUS_DATA_DIR", default_value = "./cirrus-data")]
    pub data_dir: PathBuf,
    /// A postgres:// URL selects PostgreSQL instead of the embedded store.
    #[arg(long, env = "CIRRUS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// File holding the master key (base64 of 32 bytes) that seals private keys in the store.
    #[arg(long, env = "CIRRUS_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

/// Flags of `cirrus serve`; each has an environment twin.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CIRRUS_LISTEN", default_value = "127.0.0.1:9229")]
    listen: SocketAddr,
    #[command(flatten)]
    store: StoreArgs,
    /// The URL clients reach this server at (default: http:// + the bound address).
    #[arg(long, env = "CIRRUS_PUBLIC_URL")]
    public_url: Option<String>,
    /// Region used in pool ids, ARNs and SigV4.
    #[arg(long, env = "CIRRUS_REGION", default_value = "us-east-1")]
    region: String,
    /// Account id used in ARNs.
    #[arg(long, env = "CIRRUS_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
    /// File of ACCESS_KEY_ID:SECRET lines; admin API calls must then be SigV4-signed with one of
    /// them. The environment twin CIRRUS_ADMIN_KEYS holds the pairs, comma-separated.
    #[arg(long)]
    admin_keys: Option<PathBuf>,
    /// Rotate a pool's JWT signing keys when they are this many days old (0: only by hand,
    /// with `cirrus keys rotate`).
    #[arg(long, env = "CIRRUS_ROTATE_JWT_KEYS_DAYS", default_value_t = 90)]
    rotate_jwt_keys_days: u32,
    /// Also allow http and private or loopback addresses in MetadataURL (development, tests).
    #[arg(long, env = "CIRRUS_ALLOW_INSECURE_METADATA_URLS")]
    allow_insecure_metadata_urls: bool,
    /// Requests per second each client IP address may make, sustained (0: no limit). Loopback
    /// clients are never limited.
    #[arg(long, env = "CIRRUS_RATE_LIMIT_PER_IP", default_value_t = 50)]
    rate_limit_per_ip: u32,
    /// Requests a client may make at once before the per-second rate applies.
    #[arg(long, env = "CIRRUS_RATE_LIMIT_BURST", default_value_t = 200)]
    rate_limit_burst: u32,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the
    /// client for rate limiting.
    #[arg(long, env = "CIRRUS_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// Also serve /metrics and /healthz on this address, to anyone who can reach it (the
    /// operator's private network). On the main listener /metrics answers loopback peers only.
    #[arg(long, env = "CIRRUS_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
}

/// The rate limiter the flags ask for, if any.
fn rate_limiter(args: &ServeArgs) -> Result<Option<Arc<RateLimiter>>, String> {
    let trusted_proxies = parse_trusted_proxies(&args.trusted_proxies)
        .map_err(|e| format!("--trusted-proxies: {e}"))?;
    let Some(per_second) = NonZeroU32::new(args.rate_limit_per_ip) else {
        return Ok(None);
    };
    let burst = NonZeroU32::new(args.rate_limit_burst)
        .ok_or("--rate-limit-burst must be at least 1 (use --rate-limit-per-ip 0 for no limit)")?;
    Ok(Some(Arc::new(RateLimiter::new(RateLimitConfig {
        per_second,
        burst,
        trusted_proxies,
    }))))
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("cirrus serve: {message}");
    ExitCode::from(2)
}

fn load_admin_keys(args: &ServeArgs) -> Result<Option<AdminKeys>, String> {
    if let Some(path) = &args.admin_keys {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --admin-keys {}: {e}", path.display()))?;
        return AdminKeys::parse_file(&text)
            .map(Some)
            .map_err(|e| format!("--admin-keys {}: {e}", path.display()));
    }
    match std::env::var("CIRRUS_ADMIN_KEYS") {
        Ok(value) if !value.trim().is_empty() => AdminKeys::parse_env(&value)
            .map(Some)
            .map_err(|e| format!("CIRRUS_ADMIN_KEYS: {e}")),
        _ => Ok(None),
    }
}

/// Opens the store and assembles the service around it.
pub async fn build(
    store_args: &StoreArgs,
    config: Config,
    allow_insecure_metadata_urls: bool,
) -> Result<(Cirrus, Arc<SqlStore>), String> {
    let (store, master_key) = open_store(store_args).await?;
    let store = Arc::new(store);
    let cirrus = Cirrus {
        store: store.clone() as Arc<dyn Store>,
        clock: Arc::new(SystemClock),
        vault: Arc::new(Vault::new(master_key)),
        keys: Arc::default(),
        metadata: Arc::default(),
        fetcher: Arc::new(HttpMetadataFetcher::new(allow_insecure_metadata_urls)),
        config: Arc::new(config),
    };
    Ok((cirrus, store))
}

/// Logs every SAML certificate that is expired, expires within 30 days, or cannot be read.
fn warn_about_certificates(report: &cirrus_core::ops::certificates::CertificateReport) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for c in &report.certificates {
        let days = (c.not_after - now).div_euclid(86_400);
        if days < 30 {
            tracing::warn!(
                pool = %c.pool_id,
                provider = c.provider.as_deref().unwrap_or(""),
                role = c.role.as_str(),
                fingerprint = %c.fingerprint,
                days_left = days,
                "SAML certificate expired or expiring soon"
            );
        }
    }
    for u in &report.unreadable {
        tracing::warn!(pool = %u.pool_id, provider = u.provider.as_deref().unwrap_or(""), role = u.role.as_str(), reason = %u.reason, "SAML certificate unreadable");
    }
}

/// Background work: purge expired sign-in state every minute; every ten minutes refresh URL
/// metadata, publish SAML certificate expiries (and log the ones due within 30 days once an
/// hour) and rotate due JWT keys. Errors are logged and retried on the next round.
fn spawn_maintenance(cirrus: Cirrus, rotate_days: u32) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = cirrus.purge_expired().await {
                tracing::warn!(%e, "purging expired sign-in state failed");
            }
            if round.is_multiple_of(10) {
                match cirrus
                    .refresh_metadata(cirrus_core::ops::maintenance::METADATA_REFRESH_MS)
                    .await
                {
                    Ok(r) => {
                        cirrus_server::metrics::metadata_refreshes(
                            r.refreshed.len(),
                            r.failed.len(),
                        );
                        for (provider, reason) in &r.failed {
                            tracing::warn!(%provider, %reason, "metadata refresh failed; keeping the last good metadata");
                        }
                        if !r.refreshed.is_empty() {
                            tracing::info!(providers = ?r.refreshed, "metadata refreshed");
                        }
                    }
                    Err(e) => {
                        cirrus_server::metrics::metadata_refresh_pass_failed();
                        tracing::warn!(%e, "metadata refresh failed");
                    }
                }
                match cirrus.certificate_report(None).await {
                    Ok(report) => {
                        cirrus_server::metrics::certificates(&report);
                        if round.is_multiple_of(60) {
                            warn_about_certificates(&report);
                        }
                    }
                    Err(e) => tracing::warn!(%e, "reading SAML certificates failed"),
                }
                if rotate_days > 0 {
                    match cirrus
                        .rotate_due_jwt_keys(i64::from(rotate_days) * 86_400_000)
                        .await
                    {
                        Ok(pools) if !pools.is_empty() => {
                            tracing::info!(?pools, "JWT signing keys rotated")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(%e, "JWT key rotation failed"),
                    }
                }
            }
            round += 1;
        }
    });
}

/// Forgets idle clients of the rate limiter every minute.
fn spawn_sweeper(limiter: Arc<RateLimiter>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.sweep();
        }
    });
}

/// Runs the server until a shutdown signal.
pub fn run(args: ServeArgs) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CIRRUS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("CIRRUS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Opens the store the flags name, and its master key.
pub async fn open_store(args: &StoreArgs) -> Result<(SqlStore, MasterKey), String> {
    match &args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let Some(path) = &args.master_key_file else {
                return Err(
                    "--master-key-file is required with PostgreSQL: every node sharing the database must use the same master key. Create one with: head -c 32 /dev/urandom | base64 > master.key"
                        .into(),
                );
            };
            let key = MasterKey::load(path).map_err(|e| e.to_string())?;
            let store = SqlStore::open_postgres(url)
                .await
                .map_err(|e| format!("cannot open PostgreSQL store: {e}"))?;
            Ok((store, key))
        }
        Some(other) => Err(format!(
            "--database-url '{other}' is not a postgres:// URL; leave it out to use the embedded store in --data-dir"
        )),
        None => {
            std::fs::create_dir_all(&args.data_dir).map_err(|e| {
                format!("cannot create --data-dir {}: {e}", args.data_dir.display())
            })?;
            let key = match &args.master_key_file {
                Some(path) => MasterKey::load(path),
                None => MasterKey::load_or_create(&args.data_dir.join("master.key")),
            }
            .map_err(|e| e.to_string())?;
            let store = SqlStore::open_sqlite(&args.data_dir.join("cirrus.db"))
                .await
                .map_err(|e| format!("cannot open the embedded store: {e}"))?;
            Ok((store, key))
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let admin_keys = load_admin_keys(&args)?;
    let limiter = rate_limiter(&args)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_listener = match args.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on --metrics-listen {addr}: {e}"))?,
        ),
        None => None,
    };
    if admin_keys.is_none() && !bound.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on the non-loopback address {bound} without admin keys: anyone who can reach it could administer every user pool. Pass --admin-keys FILE (or CIRRUS_ADMIN_KEYS), or listen on 127.0.0.1."
        ));
    }
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"))
        .trim_end_matches('/')
        .to_string();
    let (cirrus, store) = build(
        &args.store,
        Config {
            region: args.region.clone(),
            account_id: args.account_id.clone(),
            public_url: public_url.clone(),
        },
        args.allow_insecure_metadata_urls,
    )
    .await?;
    let engine = store.engine();
    spawn_maintenance(cirrus.clone(), args.rotate_jwt_keys_days);
    let auth = match admin_keys {
        Some(keys) => AdminAuth::SigV4(Arc::new(keys)),
        None => AdminAuth::Open,
    };
    tracing::info!(%bound, %engine, signed = matches!(auth, AdminAuth::SigV4(_)), "starting");
    let metrics = crate::metrics_recorder::install()?;
    let mut app = cirrus_server::router_with_metrics(AppState { cirrus, auth }, metrics.clone())
        // Each request reads the configuration version once (cirrus_store::request_scope).
        .layer(axum::middleware::from_fn(
            |request: axum::extract::Request, next: axum::middleware::Next| {
                cirrus_store::with_request_scope(next.run(request))
            },
        ));
    if let Some(limiter) = limiter {
        spawn_sweeper(limiter.clone());
        app = app.layer(axum::middleware::from_fn_with_state(
            limiter,
            cirrus_server::rate_limit::limit,
        ));
    }
    let signal = shutdown_signal()?;
    // One signal stops both listeners.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let main = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let ops = async {
        let Some(ops_listener) = metrics_listener else {
            return Ok(());
        };
        if let Ok(addr) = ops_listener.local_addr() {
            tracing::info!(%addr, "serving /metrics and /healthz");
        }
        axum::serve(
            ops_listener,
            cirrus_server::ops_endpoints::ops_router(metrics),
        )
        .with_graceful_shutdown(stopped(stop_rx.clone()))
        .await
    };
    println!("cirrus listening on {public_url}");
    let _ = std::io::stdout().flush();
    tokio::try_join!(main.into_future(), ops).map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM or SIGINT. The handlers are installed when this is called, not when the
/// future is first polled, so a signal sent right after the ready line is not lost.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot install the SIGTERM handler: {e}"))?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| format!("cannot install the SIGINT handler: {e}"))?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}
