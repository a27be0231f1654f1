//! The backend test suite: every implementation of the store traits runs all of it.
//!
//! Each check is a plain function over the trait; [`kv_backend_tests!`](crate::kv_backend_tests)
//! and [`sql_database_tests!`](crate::sql_database_tests) turn them into one `#[test]` each
//! for a factory returning `(guard, backend)` (the guard keeps e.g. a temp dir alive).
//! Enabled with the `testing` feature.
#![allow(
    clippy::missing_panics_doc,
    reason = "test helpers panic to fail the test"
)]

/// Checks for [`KvBackend`](crate::KvBackend) implementations.
pub mod kv {
    use crate::kv::{KvBackend, KvEntry, KvListQuery};

    fn entry(value: &[u8]) -> KvEntry {
        KvEntry {
            value: value.to_vec(),
            expiration: None,
            metadata: None,
        }
    }

    fn names(backend: &dyn KvBackend, ns: &str, query: KvListQuery<'_>, now: u64) -> Vec<Vec<u8>> {
        backend
            .list(ns, &query, now)
            .expect("list")
            .into_iter()
            .map(|k| k.key)
            .collect()
    }

    /// put then get returns the value, metadata and expiration; a later put replaces it.
    pub fn put_get_roundtrip(b: &dyn KvBackend) {
        assert_eq!(b.get("ns", b"missing", 0).expect("get"), None);
        let first = KvEntry {
            value: vec![0, 1, 2, 255],
            expiration: Some(1_000),
            metadata: Some("{\"m\":true}".into()),
        };
        b.put("ns", b"k", first.clone()).expect("put");
        assert_eq!(b.get("ns", b"k", 0).expect("get"), Some(first));
        b.put("ns", b"k", entry(b"second")).expect("put");
        assert_eq!(b.get("ns", b"k", 0).expect("get"), Some(entry(b"second")));
    }

    /// Namespaces are isolated from each other.
    pub fn namespaces_are_isolated(b: &dyn KvBackend) {
        b.put("a", b"k", entry(b"in a")).expect("put");
        assert_eq!(b.get("b", b"k", 0).expect("get"), None);
        b.put("b", b"k", entry(b"in b")).expect("put");
        b.delete("a", b"k").expect("delete");
        assert_eq!(b.get("b", b"k", 0).expect("get"), Some(entry(b"in b")));
        let q = KvListQuery {
            prefix: b"",
            start_after: None,
            limit: 10,
        };
        assert!(names(b, "a", q, 0).is_empty());
    }

    /// delete removes a key and succeeds for absent keys.
    pub fn delete_is_idempotent(b: &dyn KvBackend) {
        b.put("ns", b"k", entry(b"v")).expect("put");
        b.delete("ns", b"k").expect("delete");
        b.delete("ns", b"k").expect("delete again");
        assert_eq!(b.get("ns", b"k", 0).expect("get"), None);
    }

    /// Expired entries are never read or listed, before and after a purge.
    pub fn expired_entries_are_invisible(b: &dyn KvBackend) {
        let e = KvEntry {
            value: b"v".to_vec(),
            expiration: Some(100),
            metadata: None,
        };
        b.put("ns", b"exp", e.clone()).expect("put");
        b.put("ns", b"keep", entry(b"v")).expect("put");
        assert_eq!(b.get("ns", b"exp", 99_999).expect("get"), Some(e));
        assert_eq!(b.get("ns", b"exp", 100_000).expect("get"), None);
        assert_eq!(
            b.get_many("ns", &[b"exp", b"keep"], 100_000)
                .expect("get_many"),
            vec![None, Some(entry(b"v"))]
        );
        let q = KvListQuery {
            prefix: b"",
            start_after: None,
            limit: 10,
        };
        assert_eq!(
            names(b, "ns", q, 99_999),
            vec![b"exp".to_vec(), b"keep".to_vec()]
        );
        assert_eq!(names(b, "ns", q, 100_000), vec![b"keep".to_vec()]);
        assert_eq!(b.purge_expired(99_999).expect("purge"), 0);
        assert_eq!(b.purge_expired(100_000).expect("purge"), 1);
        assert_eq!(
            b.get("ns", b"exp", 0).expect("get"),
            None,
            "purged for good"
        );
    }

    /// list orders by unsigned bytes, honours prefix, start_after (exclusive) and limit.
    pub fn list_orders_by_bytes_with_prefix_and_cursor(b: &dyn KvBackend) {
        let keys: [&[u8]; 7] = [
            b"a",
            b"a\x00",
            b"ab",
            b"a\xff",
            b"b",
            &[0xFF],
            &[0xFF, 0xFF],
        ];
        for k in keys.iter().rev() {
            b.put("ns", k, entry(b"v")).expect("put");
        }
        let all = names(
            b,
            "ns",
            KvListQuery {
                prefix: b"",
                start_after: None,
                limit: 100,
            },
            0,
        );
        let expected: Vec<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
        assert_eq!(all, expected);
        let with_prefix = names(
            b,
            "ns",
            KvListQuery {
                prefix: b"a",
                start_after: Some(b"a\x00"),
                limit: 2,
            },
            0,
        );
        assert_eq!(with_prefix, vec![b"ab".to_vec(), b"a\xff".to_vec()]);
        let ff = names(
            b,
            "ns",
            KvListQuery {
                prefix: &[0xFF],
                start_after: None,
                limit: 10,
            },
            0,
        );
        assert_eq!(ff, vec![vec![0xFF], vec![0xFF, 0xFF]]);
        let cursor_before_prefix = names(
            b,
            "ns",
            KvListQuery {
                prefix: b"b",
                start_after: Some(b"a"),
                limit: 10,
            },
            0,
        );
        assert_eq!(cursor_before_prefix, vec![b"b".to_vec()]);
    }

    /// get_many answers in the order asked, with `None` for missing keys.
    pub fn get_many_keeps_order(b: &dyn KvBackend) {
        b.put("ns", b"x", entry(b"1")).expect("put");
        b.put("ns", b"y", entry(b"2")).expect("put");
        assert_eq!(
            b.get_many("ns", &[b"y", b"nope", b"x"], 0)
                .expect("get_many"),
            vec![Some(entry(b"2")), None, Some(entry(b"1"))]
        );
    }

    /// Large values round-trip intact.
    pub fn large_values_roundtrip(b: &dyn KvBackend) {
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        b.put("ns", b"big", entry(&big)).expect("put");
        assert_eq!(
            b.get("ns", b"big", 0).expect("get").expect("present").value,
            big
        );
    }
}

/// Checks for [`SqlDatabase`](crate::SqlDatabase) implementations.
pub mod sql {
    use std::time::Duration;

    use crate::sql::{Consistency, SqlDatabase, SqlStatement, SqlValue};

    /// The timeout every check passes (D1's query limit).
    const T: Duration = Duration::from_secs(30);

    fn run(db: &dyn SqlDatabase, sql: &str, params: Vec<SqlValue>) -> crate::sql::SqlOutput {
        db.execute(&SqlStatement::new(sql, params), Consistency::default(), T)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Values of every type round-trip through bound parameters.
    pub fn values_roundtrip(db: &dyn SqlDatabase) {
        run(db, "CREATE TABLE v (a, b, c, d, e)", vec![]);
        let values = vec![
            SqlValue::Null,
            SqlValue::Integer(-(1 << 60)),
            SqlValue::Real(1.5),
            SqlValue::Text("héllo".into()),
            SqlValue::Blob(vec![0, 1, 255]),
        ];
        let out = run(
            db,
            "INSERT INTO v VALUES (?, ?, ?, ?, ?3)",
            values[..4].to_vec(),
        );
        assert_eq!(out.changes, 1);
        run(db, "DELETE FROM v", vec![]);
        run(
            db,
            "INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)",
            values.clone(),
        );
        let out = run(db, "SELECT a, b, c, d, e FROM v", vec![]);
        assert_eq!(out.columns, vec!["a", "b", "c", "d", "e"]);
        assert_eq!(out.rows, vec![values]);
    }

    /// changes, last_row_id and changed_db describe what a statement did.
    pub fn meta_describes_the_statement(db: &dyn SqlDatabase) {
        let create = run(
            db,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)",
            vec![],
        );
        assert!(create.changed_db);
        assert_eq!(create.changes, 0);
        let ins = run(db, "INSERT INTO t (s) VALUES ('a'), ('b')", vec![]);
        assert_eq!(ins.changes, 2);
        assert_eq!(ins.last_row_id, 2);
        assert!(ins.changed_db);
        assert!(ins.rows.is_empty());
        assert!(ins.size_after > 0);
        let sel = run(db, "SELECT * FROM t", vec![]);
        assert_eq!(sel.changes, 0);
        assert!(!sel.changed_db);
        assert_eq!(sel.rows.len(), 2);
        assert!(sel.rows_read >= 2);
        let noop = run(db, "UPDATE t SET s = 'x' WHERE id = 99", vec![]);
        assert_eq!(noop.changes, 0);
        assert!(!noop.changed_db);
    }

    /// SQLite errors carry the message and the primary code name.
    pub fn errors_carry_message_and_code(db: &dyn SqlDatabase) {
        let err = db
            .execute(
                &SqlStatement::new("SELECT * FROM nope", vec![]),
                Consistency::default(),
                T,
            )
            .expect_err("missing table");
        assert_eq!(err.to_string(), "no such table: nope: SQLITE_ERROR");
        run(db, "CREATE TABLE u (id INTEGER PRIMARY KEY)", vec![]);
        run(db, "INSERT INTO u VALUES (1)", vec![]);
        let err = db
            .execute(
                &SqlStatement::new("INSERT INTO u VALUES (1)", vec![]),
                Consistency::default(),
                T,
            )
            .expect_err("duplicate");
        assert_eq!(err.code, "SQLITE_CONSTRAINT");
        assert!(err.message.contains("UNIQUE constraint failed"), "{err}");
        let err = db
            .execute(
                &SqlStatement::new("SELECT ?", vec![]),
                Consistency::default(),
                T,
            )
            .expect_err("unbound");
        assert_eq!(err.code, "SQLITE_RANGE");
        let err = db
            .execute(
                &SqlStatement::new("BEGIN", vec![]),
                Consistency::default(),
                T,
            )
            .expect_err("begin");
        assert_eq!(err.code, "SQLITE_AUTH");
    }

    /// A failing batch leaves the database as it was.
    pub fn batch_rolls_back_on_failure(db: &dyn SqlDatabase) {
        run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)", vec![]);
        run(db, "INSERT INTO t VALUES (1)", vec![]);
        let seq = db.commit_seq().expect("seq");
        let err = db
            .batch(
                &[
                    SqlStatement::new("INSERT INTO t VALUES (2)", vec![]),
                    SqlStatement::new("INSERT INTO t VALUES (1)", vec![]),
                    SqlStatement::new("INSERT INTO t VALUES (3)", vec![]),
                ],
                Consistency::default(),
                T,
            )
            .expect_err("duplicate key");
        assert_eq!(err.statement_index, Some(1));
        assert_eq!(err.code, "SQLITE_CONSTRAINT");
        let out = run(db, "SELECT id FROM t", vec![]);
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(1)]]);
        assert_eq!(db.commit_seq().expect("seq"), seq, "nothing committed");
        let outs = db
            .batch(
                &[
                    SqlStatement::new("INSERT INTO t VALUES (?)", vec![SqlValue::Integer(2)]),
                    SqlStatement::new("SELECT count(*) AS n FROM t", vec![]),
                ],
                Consistency::default(),
                T,
            )
            .expect("batch");
        assert_eq!(outs[1].rows, vec![vec![SqlValue::Integer(2)]]);
        assert_eq!(outs[0].commit_seq, seq + 1);
    }

    /// The commit sequence grows with each committed write and not with reads.
    pub fn commit_seq_grows_with_writes_only(db: &dyn SqlDatabase) {
        let s0 = db.commit_seq().expect("seq");
        let out = run(db, "CREATE TABLE t (n)", vec![]);
        assert!(out.commit_seq > s0);
        let s1 = db.commit_seq().expect("seq");
        assert_eq!(out.commit_seq, s1);
        let read = run(db, "SELECT * FROM t", vec![]);
        assert_eq!(read.commit_seq, s1);
        assert_eq!(db.commit_seq().expect("seq"), s1);
        let w = run(db, "INSERT INTO t VALUES (1)", vec![]);
        assert!(w.commit_seq > s1);
    }

    /// Scripts run several statements; a failing one rolls the script back.
    pub fn scripts_run_all_statements_atomically(db: &dyn SqlDatabase) {
        db.execute_script(
            "CREATE TABLE s (n);\nINSERT INTO s VALUES (1); INSERT INTO s VALUES (2);",
            true,
            T,
        )
        .expect("script");
        let err = db
            .execute_script(
                "INSERT INTO s VALUES (3); INSERT INTO nope VALUES (1);",
                true,
                T,
            )
            .expect_err("missing table");
        assert_eq!(err.to_string(), "no such table: nope: SQLITE_ERROR");
        let out = run(db, "SELECT count(*) FROM s", vec![]);
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(2)]]);
    }

    /// dump returns a SQLite file.
    pub fn dump_returns_a_sqlite_file(db: &dyn SqlDatabase) {
        run(db, "CREATE TABLE d (n)", vec![]);
        let bytes = db.dump().expect("dump");
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        assert!(db.size_bytes().expect("size") > 0);
    }
}

/// One `#[test]` per KV backend check, for `$factory: Fn() -> (guard, impl KvBackend)`.
#[macro_export]
macro_rules! kv_backend_tests {
    ($factory:expr) => {
        $crate::kv_backend_tests!(@each $factory;
            put_get_roundtrip, namespaces_are_isolated, delete_is_idempotent,
            expired_entries_are_invisible, list_orders_by_bytes_with_prefix_and_cursor,
            get_many_keeps_order, large_values_roundtrip);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, backend) = ($factory)();
                $crate::conformance::kv::$name(&backend);
            }
        )*
    };
}

/// One `#[test]` per SQL backend check, for `$factory: Fn() -> (guard, impl SqlDatabase)`.
#[macro_export]
macro_rules! sql_database_tests {
    ($factory:expr) => {
        $crate::sql_database_tests!(@each $factory;
            values_roundtrip, meta_describes_the_statement, errors_carry_message_and_code,
            batch_rolls_back_on_failure, commit_seq_grows_with_writes_only,
            scripts_run_all_statements_atomically, dump_returns_a_sqlite_file);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, db) = ($factory)();
                $crate::conformance::sql::$name(&db);
            }
        )*
    };
}
