//! Parsed configuration (pools, app clients, domains, identity providers, JWT keys), kept in
//! memory and trusted only while the store's configuration version is the one it was read
//! under.
//!
//! Every configuration write moves the version in its own transaction, so a reader that sees
//! version `v` and then reads a record gets a record at least as new as `v`. Entries are stored
//! under the version read *before* the record, never after: a racing write can only make an
//! entry look older than it is (and be read again), never newer. A version change from any
//! process or node clears the whole cache. Only records that exist are kept, so requests for
//! made-up names cannot grow it.

use std::collections::HashMap;
use std::sync::Mutex;

use cirrus_core::model::client::AppClient;
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::identity_provider::IdentityProvider;
use cirrus_core::model::session::JwtKeyRecord;
use cirrus_core::model::user_pool::UserPool;

/// A cached kind of record, with its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Pool(String),
    Client { pool_id: String, client_id: String },
    Domain(String),
    Provider { pool_id: String, name: String },
    JwtKeys(String),
}

/// A cached record.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Pool(UserPool),
    Client(AppClient),
    Domain(PoolDomain),
    Provider(IdentityProvider),
    JwtKeys(Vec<JwtKeyRecord>),
}

/// A record type the cache holds, and how it goes in and out of an [`Entry`].
pub(crate) trait Cached: Clone + Sized {
    fn pack(self) -> Entry;
    fn unpack(entry: Entry) -> Option<Self>;
}

macro_rules! cached {
    ($($variant:ident($t:ty)),+) => {$(
        impl Cached for $t {
            fn pack(self) -> Entry {
                Entry::$variant(self)
            }
            fn unpack(entry: Entry) -> Option<Self> {
                match entry {
                    Entry::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )+};
}

cached!(
    Pool(UserPool),
    Client(AppClient),
    Domain(PoolDomain),
    Provider(IdentityProvider),
    JwtKeys(Vec<JwtKeyRecord>)
);

#[derive(Debug, Default)]
struct Inner {
    version: i64,
    entries: HashMap<Key, Entry>,
}

/// The cache; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct ConfigCache {
    inner: Mutex<Inner>,
}

impl ConfigCache {
    /// The entry for `key` if it was read under `version` (the store's current one). A newer
    /// version clears everything cached under older ones.
    pub(crate) fn get(&self, version: i64, key: &Key) -> Option<Entry> {
        let mut inner = self.inner.lock().ok()?;
        if inner.version < version {
            inner.version = version;
            inner.entries.clear();
            return None;
        }
        if inner.version != version {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps `entry`, read after the store's version was `version`.
    pub(crate) fn put(&self, version: i64, key: Key, entry: Entry) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.version < version {
            inner.version = version;
            inner.entries.clear();
        }
        if inner.version == version {
            inner.entries.insert(key, entry);
        }
    }
}
