//! The SQL database trait: what the D1 core needs from storage.
//!
//! **Replication.** A replicated backend has one primary that executes writes and appends
//! each committed transaction (e.g. a SQLite changeset) to a log; replicas apply the log.
//! The log position is the *commit sequence* ([`SqlOutput::commit_seq`]): it grows by one
//! or more with every committed write and never goes back, across restarts too. The D1
//! core turns it into Sessions-API bookmarks. A caller that has seen sequence `n` passes
//! [`Consistency::min_commit_seq`] = `n`; a replica behind `n` must wait or forward the
//! query to the primary, and reports where it ran in [`SqlOutput::served_by_primary`].

use std::fmt;
use std::time::Duration;

/// A SQLite value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// SQL `NULL`.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<bool> for SqlValue {
    /// Booleans bind as `1` / `0`, as D1 does.
    fn from(b: bool) -> Self {
        Self::Integer(i64::from(b))
    }
}

impl From<i64> for SqlValue {
    fn from(i: i64) -> Self {
        Self::Integer(i)
    }
}

impl From<f64> for SqlValue {
    fn from(f: f64) -> Self {
        Self::Real(f)
    }
}

impl From<String> for SqlValue {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&str> for SqlValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<Vec<u8>> for SqlValue {
    fn from(b: Vec<u8>) -> Self {
        Self::Blob(b)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// One statement with its bound values (`?` / `?NNN` parameters, in index order).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlStatement {
    /// The SQL text: exactly one statement.
    pub sql: String,
    /// Values for parameters 1..=n.
    pub params: Vec<SqlValue>,
}

impl SqlStatement {
    /// A statement with bound values.
    pub fn new(sql: impl Into<String>, params: Vec<SqlValue>) -> Self {
        Self {
            sql: sql.into(),
            params,
        }
    }
}

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consistency {
    /// The query must observe a state at least this new.
    pub min_commit_seq: Option<u64>,
    /// The query must run on the primary.
    pub require_primary: bool,
}

/// What one statement produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlOutput {
    /// Result column names, in order (may repeat).
    pub columns: Vec<String>,
    /// Result rows; each has `columns.len()` values.
    pub rows: Vec<Vec<SqlValue>>,
    /// Rows changed by this statement (`sqlite3_changes` semantics, DDL → 0).
    pub changes: u64,
    /// Rowid of the most recent successful insert on the connection.
    pub last_row_id: i64,
    /// Rows read (an approximation for SQLite: result rows or scan steps, whichever is larger).
    pub rows_read: u64,
    /// Rows written.
    pub rows_written: u64,
    /// Whether the statement changed the database (rows or schema).
    pub changed_db: bool,
    /// Database size in bytes after the statement.
    pub size_after: u64,
    /// Time spent executing, in milliseconds.
    pub duration_ms: f64,
    /// The commit sequence of the state this output reflects (after its own commit).
    pub commit_seq: u64,
    /// Whether the primary executed it.
    pub served_by_primary: bool,
}

/// What [`SqlDatabase::execute_script`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScriptOutput {
    /// Time spent, in milliseconds.
    pub duration_ms: f64,
    /// The commit sequence after the script.
    pub commit_seq: u64,
}

/// A SQL failure as SQLite reports it: the message and the primary result code name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// SQLite's message, e.g. `no such table: x`.
    pub message: String,
    /// The primary result code name, e.g. `SQLITE_ERROR`, `SQLITE_CONSTRAINT`.
    pub code: String,
    /// In a batch, the index of the statement that failed.
    pub statement_index: Option<usize>,
}

impl SqlError {
    /// An error with a message and a result code name.
    pub fn new(message: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: code.into(),
            statement_index: None,
        }
    }

    /// The same error, tagged with the batch index of the failing statement.
    pub fn at_statement(mut self, index: usize) -> Self {
        self.statement_index = Some(index);
        self
    }
}

/// `<message>: <CODE>`, the shape D1 puts after `D1_ERROR: `.
impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.code)
    }
}

impl std::error::Error for SqlError {}

/// One D1 database.
///
/// Every method is synchronous; async callers run it on a blocking thread. All methods
/// take `&self`: implementations serialize internally and must be safe to share.
///
/// **The SQL is a worker's.** Implementations refuse what D1 refuses: other database files
/// (`ATTACH`, `VACUUM INTO`), transaction control (batches are the transaction API), their
/// own bookkeeping (`_cf_*` tables), and PRAGMAs and functions outside the allowed sets.
///
/// **Time.** A statement, batch or script still running after its `timeout` is stopped and
/// fails with code `SQLITE_INTERRUPT` (the D1 core turns that into D1's timeout error). While
/// one runs, other callers' reads should not wait behind it (writes may wait for a write):
/// the SQLite backend reads a file on read-only connections; an in-memory database has one
/// connection.
pub trait SqlDatabase: Send + Sync {
    /// Runs one statement in its own transaction (auto-commit), for at most `timeout`.
    fn execute(
        &self,
        statement: &SqlStatement,
        consistency: Consistency,
        timeout: Duration,
    ) -> Result<SqlOutput, SqlError>;

    /// Runs statements in order inside one transaction, all of them within `timeout`; any
    /// failure rolls back all of them and returns the error tagged with
    /// [`SqlError::statement_index`].
    fn batch(
        &self,
        statements: &[SqlStatement],
        consistency: Consistency,
        timeout: Duration,
    ) -> Result<Vec<SqlOutput>, SqlError>;

    /// Runs every statement of `sql` (no bindings; may hold several `;`-separated statements
    /// and span lines) within `timeout`. With `atomic`, all of them in one transaction;
    /// without, the implementation may commit them one by one (the SQLite one always uses one
    /// transaction; D1's non-atomic `exec` gets its semantics by calling this once per line).
    fn execute_script(
        &self,
        sql: &str,
        atomic: bool,
        timeout: Duration,
    ) -> Result<ScriptOutput, SqlError>;

    /// The current commit sequence (see the module docs).
    fn commit_seq(&self) -> Result<u64, SqlError>;

    /// A consistent snapshot of the database as a SQLite file.
    fn dump(&self) -> Result<Vec<u8>, SqlError>;

    /// The database size in bytes.
    fn size_bytes(&self) -> Result<u64, SqlError>;

    /// The name reported as `meta.served_by`.
    fn served_by(&self) -> &str;

    /// The region reported as `meta.served_by_region`, if the backend knows one.
    fn region(&self) -> Option<&str> {
        None
    }
}
