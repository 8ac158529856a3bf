//! `Store` on SQL: one implementation, two engines. Every query is written once in SQL both
//! SQLite and PostgreSQL accept (`$n` parameters, TEXT/BIGINT/BOOLEAN) and runs through the small
//! query API of [`crate::db`] on whichever engine is configured.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cirrus_core::model::Timestamp;
use cirrus_core::model::client::AppClient;
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::group::Group;
use cirrus_core::model::identity_provider::IdentityProvider;
use cirrus_core::model::resource_server::ResourceServer;
use cirrus_core::model::session::{AuditEvent, IdentityLink, JwtKeyRecord, RefreshTokenRecord};
use cirrus_core::model::user::User;
use cirrus_core::model::user_pool::UserPool;
use cirrus_core::store::{
    Page, PoolChange, PoolSigningKey, Store, StoreError, StoreResult, UserChange, UserFilter,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config_cache::{Cached, ConfigCache, Key};
use crate::db::{Arg, Db, DbError, Embedded, Tx, query};
use crate::migrate::{CREATE_MIGRATIONS_TABLE, MIGRATIONS};
use crate::request_scope;

/// A [`Store`] on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    cache: Arc<ConfigCache>,
}

/// Whether a write changes configuration (pools, app clients, domains, identity providers, JWT
/// keys): such writes move the configuration version, which every cache checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Config,
    Data,
}

/// Moves the configuration version; runs inside the transaction of the change. The request
/// that makes the change reads the version again afterwards (its own write is seen).
async fn bump_config(tx: &mut Tx) -> StoreResult<()> {
    query("UPDATE config_version SET n = n + 1 WHERE id = 1")
        .execute(tx)
        .await
        .map_err(backend)?;
    request_scope::forget();
    Ok(())
}

/// Runs a block inside a transaction; `$tx` names it. An early return rolls it back.
macro_rules! in_tx {
    ($self:expr, $tx:ident => $body:block) => {{
        let mut $tx = $self.db.begin().await.map_err(backend)?;
        let out = $body;
        $tx.commit().await.map_err(backend)?;
        out
    }};
}

fn backend(e: DbError) -> StoreError {
    match e.unique_violation() {
        Some(message) => StoreError::Conflict(message),
        None => StoreError::Backend(e.to_string()),
    }
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn docs<T: DeserializeOwned>(rows: Vec<(String,)>) -> StoreResult<Vec<T>> {
    rows.iter().map(|(d,)| from_doc(d)).collect()
}

/// Cuts a `limit + 1` fetch down to a page, naming the last key when more follow.
fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

type UserRow = (String, String, String, String, bool, i64, i64);

const USER_COLUMNS: &str =
    "u.pool_id, u.username, u.sub, u.status, u.enabled, u.created, u.modified";

fn user_from_row(row: UserRow) -> User {
    let (pool_id, username, sub, status, enabled, created, modified) = row;
    User {
        pool_id,
        username,
        sub,
        status,
        enabled,
        created: Timestamp(created),
        modified: Timestamp(modified),
        attributes: Default::default(),
    }
}

fn fold(value: &str) -> String {
    value.to_lowercase()
}

/// Bind values collected while a query is assembled; `push` answers the placeholder.
struct QueryArgs(Vec<Arg>);

impl QueryArgs {
    fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    /// A condition comparing `column` with `value`, exactly or as a prefix (portable: no LIKE,
    /// whose case rules differ between the engines).
    fn matches(&mut self, column: &str, value: &str, prefix: bool) -> String {
        if prefix {
            let len = self.push(Arg::Int(value.chars().count() as i64));
            let v = self.push(Arg::Text(value.to_string()));
            format!("substr({column}, 1, CAST({len} AS INTEGER)) = {v}")
        } else {
            let v = self.push(Arg::Text(value.to_string()));
            format!("{column} = {v}")
        }
    }
}

impl SqlStore {
    /// Opens (creating if needed) the embedded store at `path` and migrates it.
    pub async fn open_sqlite(path: &std::path::Path) -> StoreResult<SqlStore> {
        let embedded = Embedded::open(path).map_err(backend)?;
        let store = SqlStore {
            db: Db::Sqlite(Arc::new(embedded)),
            cache: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to PostgreSQL at `url` (`postgres://...`) and migrates it.
    pub async fn open_postgres(url: &str) -> StoreResult<SqlStore> {
        let options = PgConnectOptions::from_str(url).map_err(|e| backend(DbError::Postgres(e)))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| backend(DbError::Postgres(e)))?;
        let store = SqlStore {
            db: Db::Postgres(pool),
            cache: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Which engine this store runs on: `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection (the embedded store's close when its last handle is dropped).
    pub async fn close(&self) {
        if let Db::Postgres(pool) = &self.db {
            pool.close().await;
        }
    }

    /// Applies the migrations not applied yet, all in one transaction.
    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.db.begin().await.map_err(backend)?;
        if let Db::Postgres(_) = self.db {
            // Several nodes may start at once: one migrates while the others wait.
            query("SELECT pg_advisory_xact_lock(7426110001)")
                .execute(&mut tx)
                .await
                .map_err(backend)?;
        }
        tx.execute_batch(CREATE_MIGRATIONS_TABLE)
            .await
            .map_err(backend)?;
        for (version, sql) in MIGRATIONS {
            let done: Option<(i64,)> =
                query("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut tx)
                    .await
                    .map_err(backend)?;
            if done.is_none() {
                tx.execute_batch(sql).await.map_err(backend)?;
                query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(*version)
                    .bind(now_millis())
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?;
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn load_attributes(&self, users: &mut [User]) -> StoreResult<()> {
        let Some(first) = users.first() else {
            return Ok(());
        };
        let pool_id = first.pool_id.clone();
        let placeholders: Vec<String> = (0..users.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT username, name, value FROM user_attributes WHERE pool_id = $1 AND username IN ({})",
            placeholders.join(", ")
        );
        let mut args = vec![Arg::Text(pool_id)];
        args.extend(users.iter().map(|u| Arg::Text(u.username.clone())));
        let rows: Vec<(String, String, String)> = query(sql.clone())
            .bind_all(&args)
            .fetch_all(&self.db)
            .await
            .map_err(backend)?;
        for (username, name, value) in rows {
            if let Some(user) = users.iter_mut().find(|u| u.username == username) {
                user.attributes.insert(name, value);
            }
        }
        Ok(())
    }

    async fn list_docs<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
        key: impl Fn(&T) -> String,
    ) -> StoreResult<Page<T>> {
        let rows: Vec<(String,)> = query(sql)
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit))
            .fetch_all(&self.db)
            .await
            .map_err(backend)?;
        Ok(page(docs(rows)?, limit, key))
    }

    async fn get_doc<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        a: &str,
        b: Option<&str>,
    ) -> StoreResult<Option<T>> {
        let row: Option<(String,)> = {
            let q = query(sql).bind(a);
            let q = match b {
                Some(b) => q.bind(b),
                None => q,
            };
            q.fetch_optional(&self.db).await.map_err(backend)?
        };
        row.map(|(d,)| from_doc(&d)).transpose()
    }

    async fn count(&self, sql: &'static str, pool_id: &str) -> StoreResult<usize> {
        let (n,): (i64,) = query(sql)
            .bind(pool_id)
            .fetch_one(&self.db)
            .await
            .map_err(backend)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Deletes a record and what hangs off it in one transaction: each of `dependents`, then
    /// `main`, all bound to `args`. Nothing deleted by `main` is `NotFound`.
    async fn delete_cascade(
        &self,
        dependents: &[&'static str],
        main: &'static str,
        args: &[Arg],
        what: &str,
        write: Write,
    ) -> StoreResult<()> {
        let removed = in_tx!(self, tx => {
            if write == Write::Config {
                bump_config(&mut tx).await?;
            }
            for sql in dependents {
                query(*sql).bind_all(args).execute(&mut tx).await.map_err(backend)?;
            }
            query(main).bind_all(args)
                .execute(&mut tx)
                .await
                .map_err(backend)?
                .rows_affected()
        });
        if removed == 0 {
            return Err(StoreError::NotFound(what.to_string()));
        }
        Ok(())
    }

    /// Runs one statement that must change a row; no change is `NotFound`.
    async fn change(
        &self,
        sql: &'static str,
        args: &[Arg],
        what: &str,
        write: Write,
    ) -> StoreResult<()> {
        let affected = match write {
            Write::Data => query(sql)
                .bind_all(args)
                .execute(&self.db)
                .await
                .map_err(backend)?
                .rows_affected(),
            Write::Config => in_tx!(self, tx => {
                bump_config(&mut tx).await?;
                query(sql)
                    .bind_all(args)
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?
                    .rows_affected()
            }),
        };
        if affected == 0 {
            return Err(StoreError::NotFound(what.to_string()));
        }
        Ok(())
    }
}

impl SqlStore {
    /// A pool's JWT keys, newest first; `None` when it has none.
    async fn load_jwt_keys(&self, pool_id: &str) -> StoreResult<Option<Vec<JwtKeyRecord>>> {
        type Row = (String, String, String, i64, i64, String, String);
        let rows: Vec<Row> = query("SELECT pool_id, kid, token_use, created, retire_after, private_key, public_jwk FROM jwt_keys WHERE pool_id = $1 ORDER BY created DESC, kid")
                .bind(pool_id)
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        let keys: Vec<JwtKeyRecord> = rows
            .into_iter()
            .map(
                |(
                    pool_id,
                    kid,
                    token_use,
                    created,
                    retire_after,
                    private_key_sealed,
                    public_jwk,
                )| JwtKeyRecord {
                    pool_id,
                    kid,
                    token_use,
                    created,
                    retire_after,
                    private_key_sealed,
                    public_jwk,
                },
            )
            .collect();
        Ok((!keys.is_empty()).then_some(keys))
    }

    /// The configuration version now (see [`crate::config_cache`]), or the one this request
    /// already read (see [`crate::request_scope`]).
    async fn config_version(&self) -> StoreResult<i64> {
        if let Some(n) = request_scope::current() {
            return Ok(n);
        }
        let (n,): (i64,) = query("SELECT n FROM config_version WHERE id = 1")
            .fetch_one(&self.db)
            .await
            .map_err(backend)?;
        request_scope::remember(n);
        Ok(n)
    }

    /// `load`s a configuration record through the cache: the version is read first, then the
    /// record (when not cached under that version), which is kept if it exists.
    async fn cached<T: Cached>(
        &self,
        key: Key,
        load: impl Future<Output = StoreResult<Option<T>>> + Send,
    ) -> StoreResult<Option<T>> {
        let version = self.config_version().await?;
        if let Some(hit) = self.cache.get(version, &key).and_then(T::unpack) {
            return Ok(Some(hit));
        }
        let value = load.await?;
        if let Some(v) = &value {
            self.cache.put(version, key, v.clone().pack());
        }
        Ok(value)
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_string())
}

#[async_trait]
impl Store for SqlStore {
    async fn create_pool(&self, pool: &UserPool, key: &PoolSigningKey) -> StoreResult<()> {
        let doc = to_doc(pool)?;
        in_tx!(self, tx => {
            bump_config(&mut tx).await?;
            query("INSERT INTO user_pools (id, created, doc) VALUES ($1, $2, $3)")
                .bind(&pool.id)
                .bind(pool.creation_date.0)
                .bind(&doc)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            query("INSERT INTO pool_signing_keys (pool_id, created, certificate, private_key) VALUES ($1, $2, $3, $4)")
                .bind(&key.pool_id)
                .bind(key.created)
                .bind(&key.certificate)
                .bind(&key.private_key_sealed)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        self.cached(
            Key::Pool(pool_id.to_string()),
            self.get_doc("SELECT doc FROM user_pools WHERE id = $1", pool_id, None),
        )
        .await
    }

    async fn put_pool(&self, pool: &UserPool) -> StoreResult<()> {
        self.change(
            "UPDATE user_pools SET doc = $2 WHERE id = $1",
            &[text(&pool.id), Arg::Text(to_doc(pool)?)],
            &pool.id,
            Write::Config,
        )
        .await
    }

    async fn update_pool(
        &self,
        pool_id: &str,
        change: PoolChange,
    ) -> cirrus_core::Result<UserPool> {
        let not_found = || cirrus_core::Error::pool_not_found(pool_id);
        let pool = in_tx!(self, tx => {
            bump_config(&mut tx).await?;
            // Take the row's write lock first (a no-op update), then read: concurrent changes
            // wait here instead of overwriting each other.
            let locked = query("UPDATE user_pools SET id = id WHERE id = $1")
                .bind(pool_id)
                .execute(&mut tx)
                .await
                .map_err(backend)?
                .rows_affected();
            if locked == 0 {
                return Err(not_found());
            }
            let (doc,): (String,) = query("SELECT doc FROM user_pools WHERE id = $1")
                .bind(pool_id)
                .fetch_one(&mut tx)
                .await
                .map_err(backend)?;
            let mut pool: UserPool = from_doc(&doc)?;
            change(&mut pool)?;
            query("UPDATE user_pools SET doc = $2 WHERE id = $1")
                .bind(pool_id)
                .bind(to_doc(&pool)?)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            pool
        });
        Ok(pool)
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()> {
        const TABLES: &[&str] = &[
            "DELETE FROM group_members WHERE pool_id = $1",
            "DELETE FROM user_groups WHERE pool_id = $1",
            "DELETE FROM user_attributes WHERE pool_id = $1",
            "DELETE FROM users WHERE pool_id = $1",
            "DELETE FROM resource_servers WHERE pool_id = $1",
            "DELETE FROM idp_identifiers WHERE pool_id = $1",
            "DELETE FROM identity_providers WHERE pool_id = $1",
            "DELETE FROM domains WHERE pool_id = $1",
            "DELETE FROM app_clients WHERE pool_id = $1",
            "DELETE FROM pool_signing_keys WHERE pool_id = $1",
            "DELETE FROM ephemeral WHERE pool_id = $1",
            "DELETE FROM jwt_keys WHERE pool_id = $1",
            "DELETE FROM refresh_tokens WHERE pool_id = $1",
            "DELETE FROM revoked_origins WHERE pool_id = $1",
            "DELETE FROM identity_links WHERE pool_id = $1",
        ];
        self.delete_cascade(
            TABLES,
            "DELETE FROM user_pools WHERE id = $1",
            &[text(pool_id)],
            pool_id,
            Write::Config,
        )
        .await
    }

    async fn list_pools(&self, limit: usize, after: Option<&str>) -> StoreResult<Page<UserPool>> {
        let rows: Vec<(String,)> =
            query("SELECT doc FROM user_pools WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.unwrap_or(""))
                .bind(fetch_limit(limit))
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        Ok(page(docs(rows)?, limit, |p: &UserPool| p.id.clone()))
    }

    async fn pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>> {
        let row: Option<(String, i64, String, String)> = query("SELECT pool_id, created, certificate, private_key FROM pool_signing_keys WHERE pool_id = $1 ORDER BY created DESC LIMIT 1")
                .bind(pool_id)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        Ok(row.map(
            |(pool_id, created, certificate, private_key_sealed)| PoolSigningKey {
                pool_id,
                certificate,
                private_key_sealed,
                created,
            },
        ))
    }

    async fn create_client(&self, client: &AppClient) -> StoreResult<()> {
        let args = [
            text(&client.client_id),
            text(&client.user_pool_id),
            Arg::Text(to_doc(client)?),
        ];
        self.change(
            "INSERT INTO app_clients (client_id, pool_id, doc) VALUES ($1, $2, $3)",
            &args,
            "client",
            Write::Config,
        )
        .await
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.cached(
            Key::Client {
                pool_id: pool_id.to_string(),
                client_id: client_id.to_string(),
            },
            self.get_doc(
                "SELECT doc FROM app_clients WHERE client_id = $1 AND pool_id = $2",
                client_id,
                Some(pool_id),
            ),
        )
        .await
    }

    async fn find_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.get_doc(
            "SELECT doc FROM app_clients WHERE client_id = $1",
            client_id,
            None,
        )
        .await
    }

    async fn put_client(&self, client: &AppClient) -> StoreResult<()> {
        let args = [
            text(&client.client_id),
            text(&client.user_pool_id),
            Arg::Text(to_doc(client)?),
        ];
        self.change(
            "UPDATE app_clients SET doc = $3 WHERE client_id = $1 AND pool_id = $2",
            &args,
            &client.client_id,
            Write::Config,
        )
        .await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()> {
        self.change(
            "DELETE FROM app_clients WHERE client_id = $1 AND pool_id = $2",
            &[text(client_id), text(pool_id)],
            client_id,
            Write::Config,
        )
        .await
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<AppClient>> {
        self.list_docs(
            "SELECT doc FROM app_clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3",
            pool_id,
            limit,
            after,
            |c: &AppClient| c.client_id.clone(),
        )
        .await
    }

    async fn count_clients(&self, pool_id: &str) -> StoreResult<usize> {
        self.count(
            "SELECT COUNT(*) FROM app_clients WHERE pool_id = $1",
            pool_id,
        )
        .await
    }

    async fn create_domain(&self, domain: &PoolDomain) -> StoreResult<()> {
        let args = [
            text(&domain.domain),
            text(&domain.user_pool_id),
            Arg::Text(to_doc(domain)?),
        ];
        self.change(
            "INSERT INTO domains (domain, pool_id, doc) VALUES ($1, $2, $3)",
            &args,
            "domain",
            Write::Config,
        )
        .await
    }

    async fn get_domain(&self, domain: &str) -> StoreResult<Option<PoolDomain>> {
        self.cached(
            Key::Domain(domain.to_string()),
            self.get_doc("SELECT doc FROM domains WHERE domain = $1", domain, None),
        )
        .await
    }

    async fn put_domain(&self, domain: &PoolDomain) -> StoreResult<()> {
        let args = [text(&domain.domain), Arg::Text(to_doc(domain)?)];
        self.change(
            "UPDATE domains SET doc = $2 WHERE domain = $1",
            &args,
            &domain.domain,
            Write::Config,
        )
        .await
    }

    async fn delete_domain(&self, domain: &str) -> StoreResult<()> {
        self.change(
            "DELETE FROM domains WHERE domain = $1",
            &[text(domain)],
            domain,
            Write::Config,
        )
        .await
    }

    async fn pool_domains(&self, pool_id: &str) -> StoreResult<Vec<PoolDomain>> {
        let rows: Vec<(String,)> =
            query("SELECT doc FROM domains WHERE pool_id = $1 ORDER BY domain")
                .bind(pool_id)
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        docs(rows)
    }

    async fn create_provider(&self, provider: &IdentityProvider) -> StoreResult<()> {
        let doc = to_doc(provider)?;
        in_tx!(self, tx => {
            bump_config(&mut tx).await?;
            query("INSERT INTO identity_providers (pool_id, name, doc) VALUES ($1, $2, $3)")
                .bind(&provider.user_pool_id)
                .bind(&provider.provider_name)
                .bind(&doc)
                .execute(&mut tx)
                .await
                .map_err(|e| match backend(e) {
                    StoreError::Conflict(_) => StoreError::Conflict("provider".into()),
                    other => other,
                })?;
            for identifier in &provider.idp_identifiers {
                query("INSERT INTO idp_identifiers (pool_id, identifier, provider_name) VALUES ($1, $2, $3)")
                    .bind(&provider.user_pool_id)
                    .bind(identifier.to_lowercase())
                    .bind(&provider.provider_name)
                    .execute(&mut tx)
                    .await
                    .map_err(|e| match backend(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!("identifier {identifier}")),
                        other => other,
                    })?;
            }
        });
        Ok(())
    }

    async fn get_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.cached(
            Key::Provider {
                pool_id: pool_id.to_string(),
                name: name.to_string(),
            },
            self.get_doc(
                "SELECT doc FROM identity_providers WHERE pool_id = $1 AND name = $2",
                pool_id,
                Some(name),
            ),
        )
        .await
    }

    async fn put_provider(&self, provider: &IdentityProvider) -> StoreResult<()> {
        let doc = to_doc(provider)?;
        let changed = in_tx!(self, tx => {
            bump_config(&mut tx).await?;
            let changed = query("UPDATE identity_providers SET doc = $3 WHERE pool_id = $1 AND name = $2")
                .bind(&provider.user_pool_id)
                .bind(&provider.provider_name)
                .bind(&doc)
                .execute(&mut tx)
                .await
                .map_err(backend)?
                .rows_affected();
            query("DELETE FROM idp_identifiers WHERE pool_id = $1 AND provider_name = $2")
                .bind(&provider.user_pool_id)
                .bind(&provider.provider_name)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            for identifier in &provider.idp_identifiers {
                query("INSERT INTO idp_identifiers (pool_id, identifier, provider_name) VALUES ($1, $2, $3)")
                    .bind(&provider.user_pool_id)
                    .bind(identifier.to_lowercase())
                    .bind(&provider.provider_name)
                    .execute(&mut tx)
                    .await
                    .map_err(|e| match backend(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!("identifier {identifier}")),
                        other => other,
                    })?;
            }
            changed
        });
        if changed == 0 {
            return Err(StoreError::NotFound(provider.provider_name.clone()));
        }
        Ok(())
    }

    async fn delete_provider(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        self.delete_cascade(
            &["DELETE FROM idp_identifiers WHERE pool_id = $1 AND provider_name = $2"],
            "DELETE FROM identity_providers WHERE pool_id = $1 AND name = $2",
            &[text(pool_id), text(name)],
            name,
            Write::Config,
        )
        .await
    }

    async fn list_providers(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<IdentityProvider>> {
        self.list_docs(
            "SELECT doc FROM identity_providers WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            pool_id,
            limit,
            after,
            |p: &IdentityProvider| p.provider_name.clone(),
        )
        .await
    }

    async fn provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.get_doc(
            "SELECT p.doc FROM idp_identifiers i JOIN identity_providers p ON p.pool_id = i.pool_id AND p.name = i.provider_name WHERE i.pool_id = $1 AND i.identifier = $2",
            pool_id,
            Some(&identifier.to_lowercase()),
        )
        .await
    }

    async fn count_providers(&self, pool_id: &str) -> StoreResult<usize> {
        self.count(
            "SELECT COUNT(*) FROM identity_providers WHERE pool_id = $1",
            pool_id,
        )
        .await
    }

    async fn create_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        let args = [
            text(&server.user_pool_id),
            text(&server.identifier),
            Arg::Text(to_doc(server)?),
        ];
        self.change(
            "INSERT INTO resource_servers (pool_id, identifier, doc) VALUES ($1, $2, $3)",
            &args,
            "resource server",
            Write::Data,
        )
        .await
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>> {
        self.get_doc(
            "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier = $2",
            pool_id,
            Some(identifier),
        )
        .await
    }

    async fn put_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        let args = [
            text(&server.user_pool_id),
            text(&server.identifier),
            Arg::Text(to_doc(server)?),
        ];
        self.change(
            "UPDATE resource_servers SET doc = $3 WHERE pool_id = $1 AND identifier = $2",
            &args,
            &server.identifier,
            Write::Data,
        )
        .await
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<()> {
        self.change(
            "DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2",
            &[text(pool_id), text(identifier)],
            identifier,
            Write::Data,
        )
        .await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<ResourceServer>> {
        self.list_docs(
            "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3",
            pool_id,
            limit,
            after,
            |s: &ResourceServer| s.identifier.clone(),
        )
        .await
    }

    async fn create_user_unique(
        &self,
        user: &User,
        fold_case: bool,
        unique: &[String],
    ) -> StoreResult<()> {
        let key = if fold_case {
            fold(&user.username)
        } else {
            user.username.clone()
        };
        in_tx!(self, tx => {
            if !unique.is_empty() {
                // Serialize creations in this pool while the uniqueness check runs.
                query("UPDATE user_pools SET id = id WHERE id = $1")
                    .bind(&user.pool_id)
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?;
            }
            for name in unique {
                let Some(value) = user.attributes.get(name) else { continue };
                let taken: Option<(String,)> = if fold_case {
                    query("SELECT username FROM user_attributes WHERE pool_id = $1 AND name = $2 AND value_lower = $3 LIMIT 1")
                        .bind(&user.pool_id)
                        .bind(name)
                        .bind(fold(value))
                        .fetch_optional(&mut tx)
                        .await
                        .map_err(backend)?
                } else {
                    query("SELECT username FROM user_attributes WHERE pool_id = $1 AND name = $2 AND value = $3 LIMIT 1")
                        .bind(&user.pool_id)
                        .bind(name)
                        .bind(value)
                        .fetch_optional(&mut tx)
                        .await
                        .map_err(backend)?
                };
                if taken.is_some() {
                    return Err(StoreError::Conflict(format!("alias {name}")));
                }
            }
            query("INSERT INTO users (pool_id, username, username_key, sub, status, enabled, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&user.pool_id)
                .bind(&user.username)
                .bind(&key)
                .bind(&user.sub)
                .bind(&user.status)
                .bind(user.enabled)
                .bind(user.created.0)
                .bind(user.modified.0)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            for (name, value) in &user.attributes {
                query("INSERT INTO user_attributes (pool_id, username, name, value, value_lower) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&user.pool_id)
                    .bind(&user.username)
                    .bind(name)
                    .bind(value)
                    .bind(fold(value))
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?;
            }
        });
        Ok(())
    }

    async fn create_user(&self, user: &User, fold_case: bool) -> StoreResult<()> {
        self.create_user_unique(user, fold_case, &[]).await
    }

    async fn get_user(
        &self,
        pool_id: &str,
        username: &str,
        fold_case: bool,
    ) -> StoreResult<Option<User>> {
        let key = if fold_case {
            fold(username)
        } else {
            username.to_string()
        };
        let row: Option<UserRow> = query("SELECT pool_id, username, sub, status, enabled, created, modified FROM users WHERE pool_id = $1 AND username_key = $2")
                .bind(pool_id)
                .bind(&key)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let mut users = [user_from_row(row)];
        self.load_attributes(&mut users).await?;
        let [user] = users;
        Ok(Some(user))
    }

    async fn find_users_by_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
        ignore_case: bool,
    ) -> StoreResult<Vec<User>> {
        let filter = UserFilter::Attribute {
            name: name.to_string(),
            value: value.to_string(),
            prefix: false,
            ignore_case,
        };
        Ok(self.list_users(pool_id, &filter, 60, None).await?.items)
    }

    async fn put_user(&self, user: &User) -> StoreResult<()> {
        let changed = in_tx!(self, tx => {
            let changed = query("UPDATE users SET status = $3, enabled = $4, modified = $5 WHERE pool_id = $1 AND username = $2")
                .bind(&user.pool_id)
                .bind(&user.username)
                .bind(&user.status)
                .bind(user.enabled)
                .bind(user.modified.0)
                .execute(&mut tx)
                .await
                .map_err(backend)?
                .rows_affected();
            query("DELETE FROM user_attributes WHERE pool_id = $1 AND username = $2")
                .bind(&user.pool_id)
                .bind(&user.username)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            if changed > 0 {
                for (name, value) in &user.attributes {
                    query("INSERT INTO user_attributes (pool_id, username, name, value, value_lower) VALUES ($1, $2, $3, $4, $5)")
                        .bind(&user.pool_id)
                        .bind(&user.username)
                        .bind(name)
                        .bind(value)
                        .bind(fold(value))
                        .execute(&mut tx)
                        .await
                        .map_err(backend)?;
                }
            }
            changed
        });
        if changed == 0 {
            return Err(StoreError::NotFound(user.username.clone()));
        }
        Ok(())
    }

    async fn update_user(
        &self,
        pool_id: &str,
        username: &str,
        change: UserChange,
    ) -> cirrus_core::Result<User> {
        let user = in_tx!(self, tx => {
            let locked = query("UPDATE users SET modified = modified WHERE pool_id = $1 AND username = $2")
                .bind(pool_id)
                .bind(username)
                .execute(&mut tx)
                .await
                .map_err(backend)?
                .rows_affected();
            if locked == 0 {
                return Err(cirrus_core::Error::user_not_found());
            }
            let row: UserRow = query("SELECT pool_id, username, sub, status, enabled, created, modified FROM users WHERE pool_id = $1 AND username = $2")
                .bind(pool_id)
                .bind(username)
                .fetch_one(&mut tx)
                .await
                .map_err(backend)?;
            let mut user = user_from_row(row);
            let attrs: Vec<(String, String)> = query("SELECT name, value FROM user_attributes WHERE pool_id = $1 AND username = $2")
                .bind(pool_id)
                .bind(username)
                .fetch_all(&mut tx)
                .await
                .map_err(backend)?;
            user.attributes = attrs.into_iter().collect();
            change(&mut user)?;
            query("UPDATE users SET status = $3, enabled = $4, modified = $5 WHERE pool_id = $1 AND username = $2")
                .bind(pool_id)
                .bind(username)
                .bind(&user.status)
                .bind(user.enabled)
                .bind(user.modified.0)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            query("DELETE FROM user_attributes WHERE pool_id = $1 AND username = $2")
                .bind(pool_id)
                .bind(username)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            for (name, value) in &user.attributes {
                query("INSERT INTO user_attributes (pool_id, username, name, value, value_lower) VALUES ($1, $2, $3, $4, $5)")
                    .bind(pool_id)
                    .bind(username)
                    .bind(name)
                    .bind(value)
                    .bind(fold(value))
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?;
            }
            user
        });
        Ok(user)
    }

    async fn delete_user(&self, pool_id: &str, username: &str) -> StoreResult<()> {
        self.delete_cascade(
            &[
                "DELETE FROM identity_links WHERE pool_id = $1 AND username = $2",
                "DELETE FROM group_members WHERE pool_id = $1 AND username = $2",
                "DELETE FROM user_attributes WHERE pool_id = $1 AND username = $2",
            ],
            "DELETE FROM users WHERE pool_id = $1 AND username = $2",
            &[text(pool_id), text(username)],
            username,
            Write::Data,
        )
        .await
    }

    async fn list_users(
        &self,
        pool_id: &str,
        filter: &UserFilter,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<User>> {
        let mut q = QueryArgs(vec![text(pool_id), text(after.unwrap_or(""))]);
        let (join, condition) = match filter {
            UserFilter::All => (String::new(), "1 = 1".to_string()),
            UserFilter::Username {
                value,
                prefix,
                ignore_case,
            } => {
                if *ignore_case {
                    (
                        String::new(),
                        q.matches("u.username_key", &fold(value), *prefix),
                    )
                } else {
                    (String::new(), q.matches("u.username", value, *prefix))
                }
            }
            UserFilter::Status(status) => (String::new(), q.matches("u.status", status, false)),
            UserFilter::Sub { value, prefix } => {
                (String::new(), q.matches("u.sub", value, *prefix))
            }
            UserFilter::Enabled(enabled) => {
                let v = q.push(Arg::Bool(*enabled));
                (String::new(), format!("u.enabled = {v}"))
            }
            UserFilter::Attribute {
                name,
                value,
                prefix,
                ignore_case,
            } => {
                let n = q.push(text(name));
                let cond = if *ignore_case {
                    q.matches("a.value_lower", &fold(value), *prefix)
                } else {
                    q.matches("a.value", value, *prefix)
                };
                (
                    format!(
                        " JOIN user_attributes a ON a.pool_id = u.pool_id AND a.username = u.username AND a.name = {n}"
                    ),
                    cond,
                )
            }
        };
        let lim = q.push(Arg::Int(fetch_limit(limit)));
        let args = q.0;
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u{join} WHERE u.pool_id = $1 AND u.username > $2 AND {condition} ORDER BY u.username LIMIT {lim}"
        );
        let rows: Vec<UserRow> = query(sql.clone())
            .bind_all(&args)
            .fetch_all(&self.db)
            .await
            .map_err(backend)?;
        let mut result = page(
            rows.into_iter().map(user_from_row).collect(),
            limit,
            |u: &User| u.username.clone(),
        );
        self.load_attributes(&mut result.items).await?;
        Ok(result)
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<usize> {
        self.count("SELECT COUNT(*) FROM users WHERE pool_id = $1", pool_id)
            .await
    }

    async fn create_group(&self, group: &Group) -> StoreResult<()> {
        let args = [
            text(&group.user_pool_id),
            text(&group.group_name),
            Arg::Text(to_doc(group)?),
        ];
        self.change(
            "INSERT INTO user_groups (pool_id, name, doc) VALUES ($1, $2, $3)",
            &args,
            "group",
            Write::Data,
        )
        .await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.get_doc(
            "SELECT doc FROM user_groups WHERE pool_id = $1 AND name = $2",
            pool_id,
            Some(name),
        )
        .await
    }

    async fn put_group(&self, group: &Group) -> StoreResult<()> {
        let args = [
            text(&group.user_pool_id),
            text(&group.group_name),
            Arg::Text(to_doc(group)?),
        ];
        self.change(
            "UPDATE user_groups SET doc = $3 WHERE pool_id = $1 AND name = $2",
            &args,
            &group.group_name,
            Write::Data,
        )
        .await
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        self.delete_cascade(
            &["DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2"],
            "DELETE FROM user_groups WHERE pool_id = $1 AND name = $2",
            &[text(pool_id), text(name)],
            name,
            Write::Data,
        )
        .await
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<Group>> {
        self.list_docs(
            "SELECT doc FROM user_groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            pool_id,
            limit,
            after,
            |g: &Group| g.group_name.clone(),
        )
        .await
    }

    async fn add_user_to_group(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> StoreResult<()> {
        let sql = "INSERT INTO group_members (pool_id, group_name, username) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        query(sql)
            .bind(pool_id)
            .bind(group)
            .bind(username)
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> StoreResult<()> {
        query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username = $3")
            .bind(pool_id)
            .bind(group)
            .bind(username)
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn groups_of_user(
        &self,
        pool_id: &str,
        username: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<Group>> {
        let rows: Vec<(String,)> = query("SELECT g.doc FROM group_members m JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name WHERE m.pool_id = $1 AND m.username = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4")
                .bind(pool_id)
                .bind(username)
                .bind(after.unwrap_or(""))
                .bind(fetch_limit(limit))
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        Ok(page(docs(rows)?, limit, |g: &Group| g.group_name.clone()))
    }

    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: usize,
        after: Option<&str>,
    ) -> StoreResult<Page<User>> {
        let rows: Vec<UserRow> = query("SELECT u.pool_id, u.username, u.sub, u.status, u.enabled, u.created, u.modified FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username = m.username WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username > $3 ORDER BY m.username LIMIT $4")
                .bind(pool_id)
                .bind(group)
                .bind(after.unwrap_or(""))
                .bind(fetch_limit(limit))
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        let mut result = page(
            rows.into_iter().map(user_from_row).collect(),
            limit,
            |u: &User| u.username.clone(),
        );
        self.load_attributes(&mut result.items).await?;
        Ok(result)
    }

    async fn put_ephemeral(
        &self,
        kind: &str,
        key: &str,
        pool_id: &str,
        expires: i64,
        doc: &str,
        now: i64,
    ) -> StoreResult<()> {
        // One statement: a new key inserts; an expired record with the same key is replaced;
        // an unexpired one stays and nothing changes, which is the conflict.
        let changed = query("INSERT INTO ephemeral (kind, key, pool_id, expires, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, key) DO UPDATE SET pool_id = excluded.pool_id, expires = excluded.expires, doc = excluded.doc WHERE ephemeral.expires <= $6")
            .bind(kind)
            .bind(key)
            .bind(pool_id)
            .bind(expires)
            .bind(doc)
            .bind(now)
            .execute(&self.db)
            .await
            .map_err(backend)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(format!("{kind} {key}")));
        }
        Ok(())
    }

    async fn take_ephemeral(&self, kind: &str, key: &str, now: i64) -> StoreResult<Option<String>> {
        let row: Option<(String, i64)> =
            query("DELETE FROM ephemeral WHERE kind = $1 AND key = $2 RETURNING doc, expires")
                .bind(kind)
                .bind(key)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        Ok(row
            .filter(|(_, expires)| *expires > now)
            .map(|(doc, _)| doc))
    }

    async fn get_ephemeral(&self, kind: &str, key: &str, now: i64) -> StoreResult<Option<String>> {
        let row: Option<(String,)> =
            query("SELECT doc FROM ephemeral WHERE kind = $1 AND key = $2 AND expires > $3")
                .bind(kind)
                .bind(key)
                .bind(now)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        Ok(row.map(|(d,)| d))
    }

    async fn delete_ephemeral(&self, kind: &str, key: &str) -> StoreResult<()> {
        query("DELETE FROM ephemeral WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key)
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn purge_expired(&self, now: i64) -> StoreResult<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM ephemeral WHERE expires <= $1",
            "DELETE FROM revoked_origins WHERE expires <= $1",
            "DELETE FROM refresh_tokens WHERE expires <= $1",
        ] {
            n += query(sql)
                .bind(now)
                .execute(&self.db)
                .await
                .map_err(backend)?
                .rows_affected();
        }
        Ok(n)
    }

    async fn add_jwt_key(&self, key: &JwtKeyRecord) -> StoreResult<()> {
        let args = [
            text(&key.pool_id),
            text(&key.kid),
            text(&key.token_use),
            Arg::Int(key.created),
            Arg::Int(key.retire_after),
            text(&key.private_key_sealed),
            text(&key.public_jwk),
        ];
        self.change(
            "INSERT INTO jwt_keys (pool_id, kid, token_use, created, retire_after, private_key, public_jwk) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &args,
            "jwt key",
            Write::Config,
        )
        .await
    }

    async fn jwt_keys(&self, pool_id: &str) -> StoreResult<Vec<JwtKeyRecord>> {
        let keys = self
            .cached(
                Key::JwtKeys(pool_id.to_string()),
                self.load_jwt_keys(pool_id),
            )
            .await?;
        Ok(keys.unwrap_or_default())
    }

    async fn retire_jwt_key(&self, pool_id: &str, kid: &str, retire_after: i64) -> StoreResult<()> {
        self.change(
            "UPDATE jwt_keys SET retire_after = $3 WHERE pool_id = $1 AND kid = $2",
            &[text(pool_id), text(kid), Arg::Int(retire_after)],
            kid,
            Write::Config,
        )
        .await
    }

    async fn put_refresh_token(&self, t: &RefreshTokenRecord) -> StoreResult<()> {
        let args = [
            text(&t.token_hash),
            text(&t.pool_id),
            text(&t.client_id),
            text(&t.username),
            text(&t.origin_jti),
            text(&t.provider),
            Arg::Int(t.created),
            Arg::Int(t.expires),
            Arg::Bool(t.revoked),
            text(&t.doc),
        ];
        self.change(
            "INSERT INTO refresh_tokens (token_hash, pool_id, client_id, username, origin_jti, provider, created, expires, revoked, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &args,
            "refresh token",
            Write::Data,
        )
        .await
    }

    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>> {
        let row: Option<RefreshRow> = query(REFRESH_SELECT)
            .bind(token_hash)
            .fetch_optional(&self.db)
            .await
            .map_err(backend)?;
        Ok(row.map(refresh_from_row))
    }

    async fn revoke_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let Some(record) = self.get_refresh_token(token_hash).await? else {
            return Ok(None);
        };
        in_tx!(self, tx => {
            query("UPDATE refresh_tokens SET revoked = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(true)
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            query("INSERT INTO revoked_origins (pool_id, origin_jti, expires) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(&record.pool_id)
                .bind(&record.origin_jti)
                .bind(record.expires.max(now + 86_400_000))
                .execute(&mut tx)
                .await
                .map_err(backend)?;
        });
        Ok(Some(record))
    }

    async fn revoke_user_tokens(
        &self,
        pool_id: &str,
        username: &str,
        provider: Option<&str>,
        now: i64,
    ) -> StoreResult<u64> {
        let rows: Vec<(String, i64)> = query("SELECT origin_jti, expires FROM refresh_tokens WHERE pool_id = $1 AND username = $2 AND revoked = $3 AND ($4 = '' OR provider = $4)")
                .bind(pool_id)
                .bind(username)
                .bind(false)
                .bind(provider.unwrap_or(""))
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        in_tx!(self, tx => {
            query("UPDATE refresh_tokens SET revoked = $3 WHERE pool_id = $1 AND username = $2 AND ($4 = '' OR provider = $4)")
                .bind(pool_id)
                .bind(username)
                .bind(true)
                .bind(provider.unwrap_or(""))
                .execute(&mut tx)
                .await
                .map_err(backend)?;
            for (origin, expires) in &rows {
                query("INSERT INTO revoked_origins (pool_id, origin_jti, expires) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(pool_id)
                    .bind(origin)
                    .bind((*expires).max(now + 86_400_000))
                    .execute(&mut tx)
                    .await
                    .map_err(backend)?;
            }
        });
        Ok(rows.len() as u64)
    }

    async fn is_origin_revoked(&self, pool_id: &str, origin_jti: &str) -> StoreResult<bool> {
        let row: Option<(String,)> =
            query("SELECT origin_jti FROM revoked_origins WHERE pool_id = $1 AND origin_jti = $2")
                .bind(pool_id)
                .bind(origin_jti)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        Ok(row.is_some())
    }

    async fn add_audit_event(&self, e: &AuditEvent) -> StoreResult<()> {
        let args = [
            text(&e.id),
            text(&e.pool_id),
            Arg::Int(e.at),
            text(&e.kind),
            Arg::Text(to_doc(&e.detail)?),
        ];
        self.change(
            "INSERT INTO audit_events (id, pool_id, at, kind, doc) VALUES ($1, $2, $3, $4, $5)",
            &args,
            "audit event",
            Write::Data,
        )
        .await
    }

    async fn audit_events(
        &self,
        pool_id: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows: Vec<(String, String, i64, String, String)> = query("SELECT id, pool_id, at, kind, doc FROM audit_events WHERE ($1 = '' OR pool_id = $1) ORDER BY at DESC, id DESC LIMIT $2")
                .bind(pool_id.unwrap_or(""))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        rows.into_iter()
            .map(|(id, pool_id, at, kind, doc)| {
                Ok(AuditEvent {
                    id,
                    pool_id,
                    at,
                    kind,
                    detail: from_doc(&doc)?,
                })
            })
            .collect()
    }

    async fn add_link(&self, link: &IdentityLink) -> StoreResult<()> {
        let args = [
            text(&link.pool_id),
            text(&link.provider),
            text(&link.attribute),
            text(&link.value),
            text(&link.username),
            Arg::Int(link.created),
        ];
        self.change(
            "INSERT INTO identity_links (pool_id, provider, attribute, value, username, created) VALUES ($1, $2, $3, $4, $5, $6)",
            &args,
            "link",
            Write::Data,
        )
        .await
    }

    async fn provider_links(
        &self,
        pool_id: &str,
        provider: &str,
    ) -> StoreResult<Vec<IdentityLink>> {
        let rows: Vec<LinkRow> = query("SELECT pool_id, provider, attribute, value, username, created FROM identity_links WHERE pool_id = $1 AND provider = $2 ORDER BY attribute, value")
                .bind(pool_id)
                .bind(provider)
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        Ok(rows.into_iter().map(link_from_row).collect())
    }

    async fn user_links(&self, pool_id: &str, username: &str) -> StoreResult<Vec<IdentityLink>> {
        let rows: Vec<LinkRow> = query("SELECT pool_id, provider, attribute, value, username, created FROM identity_links WHERE pool_id = $1 AND username = $2 ORDER BY created")
                .bind(pool_id)
                .bind(username)
                .fetch_all(&self.db)
                .await
                .map_err(backend)?;
        Ok(rows.into_iter().map(link_from_row).collect())
    }

    async fn remove_link(
        &self,
        pool_id: &str,
        provider: &str,
        attribute: &str,
        value: &str,
    ) -> StoreResult<Option<IdentityLink>> {
        let row: Option<LinkRow> = query("DELETE FROM identity_links WHERE pool_id = $1 AND provider = $2 AND attribute = $3 AND value = $4 RETURNING pool_id, provider, attribute, value, username, created")
                .bind(pool_id)
                .bind(provider)
                .bind(attribute)
                .bind(value)
                .fetch_optional(&self.db)
                .await
                .map_err(backend)?;
        Ok(row.map(link_from_row))
    }
}

type LinkRow = (String, String, String, String, String, i64);

fn link_from_row(row: LinkRow) -> IdentityLink {
    let (pool_id, provider, attribute, value, username, created) = row;
    IdentityLink {
        pool_id,
        provider,
        attribute,
        value,
        username,
        created,
    }
}

type RefreshRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    bool,
    String,
);

const REFRESH_SELECT: &str = "SELECT token_hash, pool_id, client_id, username, origin_jti, provider, created, expires, revoked, doc FROM refresh_tokens WHERE token_hash = $1";

fn refresh_from_row(row: RefreshRow) -> RefreshTokenRecord {
    let (
        token_hash,
        pool_id,
        client_id,
        username,
        origin_jti,
        provider,
        created,
        expires,
        revoked,
        doc,
    ) = row;
    RefreshTokenRecord {
        token_hash,
        pool_id,
        client_id,
        username,
        origin_jti,
        provider,
        created,
        expires,
        revoked,
        doc,
    }
}
