//! What the store holds for a pool: the record and every configuration object under it.

use cirrus_core::model::client::AppClient;
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::group::Group;
use cirrus_core::model::identity_provider::IdentityProvider;
use cirrus_core::model::resource_server::ResourceServer;
use cirrus_core::model::user_pool::UserPool;
use cirrus_core::store::{Store, StoreResult};

/// One pool's configuration as stored.
#[derive(Debug, Clone)]
pub struct PoolState {
    pub pool: UserPool,
    pub clients: Vec<AppClient>,
    pub providers: Vec<IdentityProvider>,
    pub domains: Vec<PoolDomain>,
    pub resource_servers: Vec<ResourceServer>,
    pub groups: Vec<Group>,
}

const PAGE: usize = 100;

/// Follows a paginated store listing to the end.
macro_rules! all_pages {
    ($call:expr) => {{
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = $call(after.as_deref()).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out
    }};
}

/// Every pool in the store.
pub async fn all_pools(store: &dyn Store) -> StoreResult<Vec<UserPool>> {
    Ok(all_pages!(|after| store.list_pools(PAGE, after)))
}

/// Loads a pool's objects.
pub async fn load(store: &dyn Store, pool: UserPool) -> StoreResult<PoolState> {
    let id = pool.id.clone();
    let id = id.as_str();
    let clients = all_pages!(|after| store.list_clients(id, PAGE, after));
    let providers = all_pages!(|after| store.list_providers(id, PAGE, after));
    let resource_servers = all_pages!(|after| store.list_resource_servers(id, PAGE, after));
    let groups = all_pages!(|after| store.list_groups(id, PAGE, after));
    let domains = store.pool_domains(id).await?;
    Ok(PoolState {
        pool,
        clients,
        providers,
        domains,
        resource_servers,
        groups,
    })
}
