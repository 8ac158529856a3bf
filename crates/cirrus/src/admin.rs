//! Admin subcommands that work on the store directly: `cirrus events` and `cirrus keys rotate`.

use std::process::ExitCode;

use cirrus_core::ops::Config;
use clap::{Args, Subcommand};

use crate::serve::{StoreArgs, build};

/// `cirrus events`: the audit trail, newest first.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only this pool's events.
    #[arg(long)]
    pool: Option<String>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    /// How many events to show.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[command(flatten)]
    store: StoreArgs,
}

/// `cirrus sp-metadata`: the signed SP metadata of a pool, for the IdP operator.
#[derive(Debug, Args)]
pub struct SpMetadataArgs {
    /// The pool.
    #[arg(long)]
    pool: String,
    /// Also this SAML provider's encryption certificate and requested attributes.
    #[arg(long)]
    provider: Option<String>,
    /// The URL the server is reached at (as `cirrus serve --public-url`).
    #[arg(
        long,
        env = "CIRRUS_PUBLIC_URL",
        default_value = "http://127.0.0.1:9229"
    )]
    public_url: String,
    #[command(flatten)]
    store: StoreArgs,
}

/// Prints a pool's SP metadata.
pub fn sp_metadata(args: SpMetadataArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let mut config = offline_config();
            config.public_url = args.public_url.trim_end_matches('/').to_string();
            let (cirrus, store) = build(&args.store, config, false).await?;
            let domains = cirrus
                .store
                .pool_domains(&args.pool)
                .await
                .map_err(|e| e.to_string())?;
            let scheme = if args.public_url.starts_with("https://") {
                "https"
            } else {
                "http"
            };
            let base = domains
                .iter()
                .find(|d| d.is_custom())
                .map(|d| format!("{scheme}://{}", d.domain))
                .or_else(|| {
                    domains
                        .first()
                        .map(|d| format!("{}/domain/{}", cirrus.config.public_url, d.domain))
                })
                .ok_or_else(|| {
                    format!(
                        "pool {} has no domain; create one with CreateUserPoolDomain first",
                        args.pool
                    )
                })?;
            let xml = cirrus
                .sp_metadata(&args.pool, args.provider.as_deref(), &base)
                .await
                .map_err(|e| e.to_string())?;
            println!("{xml}");
            store.close().await;
            Ok(())
        })
    });
    finish(result, "sp-metadata")
}

/// `cirrus keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make new JWT signing keys for a pool; the old ones stay published until their tokens expire.
    Rotate {
        /// The pool whose keys to rotate.
        #[arg(long)]
        pool: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

pub fn offline_config() -> Config {
    Config {
        region: std::env::var("CIRRUS_REGION").unwrap_or_else(|_| "us-east-1".into()),
        account_id: std::env::var("CIRRUS_ACCOUNT_ID").unwrap_or_else(|_| "000000000000".into()),
        public_url: std::env::var("CIRRUS_PUBLIC_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:9229".into()),
    }
}

fn finish(result: Result<(), String>, command: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cirrus {command}: {e}");
            ExitCode::from(2)
        }
    }
}

fn format_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// Prints audit events.
pub fn events(args: EventsArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(&args.store, offline_config(), false).await?;
            let events = cirrus
                .audit_events(args.pool.as_deref(), args.limit)
                .await
                .map_err(|e| e.to_string())?;
            for e in &events {
                if args.json {
                    let line = serde_json::json!({
                        "id": e.id, "pool_id": e.pool_id, "at": format_time(e.at), "kind": e.kind, "detail": e.detail,
                    });
                    println!("{line}");
                } else {
                    let d = &e.detail;
                    let field = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("-").to_string();
                    if e.kind.starts_with("admin.") {
                        let target = d.get("target").map(|t| t.to_string()).unwrap_or_default();
                        println!(
                            "{}  {}  {:<18} by={} request={} id={}  {}",
                            format_time(e.at),
                            e.pool_id,
                            e.kind,
                            field("principal"),
                            field("request_id"),
                            e.id,
                            target,
                        );
                        continue;
                    }
                    println!(
                        "{}  {}  {:<18} provider={} check={} id={}  {}",
                        format_time(e.at),
                        e.pool_id,
                        e.kind,
                        field("provider"),
                        field("check"),
                        e.id,
                        field("message"),
                    );
                }
            }
            store.close().await;
            Ok(())
        })
    });
    finish(result, "events")
}

/// Runs a `cirrus keys` command.
pub fn keys(command: KeysCommand) -> ExitCode {
    let KeysCommand::Rotate {
        pool,
        store: store_args,
    } = command;
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(&store_args, offline_config(), false).await?;
            let kids = cirrus
                .rotate_jwt_keys(&pool)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "rotated the JWT signing keys of {pool}; signing now with: {}",
                kids.join(", ")
            );
            store.close().await;
            Ok(())
        })
    });
    finish(result, "keys rotate")
}

/// `cirrus saml certificates`: every SAML certificate and when it expires.
#[derive(Debug, Args)]
pub struct CertificatesArgs {
    /// Only this pool's certificates.
    #[arg(long)]
    pool: Option<String>,
    /// Certificates that expire within this many days need attention (exit status 1).
    #[arg(long, default_value_t = 30)]
    warn_days: u32,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// Lists SAML certificates, soonest expiry first. Exit status: 0 when all are valid for more
/// than `--warn-days`, 1 when one is expired, expires sooner or cannot be read, 2 on error.
pub fn certificates(args: CertificatesArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(&args.store, offline_config(), false).await?;
            let report = cirrus
                .certificate_report(args.pool.as_deref())
                .await
                .map_err(|e| e.to_string());
            store.close().await;
            report
        })
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cirrus saml certificates: {e}");
            return ExitCode::from(2);
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut attention = !report.unreadable.is_empty();
    if !args.json {
        println!(
            "{:<24} {:<20} {:<13} {:<20} {:>9}  FINGERPRINT (SHA-256)",
            "POOL", "PROVIDER", "ROLE", "NOT AFTER", "DAYS LEFT"
        );
    }
    for c in &report.certificates {
        let days_left = (c.not_after - now).div_euclid(86_400);
        if days_left < i64::from(args.warn_days) {
            attention = true;
        }
        if args.json {
            let mut line = serde_json::to_value(c).unwrap_or_default();
            line["days_left"] = days_left.into();
            println!("{line}");
        } else {
            println!(
                "{:<24} {:<20} {:<13} {:<20} {:>9}  {}",
                c.pool_id,
                c.provider.as_deref().unwrap_or("-"),
                c.role.as_str(),
                format_time(c.not_after.saturating_mul(1000)),
                days_left,
                c.fingerprint,
            );
        }
    }
    for u in &report.unreadable {
        if args.json {
            let mut line = serde_json::to_value(u).unwrap_or_default();
            line["unreadable"] = true.into();
            println!("{line}");
        } else {
            println!(
                "{:<24} {:<20} {:<13} unreadable: {}",
                u.pool_id,
                u.provider.as_deref().unwrap_or("-"),
                u.role.as_str(),
                u.reason
            );
        }
    }
    if attention {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `cirrus saml refresh-metadata`: fetch URL metadata now (after an IdP's certificate rollover).
#[derive(Debug, Args)]
pub struct RefreshMetadataArgs {
    /// The pool whose providers configured by MetadataURL are fetched again.
    #[arg(long)]
    pool: String,
    /// Only this provider.
    #[arg(long)]
    provider: Option<String>,
    /// Also allow http and private or loopback addresses in MetadataURL (as `cirrus serve`).
    #[arg(long, env = "CIRRUS_ALLOW_INSECURE_METADATA_URLS")]
    allow_insecure_metadata_urls: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// Fetches URL metadata now; running servers use it on their next request. Exit status: 0 when
/// every fetch was taken, 1 when one was refused (the provider keeps its last good metadata),
/// 2 on error.
pub fn refresh_metadata(args: RefreshMetadataArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(
                &args.store,
                offline_config(),
                args.allow_insecure_metadata_urls,
            )
            .await?;
            let report = cirrus
                .refresh_metadata_now(&args.pool, args.provider.as_deref())
                .await
                .map_err(|e| e.to_string());
            store.close().await;
            report
        })
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cirrus saml refresh-metadata: {e}");
            return ExitCode::from(2);
        }
    };
    if report.refreshed.is_empty() && report.failed.is_empty() {
        println!(
            "no identity provider of {} is configured by MetadataURL",
            args.pool
        );
    }
    for name in &report.refreshed {
        println!("refreshed {name}");
    }
    for (name, reason) in &report.failed {
        println!("kept the last good metadata of {name}: {reason}");
    }
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
