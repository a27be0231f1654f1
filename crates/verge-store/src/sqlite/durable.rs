//! [`ObjectStorage`] on one SQLite file per Durable Object.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::codes::primary_code_name as code_name;
use super::open_connection;
use crate::StoreError;
use crate::durable::{ObjectBatch, ObjectListQuery, ObjectStorage, ObjectWrite, SqlCursorData};
use crate::sql::{SqlError, SqlValue};

struct Inner {
    conn: Connection,
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

fn sql_err(e: rusqlite::Error) -> SqlError {
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => code_name(f.extended_code),
        _ => "SQLITE_ERROR",
    };
    let message = match &e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    };
    SqlError {
        message,
        code: code.to_string(),
        statement_index: None,
    }
}

fn user_error(message: impl Into<String>) -> SqlError {
    SqlError {
        message: message.into(),
        code: "SQLITE_AUTH".into(),
        statement_index: None,
    }
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

fn to_sql(v: &SqlValue) -> rusqlite::types::Value {
    match v {
        SqlValue::Null => rusqlite::types::Value::Null,
        SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
        SqlValue::Real(f) => rusqlite::types::Value::Real(*f),
        SqlValue::Text(s) => rusqlite::types::Value::Text(s.clone()),
        SqlValue::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// Statements user SQL may not run: transactions are implicit (use `transactionSync`), and
/// `_cf_*` tables are the platform's.
fn check_user_sql(sql: &str) -> Result<(), SqlError> {
    let lower = sql.to_ascii_lowercase();
    for stmt in lower.split(';') {
        let first = stmt.split_whitespace().next().unwrap_or("");
        if matches!(
            first,
            "begin" | "commit" | "end" | "rollback" | "savepoint" | "release"
        ) {
            return Err(user_error(format!(
                "{}: transactions are implicit in Durable Object SQL; use ctx.storage.transactionSync() instead",
                first.to_ascii_uppercase()
            )));
        }
        if matches!(first, "attach" | "detach" | "vacuum") {
            return Err(user_error(format!(
                "not authorized: {}",
                first.to_ascii_uppercase()
            )));
        }
    }
    if lower.contains("_cf_") {
        return Err(user_error(
            "access to tables whose names begin with _cf_ is not allowed",
        ));
    }
    Ok(())
}

impl SqliteObjectStore {
    /// Opens (creating) the object store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, SCHEMA)?;
        conn.execute_batch(SCHEMA)
            .map_err(StoreError::sqlite("durable schema"))?;
        Ok(SqliteObjectStore {
            inner: Mutex::new(Inner {
                conn,
                in_txn: false,
            }),
            path: path.to_path_buf(),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }
}

impl ObjectStorage for SqliteObjectStore {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let g = self.lock()?;
        g.conn
            .prepare_cached("SELECT value FROM _cf_KV WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get::<_, Vec<u8>>(0)).optional())
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
        let mut stmt = g
            .conn
            .prepare(&sql)
            .map_err(StoreError::sqlite("durable list"))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(StoreError::sqlite("durable list"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::sqlite("durable list"))
    }

    fn commit(&self, batch: &ObjectBatch) -> Result<(), StoreError> {
        let mut g = self.lock()?;
        if batch.writes.is_empty() && batch.alarm.is_none() && !g.in_txn {
            return Ok(());
        }
        let result = (|| -> rusqlite::Result<()> {
            if !g.in_txn {
                g.conn.execute_batch("BEGIN IMMEDIATE")?;
                g.in_txn = true;
            }
            for w in &batch.writes {
                match w {
                    ObjectWrite::Put(k, v) => {
                        g.conn
                            .prepare_cached(
                                "INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?1, ?2)",
                            )?
                            .execute(rusqlite::params![k, v])?;
                    }
                    ObjectWrite::Delete(k) => {
                        g.conn
                            .prepare_cached("DELETE FROM _cf_KV WHERE key = ?1")?
                            .execute([k])?;
                    }
                    // The KV part only: `deleteAll` drops the SQL API's tables when it is
                    // called (inside the open transaction), so tables created after it stay.
                    ObjectWrite::DeleteAll => {
                        g.conn.execute("DELETE FROM _cf_KV", [])?;
                    }
                }
            }
            match batch.alarm {
                Some(Some(ms)) => {
                    g.conn.execute(
                        "INSERT OR REPLACE INTO _cf_METADATA (name, value) VALUES ('alarm', ?1)",
                        [ms],
                    )?;
                }
                Some(None) => {
                    g.conn
                        .execute("DELETE FROM _cf_METADATA WHERE name = 'alarm'", [])?;
                }
                None => {}
            }
            g.conn.execute_batch("COMMIT")?;
            Ok(())
        })();
        if result.is_err() && !g.conn.is_autocommit() {
            let _ = g.conn.execute_batch("ROLLBACK");
        }
        g.in_txn = false;
        result.map_err(StoreError::sqlite("durable commit"))
    }

    fn sql_exec(&self, sql: &str, params: &[SqlValue]) -> Result<SqlCursorData, SqlError> {
        check_user_sql(sql)?;
        let mut g = self
            .inner
            .lock()
            .map_err(|_| user_error("storage lock poisoned"))?;
        let stmts: Vec<&str> = split_statements(sql);
        if stmts.is_empty() {
            return Ok(SqlCursorData::default());
        }
        let mut out = SqlCursorData::default();
        let last = stmts.len() - 1;
        for (i, text) in stmts.iter().enumerate() {
            let mut stmt = g.conn.prepare(text).map_err(sql_err)?;
            if !stmt.readonly() && !g.in_txn {
                drop(stmt);
                g.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql_err)?;
                g.in_txn = true;
                stmt = g.conn.prepare(text).map_err(sql_err)?;
            }
            let bound: Vec<rusqlite::types::Value> = if i == last {
                params.iter().map(to_sql).collect()
            } else {
                Vec::new()
            };
            if stmt.parameter_count() != bound.len() {
                return Err(SqlError {
                    message: format!(
                        "wrong number of SQL bindings: the statement has {} parameters, {} given",
                        stmt.parameter_count(),
                        bound.len()
                    ),
                    code: "SQLITE_RANGE".into(),
                    statement_index: Some(i),
                });
            }
            let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
            let ncol = columns.len();
            let mut rows_out = Vec::new();
            {
                let mut rows = stmt
                    .query(params_from_iter(bound.iter()))
                    .map_err(sql_err)?;
                while let Some(row) = rows.next().map_err(sql_err)? {
                    let mut r = Vec::with_capacity(ncol);
                    for c in 0..ncol {
                        r.push(to_value(row.get_ref(c).map_err(sql_err)?));
                    }
                    rows_out.push(r);
                }
            }
            let changes = if stmt.readonly() { 0 } else { g.conn.changes() };
            if i == last {
                out.rows_read = rows_out.len().max(changes as usize) as u64;
                out.rows_written = changes;
                out.columns = columns;
                out.rows = rows_out;
            }
        }
        Ok(out)
    }

    fn sql_dirty(&self) -> bool {
        self.inner.lock().map(|g| g.in_txn).unwrap_or(false)
    }

    fn savepoint(&self, name: &str) -> Result<(), SqlError> {
        let mut g = self
            .inner
            .lock()
            .map_err(|_| user_error("storage lock poisoned"))?;
        if !g.in_txn {
            g.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql_err)?;
            g.in_txn = true;
        }
        g.conn
            .execute_batch(&format!("SAVEPOINT \"{name}\""))
            .map_err(sql_err)
    }

    fn end_savepoint(&self, name: &str, commit: bool) -> Result<(), SqlError> {
        let g = self
            .inner
            .lock()
            .map_err(|_| user_error("storage lock poisoned"))?;
        if commit {
            g.conn
                .execute_batch(&format!("RELEASE \"{name}\""))
                .map_err(sql_err)
        } else {
            g.conn
                .execute_batch(&format!("ROLLBACK TO \"{name}\"; RELEASE \"{name}\""))
                .map_err(sql_err)
        }
    }

    fn alarm(&self) -> Result<Option<i64>, StoreError> {
        let g = self.lock()?;
        g.conn
            .query_row(
                "SELECT value FROM _cf_METADATA WHERE name = 'alarm'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map_err(StoreError::sqlite("durable alarm"))
    }

    fn size_bytes(&self) -> Result<u64, StoreError> {
        let g = self.lock()?;
        g.conn
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(StoreError::sqlite("durable size"))
    }
}

/// Splits SQL on `;` outside quotes and comments; drops empty statements.
fn split_statements(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut start) = (0, 0);
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            b'[' => {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' => {
                out.push(&sql[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&sql[start.min(sql.len())..]);
    out.into_iter()
        .filter(|s| !s.trim().is_empty() && !only_comments(s))
        .collect()
}

fn only_comments(s: &str) -> bool {
    s.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("--")
    }) && !s.contains("/*")
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

    #[test]
    fn statements_split_outside_quotes() {
        assert_eq!(
            split_statements("a; 'x;y'; -- c;\n b"),
            vec!["a", " 'x;y'", " -- c;\n b"]
        );
    }
}
