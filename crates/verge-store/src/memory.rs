//! In-memory backends: for tests of the cores and for ephemeral (`--no-persist`) runs.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::StoreError;
use crate::kv::{KvBackend, KvEntry, KvKeyInfo, KvListQuery, is_live};

type Entries = BTreeMap<(String, Vec<u8>), KvEntry>;

/// Every KV namespace in one ordered map; lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryKvStore {
    entries: Mutex<Entries>,
}

impl MemoryKvStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Entries>, StoreError> {
        self.entries.lock().map_err(|_| StoreError::Poisoned)
    }
}

impl KvBackend for MemoryKvStore {
    fn get(&self, namespace: &str, key: &[u8], now_ms: u64) -> Result<Option<KvEntry>, StoreError> {
        Ok(self
            .lock()?
            .get(&(namespace.to_owned(), key.to_vec()))
            .filter(|e| is_live(e.expiration, now_ms))
            .cloned())
    }

    fn put(&self, namespace: &str, key: &[u8], entry: KvEntry) -> Result<(), StoreError> {
        self.lock()?
            .insert((namespace.to_owned(), key.to_vec()), entry);
        Ok(())
    }

    fn delete(&self, namespace: &str, key: &[u8]) -> Result<(), StoreError> {
        self.lock()?.remove(&(namespace.to_owned(), key.to_vec()));
        Ok(())
    }

    fn list(
        &self,
        namespace: &str,
        query: &KvListQuery<'_>,
        now_ms: u64,
    ) -> Result<Vec<KvKeyInfo>, StoreError> {
        let map = self.lock()?;
        let start = (namespace.to_owned(), query.prefix.to_vec());
        Ok(map
            .range(start..)
            .take_while(|((ns, key), _)| ns == namespace && key.starts_with(query.prefix))
            .filter(|((_, key), _)| query.start_after.is_none_or(|after| key.as_slice() > after))
            .filter(|(_, e)| is_live(e.expiration, now_ms))
            .take(query.limit)
            .map(|((_, key), e)| KvKeyInfo {
                key: key.clone(),
                expiration: e.expiration,
                metadata: e.metadata.clone(),
            })
            .collect())
    }

    fn purge_expired(&self, now_ms: u64) -> Result<u64, StoreError> {
        let mut map = self.lock()?;
        let before = map.len();
        map.retain(|_, e| is_live(e.expiration, now_ms));
        Ok(u64::try_from(before - map.len()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::kv_backend_tests!(|| ((), MemoryKvStore::new()));
}
