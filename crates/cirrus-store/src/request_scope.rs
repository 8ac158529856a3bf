//! One configuration version per request. Inside [`with_request_scope`], the configuration
//! version is read from the store once, at the first cached lookup, and reused by the request's
//! later lookups (a sign-in step looks up its domain, pool, client, provider and keys: one
//! statement instead of five, which on PostgreSQL is one network round trip instead of five).
//! A request therefore sees configuration as of its first lookup, and the next request sees
//! every change. A configuration write made inside the scope forgets the version, so the
//! request reads its own writes.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static VERSION: Cell<Option<i64>>;
}

/// Runs `request` with its own configuration version.
pub async fn with_request_scope<F: Future>(request: F) -> F::Output {
    VERSION.scope(Cell::new(None), request).await
}

/// The version this request already read, if it is in a scope and has read one.
pub(crate) fn current() -> Option<i64> {
    VERSION.try_with(Cell::get).ok().flatten()
}

/// Keeps `version` for the rest of the request (outside a scope: nothing).
pub(crate) fn remember(version: i64) {
    let _ = VERSION.try_with(|v| v.set(Some(version)));
}

/// Forgets the request's version after it changed configuration.
pub(crate) fn forget() {
    let _ = VERSION.try_with(|v| v.set(None));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_holds_one_version_until_forgotten() {
        assert_eq!(current(), None);
        remember(7);
        assert_eq!(current(), None, "outside a scope nothing is kept");
        with_request_scope(async {
            assert_eq!(current(), None);
            remember(7);
            assert_eq!(current(), Some(7));
            forget();
            assert_eq!(current(), None);
            remember(8);
            // A nested request (another scope) starts afresh.
            with_request_scope(async { assert_eq!(current(), None) }).await;
            assert_eq!(current(), Some(8));
        })
        .await;
    }
}
