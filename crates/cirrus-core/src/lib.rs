//! The Cirrus domain: user pools and their schema, app clients, domains, identity providers,
//! users and groups, and the rules that bind them. Persistence sits behind [`store::Store`];
//! nothing here knows about HTTP.

pub mod attribute_mapping;
pub mod clock;
pub mod error;
pub mod ids;
pub mod keys;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod store;
pub mod tokens;
pub mod validate;
pub mod vault;

pub use error::{Error, Result};
