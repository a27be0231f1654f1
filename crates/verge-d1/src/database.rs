//! The D1 database core: statements, results, batches, `exec`, `dump` and sessions over a
//! [`SqlDatabase`], without JavaScript.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use verge_store::SqlValue as D1Value;
use verge_store::{Consistency, SqlDatabase, SqlError, SqlOutput, SqlStatement};

use crate::error::D1Error;
use crate::limits::{MAX_BOUND_PARAMS, MAX_QUERY_DURATION, MAX_STATEMENT_BYTES};

/// A prepared statement: SQL plus bound values. Immutable; `bind` returns a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct D1PreparedStatement {
    sql: Arc<str>,
    params: Vec<D1Value>,
}

impl D1PreparedStatement {
    /// A statement with no bound values.
    pub fn new(sql: impl Into<Arc<str>>) -> Self {
        Self {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// `stmt.bind(...values)`: the same SQL with these values (replacing earlier ones).
    /// The glue converts JS values first, raising [`D1Error::type_error`] for unsupported ones.
    #[must_use]
    pub fn bind(&self, values: Vec<D1Value>) -> Self {
        Self {
            sql: self.sql.clone(),
            params: values,
        }
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The bound values.
    pub fn params(&self) -> &[D1Value] {
        &self.params
    }

    fn to_statement(&self) -> Result<SqlStatement, D1Error> {
        if self.sql.len() > MAX_STATEMENT_BYTES {
            return Err(D1Error::StatementTooLong {
                len: self.sql.len(),
                max: MAX_STATEMENT_BYTES,
            });
        }
        if self.params.len() > MAX_BOUND_PARAMS {
            return Err(D1Error::TooManyParams {
                count: self.params.len(),
                max: MAX_BOUND_PARAMS,
            });
        }
        if self.sql.trim().is_empty() {
            return Err(D1Error::Sql(SqlError::new(
                "No SQL statements detected.",
                "SQLITE_ERROR",
            )));
        }
        Ok(SqlStatement::new(self.sql.to_string(), self.params.clone()))
    }
}

/// `D1Result.meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct D1Meta {
    /// Milliseconds the whole call took.
    pub duration: f64,
    /// Rows changed by the statement.
    pub changes: u64,
    /// Rowid of the last insert.
    pub last_row_id: i64,
    /// Whether the database changed.
    pub changed_db: bool,
    /// Database size in bytes afterwards.
    pub size_after: u64,
    /// Rows read.
    pub rows_read: u64,
    /// Rows written.
    pub rows_written: u64,
    /// Which backend served it (`verge-sqlite`).
    pub served_by: String,
    /// Whether the primary served it.
    pub served_by_primary: bool,
    /// The region, when the backend knows one.
    pub served_by_region: Option<String>,
    /// `meta.timings.sql_duration_ms`.
    pub sql_duration_ms: f64,
    /// `meta.total_attempts` (verge never retries: 1).
    pub total_attempts: u32,
}

/// One result row: column names and values in order (names may repeat; when the glue
/// builds an object, later columns overwrite earlier ones, as in D1).
#[derive(Debug, Clone, PartialEq)]
pub struct D1Row {
    /// Column names.
    pub columns: Arc<[String]>,
    /// Values, one per column.
    pub values: Vec<D1Value>,
}

impl D1Row {
    /// `(column, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &D1Value)> {
        self.columns
            .iter()
            .map(String::as_str)
            .zip(self.values.iter())
    }

    /// The value of `column` (the last one, if repeated).
    pub fn get(&self, column: &str) -> Option<&D1Value> {
        self.iter()
            .filter(|(c, _)| *c == column)
            .last()
            .map(|(_, v)| v)
    }
}

/// What `run()` / `all()` resolve to: `{success: true, results, meta}`.
#[derive(Debug, Clone, PartialEq)]
pub struct D1Result {
    /// Result column names.
    pub columns: Arc<[String]>,
    /// Result rows as values, each `columns.len()` long.
    pub rows: Vec<Vec<D1Value>>,
    /// `meta`.
    pub meta: D1Meta,
}

impl D1Result {
    /// `results`: each row as ordered `(column, value)` pairs.
    pub fn results(&self) -> impl Iterator<Item = D1Row> + '_ {
        self.rows.iter().map(|values| D1Row {
            columns: self.columns.clone(),
            values: values.clone(),
        })
    }

    /// `success` is always true: failures are errors.
    pub fn success(&self) -> bool {
        true
    }
}

/// What `raw()` resolves to: rows as arrays; with `{columnNames: true}` the glue puts
/// `columns` first (even when there are no rows).
#[derive(Debug, Clone, PartialEq)]
pub struct D1RawResult {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows as arrays.
    pub rows: Vec<Vec<D1Value>>,
}

/// What `exec()` resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct D1ExecResult {
    /// Lines (statements) executed.
    pub count: usize,
    /// Sum of their durations in milliseconds.
    pub duration: f64,
}

/// Formats a commit sequence as a bookmark: two 8-digit hex groups, so later bookmarks
/// compare greater as plain strings (`00000000-0000007b`).
pub fn format_bookmark(seq: u64) -> String {
    format!("{:08x}-{:08x}", seq >> 32, seq & 0xffff_ffff)
}

/// Parses a bookmark made by [`format_bookmark`]; extra `-suffix` groups are ignored so a
/// future backend may append more. `None` if it is not a bookmark.
pub fn parse_bookmark(bookmark: &str) -> Option<u64> {
    let mut groups = bookmark.split('-');
    let hi = groups.next()?;
    let lo = groups.next()?;
    let hex8 = |g: &str| {
        (g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(g, 16).ok())
            .flatten()
    };
    Some((hex8(hi)? << 32) | hex8(lo)?)
}

/// Settings of one D1 database binding (the *configure* phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct D1Options {
    /// Longest a statement, a batch or one `exec` line may run before it is stopped with
    /// [`D1Error::QueryTimeout`]; at most [`MAX_QUERY_DURATION`] (larger values are capped).
    pub query_timeout: Duration,
}

impl Default for D1Options {
    /// D1's limits.
    fn default() -> Self {
        Self {
            query_timeout: MAX_QUERY_DURATION,
        }
    }
}

/// One D1 database binding.
#[derive(Clone)]
pub struct D1Database {
    backend: Arc<dyn SqlDatabase>,
    options: D1Options,
}

impl std::fmt::Debug for D1Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("D1Database")
            .field("served_by", &self.backend.served_by())
            .finish_non_exhaustive()
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

impl D1Database {
    /// A binding over `backend` with D1's limits.
    pub fn new(backend: Arc<dyn SqlDatabase>) -> Self {
        Self::with_options(backend, D1Options::default())
    }

    /// A binding over `backend` with `options` (the query limit capped at
    /// [`MAX_QUERY_DURATION`]).
    pub fn with_options(backend: Arc<dyn SqlDatabase>, options: D1Options) -> Self {
        let options = D1Options {
            query_timeout: options.query_timeout.min(MAX_QUERY_DURATION),
        };
        Self { backend, options }
    }

    /// The binding's settings.
    pub fn options(&self) -> D1Options {
        self.options
    }

    /// The backend (for the CLI and migrations).
    pub fn backend(&self) -> &Arc<dyn SqlDatabase> {
        &self.backend
    }

    /// `db.prepare(sql)`. Never fails: problems surface when the statement runs, as on D1.
    pub fn prepare(&self, sql: impl Into<Arc<str>>) -> D1PreparedStatement {
        D1PreparedStatement::new(sql)
    }

    fn meta(&self, out: &SqlOutput, duration: f64) -> D1Meta {
        D1Meta {
            duration,
            changes: out.changes,
            last_row_id: out.last_row_id,
            changed_db: out.changed_db,
            size_after: out.size_after,
            rows_read: out.rows_read,
            rows_written: out.rows_written,
            served_by: self.backend.served_by().to_owned(),
            served_by_primary: out.served_by_primary,
            served_by_region: self.backend.region().map(str::to_owned),
            sql_duration_ms: out.duration_ms,
            total_attempts: 1,
        }
    }

    fn result(&self, out: SqlOutput, duration: f64) -> D1Result {
        let meta = self.meta(&out, duration);
        D1Result {
            columns: out.columns.into(),
            rows: out.rows,
            meta,
        }
    }

    fn execute(
        &self,
        stmt: &D1PreparedStatement,
        consistency: Consistency,
    ) -> Result<(D1Result, u64), D1Error> {
        let started = Instant::now();
        let statement = stmt.to_statement()?;
        let out = self
            .backend
            .execute(&statement, consistency, self.options.query_timeout)?;
        let seq = out.commit_seq;
        Ok((self.result(out, elapsed_ms(started)), seq))
    }

    fn execute_batch(
        &self,
        stmts: &[D1PreparedStatement],
        consistency: Consistency,
    ) -> Result<(Vec<D1Result>, Option<u64>), D1Error> {
        let started = Instant::now();
        let statements = stmts
            .iter()
            .map(D1PreparedStatement::to_statement)
            .collect::<Result<Vec<_>, _>>()?;
        if statements.is_empty() {
            return Ok((Vec::new(), None));
        }
        let outs = self
            .backend
            .batch(&statements, consistency, self.options.query_timeout)?;
        let seq = outs.iter().map(|o| o.commit_seq).max();
        let duration = elapsed_ms(started);
        Ok((
            outs.into_iter().map(|o| self.result(o, duration)).collect(),
            seq,
        ))
    }

    /// `stmt.run()` (auto-committed on its own).
    pub fn run(&self, stmt: &D1PreparedStatement) -> Result<D1Result, D1Error> {
        Ok(self.execute(stmt, Consistency::default())?.0)
    }

    /// `stmt.all()`: the same as [`D1Database::run`].
    pub fn all(&self, stmt: &D1PreparedStatement) -> Result<D1Result, D1Error> {
        self.run(stmt)
    }

    /// `stmt.raw()`.
    pub fn raw(&self, stmt: &D1PreparedStatement) -> Result<D1RawResult, D1Error> {
        Ok(raw_of(self.run(stmt)?))
    }

    /// `stmt.first()`: the first row, or `None` (JS `null`).
    pub fn first(&self, stmt: &D1PreparedStatement) -> Result<Option<D1Row>, D1Error> {
        Ok(self.run(stmt)?.results().next())
    }

    /// `stmt.first(column)`: that column of the first row; `Null` when there are no rows;
    /// `D1_COLUMN_NOTFOUND` when there is a row without that column.
    pub fn first_column(
        &self,
        stmt: &D1PreparedStatement,
        column: &str,
    ) -> Result<D1Value, D1Error> {
        first_column_of(self.first(stmt)?, column)
    }

    /// `db.batch(stmts)`: one transaction; any failure rolls back all and is the error.
    pub fn batch(&self, stmts: &[D1PreparedStatement]) -> Result<Vec<D1Result>, D1Error> {
        Ok(self.execute_batch(stmts, Consistency::default())?.0)
    }

    /// `db.exec(sql)`: splits the trimmed input on newlines and runs each line on its own
    /// (not atomic: a failure leaves earlier lines applied). Blank lines are skipped and
    /// not counted; line numbers in errors count every line of the trimmed input.
    pub fn exec(&self, sql: &str) -> Result<D1ExecResult, D1Error> {
        let trimmed = sql.trim();
        if trimmed.is_empty() {
            return Err(D1Error::Exec {
                line: 1,
                sql: String::new(),
                error: SqlError::new("No SQL statements detected.", "SQLITE_ERROR"),
            });
        }
        let mut count = 0;
        let mut duration = 0.0;
        for (i, line) in trimmed.split('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let exec_error = |error| D1Error::exec_line(i + 1, line, error);
            if line.len() > MAX_STATEMENT_BYTES {
                return Err(exec_error(SqlError::new(
                    format!(
                        "statement too long: {} bytes, limit is {MAX_STATEMENT_BYTES}",
                        line.len()
                    ),
                    "SQLITE_TOOBIG",
                )));
            }
            let out = self
                .backend
                .execute_script(line, true, self.options.query_timeout)
                .map_err(exec_error)?;
            count += 1;
            duration += out.duration_ms;
        }
        Ok(D1ExecResult { count, duration })
    }

    /// `db.dump()`: the database as a SQLite file.
    pub fn dump(&self) -> Result<Vec<u8>, D1Error> {
        self.backend.dump().map_err(D1Error::Dump)
    }

    /// The bookmark of the database's current state.
    pub fn bookmark(&self) -> Result<String, D1Error> {
        Ok(format_bookmark(self.backend.commit_seq()?))
    }

    /// `db.withSession(constraintOrBookmark)`: `None` means `"first-unconstrained"`.
    pub fn with_session(&self, constraint_or_bookmark: Option<&str>) -> Result<D1Session, D1Error> {
        let start = match constraint_or_bookmark {
            None | Some("first-unconstrained") => SessionStart::Unconstrained,
            Some("first-primary") => SessionStart::Primary,
            Some(other) => match parse_bookmark(other) {
                Some(seq) => SessionStart::Bookmark(seq, other.to_owned()),
                None => {
                    return Err(D1Error::InvalidSession {
                        given: other.to_owned(),
                    });
                }
            },
        };
        let (first_primary, latest) = match start {
            SessionStart::Unconstrained => (false, None),
            SessionStart::Primary => (true, None),
            SessionStart::Bookmark(seq, text) => (false, Some((seq, text))),
        };
        Ok(D1Session {
            db: self.clone(),
            state: Mutex::new(SessionState {
                first_primary,
                latest,
            }),
        })
    }
}

fn raw_of(result: D1Result) -> D1RawResult {
    D1RawResult {
        columns: result.columns.to_vec(),
        rows: result.rows,
    }
}

fn first_column_of(row: Option<D1Row>, column: &str) -> Result<D1Value, D1Error> {
    match row {
        None => Ok(D1Value::Null),
        Some(row) => row
            .get(column)
            .cloned()
            .ok_or_else(|| D1Error::ColumnNotFound {
                column: column.to_owned(),
            }),
    }
}

enum SessionStart {
    Unconstrained,
    Primary,
    Bookmark(u64, String),
}

#[derive(Debug)]
struct SessionState {
    /// The first query must run on the primary ("first-primary" before any query).
    first_primary: bool,
    /// The newest state this session has seen, and the bookmark text for it.
    latest: Option<(u64, String)>,
}

/// `D1DatabaseSession`: every query sees a state at least as new as the latest bookmark
/// the session has seen (read-your-writes, sequential consistency).
#[derive(Debug)]
pub struct D1Session {
    db: D1Database,
    state: Mutex<SessionState>,
}

impl D1Session {
    fn consistency(&self) -> Consistency {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Consistency {
            min_commit_seq: state.latest.as_ref().map(|(seq, _)| *seq),
            require_primary: state.first_primary,
        }
    }

    fn observe(&self, seq: u64) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.first_primary = false;
        if state
            .latest
            .as_ref()
            .is_none_or(|(latest, _)| seq > *latest)
        {
            state.latest = Some((seq, format_bookmark(seq)));
        }
    }

    /// `session.getBookmark()`: `None` (JS `null`) before a constraint session's first
    /// query; a bookmark session returns the given bookmark until it sees a newer state.
    pub fn get_bookmark(&self) -> Option<String> {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.latest.as_ref().map(|(_, text)| text.clone())
    }

    /// `session.prepare(sql)`.
    pub fn prepare(&self, sql: impl Into<Arc<str>>) -> D1PreparedStatement {
        D1PreparedStatement::new(sql)
    }

    /// `run()` / `all()` of a statement prepared on this session.
    pub fn run(&self, stmt: &D1PreparedStatement) -> Result<D1Result, D1Error> {
        let (result, seq) = self.db.execute(stmt, self.consistency())?;
        self.observe(seq);
        Ok(result)
    }

    /// `all()`: the same as [`D1Session::run`].
    pub fn all(&self, stmt: &D1PreparedStatement) -> Result<D1Result, D1Error> {
        self.run(stmt)
    }

    /// `raw()`.
    pub fn raw(&self, stmt: &D1PreparedStatement) -> Result<D1RawResult, D1Error> {
        Ok(raw_of(self.run(stmt)?))
    }

    /// `first()`.
    pub fn first(&self, stmt: &D1PreparedStatement) -> Result<Option<D1Row>, D1Error> {
        Ok(self.run(stmt)?.results().next())
    }

    /// `first(column)`.
    pub fn first_column(
        &self,
        stmt: &D1PreparedStatement,
        column: &str,
    ) -> Result<D1Value, D1Error> {
        first_column_of(self.first(stmt)?, column)
    }

    /// `session.batch(stmts)`.
    pub fn batch(&self, stmts: &[D1PreparedStatement]) -> Result<Vec<D1Result>, D1Error> {
        let (results, seq) = self.db.execute_batch(stmts, self.consistency())?;
        if let Some(seq) = seq {
            self.observe(seq);
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_js::JsClass;
    use verge_store::sqlite::SqliteDatabase;

    fn open(dir: &std::path::Path) -> D1Database {
        D1Database::new(Arc::new(
            SqliteDatabase::open_in(dir, "test-db").expect("open"),
        ))
    }

    fn fixture() -> (tempfile::TempDir, D1Database) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = open(dir.path());
        (dir, db)
    }

    fn err_message<T: std::fmt::Debug>(r: Result<T, D1Error>) -> String {
        let e = r.expect_err("should fail");
        assert_eq!(e.js_class(), JsClass::Error);
        e.to_string()
    }

    #[test]
    fn sql_errors_carry_the_d1_prefix_and_sqlite_code() {
        let (_dir, db) = fixture();
        let err = db
            .run(&db.prepare("SELECT * FROM x"))
            .expect_err("no table");
        assert_eq!(err.to_string(), "D1_ERROR: no such table: x: SQLITE_ERROR");
        assert_eq!(
            err.cause_message().as_deref(),
            Some("no such table: x: SQLITE_ERROR")
        );
    }

    #[test]
    fn run_returns_rows_and_meta() {
        let (_dir, db) = fixture();
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, ok INTEGER)")
            .expect("exec");
        let ins = db
            .run(
                &db.prepare("INSERT INTO t (name, data, ok) VALUES (?1, ?2, ?3)")
                    .bind(vec!["a".into(), vec![1u8, 2].into(), true.into()]),
            )
            .expect("insert");
        assert!(ins.rows.is_empty());
        assert_eq!(ins.meta.changes, 1);
        assert_eq!(ins.meta.last_row_id, 1);
        assert!(ins.meta.changed_db);
        assert_eq!(ins.meta.rows_written, 1);
        assert_eq!(ins.meta.served_by, "verge-sqlite");
        assert!(ins.meta.served_by_primary);
        assert!(ins.meta.size_after > 0);
        let all = db
            .all(&db.prepare("SELECT name, data, ok FROM t"))
            .expect("select");
        let row = all.results().next().expect("one row");
        let pairs: Vec<(&str, &D1Value)> = row.iter().collect();
        assert_eq!(
            pairs,
            vec![
                ("name", &D1Value::Text("a".into())),
                ("data", &D1Value::Blob(vec![1, 2])),
                ("ok", &D1Value::Integer(1)),
            ]
        );
        assert!(!all.meta.changed_db);
        assert!(all.meta.rows_read >= 1);
        let raw = db.raw(&db.prepare("SELECT id, name FROM t")).expect("raw");
        assert_eq!(raw.columns, vec!["id", "name"]);
        assert_eq!(
            raw.rows,
            vec![vec![D1Value::Integer(1), D1Value::Text("a".into())]]
        );
    }

    #[test]
    fn first_returns_a_row_a_column_or_null() {
        let (_dir, db) = fixture();
        db.exec("CREATE TABLE t (n INTEGER)").expect("exec");
        let q = db.prepare("SELECT n FROM t");
        assert_eq!(db.first(&q).expect("first"), None);
        assert_eq!(
            db.first_column(&q, "missing").expect("no rows → null"),
            D1Value::Null
        );
        db.exec("INSERT INTO t VALUES (7)").expect("exec");
        assert_eq!(
            db.first(&q).expect("first").expect("row").get("n"),
            Some(&D1Value::Integer(7))
        );
        assert_eq!(db.first_column(&q, "n").expect("n"), D1Value::Integer(7));
        assert_eq!(
            err_message(db.first_column(&q, "nope")),
            "D1_COLUMN_NOTFOUND: Column not found (nope)"
        );
    }

    #[test]
    fn batch_failure_rolls_back_every_statement() {
        let (_dir, db) = fixture();
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .expect("exec");
        db.exec("INSERT INTO t VALUES (1)").expect("exec");
        let ins = db.prepare("INSERT INTO t VALUES (?)");
        let err = db
            .batch(&[ins.bind(vec![2i64.into()]), ins.bind(vec![1i64.into()])])
            .expect_err("dup");
        assert_eq!(
            err.to_string(),
            "D1_ERROR: UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT"
        );
        let n = db
            .first_column(&db.prepare("SELECT count(*) AS n FROM t"), "n")
            .expect("count");
        assert_eq!(n, D1Value::Integer(1), "table unchanged");
        let ok = db
            .batch(&[
                ins.bind(vec![2i64.into()]),
                db.prepare("SELECT id FROM t ORDER BY id"),
            ])
            .expect("batch");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].rows.len(), 2);
    }

    #[test]
    fn prepare_of_several_statements_fails_with_d1s_message() {
        let (_dir, db) = fixture();
        let err = db
            .all(&db.prepare("SELECT 1; SELECT 2"))
            .expect_err("two statements");
        assert_eq!(
            err.to_string(),
            "D1_ERROR: A prepared SQL statement must contain only one statement.: SQLITE_ERROR"
        );
    }

    #[test]
    fn exec_runs_lines_one_by_one_and_is_not_atomic() {
        let (_dir, db) = fixture();
        let done = db
            .exec("CREATE TABLE t (n INTEGER);\n\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n")
            .expect("exec");
        assert_eq!(done.count, 3);
        let err = db
            .exec("INSERT INTO t VALUES (3);\nINSERT INTO nope VALUES (1);\nINSERT INTO t VALUES (4);")
            .expect_err("line 2 fails");
        assert_eq!(
            err.to_string(),
            "D1_EXEC_ERROR: Error in line 2: INSERT INTO nope VALUES (1);: no such table: nope: SQLITE_ERROR"
        );
        let n = db
            .first_column(&db.prepare("SELECT count(*) AS n FROM t"), "n")
            .expect("count");
        assert_eq!(
            n,
            D1Value::Integer(3),
            "line 1 stays applied, line 3 never ran"
        );
        let err = db
            .exec("CREATE TABLE u (\n  id INTEGER\n)")
            .expect_err("split");
        assert_eq!(
            err.to_string(),
            "D1_EXEC_ERROR: Error in line 1: CREATE TABLE u (: incomplete input: SQLITE_ERROR"
        );
    }

    #[test]
    fn limits_on_params_and_statement_length_are_enforced() {
        let (_dir, db) = fixture();
        let params: Vec<D1Value> = (0..101).map(D1Value::Integer).collect();
        let placeholders = vec!["?"; 101].join(",");
        let stmt = db.prepare(format!("SELECT {placeholders}")).bind(params);
        assert_eq!(
            err_message(db.run(&stmt)),
            "D1_ERROR: too many SQL variables: 101 bound, limit is 100: SQLITE_RANGE"
        );
        let long = format!("SELECT '{}'", "x".repeat(MAX_STATEMENT_BYTES));
        assert!(err_message(db.run(&db.prepare(long))).starts_with("D1_ERROR: statement too long"));
        let ok: Vec<D1Value> = (0..100).map(D1Value::Integer).collect();
        let stmt = db
            .prepare(format!("SELECT {}", vec!["?"; 100].join(",")))
            .bind(ok);
        assert!(db.run(&stmt).is_ok());
    }

    #[test]
    fn type_errors_name_the_type_and_value() {
        assert_eq!(
            D1Error::type_error("undefined", "undefined").to_string(),
            "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'"
        );
    }

    #[test]
    fn bookmarks_compare_as_strings_in_commit_order() {
        assert!(format_bookmark(0x7b) < format_bookmark(0x100));
        assert!(format_bookmark(u64::from(u32::MAX)) < format_bookmark(1 << 32));
        assert_eq!(parse_bookmark(&format_bookmark(123_456)), Some(123_456));
        assert_eq!(
            parse_bookmark("0000007b-0000b26e-00001538-abc"),
            Some((0x7b << 32) | 0xb26e)
        );
        assert_eq!(parse_bookmark("nope"), None);
    }

    #[test]
    fn sessions_follow_the_bookmark_rules() {
        let (_dir, db) = fixture();
        assert_eq!(
            err_message(db.with_session(Some(""))),
            "D1_SESSION_ERROR: invalid bookmark or constraint"
        );
        assert!(db.with_session(Some("garbage")).is_err());
        let s = db.with_session(None).expect("session");
        assert_eq!(s.get_bookmark(), None, "no query yet");
        s.run(&s.prepare("CREATE TABLE t (n)")).expect("create");
        let b1 = s.get_bookmark().expect("bookmark after write");
        s.run(&s.prepare("INSERT INTO t VALUES (1)"))
            .expect("insert");
        let b2 = s.get_bookmark().expect("bookmark");
        assert!(b2 > b1);
        s.run(&s.prepare("SELECT * FROM t")).expect("read");
        assert_eq!(
            s.get_bookmark().as_deref(),
            Some(b2.as_str()),
            "reads do not move it"
        );

        let p = db.with_session(Some("first-primary")).expect("session");
        assert_eq!(p.get_bookmark(), None);
        let r = p.run(&p.prepare("SELECT * FROM t")).expect("read");
        assert!(r.meta.served_by_primary);
        assert_eq!(p.get_bookmark().as_deref(), Some(b2.as_str()));

        let from = db.with_session(Some(&b1)).expect("bookmark session");
        assert_eq!(from.get_bookmark().as_deref(), Some(b1.as_str()));
        from.run(&from.prepare("SELECT * FROM t")).expect("read");
        assert_eq!(
            from.get_bookmark().as_deref(),
            Some(b2.as_str()),
            "newer state seen"
        );
        from.batch(&[from.prepare("INSERT INTO t VALUES (2)")])
            .expect("batch");
        assert!(from.get_bookmark().expect("bookmark") > b2);
        assert_eq!(
            db.bookmark().expect("db bookmark"),
            from.get_bookmark().expect("b")
        );
    }

    #[test]
    fn bookmarks_keep_increasing_across_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let before = {
            let db = open(dir.path());
            db.exec("CREATE TABLE t (n)").expect("exec");
            db.exec("INSERT INTO t VALUES (1)").expect("exec");
            db.bookmark().expect("bookmark")
        };
        let db = open(dir.path());
        assert_eq!(db.bookmark().expect("bookmark"), before);
        let s = db.with_session(Some(&before)).expect("session");
        s.run(&s.prepare("INSERT INTO t VALUES (2)"))
            .expect("insert");
        assert!(s.get_bookmark().expect("bookmark") > before);
    }

    #[test]
    fn eight_threads_times_200_increments_make_1600() {
        let (_dir, db) = fixture();
        db.exec("CREATE TABLE t (n INTEGER)\nINSERT INTO t VALUES (0)")
            .expect("setup");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let inc = db.prepare("UPDATE t SET n = n + 1");
                    for _ in 0..200 {
                        db.run(&inc).expect("update");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        let n = db
            .first_column(&db.prepare("SELECT n FROM t"), "n")
            .expect("n");
        assert_eq!(n, D1Value::Integer(1600));
    }

    const FOREVER: &str =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
    const TIMED_OUT: &str =
        "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.";

    #[test]
    fn a_runaway_query_fails_with_d1s_timeout_and_the_database_stays_usable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = SqliteDatabase::open_in(dir.path(), "slow").expect("open");
        let db = D1Database::with_options(
            Arc::new(backend),
            D1Options {
                query_timeout: Duration::from_millis(50),
            },
        );
        db.exec("CREATE TABLE t (n INTEGER)").expect("exec");
        db.exec("INSERT INTO t VALUES (1)").expect("exec");
        let count = format!("SELECT count(*) FROM ({FOREVER})");
        assert_eq!(err_message(db.run(&db.prepare(count.as_str()))), TIMED_OUT);
        let insert = format!("INSERT INTO t {FOREVER}");
        assert_eq!(err_message(db.run(&db.prepare(insert.as_str()))), TIMED_OUT);
        assert_eq!(
            err_message(db.batch(&[
                db.prepare("INSERT INTO t VALUES (2)"),
                db.prepare(insert.as_str())
            ])),
            TIMED_OUT
        );
        assert_eq!(err_message(db.exec(&count)), TIMED_OUT);
        let n = db
            .first_column(&db.prepare("SELECT count(*) AS n FROM t"), "n")
            .expect("the database answers");
        assert_eq!(n, D1Value::Integer(1), "the stopped writes left nothing");
        db.exec("INSERT INTO t VALUES (3)")
            .expect("and takes writes");
    }

    #[test]
    fn the_query_limit_can_be_lowered_not_raised() {
        let backend = Arc::new(SqliteDatabase::open_in_memory().expect("open"));
        let db = D1Database::with_options(
            backend.clone(),
            D1Options {
                query_timeout: Duration::from_secs(3600),
            },
        );
        assert_eq!(db.options().query_timeout, MAX_QUERY_DURATION);
        assert_eq!(D1Options::default().query_timeout, Duration::from_secs(30));
        let lower = Duration::from_millis(250);
        let db = D1Database::with_options(
            backend,
            D1Options {
                query_timeout: lower,
            },
        );
        assert_eq!(db.options().query_timeout, lower);
    }

    #[test]
    fn the_sandbox_errors_read_as_d1s() {
        let (dir, db) = fixture();
        let target = dir.path().join("stolen.sqlite");
        let attach = format!("ATTACH DATABASE '{}' AS x", target.display());
        for sql in [
            attach.clone(),
            format!("; {attach}"),
            format!("/* */ {attach}"),
        ] {
            assert_eq!(
                err_message(db.run(&db.prepare(sql.as_str()))),
                "D1_ERROR: not authorized: SQLITE_AUTH"
            );
        }
        let line = format!("SELECT 1; {attach}");
        assert_eq!(
            err_message(db.exec(&line)),
            format!("D1_EXEC_ERROR: Error in line 1: {line}: not authorized: SQLITE_AUTH")
        );
        assert_eq!(
            err_message(db.run(&db.prepare("PRAGMA writable_schema=ON"))),
            "D1_ERROR: not authorized: SQLITE_AUTH"
        );
        assert_eq!(
            err_message(db.run(&db.prepare("BEGIN TRANSACTION"))),
            format!(
                "D1_ERROR: {}: SQLITE_AUTH",
                verge_store::sqlite::TRANSACTION_DENIED
            )
        );
        assert!(!target.exists());
    }

    #[test]
    fn dump_returns_a_sqlite_file() {
        let (_dir, db) = fixture();
        db.exec("CREATE TABLE t (n)").expect("exec");
        let bytes = db.dump().expect("dump");
        assert!(bytes.starts_with(b"SQLite format 3\0"));
    }
}
