//! The KV backend trait: what the Workers KV core needs from storage.
//!
//! Keys and values are bytes; the core owns every Workers-API rule (key length, TTL
//! minimums, metadata size, cursors). A backend only stores, expires and orders.
//!
//! **Replication.** The trait is shaped so a replicated backend can implement it: writes
//! (`put`, `delete`) are self-contained commands that can be appended to a log and applied
//! on every node in log order (last write wins); reads take the caller's `now_ms` instead of
//! reading a clock, so applying the same log on any node gives the same answers.

use crate::StoreError;

/// A stored value with its expiry and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvEntry {
    /// The value bytes.
    pub value: Vec<u8>,
    /// Absolute expiry in seconds since the epoch; `None` never expires.
    pub expiration: Option<u64>,
    /// Metadata as a JSON document (already validated and size-checked by the core).
    pub metadata: Option<String>,
}

/// One key of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvKeyInfo {
    /// The key bytes.
    pub key: Vec<u8>,
    /// Absolute expiry in seconds since the epoch.
    pub expiration: Option<u64>,
    /// Metadata as a JSON document.
    pub metadata: Option<String>,
}

/// A page request for [`KvBackend::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvListQuery<'a> {
    /// Only keys starting with these bytes.
    pub prefix: &'a [u8],
    /// Only keys strictly greater than this one (the cursor), if any.
    pub start_after: Option<&'a [u8]>,
    /// At most this many keys.
    pub limit: usize,
}

/// Whether an entry with `expiration` (epoch seconds) is still readable at `now_ms`.
///
/// A key expires at the start of its expiration second: it is live while
/// `expiration * 1000 > now_ms`.
pub fn is_live(expiration: Option<u64>, now_ms: u64) -> bool {
    match expiration {
        None => true,
        Some(exp) => exp > now_ms / 1000,
    }
}

/// Storage for all KV namespaces of a project.
///
/// Every read takes `now_ms` and must never return an entry for which
/// [`is_live`] is false, whether or not [`KvBackend::purge_expired`] has run.
/// Listing is in unsigned byte order of the keys.
pub trait KvBackend: Send + Sync {
    /// The live entry under `key`, if any.
    fn get(&self, namespace: &str, key: &[u8], now_ms: u64) -> Result<Option<KvEntry>, StoreError>;

    /// Live entries for several keys, in the order asked.
    fn get_many(
        &self,
        namespace: &str,
        keys: &[&[u8]],
        now_ms: u64,
    ) -> Result<Vec<Option<KvEntry>>, StoreError> {
        keys.iter()
            .map(|key| self.get(namespace, key, now_ms))
            .collect()
    }

    /// Stores `entry` under `key`, replacing any previous entry (last write wins).
    fn put(&self, namespace: &str, key: &[u8], entry: KvEntry) -> Result<(), StoreError>;

    /// Removes `key`; succeeds when it is absent.
    fn delete(&self, namespace: &str, key: &[u8]) -> Result<(), StoreError>;

    /// Up to `query.limit` live keys matching the query, in byte order.
    fn list(
        &self,
        namespace: &str,
        query: &KvListQuery<'_>,
        now_ms: u64,
    ) -> Result<Vec<KvKeyInfo>, StoreError>;

    /// Physically removes entries (of every namespace) expired at `now_ms`; returns how many.
    /// The runtime calls this periodically; correctness never depends on it.
    fn purge_expired(&self, now_ms: u64) -> Result<u64, StoreError>;
}

/// The smallest byte string greater than every string starting with `prefix`, or `None`
/// when no such bound exists (empty prefix or all `0xFF`). Useful for range scans.
pub fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut upper = prefix.to_vec();
    while let Some(last) = upper.pop() {
        if last < u8::MAX {
            upper.push(last + 1);
            return Some(upper);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_at_the_start_of_their_second() {
        assert!(is_live(None, u64::MAX));
        assert!(is_live(Some(100), 99_999));
        assert!(!is_live(Some(100), 100_000));
    }

    #[test]
    fn prefix_upper_bound_skips_trailing_ff() {
        assert_eq!(prefix_upper_bound(b""), None);
        assert_eq!(prefix_upper_bound(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_upper_bound(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_upper_bound(&[0xFF, 0xFF]), None);
    }
}
