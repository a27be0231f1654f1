//! [`SqlDatabase`] over one SQLite file per D1 database.
//!
//! **Commit sequence.** A one-row table `_cf_verge_meta` holds a counter that every
//! committed transaction which changed rows or schema increments *inside that same
//! transaction*, so the counter and the data can never disagree, even after a crash, and
//! it keeps growing across restarts. D1 reserves the `_cf_` prefix (users cannot create
//! such tables there), so the name cannot collide with a schema imported from D1; the
//! sandbox refuses user statements that touch it, and [`SqlDatabase::dump`] leaves it out.
//!
//! **Sandbox.** Every connection is a [`SandboxedConnection`] with the D1 profile: SQLite's
//! authorizer refuses other database files, transaction control, `_cf_*` tables and
//! PRAGMAs and functions outside D1's sets, whatever the statement looks like (see
//! `sandbox.rs`). verge's own statements (the transaction around a write, the commit
//! sequence, sizes) run trusted.
//!
//! **Connections.** One writer connection runs every write, batch, script and PRAGMA; up to
//! [`MAX_READERS`] read-only connections run reads. In WAL mode readers and the writer work
//! at once, so a long read holds up neither writes nor other reads, and a long write holds up
//! no read. A statement is compiled on a reader first; if SQLite says it writes, or it runs a
//! PRAGMA (whose per-connection settings live on the writer), it moves to the writer. An
//! in-memory database has the writer only.
//!
//! **Transactions.** Reads on a reader run in one read transaction with the commit sequence
//! they report. On the writer, read-only statements (PRAGMAs) run in auto-commit mode (a
//! PRAGMA such as `foreign_keys` does nothing inside a transaction), and every other
//! statement, batch and script runs inside `BEGIN IMMEDIATE … COMMIT`, so concurrent writers
//! (threads here or other processes on the same file) queue on SQLite's write lock instead
//! of failing halfway.
//!
//! **Time limit.** Each call gets a timeout (D1's query limit, from the D1 core); a progress
//! handler ends statements still running at the deadline with `SQLITE_INTERRUPT`, and the
//! connection is free for the next caller.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, InterruptHandle, OpenFlags, Statement, StatementStatus, ToSql};

use super::codes::to_sql_error;
use super::limit::Rewrite;
use super::sandbox::{Profile, SandboxedConnection};
use super::{BUSY_TIMEOUT, open_connection, validate_database_id};
use crate::StoreError;
use crate::sql::{
    Consistency, ScriptOutput, SqlDatabase, SqlError, SqlOutput, SqlStatement, SqlValue,
};

const META_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _cf_verge_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    commit_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO _cf_verge_meta (id, commit_seq) VALUES (1, 0);
";

/// The `meta.served_by` name of this backend.
pub const SERVED_BY: &str = "verge-sqlite";

/// Most read-only connections a database keeps open; more concurrent reads wait for one.
pub const MAX_READERS: usize = 4;

/// workerd's message when the number of bindings differs from the statement's parameters.
const WRONG_BINDINGS: &str = "Wrong number of parameter bindings for SQL query.";

/// One D1 database in one SQLite file.
pub struct SqliteDatabase {
    path: Option<PathBuf>,
    writer: Mutex<SandboxedConnection>,
    readers: Option<Readers>,
    /// Interrupt handles of every connection opened, for [`SqliteDatabase::interrupt`].
    interrupts: Mutex<Vec<InterruptHandle>>,
}

impl std::fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDatabase")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The read-only connections of a database file, opened on demand.
struct Readers {
    path: PathBuf,
    state: Mutex<ReaderState>,
    freed: Condvar,
}

struct ReaderState {
    idle: Vec<SandboxedConnection>,
    open: usize,
}

/// A reader taken from the pool; goes back when dropped.
struct Lease<'a> {
    readers: &'a Readers,
    conn: Option<SandboxedConnection>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = SandboxedConnection;
    fn deref(&self) -> &SandboxedConnection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self
                .readers
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state.idle.push(conn);
            self.readers.freed.notify_one();
        }
    }
}

impl Readers {
    fn lease(&self, interrupts: &Mutex<Vec<InterruptHandle>>) -> Result<Lease<'_>, SqlError> {
        fn poisoned<E>(_: E) -> SqlError {
            SqlError::new("database lock poisoned", "SQLITE_INTERNAL")
        }
        let mut state = self.state.lock().map_err(poisoned)?;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Lease {
                    readers: self,
                    conn: Some(conn),
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                return match open_reader(&self.path) {
                    Ok(conn) => {
                        interrupts
                            .lock()
                            .map_err(poisoned)?
                            .push(conn.interrupt_handle());
                        Ok(Lease {
                            readers: self,
                            conn: Some(conn),
                        })
                    }
                    Err(e) => {
                        self.state.lock().map_err(poisoned)?.open -= 1;
                        Err(SqlError::new(e.to_string(), "SQLITE_CANTOPEN"))
                    }
                };
            }
            state = self.freed.wait(state).map_err(poisoned)?;
        }
    }
}

fn open_reader(path: &Path) -> Result<SandboxedConnection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(StoreError::sqlite("open reader"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(StoreError::sqlite("busy_timeout"))?;
    SandboxedConnection::new(conn, Profile::D1)
}

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Integer(i) => ValueRef::Integer(*i),
            SqlValue::Real(f) => ValueRef::Real(*f),
            SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
            SqlValue::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn from_value_ref(value: ValueRef<'_>) -> SqlValue {
    match value {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

impl SqliteDatabase {
    /// Opens (creating) `<state_dir>/d1/<database_id>.sqlite`.
    pub fn open_in(state_dir: &Path, database_id: &str) -> Result<Self, StoreError> {
        validate_database_id(database_id)?;
        Self::open(&state_dir.join("d1").join(format!("{database_id}.sqlite")))
    }

    /// Opens (creating) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, META_SCHEMA)?;
        let readers = Readers {
            path: path.to_owned(),
            state: Mutex::new(ReaderState {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        };
        Self::init(conn, Some(path.to_owned()), Some(readers))
    }

    /// A private in-memory database (tests, scratch work).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(StoreError::sqlite("open"))?;
        conn.execute_batch("PRAGMA foreign_keys=ON;")
            .map_err(StoreError::sqlite("pragmas"))?;
        Self::init(conn, None, None)
    }

    fn init(
        conn: Connection,
        path: Option<PathBuf>,
        readers: Option<Readers>,
    ) -> Result<Self, StoreError> {
        let conn = SandboxedConnection::new(conn, Profile::D1)?;
        conn.trusted(|c| c.execute_batch(META_SCHEMA))
            .map_err(StoreError::sqlite("create meta table"))?;
        let interrupts = Mutex::new(vec![conn.interrupt_handle()]);
        Ok(Self {
            path,
            writer: Mutex::new(conn),
            readers,
            interrupts,
        })
    }

    /// The file, unless in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Stops every statement running on this database now: each fails with
    /// `SQLITE_INTERRUPT`, as if its timeout had passed (for shutdown and tests).
    pub fn interrupt(&self) {
        let handles = self
            .interrupts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for handle in handles.iter() {
            handle.interrupt();
        }
    }

    /// Runs verge's own `f` on the writer connection (tests look at its settings).
    #[cfg(test)]
    pub(crate) fn on_writer<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        self.writer().expect("writer").trusted(f)
    }

    fn writer(&self) -> Result<MutexGuard<'_, SandboxedConnection>, SqlError> {
        self.writer
            .lock()
            .map_err(|_| SqlError::new("database lock poisoned", "SQLITE_INTERNAL"))
    }

    /// Runs verge's own read `f` on a reader (on the writer without readers).
    fn read_trusted<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        match &self.readers {
            Some(readers) => readers.lease(&self.interrupts)?.trusted(f),
            None => self.writer()?.trusted(f),
        }
    }

    /// Runs `statement` on the writer.
    fn execute_on_writer(
        &self,
        statement: &SqlStatement,
        timeout: Duration,
    ) -> Result<SqlOutput, SqlError> {
        let conn = self.writer()?;
        let started = Instant::now();
        let deadline = started + timeout;
        let stmt = prepare(&conn, statement)?;
        if stmt.readonly() {
            let seq = conn.trusted(read_seq)?;
            let result = step(&conn, stmt, started, deadline);
            if !conn.user().is_autocommit() {
                rollback(&conn);
                return Err(SqlError::new(
                    "the statement left a transaction open",
                    "SQLITE_ERROR",
                ));
            }
            let step = result?;
            let size = conn.trusted(size_bytes)?;
            Ok(output(step, seq, size))
        } else {
            let (step, seq) = write_transaction(&conn, |c| step(c, stmt, started, deadline))?;
            let size = conn.trusted(size_bytes)?;
            Ok(output(step, seq, size))
        }
    }
}

/// Compiles a worker's statement and binds its values.
fn prepare<'c>(
    conn: &'c SandboxedConnection,
    statement: &SqlStatement,
) -> Result<Statement<'c>, SqlError> {
    conn.begin_user();
    let mut stmt = match conn.user().prepare(&statement.sql) {
        Ok(stmt) => stmt,
        // `DELETE`/`UPDATE … LIMIT`, which this SQLite's parser lacks: compiled as the
        // rowid subquery SQLite itself would run (see `limit.rs`).
        Err(e) => match super::limit::rewrite(&statement.sql) {
            Some(Rewrite::Sql(sql)) => conn.user().prepare(&sql).map_err(|e| conn.user_error(e))?,
            Some(Rewrite::Error(message)) => return Err(SqlError::new(message, "SQLITE_ERROR")),
            None => return Err(conn.user_error(e)),
        },
    };
    if stmt.parameter_count() != statement.params.len() {
        return Err(SqlError::new(WRONG_BINDINGS, "SQLITE_RANGE"));
    }
    for (i, value) in statement.params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, value)
            .map_err(|e| conn.user_error(e))?;
    }
    Ok(stmt)
}

/// Runs a read on a reader, in one read transaction with the commit sequence it reports.
/// `None` when the statement belongs on the writer: it writes, runs a PRAGMA, or SQLite
/// found it needs to write after all.
fn read(
    conn: &SandboxedConnection,
    statement: &SqlStatement,
    timeout: Duration,
) -> Option<Result<SqlOutput, SqlError>> {
    let started = Instant::now();
    let stmt = match prepare(conn, statement) {
        Ok(stmt) => stmt,
        Err(e) => return Some(Err(e)),
    };
    if !stmt.readonly() || conn.pragma_seen() {
        return None;
    }
    if let Err(e) = conn.trusted(|c| c.execute_batch("BEGIN")) {
        return Some(Err(to_sql_error(e)));
    }
    let result = conn
        .trusted(read_seq)
        .and_then(|seq| Ok((seq, step(conn, stmt, started, started + timeout)?)));
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.trusted(|c| c.execute_batch(end)).map_err(to_sql_error);
    match result {
        Err(e) if e.code == "SQLITE_READONLY" => None,
        Err(e) => Some(Err(e)),
        Ok((seq, step)) => Some(
            ended
                .and_then(|()| conn.trusted(size_bytes))
                .map(|size| output(step, seq, size)),
        ),
    }
}

/// Change counters read around a statement to tell what it did.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Marks {
    total_changes: u64,
    schema_version: i64,
}

impl Marks {
    fn read(conn: &Connection) -> Result<Self, SqlError> {
        Ok(Self {
            total_changes: conn.total_changes(),
            schema_version: conn
                .query_row("PRAGMA schema_version", [], |r| r.get(0))
                .map_err(to_sql_error)?,
        })
    }
}

/// What stepping one statement produced, before the transaction outcome is known.
struct Step {
    columns: Vec<String>,
    rows: Vec<Vec<SqlValue>>,
    changes: u64,
    changed_db: bool,
    rows_read: u64,
    last_row_id: i64,
    duration_ms: f64,
}

/// Steps a worker's statement to the end, stopping it at `deadline`.
fn step(
    conn: &SandboxedConnection,
    mut stmt: Statement<'_>,
    started: Instant,
    deadline: Instant,
) -> Result<Step, SqlError> {
    let before = conn.trusted(Marks::read)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let n = columns.len();
    let mut rows = Vec::new();
    {
        let _watch = conn.watch(move || Instant::now() >= deadline);
        let mut cursor = stmt.raw_query();
        while let Some(row) = cursor.next().map_err(|e| conn.user_error(e))? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(from_value_ref(row.get_ref(i).map_err(to_sql_error)?));
            }
            rows.push(values);
        }
    }
    let scanned = u64::try_from(stmt.get_status(StatementStatus::FullscanStep)).unwrap_or(0);
    drop(stmt);
    let after = conn.trusted(Marks::read)?;
    let changed_rows = after.total_changes > before.total_changes;
    let changes = if changed_rows {
        conn.user().changes()
    } else {
        0
    };
    let rows_read = scanned.max(u64::try_from(rows.len()).unwrap_or(u64::MAX));
    Ok(Step {
        columns,
        rows,
        changes,
        changed_db: changed_rows || after.schema_version != before.schema_version,
        rows_read,
        last_row_id: conn.user().last_insert_rowid(),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

fn read_seq(conn: &Connection) -> Result<u64, SqlError> {
    let seq: i64 = conn
        .query_row(
            "SELECT commit_seq FROM _cf_verge_meta WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .map_err(to_sql_error)?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

fn bump_seq(conn: &Connection) -> Result<u64, SqlError> {
    let seq: i64 = conn
        .query_row(
            "UPDATE _cf_verge_meta SET commit_seq = commit_seq + 1 WHERE id = 1 RETURNING commit_seq",
            [],
            |r| r.get(0),
        )
        .map_err(to_sql_error)?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

fn size_bytes(conn: &Connection) -> Result<u64, SqlError> {
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(to_sql_error)?;
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(to_sql_error)?;
    Ok(u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0))
}

/// Runs `body` (a worker's statements) inside `BEGIN IMMEDIATE`; commits (bumping the
/// sequence if anything changed) on success, rolls back on failure. Returns the body's
/// value and the sequence after.
fn write_transaction<T>(
    conn: &SandboxedConnection,
    body: impl FnOnce(&SandboxedConnection) -> Result<T, SqlError>,
) -> Result<(T, u64), SqlError> {
    conn.trusted(|c| c.execute_batch("BEGIN IMMEDIATE"))
        .map_err(to_sql_error)?;
    let result = conn.trusted(Marks::read).and_then(|before| {
        let value = body(conn)?;
        if conn.user().is_autocommit() {
            return Err(SqlError::new(
                "the statement ended the transaction it ran in",
                "SQLITE_ERROR",
            ));
        }
        conn.trusted(|c| {
            let after = Marks::read(c)?;
            let seq = if after != before {
                bump_seq(c)?
            } else {
                read_seq(c)?
            };
            Ok((value, seq))
        })
    });
    match result {
        Ok(done) => match conn.trusted(|c| c.execute_batch("COMMIT")) {
            Ok(()) => Ok(done),
            Err(e) => {
                rollback(conn);
                Err(to_sql_error(e))
            }
        },
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

fn rollback(conn: &SandboxedConnection) {
    if !conn.user().is_autocommit() {
        // A failed ROLLBACK leaves nothing better to do; SQLite rolls back on close anyway.
        let _ = conn.trusted(|c| c.execute_batch("ROLLBACK"));
    }
}

fn output(step: Step, commit_seq: u64, size_after: u64) -> SqlOutput {
    SqlOutput {
        columns: step.columns,
        rows: step.rows,
        changes: step.changes,
        last_row_id: step.last_row_id,
        rows_read: step.rows_read,
        rows_written: step.changes,
        changed_db: step.changed_db,
        size_after,
        duration_ms: step.duration_ms,
        commit_seq,
        served_by_primary: true,
    }
}

impl SqlDatabase for SqliteDatabase {
    fn execute(
        &self,
        statement: &SqlStatement,
        _consistency: Consistency,
        timeout: Duration,
    ) -> Result<SqlOutput, SqlError> {
        // A single node is its own primary: every consistency requirement already holds.
        if let Some(readers) = &self.readers {
            let reader = readers.lease(&self.interrupts)?;
            if let Some(result) = read(&reader, statement, timeout) {
                return result;
            }
        }
        self.execute_on_writer(statement, timeout)
    }

    fn batch(
        &self,
        statements: &[SqlStatement],
        _consistency: Consistency,
        timeout: Duration,
    ) -> Result<Vec<SqlOutput>, SqlError> {
        let conn = self.writer()?;
        let deadline = Instant::now() + timeout;
        let (steps, seq) = write_transaction(&conn, |c| {
            statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let started = Instant::now();
                    prepare(c, s)
                        .and_then(|stmt| step(c, stmt, started, deadline))
                        .map_err(|e| e.at_statement(i))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let size = conn.trusted(size_bytes)?;
        Ok(steps.into_iter().map(|s| output(s, seq, size)).collect())
    }

    fn execute_script(
        &self,
        sql: &str,
        atomic: bool,
        timeout: Duration,
    ) -> Result<ScriptOutput, SqlError> {
        let started = Instant::now();
        let conn = self.writer()?;
        let deadline = Instant::now() + timeout;
        // Scripts run as one transaction; `atomic == false` only promises less, so the
        // stronger behaviour is allowed (callers wanting per-line commits split first).
        let _ = atomic;
        let ((), seq) = write_transaction(&conn, |c| {
            c.begin_user();
            let _watch = c.watch(move || Instant::now() >= deadline);
            c.user().execute_batch(sql).map_err(|e| c.user_error(e))
        })?;
        Ok(ScriptOutput {
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            commit_seq: seq,
        })
    }

    fn commit_seq(&self) -> Result<u64, SqlError> {
        self.read_trusted(read_seq)
    }

    fn dump(&self) -> Result<Vec<u8>, SqlError> {
        let io = |e: std::io::Error| SqlError::new(format!("dump failed: {e}"), "SQLITE_IOERR");
        let dir = tempfile::tempdir().map_err(io)?;
        let file = dir.path().join("dump.sqlite");
        // The online-backup API copies pages: nothing is compiled on the sandboxed
        // connection, so no ATTACH (VACUUM INTO) is needed there.
        self.read_trusted(|c| {
            c.backup(rusqlite::MAIN_DB, &file, None)
                .map_err(to_sql_error)
        })?;
        {
            // verge's own copy, but of a schema the worker wrote: no untrusted functions.
            let copy = Connection::open(&file).map_err(to_sql_error)?;
            copy.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
                .map_err(to_sql_error)?;
            let _mode: String = copy
                .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
                .map_err(to_sql_error)?;
            copy.execute_batch("DROP TABLE IF EXISTS _cf_verge_meta; VACUUM;")
                .map_err(to_sql_error)?;
        }
        std::fs::read(&file).map_err(io)
    }

    fn size_bytes(&self) -> Result<u64, SqlError> {
        self.read_trusted(size_bytes)
    }

    fn served_by(&self) -> &str {
        SERVED_BY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(30);

    fn db() -> (tempfile::TempDir, SqliteDatabase) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = SqliteDatabase::open_in(dir.path(), "db-1").expect("open");
        (dir, db)
    }

    crate::sql_database_tests!(db);

    #[test]
    fn d1_size_and_shape_limits_are_enforced_by_sqlite() {
        let (_dir, db) = db();
        let run = |sql: &str, params: Vec<SqlValue>| {
            db.execute(&SqlStatement::new(sql, params), Consistency::default(), T)
        };
        run("CREATE TABLE t (v)", vec![]).expect("create");
        let near_limit = SqlValue::Text("x".repeat(1_999_900));
        run("INSERT INTO t VALUES (?1)", vec![near_limit])
            .expect("a row under 2,000,000 bytes fits");
        let err = run(
            "INSERT INTO t VALUES (?1)",
            vec![SqlValue::Blob(vec![0; 2_000_001])],
        )
        .expect_err("too big");
        assert!(err.to_string().contains("too big"), "{err}");
        let err = run("SELECT length(zeroblob(2000001))", vec![]).expect_err("too big");
        assert!(err.to_string().contains("too big"), "{err}");
        let args = |n: usize| vec!["1"; n].join(",");
        run(&format!("SELECT max({})", args(32)), vec![]).expect("32 arguments");
        let err = run(&format!("SELECT max({})", args(33)), vec![]).expect_err("33 arguments");
        assert!(err.to_string().contains("too many arguments"), "{err}");
        run(&format!("SELECT {}", args(100)), vec![]).expect("100 columns");
        let err = run(&format!("SELECT {}", args(101)), vec![]).expect_err("101 columns");
        assert!(err.to_string().contains("too many columns"), "{err}");
        let pattern = |n: usize| format!("SELECT 'a' LIKE '{}'", "%".repeat(n));
        run(&pattern(50), vec![]).expect("50-byte pattern");
        let err = run(&pattern(51), vec![]).expect_err("51-byte pattern");
        assert!(err.to_string().contains("pattern too complex"), "{err}");
    }

    const FOREVER: &str =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";

    fn run(db: &SqliteDatabase, sql: &str, timeout: Duration) -> Result<SqlOutput, SqlError> {
        db.execute(
            &SqlStatement::new(sql, vec![]),
            Consistency::default(),
            timeout,
        )
    }

    /// Interrupts the database until `long` has ended (an interrupt that lands before its
    /// statement starts stepping is a no-op in SQLite, so one call could miss it).
    fn interrupt_until_done<T>(db: &SqliteDatabase, long: &std::thread::JoinHandle<T>) {
        wait_until("the long statement was interrupted", || {
            db.interrupt();
            long.is_finished()
        });
    }

    /// A database with table `t` holding one row.
    fn db_with_t() -> (tempfile::TempDir, SqliteDatabase) {
        let (dir, db) = db();
        db.execute_script(
            "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);",
            true,
            T,
        )
        .expect("setup");
        (dir, db)
    }

    /// Runs `sql` on another thread with no practical time limit.
    fn spawn_unbounded(
        db: &std::sync::Arc<SqliteDatabase>,
        sql: String,
    ) -> std::thread::JoinHandle<Result<SqlOutput, SqlError>> {
        let db = db.clone();
        std::thread::spawn(move || run(&db, &sql, Duration::from_secs(3600)))
    }

    /// Waits (bounded) until `cond` holds.
    fn wait_until(what: &str, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while !cond() {
            assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
            std::thread::park_timeout(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_statement_past_its_timeout_is_stopped_and_the_connection_reused() {
        let (_dir, db) = db_with_t();
        let short = Duration::from_millis(20);
        let count = format!("SELECT count(*) FROM ({FOREVER})");
        let insert = format!("INSERT INTO t {FOREVER}");
        for err in [
            run(&db, &count, short).expect_err("read"),
            run(&db, &insert, short).expect_err("write"),
            db.execute_script(&insert, true, short).expect_err("script"),
            db.batch(
                &[SqlStatement::new(insert.as_str(), vec![])],
                Consistency::default(),
                short,
            )
            .expect_err("batch"),
        ] {
            assert_eq!(
                (err.message.as_str(), err.code.as_str()),
                ("interrupted", "SQLITE_INTERRUPT")
            );
        }
        let out = run(&db, "SELECT count(*) FROM t", short).expect("usable");
        assert_eq!(
            out.rows,
            vec![vec![SqlValue::Integer(1)]],
            "stopped writes left nothing"
        );
        run(&db, "INSERT INTO t VALUES (2)", short).expect("writes too");
    }

    /// A reader is checked out of the pool (its statement is running).
    fn readers_busy(db: &SqliteDatabase) -> usize {
        let readers = db.readers.as_ref().expect("a file has readers");
        let state = readers.state.lock().expect("pool");
        state.open - state.idle.len()
    }

    /// Runs reads and writes on another thread; true when all finished (bounded).
    fn others_get_through(db: &std::sync::Arc<SqliteDatabase>) -> bool {
        let db2 = db.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let r = (|| -> Result<(), SqlError> {
                run(&db2, "SELECT count(*) FROM t", T)?;
                run(&db2, "SELECT * FROM t WHERE n = 1", T)?;
                Ok(())
            })();
            let _ = tx.send(r);
        });
        matches!(rx.recv_timeout(Duration::from_secs(60)), Ok(Ok(())))
    }

    #[test]
    fn a_long_read_holds_up_neither_reads_nor_writes() {
        let (_dir, db) = db_with_t();
        let db = std::sync::Arc::new(db);
        let long = spawn_unbounded(&db, format!("SELECT count(*) FROM ({FOREVER})"));
        wait_until("the long read holds a reader", || readers_busy(&db) == 1);
        assert!(others_get_through(&db), "reads waited behind the long read");
        run(&db, "INSERT INTO t VALUES (2)", T).expect("a write meanwhile");
        let seen = run(&db, "SELECT count(*) FROM t", T).expect("read");
        assert_eq!(
            seen.rows,
            vec![vec![SqlValue::Integer(2)]],
            "reads see the write"
        );
        assert!(!long.is_finished(), "the long read was still running");
        interrupt_until_done(&db, &long);
        let err = long.join().expect("thread").expect_err("interrupted");
        assert_eq!(err.code, "SQLITE_INTERRUPT");
    }

    #[test]
    fn a_long_write_holds_up_no_read() {
        let (_dir, db) = db_with_t();
        let db = std::sync::Arc::new(db);
        let long = spawn_unbounded(&db, format!("INSERT INTO t {FOREVER}"));
        wait_until("the long write holds the writer", || {
            db.writer.try_lock().is_err()
        });
        assert!(
            others_get_through(&db),
            "reads waited behind the long write"
        );
        assert!(!long.is_finished(), "the long write was still running");
        interrupt_until_done(&db, &long);
        let err = long.join().expect("thread").expect_err("interrupted");
        assert_eq!(err.code, "SQLITE_INTERRUPT");
        let out = run(&db, "SELECT count(*) FROM t", T).expect("read");
        assert_eq!(
            out.rows,
            vec![vec![SqlValue::Integer(1)]],
            "the write was rolled back"
        );
    }

    #[test]
    fn pragmas_run_on_the_writer_where_their_settings_stay() {
        let (_dir, db) = db();
        run(&db, "PRAGMA foreign_keys = OFF", T).expect("allowed");
        let fk = db.on_writer(|c| c.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0)));
        assert_eq!(
            fk.expect("read"),
            0,
            "set on the writer, outside a transaction"
        );
        let out = run(&db, "PRAGMA foreign_keys", T).expect("read back");
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(0)]]);
        assert_eq!(readers_busy(&db), 0);
    }

    #[test]
    fn commit_sequence_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let seq = {
            let db = SqliteDatabase::open_in(dir.path(), "x").expect("open");
            db.execute_script("CREATE TABLE t (n); INSERT INTO t VALUES (1);", true, T)
                .expect("script");
            db.execute(
                &SqlStatement::new("INSERT INTO t VALUES (2)", vec![]),
                Consistency::default(),
                T,
            )
            .expect("insert");
            db.commit_seq().expect("seq")
        };
        assert_eq!(seq, 2);
        let db = SqliteDatabase::open_in(dir.path(), "x").expect("reopen");
        assert_eq!(db.commit_seq().expect("seq"), 2);
        let out = db
            .execute(
                &SqlStatement::new("INSERT INTO t VALUES (3)", vec![]),
                Consistency::default(),
                T,
            )
            .expect("insert");
        assert_eq!(out.commit_seq, 3);
        assert!(dir.path().join("d1").join("x.sqlite").exists());
    }

    #[test]
    fn dump_is_a_readable_sqlite_file_without_the_meta_table() {
        let (_dir, db) = db();
        db.execute_script(
            "CREATE TABLE t (n); INSERT INTO t VALUES (41), (1);",
            true,
            T,
        )
        .expect("script");
        let bytes = db.dump().expect("dump");
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        let out = tempfile::tempdir().expect("tempdir");
        let path = out.path().join("copy.sqlite");
        std::fs::write(&path, &bytes).expect("write");
        let copy = Connection::open(&path).expect("open copy");
        let sum: i64 = copy
            .query_row("SELECT sum(n) FROM t", [], |r| r.get(0))
            .expect("sum");
        assert_eq!(sum, 42);
        let meta: i64 = copy
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = '_cf_verge_meta'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(meta, 0);
    }

    #[test]
    fn eight_threads_incrementing_lose_no_update() {
        let (_dir, db) = db();
        db.execute_script(
            "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (0);",
            true,
            T,
        )
        .expect("setup");
        let db = std::sync::Arc::new(db);
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        db.execute(
                            &SqlStatement::new("UPDATE t SET n = n + 1", vec![]),
                            Consistency::default(),
                            T,
                        )
                        .expect("update");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        let out = db
            .execute(
                &SqlStatement::new("SELECT n FROM t", vec![]),
                Consistency::default(),
                T,
            )
            .expect("select");
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(1600)]]);
    }

    #[test]
    fn two_handles_on_one_file_serialize_their_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = std::sync::Arc::new(SqliteDatabase::open_in(dir.path(), "shared").expect("a"));
        let b = std::sync::Arc::new(SqliteDatabase::open_in(dir.path(), "shared").expect("b"));
        a.execute_script(
            "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (0);",
            true,
            T,
        )
        .expect("setup");
        let handles: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
            .into_iter()
            .map(|db| {
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        db.execute(
                            &SqlStatement::new("UPDATE t SET n = n + 1", vec![]),
                            Consistency::default(),
                            T,
                        )
                        .expect("update");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        let out = b
            .execute(
                &SqlStatement::new("SELECT n FROM t", vec![]),
                Consistency::default(),
                T,
            )
            .expect("select");
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(200)]]);
        assert_eq!(a.commit_seq().expect("seq"), b.commit_seq().expect("seq"));
    }
}
