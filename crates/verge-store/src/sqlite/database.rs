//! [`SqlDatabase`] over one SQLite file per D1 database.
//!
//! **Commit sequence.** A one-row table `_cf_verge_meta` holds a counter that every
//! committed transaction which changed rows or schema increments *inside that same
//! transaction*, so the counter and the data can never disagree, even after a crash, and
//! it keeps growing across restarts. D1 reserves the `_cf_` prefix (users cannot create
//! such tables there), so the name cannot collide with a schema imported from D1; user
//! statements that mention it are refused, and [`SqlDatabase::dump`] leaves it out.
//!
//! **Transactions.** Read-only statements run in auto-commit mode. Every other statement,
//! batch and script runs inside `BEGIN IMMEDIATE … COMMIT`, so concurrent writers (threads
//! here or other processes on the same file) queue on SQLite's write lock instead of
//! failing halfway. User `BEGIN`/`COMMIT`/`SAVEPOINT`/… are refused: batches are the
//! transaction API, as on D1.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement, StatementStatus, ToSql};

use super::codes::to_sql_error;
use super::{open_connection, validate_database_id};
use crate::StoreError;
use crate::sql::{
    Consistency, ScriptOutput, SqlDatabase, SqlError, SqlOutput, SqlStatement, SqlValue,
};

/// The table holding the commit sequence.
pub const META_TABLE: &str = "_cf_verge_meta";

const META_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _cf_verge_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    commit_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO _cf_verge_meta (id, commit_seq) VALUES (1, 0);
";

/// The `meta.served_by` name of this backend.
pub const SERVED_BY: &str = "verge-sqlite";

/// Statements a user may not run: transaction control (batches are the transaction API)
/// and attaching other files.
const FORBIDDEN_LEADING_KEYWORDS: &[&str] = &[
    "BEGIN",
    "COMMIT",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "ATTACH",
    "DETACH",
];

/// SQLite run-time limits matching D1's documented limits (workers-api.md §6), so a query
/// that D1 refuses fails here too, with SQLite's own message: `string or blob too big`,
/// `too many columns in result set`, `too many arguments on function f`, `LIKE or GLOB
/// pattern too complex`. Statement length and bound-parameter count are checked by the D1
/// core (scripts such as migration files may be longer than one statement's limit).
pub const D1_SQLITE_LIMITS: &[(rusqlite::limits::Limit, i32)] = &[
    // Largest string, BLOB or row: 2,000,000 bytes.
    (rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, 2_000_000),
    // Columns in a table, index, view or result set.
    (rusqlite::limits::Limit::SQLITE_LIMIT_COLUMN, 100),
    // Arguments of an SQL function.
    (rusqlite::limits::Limit::SQLITE_LIMIT_FUNCTION_ARG, 32),
    // Length of a LIKE or GLOB pattern, in bytes.
    (
        rusqlite::limits::Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH,
        50,
    ),
];

/// One D1 database in one SQLite file.
#[derive(Debug)]
pub struct SqliteDatabase {
    path: Option<PathBuf>,
    conn: Mutex<Connection>,
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
        Self::init(conn, Some(path.to_owned()))
    }

    /// A private in-memory database (tests, scratch work).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(StoreError::sqlite("open"))?;
        conn.execute_batch("PRAGMA foreign_keys=ON;")
            .map_err(StoreError::sqlite("pragmas"))?;
        Self::init(conn, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        for &(limit, value) in D1_SQLITE_LIMITS {
            conn.set_limit(limit, value)
                .map_err(StoreError::sqlite("set limit"))?;
        }
        conn.execute_batch(META_SCHEMA)
            .map_err(StoreError::sqlite("create meta table"))?;
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The file, unless in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, SqlError> {
        self.conn
            .lock()
            .map_err(|_| SqlError::new("database lock poisoned", "SQLITE_INTERNAL"))
    }
}

/// The first keyword of `sql`, skipping whitespace and comments.
fn leading_keyword(sql: &str) -> String {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn check_allowed(sql: &str) -> Result<(), SqlError> {
    let keyword = leading_keyword(sql);
    if FORBIDDEN_LEADING_KEYWORDS.contains(&keyword.as_str()) {
        return Err(SqlError::new(
            format!(
                "{keyword} statements are not supported: use batch() to run statements in one transaction"
            ),
            "SQLITE_AUTH",
        ));
    }
    if sql.to_ascii_lowercase().contains(META_TABLE) {
        return Err(SqlError::new(
            format!("access to {META_TABLE} is prohibited"),
            "SQLITE_AUTH",
        ));
    }
    Ok(())
}

fn prepare<'c>(conn: &'c Connection, statement: &SqlStatement) -> Result<Statement<'c>, SqlError> {
    check_allowed(&statement.sql)?;
    let mut stmt = conn.prepare(&statement.sql).map_err(to_sql_error)?;
    if stmt.parameter_count() != statement.params.len() {
        return Err(SqlError::new(
            "Wrong number of parameter bindings for SQL query.",
            "SQLITE_RANGE",
        ));
    }
    for (i, value) in statement.params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, value)
            .map_err(to_sql_error)?;
    }
    Ok(stmt)
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

fn step(conn: &Connection, mut stmt: Statement<'_>, started: Instant) -> Result<Step, SqlError> {
    let before = Marks::read(conn)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let n = columns.len();
    let mut rows = Vec::new();
    {
        let mut cursor = stmt.raw_query();
        while let Some(row) = cursor.next().map_err(to_sql_error)? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(from_value_ref(row.get_ref(i).map_err(to_sql_error)?));
            }
            rows.push(values);
        }
    }
    let scanned = u64::try_from(stmt.get_status(StatementStatus::FullscanStep)).unwrap_or(0);
    drop(stmt);
    let after = Marks::read(conn)?;
    let changed_rows = after.total_changes > before.total_changes;
    let changes = if changed_rows { conn.changes() } else { 0 };
    let rows_read = scanned.max(u64::try_from(rows.len()).unwrap_or(u64::MAX));
    Ok(Step {
        columns,
        rows,
        changes,
        changed_db: changed_rows || after.schema_version != before.schema_version,
        rows_read,
        last_row_id: conn.last_insert_rowid(),
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

/// Runs `body` inside `BEGIN IMMEDIATE`; commits (bumping the sequence if anything changed)
/// on success, rolls back on failure. Returns the body's value and the sequence after.
fn write_transaction<T>(
    conn: &Connection,
    body: impl FnOnce(&Connection) -> Result<T, SqlError>,
) -> Result<(T, u64), SqlError> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(to_sql_error)?;
    let result = Marks::read(conn).and_then(|before| {
        let value = body(conn)?;
        if conn.is_autocommit() {
            return Err(SqlError::new(
                "the statement ended the transaction it ran in",
                "SQLITE_ERROR",
            ));
        }
        let after = Marks::read(conn)?;
        let seq = if after != before {
            bump_seq(conn)?
        } else {
            read_seq(conn)?
        };
        Ok((value, seq))
    });
    match result {
        Ok(done) => match conn.execute_batch("COMMIT") {
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

fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        // A failed ROLLBACK leaves nothing better to do; SQLite rolls back on close anyway.
        let _ = conn.execute_batch("ROLLBACK");
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
    ) -> Result<SqlOutput, SqlError> {
        // A single node is its own primary: every consistency requirement already holds.
        let started = Instant::now();
        let conn = self.lock()?;
        let stmt = prepare(&conn, statement)?;
        if stmt.readonly() {
            let seq = read_seq(&conn)?;
            let result = step(&conn, stmt, started);
            if !conn.is_autocommit() {
                rollback(&conn);
                return Err(SqlError::new(
                    "the statement left a transaction open",
                    "SQLITE_ERROR",
                ));
            }
            let step = result?;
            let size = size_bytes(&conn)?;
            Ok(output(step, seq, size))
        } else {
            let (step, seq) = write_transaction(&conn, |c| step(c, stmt, started))?;
            let size = size_bytes(&conn)?;
            Ok(output(step, seq, size))
        }
    }

    fn batch(
        &self,
        statements: &[SqlStatement],
        _consistency: Consistency,
    ) -> Result<Vec<SqlOutput>, SqlError> {
        let conn = self.lock()?;
        let (steps, seq) = write_transaction(&conn, |c| {
            statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let started = Instant::now();
                    prepare(c, s)
                        .and_then(|stmt| step(c, stmt, started))
                        .map_err(|e| e.at_statement(i))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let size = size_bytes(&conn)?;
        Ok(steps.into_iter().map(|s| output(s, seq, size)).collect())
    }

    fn execute_script(&self, sql: &str, atomic: bool) -> Result<ScriptOutput, SqlError> {
        let started = Instant::now();
        check_allowed(sql)?;
        let conn = self.lock()?;
        // Scripts run as one transaction; `atomic == false` only promises less, so the
        // stronger behaviour is allowed (callers wanting per-line commits split first).
        let _ = atomic;
        let ((), seq) = write_transaction(&conn, |c| c.execute_batch(sql).map_err(to_sql_error))?;
        Ok(ScriptOutput {
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            commit_seq: seq,
        })
    }

    fn commit_seq(&self) -> Result<u64, SqlError> {
        read_seq(&*self.lock()?)
    }

    fn dump(&self) -> Result<Vec<u8>, SqlError> {
        let io = |e: std::io::Error| SqlError::new(format!("dump failed: {e}"), "SQLITE_IOERR");
        let dir = tempfile::tempdir().map_err(io)?;
        let file = dir.path().join("dump.sqlite");
        let file_str = file
            .to_str()
            .ok_or_else(|| SqlError::new("temporary path is not UTF-8", "SQLITE_CANTOPEN"))?;
        {
            let conn = self.lock()?;
            conn.execute("VACUUM INTO ?1", [file_str])
                .map_err(to_sql_error)?;
        }
        {
            let copy = Connection::open(&file).map_err(to_sql_error)?;
            copy.execute_batch("DROP TABLE IF EXISTS _cf_verge_meta; VACUUM;")
                .map_err(to_sql_error)?;
        }
        std::fs::read(&file).map_err(io)
    }

    fn size_bytes(&self) -> Result<u64, SqlError> {
        size_bytes(&*self.lock()?)
    }

    fn served_by(&self) -> &str {
        SERVED_BY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            db.execute(&SqlStatement::new(sql, params), Consistency::default())
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

    #[test]
    fn leading_keyword_skips_comments() {
        assert_eq!(leading_keyword("  -- hi\n /* x */ begin;"), "BEGIN");
        assert_eq!(leading_keyword("select 1"), "SELECT");
    }

    #[test]
    fn commit_sequence_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let seq = {
            let db = SqliteDatabase::open_in(dir.path(), "x").expect("open");
            db.execute_script("CREATE TABLE t (n); INSERT INTO t VALUES (1);", true)
                .expect("script");
            db.execute(
                &SqlStatement::new("INSERT INTO t VALUES (2)", vec![]),
                Consistency::default(),
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
            )
            .expect("insert");
        assert_eq!(out.commit_seq, 3);
        assert!(dir.path().join("d1").join("x.sqlite").exists());
    }

    #[test]
    fn dump_is_a_readable_sqlite_file_without_the_meta_table() {
        let (_dir, db) = db();
        db.execute_script("CREATE TABLE t (n); INSERT INTO t VALUES (41), (1);", true)
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
            )
            .expect("select");
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(200)]]);
        assert_eq!(a.commit_seq().expect("seq"), b.commit_seq().expect("seq"));
    }
}
