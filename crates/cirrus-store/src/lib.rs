//! The Cirrus store on SQL: the embedded SQLite database (the default, in the data directory) and
//! PostgreSQL (for several nodes sharing one store). Both run the same portable SQL; see
//! `migrations/`.

mod config_cache;
mod db;
mod migrate;
pub mod request_scope;
mod sql_store;

pub use request_scope::with_request_scope;
pub use sql_store::SqlStore;
