//! SQLite implementations of the store traits.
//!
//! Layout under a project's state directory:
//! - `<state_dir>/kv.sqlite`: every KV namespace of the project ([`SqliteKvStore`]);
//! - `<state_dir>/d1/<database_id>.sqlite`: one file per D1 database ([`SqliteDatabase`]);
//! - `<state_dir>/queues.sqlite`: every queue's messages ([`SqliteQueueStore`]);
//! - `<state_dir>/cache/`: the edge cache's disk tier ([`SqliteCacheStore`]).
//!
//! **Durability.** Every connection runs in WAL mode with `synchronous=FULL`: SQLite
//! fsyncs the WAL on every commit, so a write that returned `Ok` survives `kill -9` and
//! power loss (with `NORMAL` a power cut could lose the last commits). The cost is one
//! fsync per write transaction.
//!
//! **Worker SQL** (D1 databases, SQLite-backed Durable Objects) runs on connections under the
//! sandbox of `sandbox.rs`: SQLite's authorizer allows only what Workers allow, whatever the
//! statement looks like, and a progress handler stops statements past their time.
//!
//! **New files** are built aside and linked into place ([`create_if_missing`]): switching a
//! fresh file to WAL and creating its schema in place costs about eight fsyncs (a rollback
//! journal, its directory, then one WAL commit per statement), tens of milliseconds on a
//! slow disk, paid by every fresh `.verge/` and by the first use of every Durable Object.

mod alarms;
mod backends;
mod cache;
mod codes;
mod database;
mod durable;
mod kv;
mod limit;
mod queues;
mod sandbox;

pub use alarms::SqliteAlarmIndex;
pub use backends::{CacheLimits, SqliteBackends, SqliteDurableBackend};
pub use cache::{INLINE_MAX, SqliteCacheStore};
pub use database::SqliteDatabase;
pub use durable::SqliteObjectStore;
pub use kv::SqliteKvStore;
pub use queues::SqliteQueueStore;
pub use sandbox::TRANSACTION_DENIED;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::StoreError;

/// How long a connection waits for another process's lock before failing with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest D1 database id accepted as a file name.
pub const MAX_DATABASE_ID_LEN: usize = 128;

/// Opens (creating if needed, with `schema`: see [`create_if_missing`]) a SQLite file with
/// the durability settings above. The caller still applies `schema` itself.
fn open_connection(path: &Path, schema: &str) -> Result<Connection, StoreError> {
    create_if_missing(path, schema);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let conn = Connection::open(path).map_err(StoreError::sqlite("open"))?;
    configure(&conn)?;
    Ok(conn)
}

/// Creates the SQLite file at `path` in WAL mode with `schema` applied, unless it exists.
///
/// The file is built under a temporary name without syncing, synced once, and hard-linked
/// to `path` (which fails rather than replaces if another process created `path`
/// meanwhile), then the directory is synced: two fsyncs, and `path` never exists
/// half-made. This only saves time: on any failure (no hard links on this filesystem, a
/// full disk, …) nothing is created and the caller's ordinary open creates the file in
/// place, or reports why it cannot. `schema` must be idempotent: the caller applies it
/// again after opening, where it then writes nothing.
fn create_if_missing(path: &Path, schema: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);

    if std::fs::symlink_metadata(path).is_ok() {
        return;
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(
        ".{}.{}-{}.new",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let built = (|| -> Result<(), Box<dyn std::error::Error>> {
        let conn = Connection::open(&tmp)?;
        // Nothing is synced until the whole file is built: a crash leaves only `tmp`.
        conn.execute_batch("PRAGMA synchronous=OFF;")?;
        let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        conn.execute_batch(schema)?;
        // Closing checkpoints the WAL into the file and removes it.
        conn.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        Ok(())
    })();
    // Fails if `path` appeared meanwhile (made by another process): that file is kept.
    if built.is_ok() && std::fs::hard_link(&tmp, path).is_ok() {
        // SQLite syncs the directory again when it creates the WAL file at the first write.
        let _ = sync_dir(dir);
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = tmp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Makes a directory's entries durable (a no-op where directories cannot be synced).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(StoreError::sqlite("busy_timeout"))?;
    // journal_mode returns a row, so it is queried rather than executed.
    let _mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .map_err(StoreError::sqlite("journal_mode"))?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(StoreError::sqlite("pragmas"))?;
    Ok(())
}

/// Checks that `id` is safe as a file name: ASCII letters, digits, `-`, `_`.
pub fn validate_database_id(id: &str) -> Result<(), StoreError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_DATABASE_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidId {
            id: id.to_owned(),
            max: MAX_DATABASE_ID_LEN,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_ids_cannot_escape_the_d1_directory() {
        assert!(validate_database_id("abc-123_X").is_ok());
        assert!(validate_database_id("../etc").is_err());
        assert!(validate_database_id("").is_err());
        assert!(validate_database_id("a/b").is_err());
    }

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER);";

    #[test]
    fn a_new_file_is_made_whole_in_wal_mode_with_its_schema_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("x.sqlite");
        let conn = open_connection(&path, SCHEMA).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal_mode");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("synchronous");
        assert_eq!((mode.as_str(), sync), ("wal", 2));
        conn.execute("INSERT INTO t VALUES ('a', 1)", [])
            .expect("the schema is there");
        drop(conn);
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["x.sqlite"], "no temporary file is left behind");
    }

    #[test]
    fn an_existing_file_is_opened_not_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.sqlite");
        {
            let conn = open_connection(&path, SCHEMA).expect("open");
            conn.execute("INSERT INTO t VALUES ('a', 1)", [])
                .expect("insert");
        }
        let conn = open_connection(&path, SCHEMA).expect("reopen");
        let v: i64 = conn
            .query_row("SELECT v FROM t WHERE k = 'a'", [], |r| r.get(0))
            .expect("the row survives");
        assert_eq!(v, 1);
    }

    #[test]
    fn a_file_made_by_sqlite_in_place_still_opens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.sqlite");
        {
            let conn = Connection::open(&path).expect("plain open");
            conn.execute_batch(
                "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO t VALUES ('b', 2);",
            )
            .expect("seed");
        }
        let conn = open_connection(&path, SCHEMA).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        let v: i64 = conn
            .query_row("SELECT v FROM t WHERE k = 'b'", [], |r| r.get(0))
            .expect("row");
        assert_eq!(v, 2);
    }
}
