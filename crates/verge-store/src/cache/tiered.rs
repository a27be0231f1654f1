//! [`TieredCacheStore`]: the memory tier in front of a disk tier.
//!
//! Reads try memory first; an entry found only on disk is copied into memory when it is small
//! enough for it (so the next read is a memory hit). Writes go to both: the body streams into
//! the disk writer and, while it stays under the memory tier's object limit, into memory too.
//! Deletes, purges and expiry apply to both. Purges another process made on the disk tier are
//! applied to memory by [`CacheStore::sync`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::BytesMut;

use super::memory::MemoryCacheStore;
use super::{
    CacheBody, CacheEntry, CacheKey, CacheMeta, CacheStore, CacheUsage, CacheWriter, Purge,
};
use crate::StoreError;

/// Memory over disk; see the module docs.
#[derive(Debug)]
pub struct TieredCacheStore {
    memory: MemoryCacheStore,
    disk: Arc<dyn CacheStore>,
    /// The last purge record of the disk tier already applied to memory.
    seen: AtomicU64,
}

impl TieredCacheStore {
    /// `memory` in front of `disk`.
    pub fn new(memory: MemoryCacheStore, disk: Arc<dyn CacheStore>) -> Self {
        let seen = disk.foreign_purges(0).map(|(last, _)| last).unwrap_or(0);
        TieredCacheStore {
            memory,
            disk,
            seen: AtomicU64::new(seen),
        }
    }

    /// The memory tier.
    pub fn memory(&self) -> &MemoryCacheStore {
        &self.memory
    }

    /// The disk tier.
    pub fn disk(&self) -> &Arc<dyn CacheStore> {
        &self.disk
    }
}

impl CacheStore for TieredCacheStore {
    fn get(&self, namespace: &str, url: &str, now_ms: u64) -> Result<Vec<CacheEntry>, StoreError> {
        let hot = self.memory.get(namespace, url, now_ms)?;
        if !hot.is_empty() {
            return Ok(hot);
        }
        let mut found = self.disk.get(namespace, url, now_ms)?;
        for entry in &mut found {
            if entry.body.len() <= self.memory.max_object() {
                let bytes = entry.body.read_all()?;
                self.memory
                    .put_bytes(entry.key.clone(), entry.meta.clone(), bytes.clone());
                entry.body = CacheBody::Memory(bytes);
            }
        }
        Ok(found)
    }

    fn writer(&self, key: CacheKey) -> Result<Box<dyn CacheWriter>, StoreError> {
        Ok(Box::new(TieredWriter {
            memory: self.memory.clone(),
            disk: self.disk.writer(key.clone())?,
            key,
            body: Some(BytesMut::new()),
        }))
    }

    fn delete(&self, namespace: &str, url: &str) -> Result<bool, StoreError> {
        let a = self.memory.delete(namespace, url)?;
        let b = self.disk.delete(namespace, url)?;
        Ok(a || b)
    }

    fn purge(&self, purge: &Purge) -> Result<u64, StoreError> {
        let in_memory = self.memory.purge(purge)?;
        let on_disk = self.disk.purge(purge)?;
        Ok(in_memory.max(on_disk))
    }

    fn evict_expired(&self, now_ms: u64) -> Result<u64, StoreError> {
        self.memory.evict_expired(now_ms)?;
        self.disk.evict_expired(now_ms)
    }

    fn usage(&self) -> Result<CacheUsage, StoreError> {
        self.disk.usage()
    }

    fn foreign_purges(&self, after: u64) -> Result<(u64, Vec<Purge>), StoreError> {
        self.disk.foreign_purges(after)
    }

    fn sync(&self) -> Result<u64, StoreError> {
        let after = self.seen.load(Ordering::Relaxed);
        let (last, purges) = self.disk.foreign_purges(after)?;
        let mut n = 0;
        for p in &purges {
            n += self.memory.purge(p)?;
        }
        self.seen.store(last, Ordering::Relaxed);
        Ok(n)
    }
}

/// Streams into the disk writer, and into memory while the body stays small.
struct TieredWriter {
    memory: MemoryCacheStore,
    disk: Box<dyn CacheWriter>,
    key: CacheKey,
    body: Option<BytesMut>,
}

impl CacheWriter for TieredWriter {
    fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.disk.write(chunk)?;
        if self.disk.written() > self.memory.max_object() {
            self.body = None;
        } else if let Some(b) = &mut self.body {
            b.extend_from_slice(chunk);
        }
        Ok(())
    }

    fn written(&self) -> u64 {
        self.disk.written()
    }

    fn commit(self: Box<Self>, meta: CacheMeta) -> Result<(), StoreError> {
        let TieredWriter {
            memory,
            disk,
            key,
            body,
        } = *self;
        disk.commit(meta.clone())?;
        match body {
            Some(b) => {
                memory.put_bytes(key, meta, b.freeze());
            }
            // Too large for memory: an older copy there must not outlive this write.
            None => {
                memory.remove(&key);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteCacheStore;

    fn tiered() -> (tempfile::TempDir, TieredCacheStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let disk = SqliteCacheStore::open(&dir.path().join("cache"), 1 << 30).expect("open");
        (
            dir,
            TieredCacheStore::new(MemoryCacheStore::new(8 << 20, 1 << 20), Arc::new(disk)),
        )
    }

    crate::cache_store_tests!(tiered);

    fn meta() -> CacheMeta {
        CacheMeta {
            status: 200,
            keep_until_ms: u64::MAX / 2,
            fresh_until_ms: u64::MAX / 2,
            ..CacheMeta::default()
        }
    }

    #[test]
    fn a_disk_hit_is_promoted_to_memory() {
        let (_dir, t) = tiered();
        let key = CacheKey::new("n", "https://a.test/", "");
        t.disk()
            .insert(key.clone(), meta(), b"from disk")
            .expect("insert");
        assert!(!t.memory().contains(&key));
        assert_eq!(t.get("n", "https://a.test/", 0).expect("get").len(), 1);
        assert!(t.memory().contains(&key));
    }

    #[test]
    fn large_bodies_stay_on_disk_only() {
        let (_dir, t) = tiered();
        let key = CacheKey::new("n", "https://a.test/big", "");
        t.insert(key.clone(), meta(), &vec![1u8; 2 << 20])
            .expect("insert");
        assert!(!t.memory().contains(&key));
        let got = t.get("n", "https://a.test/big", 0).expect("get");
        assert!(matches!(got[0].body, CacheBody::File { .. }));
    }

    #[test]
    fn purges_by_another_process_reach_memory_on_sync() {
        let (dir, t) = tiered();
        t.insert(
            CacheKey::new("n", "https://a.test/", ""),
            CacheMeta {
                tags: vec!["t".into()],
                ..meta()
            },
            b"x",
        )
        .expect("insert");
        let other = SqliteCacheStore::open(&dir.path().join("cache"), 1 << 30).expect("open");
        other.purge(&Purge::Tags(vec!["T".into()])).expect("purge");
        assert_eq!(
            t.memory()
                .get("n", "https://a.test/", 0)
                .expect("get")
                .len(),
            1
        );
        assert_eq!(t.sync().expect("sync"), 1);
        assert!(t.get("n", "https://a.test/", 0).expect("get").is_empty());
    }
}
