//! SQLite implementations of the store traits.
//!
//! Layout under a project's state directory:
//! - `<state_dir>/kv.sqlite`: every KV namespace of the project ([`SqliteKvStore`]);
//! - `<state_dir>/d1/<database_id>.sqlite`: one file per D1 database ([`SqliteDatabase`]).
//!
//! **Durability.** Every connection runs in WAL mode with `synchronous=FULL`: SQLite
//! fsyncs the WAL on every commit, so a write that returned `Ok` survives `kill -9` and
//! power loss (with `NORMAL` a power cut could lose the last commits). The cost is one
//! fsync per write transaction.

mod codes;
mod database;
mod durable;
mod kv;

pub use database::SqliteDatabase;
pub use durable::{AlarmEntry, SqliteAlarmIndex, SqliteObjectStore};
pub use kv::SqliteKvStore;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::StoreError;

/// How long a connection waits for another process's lock before failing with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest D1 database id accepted as a file name.
pub const MAX_DATABASE_ID_LEN: usize = 128;

/// Opens (creating if needed) a SQLite file with the durability settings above.
fn open_connection(path: &Path) -> Result<Connection, StoreError> {
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
}
