//! The Cirrus store on SQL: the embedded SQLite database (the default, in the data directory) and
//! PostgreSQL (for several nodes sharing one store). Both run the same portable SQL; see
//! `migrations/`.

mod config_cache;
mod db;
mod migrate;
mod sql_store;

pub use sql_store::SqlStore;
