//! [`KvBackend`] over one SQLite file holding every namespace of a project.
//!
//! **One table with a `namespace` column**, not a table per namespace: namespaces come and
//! go with configuration, and this way they need no DDL at runtime, no namespace id ever
//! becomes an SQL identifier (no quoting or injection concerns), and one partial index on
//! `expiration` lets [`KvBackend::purge_expired`] clean every namespace with one statement.
//! The primary key `(namespace, key)` with `key` a BLOB gives the byte order `list` needs
//! (SQLite compares BLOBs with `memcmp`).
//!
//! Two connections: writes go through one, reads through the other, so WAL lets readers
//! proceed while a large value is being written.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use super::open_connection;
use crate::StoreError;
use crate::kv::{KvBackend, KvEntry, KvKeyInfo, KvListQuery, prefix_upper_bound};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    namespace  TEXT    NOT NULL,
    key        BLOB    NOT NULL,
    value      BLOB    NOT NULL,
    expiration INTEGER,
    metadata   TEXT,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS kv_expiration ON kv (expiration) WHERE expiration IS NOT NULL;
";

/// All KV namespaces of a project, in `<state_dir>/kv.sqlite`.
#[derive(Debug)]
pub struct SqliteKvStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl SqliteKvStore {
    /// Opens `<state_dir>/kv.sqlite`, creating the directory, file and schema as needed.
    pub fn open_in(state_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&state_dir.join("kv.sqlite"))
    }

    /// Opens (creating) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let writer = open_connection(path, SCHEMA)?;
        writer
            .execute_batch(SCHEMA)
            .map_err(StoreError::sqlite("create kv schema"))?;
        let reader = open_connection(path, SCHEMA)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn reader(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.reader.lock().map_err(|_| StoreError::Poisoned)
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.writer.lock().map_err(|_| StoreError::Poisoned)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_i64(n: Option<i64>) -> Option<u64> {
    n.map(|n| u64::try_from(n).unwrap_or(0))
}

fn get_one(
    conn: &Connection,
    namespace: &str,
    key: &[u8],
    now_s: i64,
) -> Result<Option<KvEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT value, expiration, metadata FROM kv
             WHERE namespace = ?1 AND key = ?2 AND (expiration IS NULL OR expiration > ?3)",
        )
        .map_err(StoreError::sqlite("prepare get"))?;
    stmt.query_row(params![namespace, key, now_s], |row| {
        Ok(KvEntry {
            value: row.get(0)?,
            expiration: from_i64(row.get(1)?),
            metadata: row.get(2)?,
        })
    })
    .optional()
    .map_err(StoreError::sqlite("get"))
}

impl KvBackend for SqliteKvStore {
    fn get(&self, namespace: &str, key: &[u8], now_ms: u64) -> Result<Option<KvEntry>, StoreError> {
        let conn = self.reader()?;
        get_one(&conn, namespace, key, to_i64(now_ms / 1000))
    }

    fn get_many(
        &self,
        namespace: &str,
        keys: &[&[u8]],
        now_ms: u64,
    ) -> Result<Vec<Option<KvEntry>>, StoreError> {
        let mut conn = self.reader()?;
        // One read transaction: every key is read from the same snapshot.
        let tx = conn
            .transaction()
            .map_err(StoreError::sqlite("begin get_many"))?;
        let now_s = to_i64(now_ms / 1000);
        let out = keys
            .iter()
            .map(|key| get_one(&tx, namespace, key, now_s))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(StoreError::sqlite("end get_many"))?;
        Ok(out)
    }

    fn put(&self, namespace: &str, key: &[u8], entry: KvEntry) -> Result<(), StoreError> {
        let conn = self.writer()?;
        conn.prepare_cached(
            "INSERT INTO kv (namespace, key, value, expiration, metadata) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (namespace, key) DO UPDATE SET
               value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                namespace,
                key,
                entry.value,
                entry.expiration.map(to_i64),
                entry.metadata
            ])
        })
        .map_err(StoreError::sqlite("put"))?;
        Ok(())
    }

    fn delete(&self, namespace: &str, key: &[u8]) -> Result<(), StoreError> {
        let conn = self.writer()?;
        conn.prepare_cached("DELETE FROM kv WHERE namespace = ?1 AND key = ?2")
            .and_then(|mut stmt| stmt.execute(params![namespace, key]))
            .map_err(StoreError::sqlite("delete"))?;
        Ok(())
    }

    fn list(
        &self,
        namespace: &str,
        query: &KvListQuery<'_>,
        now_ms: u64,
    ) -> Result<Vec<KvKeyInfo>, StoreError> {
        let conn = self.reader()?;
        // Range scan on the primary key: [max(prefix, after), upper) with after exclusive.
        let upper = prefix_upper_bound(query.prefix);
        let (lower, lower_inclusive) = match query.start_after {
            Some(after) if after >= query.prefix => (after, false),
            _ => (query.prefix, true),
        };
        let limit = to_i64(u64::try_from(query.limit).unwrap_or(u64::MAX));
        let mut stmt = conn
            .prepare_cached(
                "SELECT key, expiration, metadata FROM kv
                 WHERE namespace = ?1
                   AND ((?3 AND key >= ?2) OR (NOT ?3 AND key > ?2))
                   AND (?4 IS NULL OR key < ?4)
                   AND (expiration IS NULL OR expiration > ?5)
                 ORDER BY key
                 LIMIT ?6",
            )
            .map_err(StoreError::sqlite("prepare list"))?;
        let rows = stmt
            .query_map(
                params![
                    namespace,
                    lower,
                    lower_inclusive,
                    upper,
                    to_i64(now_ms / 1000),
                    limit
                ],
                |row| {
                    Ok(KvKeyInfo {
                        key: row.get(0)?,
                        expiration: from_i64(row.get(1)?),
                        metadata: row.get(2)?,
                    })
                },
            )
            .map_err(StoreError::sqlite("list"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::sqlite("list"))
    }

    fn purge_expired(&self, now_ms: u64) -> Result<u64, StoreError> {
        let conn = self.writer()?;
        let n = conn
            .execute(
                "DELETE FROM kv WHERE expiration IS NOT NULL AND expiration <= ?1",
                params![to_i64(now_ms / 1000)],
            )
            .map_err(StoreError::sqlite("purge_expired"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteKvStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteKvStore::open_in(dir.path()).expect("open");
        (dir, store)
    }

    crate::kv_backend_tests!(store);

    #[test]
    fn entries_survive_reopening_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = SqliteKvStore::open_in(dir.path()).expect("open");
            store
                .put(
                    "ns",
                    b"k",
                    KvEntry {
                        value: b"v".to_vec(),
                        expiration: Some(10_000),
                        metadata: Some("{\"a\":1}".into()),
                    },
                )
                .expect("put");
        }
        let store = SqliteKvStore::open_in(dir.path()).expect("reopen");
        let entry = store.get("ns", b"k", 0).expect("get").expect("present");
        assert_eq!(entry.value, b"v");
        assert_eq!(entry.expiration, Some(10_000));
        assert_eq!(entry.metadata.as_deref(), Some("{\"a\":1}"));
        assert!(dir.path().join("kv.sqlite").exists());
    }

    #[test]
    fn connections_use_wal_and_full_sync() {
        let (_dir, store) = store();
        let conn = store.writer().expect("lock");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal_mode");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("synchronous");
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "FULL");
    }
}
