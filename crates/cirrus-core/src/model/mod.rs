//! The domain's records. Their serde form is Cognito's wire form (PascalCase members, epoch-second
//! timestamps), so the API edge can echo them without a second set of types.

pub mod client;
pub mod domain;
pub mod group;
pub mod identity_provider;
pub mod resource_server;
pub mod schema;
pub mod session;
pub mod user;
pub mod user_pool;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Millis;

/// A point in time, kept in milliseconds and written as Cognito writes it: epoch seconds, with a
/// fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp(pub Millis);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        Ok(Timestamp((secs * 1000.0).round() as Millis))
    }
}
