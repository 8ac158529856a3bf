//! Middleware layers, one file per concern.

pub mod http_metrics;
