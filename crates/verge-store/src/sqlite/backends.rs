//! [`Backends`] on SQLite files under one state directory (`.verge/`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{
    SqliteAlarmIndex, SqliteCacheStore, SqliteDatabase, SqliteKvStore, SqliteObjectStore,
    SqliteQueueStore,
};
use crate::StoreError;
use crate::backends::Backends;
use crate::cache::CacheStore;
use crate::cache::memory::MemoryCacheStore;
use crate::cache::tiered::TieredCacheStore;
use crate::durable::{AlarmIndex, DurableBackend, ObjectStorage};
use crate::kv::KvBackend;
use crate::queues::QueueBackend;
use crate::sql::SqlDatabase;

/// Every binding's state in files under `dir`:
/// - `kv.sqlite`: all KV namespaces;
/// - `d1/<database_id>.sqlite`: one file per D1 database;
/// - `do/<worker>/<class>/<id>.sqlite`: one file per Durable Object, with the worker's alarm
///   index in `do/<worker>/alarms.sqlite` and its applied migrations in
///   `do/<worker>/migrations.json`;
/// - `queues.sqlite`: every queue's messages;
/// - `cache/`: the edge cache's disk tier, behind a memory tier ([`CacheLimits`]).
///
/// Stores are opened on first use and shared: asking twice for the same database gives the
/// same handle.
#[derive(Debug)]
pub struct SqliteBackends {
    dir: PathBuf,
    kv: OnceLock<Arc<SqliteKvStore>>,
    d1: Mutex<HashMap<String, Arc<SqliteDatabase>>>,
    durable: Mutex<HashMap<String, Arc<SqliteDurableBackend>>>,
    cache: OnceLock<Arc<TieredCacheStore>>,
    queues: OnceLock<Arc<SqliteQueueStore>>,
    cache_limits: CacheLimits,
}

/// How large the edge cache's tiers may grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Bytes the memory tier holds at most.
    pub memory_bytes: u64,
    /// The largest body the memory tier keeps (larger ones are read from disk).
    pub memory_object_bytes: u64,
    /// Bytes the disk tier holds at most.
    pub disk_bytes: u64,
}

impl Default for CacheLimits {
    fn default() -> Self {
        CacheLimits {
            memory_bytes: 64 << 20,
            memory_object_bytes: 4 << 20,
            disk_bytes: 1 << 30,
        }
    }
}

impl SqliteBackends {
    /// State under `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(SqliteBackends {
            dir,
            kv: OnceLock::new(),
            d1: Mutex::default(),
            durable: Mutex::default(),
            cache: OnceLock::new(),
            queues: OnceLock::new(),
            cache_limits: CacheLimits::default(),
        })
    }

    /// Sets the edge cache's limits (before its first use).
    pub fn with_cache_limits(mut self, limits: CacheLimits) -> Self {
        self.cache_limits = limits;
        self
    }

    /// The edge cache's disk tier alone (what `verge cache purge` works on).
    pub fn cache_disk(&self) -> Result<SqliteCacheStore, StoreError> {
        SqliteCacheStore::open(&self.dir.join("cache"), self.cache_limits.disk_bytes)
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Backends for SqliteBackends {
    fn kv(&self) -> Result<Arc<dyn KvBackend>, StoreError> {
        if let Some(kv) = self.kv.get() {
            return Ok(kv.clone());
        }
        let opened = Arc::new(SqliteKvStore::open_in(&self.dir)?);
        // Another thread may have opened it meanwhile: keep the first.
        Ok(self.kv.get_or_init(|| opened).clone())
    }

    fn d1(&self, database_id: &str) -> Result<Arc<dyn SqlDatabase>, StoreError> {
        let mut open = self.d1.lock().map_err(|_| StoreError::Poisoned)?;
        if let Some(db) = open.get(database_id) {
            return Ok(db.clone());
        }
        let db = Arc::new(SqliteDatabase::open_in(&self.dir, database_id)?);
        open.insert(database_id.to_string(), db.clone());
        Ok(db)
    }

    fn durable(&self, worker: &str) -> Result<Arc<dyn DurableBackend>, StoreError> {
        let mut open = self.durable.lock().map_err(|_| StoreError::Poisoned)?;
        if let Some(b) = open.get(worker) {
            return Ok(b.clone());
        }
        let b = Arc::new(SqliteDurableBackend::open(
            self.dir.join("do").join(file_name(worker)),
        )?);
        open.insert(worker.to_string(), b.clone());
        Ok(b)
    }

    fn cache(&self) -> Result<Arc<dyn CacheStore>, StoreError> {
        if let Some(c) = self.cache.get() {
            return Ok(c.clone());
        }
        let l = self.cache_limits;
        let tiered = Arc::new(TieredCacheStore::new(
            MemoryCacheStore::new(l.memory_bytes, l.memory_object_bytes),
            Arc::new(self.cache_disk()?),
        ));
        Ok(self.cache.get_or_init(|| tiered).clone())
    }

    fn queues(&self) -> Result<Arc<dyn QueueBackend>, StoreError> {
        if let Some(q) = self.queues.get() {
            return Ok(q.clone());
        }
        let opened = Arc::new(SqliteQueueStore::open_in(&self.dir)?);
        Ok(self.queues.get_or_init(|| opened).clone())
    }
}

/// One worker's Durable Object state under `dir` (`<state>/do/<worker>/`).
pub struct SqliteDurableBackend {
    dir: PathBuf,
    alarms: Arc<SqliteAlarmIndex>,
}

impl std::fmt::Debug for SqliteDurableBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDurableBackend")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SqliteDurableBackend {
    /// Opens (creating) the state in `dir`.
    pub fn open(dir: PathBuf) -> Result<Self, StoreError> {
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let alarms = Arc::new(SqliteAlarmIndex::open(&dir.join("alarms.sqlite"))?);
        Ok(SqliteDurableBackend { dir, alarms })
    }

    fn migrations_file(&self) -> PathBuf {
        self.dir.join("migrations.json")
    }
}

impl DurableBackend for SqliteDurableBackend {
    fn open_object(&self, class: &str, id: &str) -> Result<Arc<dyn ObjectStorage>, StoreError> {
        let path = self
            .dir
            .join(file_name(class))
            .join(format!("{}.sqlite", file_name(id)));
        Ok(Arc::new(SqliteObjectStore::open(&path)?))
    }

    fn delete_class(&self, class: &str) -> Result<(), StoreError> {
        let d = self.dir.join(file_name(class));
        match std::fs::remove_dir_all(&d) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io {
                path: d.display().to_string(),
                source,
            }),
        }
    }

    fn alarms(&self) -> Arc<dyn AlarmIndex> {
        self.alarms.clone()
    }

    fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        let file = self.migrations_file();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Io {
                    path: file.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            path: file.display().to_string(),
            message: format!("expected a JSON list of migration tags: {e}"),
        })
    }

    fn record_migrations(&self, tags: &[String]) -> Result<(), StoreError> {
        let file = self.migrations_file();
        let tmp = self.dir.join(".migrations.json.new");
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| StoreError::Io { path, source }
        };
        let text = serde_json::to_string(tags).map_err(|e| StoreError::Corrupt {
            path: file.display().to_string(),
            message: e.to_string(),
        })?;
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&tmp))?;
        std::fs::rename(&tmp, &file).map_err(io(&file))?;
        super::sync_dir(&self.dir).map_err(io(&self.dir))
    }
}

/// `id`/`class`/`worker` as one path segment: ASCII letters, digits, `-` and `_` kept, anything
/// else replaced by `_` (so no name can contain a separator or `..`).
fn file_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn durable() -> (tempfile::TempDir, SqliteDurableBackend) {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = SqliteDurableBackend::open(dir.path().join("do").join("w")).expect("open");
        (dir, b)
    }

    fn backends() -> (tempfile::TempDir, SqliteBackends) {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = SqliteBackends::new(dir.path().join(".verge")).expect("open");
        (dir, b)
    }

    crate::durable_backend_tests!(durable);
    crate::backends_tests!(backends);

    #[test]
    fn names_never_leave_their_directory() {
        assert_eq!(file_name("../../etc"), "______etc");
        assert_eq!(file_name("a/b\\c"), "a_b_c");
        let (dir, b) = durable();
        b.open_object("..", "../x").expect("open");
        assert!(
            dir.path()
                .join("do")
                .join("w")
                .join("__")
                .join("___x.sqlite")
                .exists()
        );
    }

    #[test]
    fn a_corrupt_migration_record_is_an_error_naming_the_file() {
        let (dir, b) = durable();
        std::fs::write(dir.path().join("do/w/migrations.json"), "{not json").expect("write");
        let e = b.applied_migrations().unwrap_err().to_string();
        assert!(e.contains("migrations.json"), "{e}");
    }
}
