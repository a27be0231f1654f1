//! [`MemoryCacheStore`]: the in-memory tier, a least-recently-used map bounded in bytes.
//!
//! The recency order is the `lru` crate's `LruCache` (a hash map threaded with a linked list:
//! O(1) lookups, promotions and evictions); the byte bound is kept here, since `LruCache`
//! bounds entry counts only. Every entry is weighed as its body plus its key and metadata,
//! and an insert evicts the least recently used entries until the total is back under the
//! bound, so the map never holds more than the bound (checked by
//! `a_working_set_far_larger_than_the_bound_stays_within_it`). Objects larger than
//! [`MemoryCacheStore::max_object`] are not kept at all.
//!
//! Two indexes beside it answer lookups by URL (all variants) and purges by tag without a
//! scan.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::{Bytes, BytesMut};
use lru::LruCache;

use super::{
    CacheBody, CacheEntry, CacheKey, CacheMeta, CacheStore, CacheUsage, CacheWriter, Purge,
};
use crate::StoreError;

struct Entry {
    meta: CacheMeta,
    body: Bytes,
    weight: u64,
}

#[derive(Default)]
struct Indexes {
    /// `(namespace, url)` → its variants.
    by_url: HashMap<(String, String), HashSet<Arc<CacheKey>>>,
    /// Tag → entries carrying it.
    by_tag: HashMap<String, HashSet<Arc<CacheKey>>>,
}

struct Inner {
    lru: LruCache<Arc<CacheKey>, Entry>,
    index: Indexes,
    bytes: u64,
}

/// A byte-bounded LRU of cache entries; see the module docs.
#[derive(Clone)]
pub struct MemoryCacheStore {
    inner: Arc<Mutex<Inner>>,
    max_bytes: u64,
    max_object: u64,
}

impl std::fmt::Debug for MemoryCacheStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCacheStore")
            .field("max_bytes", &self.max_bytes)
            .field("max_object", &self.max_object)
            .finish_non_exhaustive()
    }
}

impl MemoryCacheStore {
    /// A store holding at most `max_bytes`, keeping objects of at most `max_object` bytes.
    pub fn new(max_bytes: u64, max_object: u64) -> Self {
        MemoryCacheStore {
            inner: Arc::new(Mutex::new(Inner {
                lru: LruCache::unbounded(),
                index: Indexes::default(),
                bytes: 0,
            })),
            max_bytes,
            max_object: max_object.min(max_bytes),
        }
    }

    /// The byte bound.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The largest body kept.
    pub fn max_object(&self) -> u64 {
        self.max_object
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Stores a complete entry (replacing one under the same key); `false` when it is too
    /// large to keep.
    pub fn put_bytes(&self, key: CacheKey, mut meta: CacheMeta, body: Bytes) -> bool {
        meta.size = body.len() as u64;
        let weight = body.len() as u64 + key.weight() + meta.weight();
        if body.len() as u64 > self.max_object || weight > self.max_bytes {
            // A newer version that cannot be kept must not leave the older one behind.
            if let Ok(mut inner) = self.lock() {
                inner.remove(&key);
            }
            return false;
        }
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        inner.remove(&key);
        let key = Arc::new(key);
        inner
            .index
            .by_url
            .entry((key.namespace.clone(), key.url.clone()))
            .or_default()
            .insert(key.clone());
        for tag in &meta.tags {
            inner
                .index
                .by_tag
                .entry(tag.clone())
                .or_default()
                .insert(key.clone());
        }
        inner.bytes += weight;
        inner.lru.put(key, Entry { meta, body, weight });
        while inner.bytes > self.max_bytes {
            let Some((old, _)) = inner.lru.peek_lru().map(|(k, e)| (k.clone(), e.weight)) else {
                break;
            };
            inner.remove(&old);
        }
        true
    }

    /// Removes the entry under `key`; whether there was one.
    pub fn remove(&self, key: &CacheKey) -> bool {
        self.lock().is_ok_and(|mut i| i.remove(key))
    }

    /// Whether the store holds an entry under `key` (without touching its recency).
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.lock().is_ok_and(|i| i.lru.contains(key))
    }
}

impl Inner {
    fn remove(&mut self, key: &CacheKey) -> bool {
        let Some((k, entry)) = self.lru.pop_entry(key) else {
            return false;
        };
        self.bytes -= entry.weight;
        let url_key = (k.namespace.clone(), k.url.clone());
        if let Some(set) = self.index.by_url.get_mut(&url_key) {
            set.remove(&k);
            if set.is_empty() {
                self.index.by_url.remove(&url_key);
            }
        }
        for tag in &entry.meta.tags {
            if let Some(set) = self.index.by_tag.get_mut(tag) {
                set.remove(&k);
                if set.is_empty() {
                    self.index.by_tag.remove(tag);
                }
            }
        }
        true
    }

    fn remove_all(&mut self, keys: Vec<Arc<CacheKey>>) -> u64 {
        keys.into_iter().filter(|k| self.remove(k)).count() as u64
    }
}

impl CacheStore for MemoryCacheStore {
    fn get(&self, namespace: &str, url: &str, now_ms: u64) -> Result<Vec<CacheEntry>, StoreError> {
        let mut inner = self.lock()?;
        let Some(keys) = inner
            .index
            .by_url
            .get(&(namespace.to_owned(), url.to_owned()))
            .map(|set| set.iter().cloned().collect::<Vec<_>>())
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let expired = match inner.lru.get(&key) {
                Some(e) if e.meta.keep_until_ms > now_ms => {
                    out.push(CacheEntry {
                        key: (*key).clone(),
                        meta: e.meta.clone(),
                        body: CacheBody::Memory(e.body.clone()),
                    });
                    false
                }
                Some(_) => true,
                None => false,
            };
            if expired {
                inner.remove(&key);
            }
        }
        Ok(out)
    }

    fn writer(&self, key: CacheKey) -> Result<Box<dyn CacheWriter>, StoreError> {
        Ok(Box::new(MemoryWriter {
            store: self.clone(),
            key,
            body: BytesMut::new(),
            too_large: false,
            written: 0,
        }))
    }

    fn delete(&self, namespace: &str, url: &str) -> Result<bool, StoreError> {
        let mut inner = self.lock()?;
        let keys: Vec<_> = inner
            .index
            .by_url
            .get(&(namespace.to_owned(), url.to_owned()))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        Ok(inner.remove_all(keys) > 0)
    }

    fn purge(&self, purge: &Purge) -> Result<u64, StoreError> {
        let mut inner = self.lock()?;
        let keys: Vec<Arc<CacheKey>> = match purge {
            Purge::Everything => {
                let n = inner.lru.len() as u64;
                inner.lru.clear();
                inner.index = Indexes::default();
                inner.bytes = 0;
                return Ok(n);
            }
            Purge::Tags(tags) => {
                let mut keys = HashSet::new();
                for t in tags {
                    if let Some(set) = inner.index.by_tag.get(&t.to_ascii_lowercase()) {
                        keys.extend(set.iter().cloned());
                    }
                }
                keys.into_iter().collect()
            }
            Purge::Urls(urls) => {
                let urls: HashSet<&str> = urls.iter().map(String::as_str).collect();
                inner
                    .index
                    .by_url
                    .iter()
                    .filter(|((_, u), _)| urls.contains(u.as_str()))
                    .flat_map(|(_, set)| set.iter().cloned())
                    .collect()
            }
            Purge::Prefixes(_) | Purge::Hosts(_) => inner
                .index
                .by_url
                .iter()
                .filter(|((_, u), _)| purge.matches(u, &[]))
                .flat_map(|(_, set)| set.iter().cloned())
                .collect(),
        };
        Ok(inner.remove_all(keys))
    }

    fn evict_expired(&self, now_ms: u64) -> Result<u64, StoreError> {
        let mut inner = self.lock()?;
        let keys: Vec<_> = inner
            .lru
            .iter()
            .filter(|(_, e)| e.meta.keep_until_ms <= now_ms)
            .map(|(k, _)| k.clone())
            .collect();
        Ok(inner.remove_all(keys))
    }

    fn usage(&self) -> Result<CacheUsage, StoreError> {
        let inner = self.lock()?;
        Ok(CacheUsage {
            entries: inner.lru.len() as u64,
            bytes: inner.bytes,
        })
    }
}

/// Collects a body; a body over the object limit is dropped as it grows past it.
struct MemoryWriter {
    store: MemoryCacheStore,
    key: CacheKey,
    body: BytesMut,
    too_large: bool,
    written: u64,
}

impl CacheWriter for MemoryWriter {
    fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.written += chunk.len() as u64;
        if self.too_large {
            return Ok(());
        }
        if self.written > self.store.max_object {
            self.too_large = true;
            self.body = BytesMut::new();
            return Ok(());
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn commit(self: Box<Self>, meta: CacheMeta) -> Result<(), StoreError> {
        if self.too_large {
            if let Ok(mut inner) = self.store.lock() {
                inner.remove(&self.key);
            }
            return Ok(());
        }
        self.store.put_bytes(self.key, meta, self.body.freeze());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(tags: &[&str]) -> CacheMeta {
        CacheMeta {
            status: 200,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            keep_until_ms: u64::MAX,
            fresh_until_ms: u64::MAX,
            ..CacheMeta::default()
        }
    }

    crate::cache_store_tests!(|| ((), MemoryCacheStore::new(64 << 20, 64 << 20)));

    #[test]
    fn a_working_set_far_larger_than_the_bound_stays_within_it() {
        // 1 GiB of 64 KiB objects through an 8 MiB store.
        let bound = 8 << 20;
        let store = MemoryCacheStore::new(bound, bound);
        let body = Bytes::from(vec![7u8; 64 << 10]);
        for i in 0..(1u64 << 30) / (64 << 10) {
            let key = CacheKey::new("ns", format!("https://x.test/{i}"), "");
            assert!(store.put_bytes(key, meta(&["t"]), body.clone()));
            let usage = store.usage().expect("usage");
            assert!(usage.bytes <= bound, "{} bytes held", usage.bytes);
        }
        let usage = store.usage().expect("usage");
        assert!(usage.entries > 100 && usage.entries < 128, "{usage:?}");
        // The most recent entries are the ones kept; the tag index followed the evictions.
        assert_eq!(
            store
                .get("ns", "https://x.test/16383", 0)
                .expect("get")
                .len(),
            1
        );
        assert!(
            store
                .get("ns", "https://x.test/0", 0)
                .expect("get")
                .is_empty()
        );
        assert_eq!(
            store.purge(&Purge::Tags(vec!["t".into()])).expect("purge"),
            usage.entries
        );
    }

    #[test]
    fn reading_an_entry_makes_it_the_last_evicted() {
        let body = Bytes::from(vec![1u8; 1000]);
        let one = body.len() as u64 + 200;
        let store = MemoryCacheStore::new(one * 3, one);
        for i in 0..3 {
            store.put_bytes(
                CacheKey::new("n", format!("u{i}"), ""),
                meta(&[]),
                body.clone(),
            );
        }
        assert_eq!(store.get("n", "u0", 0).expect("get").len(), 1);
        store.put_bytes(CacheKey::new("n", "u3", ""), meta(&[]), body.clone());
        assert_eq!(
            store.get("n", "u0", 0).expect("get").len(),
            1,
            "recently read"
        );
        assert!(
            store.get("n", "u1", 0).expect("get").is_empty(),
            "least recently used"
        );
    }

    #[test]
    fn objects_over_the_object_limit_are_not_kept() {
        let store = MemoryCacheStore::new(1 << 20, 1000);
        assert!(!store.put_bytes(
            CacheKey::new("n", "u", ""),
            meta(&[]),
            Bytes::from(vec![0; 1001])
        ));
        assert!(store.get("n", "u", 0).expect("get").is_empty());
    }
}
