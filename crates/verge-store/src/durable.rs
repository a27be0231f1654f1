//! Durable Object storage: what the Durable Objects core needs from a backend.
//!
//! One store per object. It holds the object's KV-API data (in the reserved table `_cf_KV`),
//! its alarm, and — for SQLite-backed classes — the user's own SQL tables. Writes made
//! through [`ObjectStorage::sql_exec`] join an implicit transaction that
//! [`ObjectStorage::commit`] closes together with a batch of KV writes: one atomic, durable
//! commit per turn of the object's JS.
//!
//! **Replication.** A replicated backend commits locally and appends the committed changes to
//! a log before `commit` returns; a new owner replays the log before serving.

use crate::StoreError;
use crate::sql::{SqlError, SqlValue};

/// One KV-API write in a commit batch.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectWrite {
    /// Put a serialized value.
    Put(String, Vec<u8>),
    /// Delete a key.
    Delete(String),
    /// Delete every key (and, for SQLite-backed objects, every user table).
    DeleteAll,
}

/// What one commit changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectBatch {
    /// KV-API writes, in order.
    pub writes: Vec<ObjectWrite>,
    /// `Some(Some(ms))` sets the alarm, `Some(None)` deletes it, `None` leaves it.
    pub alarm: Option<Option<i64>>,
}

/// A range read over the KV-API keys (UTF-8 byte order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectListQuery {
    /// Inclusive lower bound.
    pub start: Option<String>,
    /// Exclusive lower bound.
    pub start_after: Option<String>,
    /// Exclusive upper bound.
    pub end: Option<String>,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Descending order.
    pub reverse: bool,
    /// Most rows to return.
    pub limit: Option<usize>,
}

impl ObjectListQuery {
    /// True when `key` is inside the range (ignoring `limit`).
    pub fn contains(&self, key: &str) -> bool {
        let k = key.as_bytes();
        self.start.as_ref().is_none_or(|s| k >= s.as_bytes())
            && self.start_after.as_ref().is_none_or(|s| k > s.as_bytes())
            && self.end.as_ref().is_none_or(|e| k < e.as_bytes())
            && self
                .prefix
                .as_ref()
                .is_none_or(|p| k.starts_with(p.as_bytes()))
    }
}

/// The result of one `sql.exec` call (the last statement's rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlCursorData {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<SqlValue>>,
    /// Rows read (approximate: rows returned or changed).
    pub rows_read: u64,
    /// Rows written.
    pub rows_written: u64,
}

fn never() -> bool {
    false
}

/// Storage of one Durable Object.
pub trait ObjectStorage: Send + Sync {
    /// A committed KV-API value.
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Committed KV-API entries in a range.
    fn kv_list(&self, query: &ObjectListQuery) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Atomically and durably applies `batch` together with any open SQL transaction.
    fn commit(&self, batch: &ObjectBatch) -> Result<(), StoreError>;
    /// Runs `;`-separated SQL; `params` bind to the last statement. Writes join the implicit
    /// transaction that the next [`ObjectStorage::commit`] closes. The SQL is a worker's: the
    /// backend refuses what Durable Object SQL refuses (other database files, transaction
    /// control, `_cf_*` tables, PRAGMAs and functions outside the allowed sets).
    fn sql_exec(&self, sql: &str, params: &[SqlValue]) -> Result<SqlCursorData, SqlError> {
        self.sql_exec_interruptible(sql, params, never)
    }
    /// [`ObjectStorage::sql_exec`] that ends the running statement with `SQLITE_INTERRUPT`
    /// ("interrupted") as soon as `interrupt()` returns true. The backend polls it while
    /// statements run, on the calling thread (so it may read thread-local state such as the
    /// CPU meter of the request running JS there).
    fn sql_exec_interruptible(
        &self,
        sql: &str,
        params: &[SqlValue],
        interrupt: fn() -> bool,
    ) -> Result<SqlCursorData, SqlError>;
    /// True when SQL writes are waiting for a commit.
    fn sql_dirty(&self) -> bool;
    /// Opens a savepoint (for `transactionSync`).
    fn savepoint(&self, name: &str) -> Result<(), SqlError>;
    /// Releases (`commit == true`) or rolls back a savepoint.
    fn end_savepoint(&self, name: &str, commit: bool) -> Result<(), SqlError>;
    /// The committed alarm time (ms since the epoch).
    fn alarm(&self) -> Result<Option<i64>, StoreError>;
    /// Bytes on disk.
    fn size_bytes(&self) -> Result<u64, StoreError>;
}
