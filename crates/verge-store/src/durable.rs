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
//!
//! A [`DurableBackend`] hands out the stores of one worker's objects, the [`AlarmIndex`] the
//! alarm scheduler reads, and the record of applied migrations.

use std::sync::Arc;

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

/// One scheduled alarm in an [`AlarmIndex`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmEntry {
    /// The class's storage name.
    pub class: String,
    /// Object id (hex).
    pub id: String,
    /// The name the id was made from, if any.
    pub name: Option<String>,
    /// When (ms since the epoch).
    pub time: i64,
    /// Retries so far.
    pub retry: u32,
}

/// The index of pending alarms of one worker's objects, read by the alarm scheduler so alarms
/// fire after a restart without opening every object. The index is the scheduler's record
/// (including retries in progress); each object's own storage holds the alarm its code sees.
pub trait AlarmIndex: Send + Sync {
    /// Sets (`Some`) or clears (`None`) an object's entry.
    fn set(
        &self,
        class: &str,
        id: &str,
        name: Option<&str>,
        time: Option<i64>,
        retry: u32,
    ) -> Result<(), StoreError>;
    /// An object's entry.
    fn get(&self, class: &str, id: &str) -> Result<Option<AlarmEntry>, StoreError>;
    /// Removes an entry only if it is still the one scheduled for `time`.
    fn clear_if(&self, class: &str, id: &str, time: i64) -> Result<(), StoreError>;
    /// Entries due at `now` (oldest first), and the time of the next one after them.
    fn due(&self, now: i64) -> Result<(Vec<AlarmEntry>, Option<i64>), StoreError>;
}

/// The Durable Object state of one worker: object stores, the alarm index, migrations.
pub trait DurableBackend: Send + Sync {
    /// Opens (creating) the store of object `id` of class `class` (the class's storage name).
    /// Dropping every handle closes it.
    fn open_object(&self, class: &str, id: &str) -> Result<Arc<dyn ObjectStorage>, StoreError>;
    /// Deletes every object of `class` (a `deleted_classes` migration).
    fn delete_class(&self, class: &str) -> Result<(), StoreError>;
    /// The worker's alarm index.
    fn alarms(&self) -> Arc<dyn AlarmIndex>;
    /// Tags of the migrations applied so far, in order.
    fn applied_migrations(&self) -> Result<Vec<String>, StoreError>;
    /// Records the tags of every applied migration (replacing the previous record).
    fn record_migrations(&self, tags: &[String]) -> Result<(), StoreError>;
}
