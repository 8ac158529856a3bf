//! The rehearsal: before anything is written, the plan is carried out on a scratch copy of the
//! managed pools (an embedded store in a temporary directory), through the same operations and
//! so the same validation as the real run. A clean rehearsal means the real apply succeeds,
//! barring concurrent changes. `--dry-run` stops after it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cirrus_core::ops::Cirrus;
use cirrus_core::store::Store;
use cirrus_store::SqlStore;

use super::ApplyError;
use super::execute::execute;
use super::file::ConfigFile;
use super::plan::{Action, Kind, Plan, at};
use super::state::PoolState;

/// A directory removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch_dir() -> Result<ScratchDir, ApplyError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("cirrus-apply-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApplyError::Store(format!("cannot create {}: {e}", dir.display())))?;
    Ok(ScratchDir(dir))
}

/// Copies the managed pools into `scratch`.
async fn seed(
    real: &dyn Store,
    scratch: &dyn Store,
    states: &[Option<PoolState>],
) -> Result<(), String> {
    for s in states.iter().flatten() {
        let id = &s.pool.id;
        let key = real
            .pool_signing_key(id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("pool {id} has no signing key"))?;
        scratch
            .create_pool(&s.pool, &key)
            .await
            .map_err(|e| e.to_string())?;
        for p in &s.providers {
            scratch
                .create_provider(p)
                .await
                .map_err(|e| e.to_string())?;
        }
        for r in &s.resource_servers {
            scratch
                .create_resource_server(r)
                .await
                .map_err(|e| e.to_string())?;
        }
        for c in &s.clients {
            scratch.create_client(c).await.map_err(|e| e.to_string())?;
        }
        for d in &s.domains {
            scratch.create_domain(d).await.map_err(|e| e.to_string())?;
        }
        for g in &s.groups {
            scratch.create_group(g).await.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Checks what the scratch copy cannot know: domains taken by pools the file does not manage.
async fn check_domains(
    cirrus: &Cirrus,
    file: &ConfigFile,
    path: &Path,
    plan: &Plan,
) -> Result<(), ApplyError> {
    for pp in &plan.pools {
        let Some(entry) = file.user_pools.get(pp.entry) else {
            continue;
        };
        for i in pp
            .items
            .iter()
            .filter(|i| i.kind == Kind::Domain && i.action == Action::Create)
        {
            let taken = cirrus
                .store
                .get_domain(&i.name)
                .await
                .map_err(|e| ApplyError::Store(e.to_string()))?;
            if let Some(d) = taken
                && Some(&d.user_pool_id) != pp.id.as_ref()
            {
                return Err(ApplyError::Invalid {
                    path: path.to_path_buf(),
                    at: at(&entry.pool_name, &[format!("Domain \"{}\"", i.name)]),
                    message: format!(
                        "the domain is already associated with another user pool ({})",
                        d.user_pool_id
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Carries out `plan` on a scratch copy of `states`; the real store is only read.
pub async fn rehearse(
    cirrus: &Cirrus,
    file: &ConfigFile,
    path: &Path,
    states: &[Option<PoolState>],
    plan: &Plan,
) -> Result<(), ApplyError> {
    check_domains(cirrus, file, path, plan).await?;
    let dir = scratch_dir()?;
    let store = Arc::new(
        SqlStore::open_sqlite(&dir.0.join("rehearsal.db"))
            .await
            .map_err(|e| ApplyError::Store(format!("cannot open the scratch store: {e}")))?,
    );
    let result = async {
        seed(cirrus.store.as_ref(), store.as_ref(), states)
            .await
            .map_err(|e| ApplyError::Store(format!("cannot copy the managed pools: {e}")))?;
        let scratch = Cirrus {
            store: store.clone() as Arc<dyn Store>,
            keys: Arc::default(),
            metadata: Arc::default(),
            ..cirrus.clone()
        };
        execute(&scratch, file, path, plan, &mut |_| {}).await
    }
    .await;
    store.close().await;
    drop(dir);
    result
}
