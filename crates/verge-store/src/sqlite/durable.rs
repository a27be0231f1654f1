//! [`ObjectStorage`] on one SQLite file per Durable Object.
//!
//! The connection is a [`SandboxedConnection`] with the Durable Object profile: the KV API's
//! table `_cf_KV`, the alarm in `_cf_METADATA`, commits and the savepoints of
//! `transactionSync` are verge's own SQL and run trusted; everything given to `sql.exec` is
//! the worker's and runs under the sandbox (see `sandbox.rs`).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::ValueRef;
use rusqlite::{Batch, OptionalExtension, Statement, params_from_iter};

use super::codes::to_sql_error;
use super::open_connection;
use super::sandbox::{Profile, SandboxedConnection};
use crate::StoreError;
use crate::durable::{ObjectBatch, ObjectListQuery, ObjectStorage, ObjectWrite, SqlCursorData};
use crate::sql::{SqlError, SqlValue};

struct Inner {
    conn: SandboxedConnection,
    in_txn: bool,
}

/// One Durable Object's SQLite file (WAL, `synchronous=FULL`).
pub struct SqliteObjectStore {
    inner: Mutex<Inner>,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for SqliteObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteObjectStore")
            .field("path", &self.path)
            .finish()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _cf_METADATA (name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
";

/// workerd's message when a statement other than the last of an `exec` has parameters.
const PARAMS_NOT_LAST: &str = "When executing multiple SQL statements in a single call, only the last statement can have parameters.";

/// workerd's message when the number of bindings differs from the statement's parameters.
const WRONG_BINDINGS: &str = "Wrong number of parameter bindings for SQL query.";

fn poisoned() -> SqlError {
    SqlError::new("storage lock poisoned", "SQLITE_INTERNAL")
}

fn to_value(v: ValueRef<'_>) -> SqlValue {
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

/// `name` as an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How many bytes at the start of `rest` SQLite compiled into `stmt` (leading comments,
/// empty statements and the terminating `;` included). Only for statements without
/// parameters, whose expanded text is exactly the text compiled.
fn compiled_len(stmt: &Statement<'_>, rest: &str) -> Option<usize> {
    let text = stmt.expanded_sql()?;
    rest.starts_with(text.as_str()).then_some(text.len())
}

/// Whether `sql` holds no statement: only whitespace, `;` and comments.
fn is_blank(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return rest.is_empty();
        }
    }
}

/// Runs a worker's `sql.exec`: statement by statement as SQLite splits the text, binding
/// `params` to the last one; the first write opens the implicit transaction.
fn run_user_sql(
    conn: &SandboxedConnection,
    in_txn: &mut bool,
    sql: &str,
    params: &[SqlValue],
    interrupt: fn() -> bool,
) -> Result<SqlCursorData, SqlError> {
    let _watch = conn.watch(interrupt);
    let mut out = SqlCursorData::default();
    let mut rest = sql;
    let mut index = 0;
    let mut params_bound = params.is_empty();
    loop {
        conn.begin_user();
        let mut batch = Batch::new(conn.user(), rest);
        let mut stmt = match batch.next() {
            Ok(Some(stmt)) => stmt,
            Ok(None) => break,
            Err(e) => return Err(conn.user_error(e).at_statement(index)),
        };
        let wanted = stmt.parameter_count();
        let last = if wanted > 0 {
            if !matches!(batch.next(), Ok(None)) {
                return Err(SqlError::new(PARAMS_NOT_LAST, "SQLITE_ERROR").at_statement(index));
            }
            true
        } else {
            let len = compiled_len(&stmt, rest).ok_or_else(|| {
                SqlError::new("cannot split the SQL into statements", "SQLITE_ERROR")
                    .at_statement(index)
            })?;
            rest = &rest[len..];
            is_blank(rest)
        };
        if last && wanted != params.len() {
            return Err(SqlError::new(WRONG_BINDINGS, "SQLITE_RANGE").at_statement(index));
        }
        if wanted > 0 {
            for (i, value) in params.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, value)
                    .map_err(|e| conn.user_error(e).at_statement(index))?;
            }
            params_bound = true;
        }
        if !stmt.readonly() && !*in_txn {
            conn.trusted(|c| c.execute_batch("BEGIN IMMEDIATE"))
                .map_err(to_sql_error)?;
            *in_txn = true;
        }
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let ncol = columns.len();
        let mut rows_out = Vec::new();
        {
            let mut rows = stmt.raw_query();
            while let Some(row) = rows
                .next()
                .map_err(|e| conn.user_error(e).at_statement(index))?
            {
                let mut r = Vec::with_capacity(ncol);
                for c in 0..ncol {
                    r.push(to_value(row.get_ref(c).map_err(to_sql_error)?));
                }
                rows_out.push(r);
            }
        }
        let changes = if stmt.readonly() {
            0
        } else {
            conn.user().changes()
        };
        out = SqlCursorData {
            rows_read: rows_out.len().max(changes as usize) as u64,
            rows_written: changes,
            columns,
            rows: rows_out,
        };
        index += 1;
        if wanted > 0 {
            break;
        }
    }
    if !params_bound {
        return Err(SqlError::new(WRONG_BINDINGS, "SQLITE_RANGE"));
    }
    Ok(out)
}

impl SqliteObjectStore {
    /// Opens (creating) the object store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, SCHEMA)?;
        let conn = SandboxedConnection::new(conn, Profile::DurableObject)?;
        conn.trusted(|c| c.execute_batch(SCHEMA))
            .map_err(StoreError::sqlite("durable schema"))?;
        Ok(SqliteObjectStore {
            inner: Mutex::new(Inner {
                conn,
                in_txn: false,
            }),
            path: path.to_path_buf(),
        })
    }

    /// Runs verge's own `f` on the connection (tests look at its settings).
    #[cfg(test)]
    pub(crate) fn on_connection<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> T) -> T {
        self.lock().expect("lock").conn.trusted(f)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }
}

impl ObjectStorage for SqliteObjectStore {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let g = self.lock()?;
        g.conn
            .trusted(|c| {
                c.prepare_cached("SELECT value FROM _cf_KV WHERE key = ?1")
                    .and_then(|mut s| s.query_row([key], |r| r.get::<_, Vec<u8>>(0)).optional())
            })
            .map_err(StoreError::sqlite("durable get"))
    }

    fn kv_list(&self, q: &ObjectListQuery) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut sql = String::from("SELECT key, value FROM _cf_KV WHERE 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(s) = &q.start {
            sql.push_str(" AND key >= ?");
            args.push(rusqlite::types::Value::Text(s.clone()));
        }
        if let Some(s) = &q.start_after {
            sql.push_str(" AND key > ?");
            args.push(rusqlite::types::Value::Text(s.clone()));
        }
        if let Some(e) = &q.end {
            sql.push_str(" AND key < ?");
            args.push(rusqlite::types::Value::Text(e.clone()));
        }
        if let Some(p) = &q.prefix {
            sql.push_str(" AND key >= ?");
            args.push(rusqlite::types::Value::Text(p.clone()));
            if let Some(upper) = crate::kv::prefix_upper_bound(p.as_bytes()) {
                // Compare as blobs so the bound need not be valid UTF-8.
                sql.push_str(" AND CAST(key AS BLOB) < ?");
                args.push(rusqlite::types::Value::Blob(upper));
            }
        }
        sql.push_str(if q.reverse {
            " ORDER BY key DESC"
        } else {
            " ORDER BY key ASC"
        });
        if let Some(l) = q.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let g = self.lock()?;
        g.conn
            .trusted(|c| {
                let mut stmt = c.prepare(&sql)?;
                let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?;
                rows.collect::<Result<Vec<_>, _>>()
            })
            .map_err(StoreError::sqlite("durable list"))
    }

    fn commit(&self, batch: &ObjectBatch) -> Result<(), StoreError> {
        let mut g = self.lock()?;
        let Inner { conn, in_txn } = &mut *g;
        if batch.writes.is_empty() && batch.alarm.is_none() && !*in_txn {
            return Ok(());
        }
        let result = conn.trusted(|c| -> rusqlite::Result<()> {
            if !*in_txn {
                c.execute_batch("BEGIN IMMEDIATE")?;
                *in_txn = true;
            }
            for w in &batch.writes {
                match w {
                    ObjectWrite::Put(k, v) => {
                        c.prepare_cached(
                            "INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?1, ?2)",
                        )?
                        .execute(rusqlite::params![k, v])?;
                    }
                    ObjectWrite::Delete(k) => {
                        c.prepare_cached("DELETE FROM _cf_KV WHERE key = ?1")?
                            .execute([k])?;
                    }
                    // The KV part only: `deleteAll` drops the SQL API's tables when it is
                    // called (inside the open transaction), so tables created after it stay.
                    ObjectWrite::DeleteAll => {
                        c.execute("DELETE FROM _cf_KV", [])?;
                    }
                }
            }
            match batch.alarm {
                Some(Some(ms)) => {
                    c.execute(
                        "INSERT OR REPLACE INTO _cf_METADATA (name, value) VALUES ('alarm', ?1)",
                        [ms],
                    )?;
                }
                Some(None) => {
                    c.execute("DELETE FROM _cf_METADATA WHERE name = 'alarm'", [])?;
                }
                None => {}
            }
            c.execute_batch("COMMIT")?;
            Ok(())
        });
        if result.is_err() && !conn.user().is_autocommit() {
            let _ = conn.trusted(|c| c.execute_batch("ROLLBACK"));
        }
        *in_txn = false;
        result.map_err(StoreError::sqlite("durable commit"))
    }

    fn sql_exec_interruptible(
        &self,
        sql: &str,
        params: &[SqlValue],
        interrupt: fn() -> bool,
    ) -> Result<SqlCursorData, SqlError> {
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        let Inner { conn, in_txn } = &mut *g;
        let result = run_user_sql(conn, in_txn, sql, params, interrupt);
        // A statement can end the open transaction (`INSERT OR ROLLBACK`, an interrupted
        // write): its writes are gone and there is nothing left to commit.
        if *in_txn && conn.user().is_autocommit() {
            *in_txn = false;
        }
        result
    }

    fn sql_dirty(&self) -> bool {
        self.inner.lock().map(|g| g.in_txn).unwrap_or(false)
    }

    fn savepoint(&self, name: &str) -> Result<(), SqlError> {
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        let Inner { conn, in_txn } = &mut *g;
        conn.trusted(|c| {
            if !*in_txn {
                c.execute_batch("BEGIN IMMEDIATE")?;
                *in_txn = true;
            }
            c.execute_batch(&format!("SAVEPOINT {}", quote_ident(name)))
        })
        .map_err(to_sql_error)
    }

    fn end_savepoint(&self, name: &str, commit: bool) -> Result<(), SqlError> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        let name = quote_ident(name);
        let sql = if commit {
            format!("RELEASE {name}")
        } else {
            format!("ROLLBACK TO {name}; RELEASE {name}")
        };
        g.conn
            .trusted(|c| c.execute_batch(&sql))
            .map_err(to_sql_error)
    }

    fn alarm(&self) -> Result<Option<i64>, StoreError> {
        let g = self.lock()?;
        g.conn
            .trusted(|c| {
                c.query_row(
                    "SELECT value FROM _cf_METADATA WHERE name = 'alarm'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .optional()
            })
            .map_err(StoreError::sqlite("durable alarm"))
    }

    fn size_bytes(&self) -> Result<u64, StoreError> {
        let g = self.lock()?;
        g.conn
            .trusted(|c| {
                c.query_row(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .map(|n| n.max(0) as u64)
            .map_err(StoreError::sqlite("durable size"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteObjectStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteObjectStore::open(&dir.path().join("o.sqlite")).unwrap();
        (dir, s)
    }

    #[test]
    fn kv_writes_commit_atomically_and_list_in_byte_order() {
        let (_d, s) = store();
        let batch = ObjectBatch {
            writes: vec![
                ObjectWrite::Put("b".into(), b"2".to_vec()),
                ObjectWrite::Put("é".into(), b"3".to_vec()),
                ObjectWrite::Put("a".into(), b"1".to_vec()),
            ],
            alarm: Some(Some(42)),
        };
        s.commit(&batch).unwrap();
        let keys: Vec<String> = s
            .kv_list(&ObjectListQuery::default())
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, vec!["a", "b", "é"]);
        assert_eq!(s.alarm().unwrap(), Some(42));
        let rev = s
            .kv_list(&ObjectListQuery {
                reverse: true,
                limit: Some(1),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(rev[0].0, "é");
    }

    #[test]
    fn sql_writes_join_the_next_commit() {
        let (_d, s) = store();
        s.sql_exec(
            "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (?)",
            &[SqlValue::Integer(7)],
        )
        .unwrap();
        assert!(s.sql_dirty());
        s.commit(&ObjectBatch::default()).unwrap();
        assert!(!s.sql_dirty());
        let c = s.sql_exec("SELECT x FROM t", &[]).unwrap();
        assert_eq!(c.rows, vec![vec![SqlValue::Integer(7)]]);
        assert_eq!(c.columns, vec!["x"]);
    }

    #[test]
    fn user_sql_may_not_manage_transactions_or_touch_cf_tables() {
        let (_d, s) = store();
        assert!(
            s.sql_exec("BEGIN", &[])
                .unwrap_err()
                .message
                .contains("transactionSync")
        );
        assert!(s.sql_exec("SELECT * FROM _cf_KV", &[]).is_err());
    }

    #[test]
    fn savepoints_roll_back() {
        let (_d, s) = store();
        s.sql_exec("CREATE TABLE t (x)", &[]).unwrap();
        s.savepoint("sp1").unwrap();
        s.sql_exec("INSERT INTO t VALUES (1)", &[]).unwrap();
        s.end_savepoint("sp1", false).unwrap();
        s.commit(&ObjectBatch::default()).unwrap();
        assert!(s.sql_exec("SELECT * FROM t", &[]).unwrap().rows.is_empty());
    }

    thread_local! {
        /// Calls left before the test's interrupt predicate says stop.
        static BUDGET: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    /// Like a request's CPU meter: fine for a while, then over budget.
    fn over_budget() -> bool {
        BUDGET.with(|b| {
            let left = b.get();
            b.set(left.saturating_sub(1));
            left == 0
        })
    }

    #[test]
    fn the_interrupt_predicate_ends_a_runaway_statement_and_the_object_stays_usable() {
        let (_d, s) = store();
        s.sql_exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)", &[])
            .unwrap();
        s.commit(&ObjectBatch::default()).unwrap();
        let forever =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
        for sql in [
            format!("SELECT count(*) FROM ({forever})"),
            format!("INSERT INTO t VALUES (2); INSERT INTO t {forever}"),
        ] {
            BUDGET.with(|b| b.set(50));
            let err = s
                .sql_exec_interruptible(&sql, &[], over_budget)
                .unwrap_err();
            assert_eq!(
                (err.message.as_str(), err.code.as_str()),
                ("interrupted", "SQLITE_INTERRUPT")
            );
            assert_eq!(BUDGET.with(|b| b.get()), 0, "polled until over budget");
        }
        assert!(
            !s.sql_dirty(),
            "the interrupted write rolled its transaction back"
        );
        BUDGET.with(|b| b.set(0));
        let c = s.sql_exec("SELECT count(*) FROM t", &[]).unwrap();
        assert_eq!(c.rows, vec![vec![SqlValue::Integer(1)]]);
        s.sql_exec("INSERT INTO t VALUES (3)", &[]).unwrap();
        s.commit(&ObjectBatch {
            writes: vec![ObjectWrite::Put("k".into(), b"v".to_vec())],
            alarm: None,
        })
        .unwrap();
        assert_eq!(s.kv_get("k").unwrap(), Some(b"v".to_vec()));
        let c = s.sql_exec("SELECT count(*) FROM t", &[]).unwrap();
        assert_eq!(c.rows, vec![vec![SqlValue::Integer(2)]]);
    }

    #[test]
    fn statements_split_as_sqlite_splits_them() {
        let (_d, s) = store();
        let c = s
            .sql_exec(
                "/* a; */ CREATE TABLE t (x); -- b;\n INSERT INTO t VALUES ('x;y');; ;\
                 CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO t2 VALUES (1); END; \
                 CREATE TABLE t2 (y); SELECT x FROM t; -- trailing",
                &[],
            )
            .unwrap();
        assert_eq!(c.rows, vec![vec![SqlValue::Text("x;y".into())]]);
        let c = s
            .sql_exec("INSERT INTO t VALUES (?1); SELECT count(*) FROM t2", &[])
            .unwrap_err();
        assert_eq!(c.message, PARAMS_NOT_LAST);
        s.sql_exec(
            "INSERT INTO t VALUES ('a'); INSERT INTO t VALUES (?2 || ?1)",
            &[SqlValue::from("c"), SqlValue::from("b")],
        )
        .unwrap();
        let c = s
            .sql_exec("SELECT x FROM t WHERE rowid > 1 ORDER BY rowid", &[])
            .unwrap();
        assert_eq!(
            c.rows,
            vec![
                vec![SqlValue::Text("a".into())],
                vec![SqlValue::Text("bc".into())]
            ]
        );
        assert_eq!(
            s.sql_exec("SELECT 1", &[SqlValue::Integer(1)])
                .unwrap_err()
                .message,
            WRONG_BINDINGS
        );
        assert_eq!(
            s.sql_exec("SELECT ?", &[]).unwrap_err().message,
            WRONG_BINDINGS
        );
        assert_eq!(
            s.sql_exec(" -- nothing\n ; ", &[]).unwrap(),
            SqlCursorData::default()
        );
    }
}
