//! The two engines behind one small query API. Store code builds a [`Query`] (SQL with `$n`
//! parameters that both engines accept, plus its bind values) and runs it on the [`Db`] or inside
//! a [`Tx`]; rows decode into tuples of `String`, `i64` and `bool`.
//!
//! PostgreSQL runs on sqlx. SQLite runs on rusqlite, in the calling task: an embedded statement
//! takes microseconds, far less than handing it to a worker thread and back (see
//! docs/architecture.md, "The embedded store"). Every write and every transaction goes through
//! the one writer connection, which a transaction holds until it commits or is dropped (rolled
//! back). Reads use the writer too when it is free, and otherwise one of a few read-only
//! connections (WAL lets them run beside the writer).

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags};
use sqlx::postgres::{PgPool, PgRow, Postgres};
use sqlx::{AssertSqlSafe, Row as _};

/// An error from either engine.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error(transparent)]
    Postgres(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the embedded store's connections are unusable: {0}")]
    Poisoned(&'static str),
    #[error("the query returned no row")]
    NoRow,
}

impl DbError {
    /// The engine's message when this is a unique-constraint violation.
    pub(crate) fn unique_violation(&self) -> Option<String> {
        match self {
            DbError::Postgres(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Some(db.message().to_string())
            }
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, message))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                Some(message.clone().unwrap_or_else(|| e.to_string()))
            }
            _ => None,
        }
    }
}

/// A bind value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_string())
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}

/// A column type both engines decode.
pub(crate) trait Column:
    FromSql + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> + Send + Unpin
{
}

impl Column for String {}
impl Column for i64 {}
impl Column for bool {}

/// A row decoded into a tuple of [`Column`]s, by position.
pub(crate) trait FromRow: Sized + Send + Unpin {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
    fn from_postgres(row: &PgRow) -> Result<Self, sqlx::Error>;
}

macro_rules! tuple_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Column),+> FromRow for ($($t,)+) {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
            fn from_postgres(row: &PgRow) -> Result<Self, sqlx::Error> {
                Ok(($(row.try_get::<$t, _>($i)?,)+))
            }
        }
    };
}

tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);
tuple_row!(A 0, B 1, C 2, D 3);
tuple_row!(A 0, B 1, C 2, D 3, E 4);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);

/// The configured engine.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(Arc<Embedded>),
    Postgres(PgPool),
}

/// The embedded store's connections: one writer, a few readers.
#[derive(Debug)]
pub(crate) struct Embedded {
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// How many read connections the embedded store opens (reads never wait on each other for
/// longer than one statement, so a few are plenty).
const READERS: usize = 4;

impl Embedded {
    /// Opens the database at `path` (created when missing) in WAL mode.
    pub(crate) fn open(path: &Path) -> Result<Embedded, DbError> {
        let writer = open_connection(path, false)?;
        // WAL must be on before readers open; it is a property of the file.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        let readers = (0..READERS)
            .map(|_| open_connection(path, true).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Embedded {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on the writer when it is free, else on a free read connection (waiting for one
    /// only if all are busy, which lasts one statement). The writer comes first because its
    /// page cache stays warm: every commit by another connection makes a reader drop its cache
    /// and read the pages it needs again.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        if let Ok(conn) = self.writer.try_lock() {
            return f(&conn);
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            let slot = &self.readers[(start + i) % self.readers.len()];
            if let Ok(conn) = slot.try_lock() {
                return f(&conn);
            }
        }
        let slot = &self.readers[start % self.readers.len()];
        let conn = slot
            .lock()
            .map_err(|_| DbError::Poisoned("read connection"))?;
        f(&conn)
    }

    /// The writer, for migrations and single writes.
    pub(crate) async fn writer(&self) -> tokio::sync::OwnedMutexGuard<Connection> {
        self.writer.clone().lock_owned().await
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// An open transaction; dropped without [`Tx::commit`], it rolls back.
pub(crate) enum Tx {
    Sqlite(EmbeddedTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// The writer connection inside `BEGIN IMMEDIATE`.
pub(crate) struct EmbeddedTx {
    conn: tokio::sync::OwnedMutexGuard<Connection>,
    open: bool,
}

impl Drop for EmbeddedTx {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the caller is already returning an error.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Db {
    /// Starts a transaction (on SQLite it takes the write lock at once).
    pub(crate) async fn begin(&self) -> Result<Tx, DbError> {
        match self {
            Db::Sqlite(e) => {
                let conn = e.writer().await;
                conn.execute_batch("BEGIN IMMEDIATE")?;
                Ok(Tx::Sqlite(EmbeddedTx { conn, open: true }))
            }
            Db::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }
}

impl Tx {
    /// Runs several statements with no bind values (a migration).
    pub(crate) async fn execute_batch(&mut self, sql: &'static str) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.conn.execute_batch(sql)?),
            Tx::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
                Ok(())
            }
        }
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(mut tx) => {
                tx.conn.execute_batch("COMMIT")?;
                tx.open = false;
                Ok(())
            }
            Tx::Postgres(tx) => Ok(tx.commit().await?),
        }
    }
}

/// Where a query runs: on the store (autocommit) or inside a transaction.
pub(crate) enum Target<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Target<'a> {
    fn from(db: &'a Db) -> Target<'a> {
        Target::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Target<'a> {
    fn from(tx: &'a mut Tx) -> Target<'a> {
        Target::Tx(tx)
    }
}

/// What a statement did.
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A statement and its bind values.
pub(crate) struct Query {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
}

/// Starts a query; bind values follow with [`Query::bind`].
pub(crate) fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl Query {
    /// Binds the next parameter (`$1`, `$2`, … in order of these calls).
    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Query {
        self.args.push(value.into());
        self
    }

    /// Binds each of `values` in order.
    pub(crate) fn bind_all(mut self, values: &[Arg]) -> Query {
        self.args.extend_from_slice(values);
        self
    }

    /// Runs a statement that returns no rows.
    pub(crate) async fn execute<'a>(self, target: impl Into<Target<'a>>) -> Result<Done, DbError> {
        let rows_affected = match target.into() {
            Target::Db(Db::Sqlite(e)) => {
                let conn = e.writer().await;
                sqlite_execute(&conn, &self)?
            }
            Target::Tx(Tx::Sqlite(tx)) => sqlite_execute(&tx.conn, &self)?,
            Target::Db(Db::Postgres(pool)) => self.postgres().execute(pool).await?.rows_affected(),
            Target::Tx(Tx::Postgres(tx)) => {
                self.postgres().execute(&mut **tx).await?.rows_affected()
            }
        };
        Ok(Done { rows_affected })
    }

    /// Runs a query and decodes every row.
    pub(crate) async fn fetch_all<'a, R: FromRow>(
        self,
        target: impl Into<Target<'a>>,
    ) -> Result<Vec<R>, DbError> {
        match target.into() {
            Target::Db(Db::Sqlite(e)) => {
                if is_read(&self.sql) {
                    e.read(|conn| sqlite_rows(conn, &self))
                } else {
                    let conn = e.writer().await;
                    sqlite_rows(&conn, &self)
                }
            }
            Target::Tx(Tx::Sqlite(tx)) => sqlite_rows(&tx.conn, &self),
            Target::Db(Db::Postgres(pool)) => {
                let rows = self.postgres().fetch_all(pool).await?;
                Ok(rows
                    .iter()
                    .map(R::from_postgres)
                    .collect::<Result<_, _>>()?)
            }
            Target::Tx(Tx::Postgres(tx)) => {
                let rows = self.postgres().fetch_all(&mut **tx).await?;
                Ok(rows
                    .iter()
                    .map(R::from_postgres)
                    .collect::<Result<_, _>>()?)
            }
        }
    }

    /// Runs a query that returns at most one row.
    pub(crate) async fn fetch_optional<'a, R: FromRow>(
        self,
        target: impl Into<Target<'a>>,
    ) -> Result<Option<R>, DbError> {
        Ok(self.fetch_all(target).await?.into_iter().next())
    }

    /// Runs a query that returns exactly one row.
    pub(crate) async fn fetch_one<'a, R: FromRow>(
        self,
        target: impl Into<Target<'a>>,
    ) -> Result<R, DbError> {
        self.fetch_optional(target).await?.ok_or(DbError::NoRow)
    }

    fn postgres(&self) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
        let mut q = match &self.sql {
            Cow::Borrowed(s) => sqlx::query(*s),
            Cow::Owned(s) => sqlx::query(AssertSqlSafe(s.clone())),
        };
        for arg in &self.args {
            q = match arg {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
            };
        }
        q
    }
}

/// Whether a statement only reads (and may run on a read connection).
fn is_read(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("select"))
}

/// Prepares `q` and binds its values by parameter name (`$n` is the n-th value), so a parameter
/// used twice or out of order binds right.
fn sqlite_prepare<'c>(
    conn: &'c Connection,
    q: &Query,
) -> Result<rusqlite::CachedStatement<'c>, DbError> {
    let mut stmt = conn.prepare_cached(&q.sql)?;
    for index in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or(rusqlite::Error::InvalidParameterName(format!(
                "parameter {index} of {}",
                q.sql
            )))?;
        let value = q
            .args
            .get(n.wrapping_sub(1))
            .ok_or(rusqlite::Error::InvalidParameterCount(n, q.args.len()))?;
        match value {
            Arg::Text(s) => stmt.raw_bind_parameter(index, s.as_str())?,
            Arg::Int(i) => stmt.raw_bind_parameter(index, i)?,
            Arg::Bool(b) => stmt.raw_bind_parameter(index, b)?,
        }
    }
    Ok(stmt)
}

fn sqlite_execute(conn: &Connection, q: &Query) -> Result<u64, DbError> {
    let mut stmt = sqlite_prepare(conn, q)?;
    Ok(stmt.raw_execute()? as u64)
}

fn sqlite_rows<R: FromRow>(conn: &Connection, q: &Query) -> Result<Vec<R>, DbError> {
    let mut stmt = sqlite_prepare(conn, q)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(R::from_sqlite(row)?);
    }
    Ok(out)
}
