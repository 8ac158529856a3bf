//! Applies the embedded migrations in order, once each, recording them in `schema_migrations`.

/// Every migration, in order. Each is applied in its own transaction.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_sign_in.sql")),
    (3, include_str!("../migrations/0003_links.sql")),
    (4, include_str!("../migrations/0004_config_version.sql")),
];

/// The statement that creates the bookkeeping table.
pub(crate) const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)";
