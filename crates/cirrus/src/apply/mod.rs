//! `cirrus apply` and `cirrus export`: user pool configuration as code. The file declares the
//! desired pools; `apply` plans the difference with the store, rehearses it on a scratch copy,
//! and (unless `--dry-run`) carries it out through cirrus-core's operations.

mod diff;
mod execute;
mod export;
mod file;
mod plan;
mod rehearsal;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thiserror::Error;

use crate::admin::{offline_config, runtime};
use crate::serve::{StoreArgs, build};

/// Everything that stops an apply or an export, with the file and the place in it.
#[derive(Debug, Error)]
pub enum ApplyError {
    /// The file could not be read.
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// The file is not valid TOML of the expected shape (the message has line and column).
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// The file asks for something the rules refuse.
    #[error("{}: {at}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        at: String,
        message: String,
    },
    /// An operation refused a change (its message is the admin API's).
    #[error("{}: {at}: {message}", path.display())]
    Op {
        path: PathBuf,
        at: String,
        message: String,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
}

/// `cirrus apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The configuration file (TOML; see docs/config-as-code.md).
    #[arg(long)]
    file: PathBuf,
    /// Print the plan and change nothing; exit 2 when applying would change something.
    #[arg(long)]
    dry_run: bool,
    /// Delete objects under the file's pools that the file does not list.
    #[arg(long)]
    prune: bool,
    /// Also allow http and private or loopback addresses in MetadataURL (development, tests).
    #[arg(long, env = "CIRRUS_ALLOW_INSECURE_METADATA_URLS")]
    allow_insecure_metadata_urls: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// `cirrus export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only the pool with this id.
    #[arg(long, conflicts_with = "name")]
    pool: Option<String>,
    /// Only the pool with this name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Exit status: the plan was applied, or (dry run) there is nothing to change.
const CLEAN: u8 = 0;
/// Exit status: an error; nothing was changed unless the output says so.
const FAILED: u8 = 1;
/// Exit status of a dry run whose plan would change something.
const DRIFT: u8 = 2;

/// Runs `cirrus apply`.
pub fn apply(args: ApplyArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(
                &args.store,
                offline_config(),
                args.allow_insecure_metadata_urls,
            )
            .await?;
            let outcome = run_apply(&cirrus, &args).await;
            store.close().await;
            outcome.map_err(|e| e.to_string())
        })
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cirrus apply: {e}");
            ExitCode::from(FAILED)
        }
    }
}

async fn run_apply(cirrus: &cirrus_core::ops::Cirrus, args: &ApplyArgs) -> Result<u8, ApplyError> {
    let path = &args.file;
    let file = file::load(path)?;
    let store = cirrus.store.as_ref();
    let pools = state::all_pools(store)
        .await
        .map_err(|e| ApplyError::Store(e.to_string()))?;
    let matched = plan::match_pools(&file, path, &pools)?;
    let mut states = Vec::new();
    for (id, pool) in matched.iter().zip(&file.user_pools) {
        let state = match id
            .as_ref()
            .and_then(|id| pools.iter().find(|p| &p.id == id))
        {
            Some(p) => Some(state::load(store, p.clone()).await.map_err(|e| {
                ApplyError::Store(format!("reading pool \"{}\": {e}", pool.pool_name))
            })?),
            None => None,
        };
        states.push(state);
    }
    let plan = plan::plan(&file, path, &states, args.prune)?;
    rehearsal::rehearse(cirrus, &file, path, &states, &plan).await?;
    print!("{}", plan.render());
    if args.dry_run {
        return Ok(if plan.has_changes() { DRIFT } else { CLEAN });
    }
    if !plan.has_changes() {
        println!("nothing to change");
        return Ok(CLEAN);
    }
    let mut done = 0usize;
    let result = execute::execute(cirrus, &file, path, &plan, &mut |line| {
        done += 1;
        println!("{line}");
    })
    .await;
    match result {
        Ok(()) => {
            println!("applied: {done} change(s)");
            Ok(CLEAN)
        }
        Err(e) => {
            println!("stopped after {done} change(s)");
            Err(e)
        }
    }
}

/// Runs `cirrus export`.
pub fn export(args: ExportArgs) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let (cirrus, store) = build(&args.store, offline_config(), false).await?;
            let outcome = run_export(&cirrus, &args).await;
            store.close().await;
            outcome
        })
    });
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cirrus export: {e}");
            ExitCode::from(FAILED)
        }
    }
}

async fn run_export(
    cirrus: &cirrus_core::ops::Cirrus,
    args: &ExportArgs,
) -> Result<String, String> {
    let store = cirrus.store.as_ref();
    let pools = state::all_pools(store).await.map_err(|e| e.to_string())?;
    let chosen: Vec<_> = pools
        .into_iter()
        .filter(|p| args.pool.as_ref().is_none_or(|id| &p.id == id))
        .filter(|p| args.name.as_ref().is_none_or(|n| &p.name == n))
        .collect();
    if chosen.is_empty() && (args.pool.is_some() || args.name.is_some()) {
        let what = args
            .pool
            .as_ref()
            .map(|id| format!("id {id}"))
            .or_else(|| args.name.as_ref().map(|n| format!("name \"{n}\"")))
            .unwrap_or_default();
        return Err(format!("no user pool with {what}"));
    }
    let mut states = Vec::new();
    for p in chosen {
        states.push(state::load(store, p).await.map_err(|e| e.to_string())?);
    }
    export::render(&states)
}
