//! The backend test suite: every implementation of the store traits runs all of it.
//!
//! Each check is a plain function over the trait; [`kv_backend_tests!`](crate::kv_backend_tests),
//! [`sql_database_tests!`](crate::sql_database_tests),
//! [`durable_backend_tests!`](crate::durable_backend_tests) (object storage, the alarm index
//! and migrations) and [`backends_tests!`](crate::backends_tests) turn them into one `#[test]`
//! each for a factory returning `(guard, backend)` (the guard keeps e.g. a temp dir alive).
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

/// Checks for [`DurableBackend`](crate::durable::DurableBackend) implementations: the object
/// stores it opens ([`ObjectStorage`](crate::durable::ObjectStorage)), its
/// [`AlarmIndex`](crate::durable::AlarmIndex) and its migration record.
pub mod durable {
    use crate::durable::{
        AlarmEntry, DurableBackend, ObjectBatch, ObjectListQuery, ObjectStorage, ObjectWrite,
    };
    use crate::sql::SqlValue;

    fn put(k: &str, v: &str) -> ObjectWrite {
        ObjectWrite::Put(k.into(), v.as_bytes().to_vec())
    }

    fn keys(s: &dyn ObjectStorage, q: ObjectListQuery) -> Vec<String> {
        s.kv_list(&q)
            .expect("list")
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    fn commit(s: &dyn ObjectStorage, writes: Vec<ObjectWrite>) {
        s.commit(&ObjectBatch {
            writes,
            alarm: None,
        })
        .expect("commit");
    }

    /// Committed KV writes are read back, in UTF-8 byte order, and survive reopening.
    pub fn object_kv_commits_and_reopens(b: &dyn DurableBackend) {
        let s = b.open_object("Counter", "aa01").expect("open");
        assert_eq!(s.kv_get("missing").expect("get"), None);
        commit(
            s.as_ref(),
            vec![
                put("b", "2"),
                put("\u{e9}", "3"),
                put("a", "1"),
                put("gone", "x"),
            ],
        );
        commit(s.as_ref(), vec![ObjectWrite::Delete("gone".into())]);
        assert_eq!(
            keys(s.as_ref(), ObjectListQuery::default()),
            ["a", "b", "\u{e9}"]
        );
        drop(s);
        let s = b.open_object("Counter", "aa01").expect("reopen");
        assert_eq!(s.kv_get("b").expect("get"), Some(b"2".to_vec()));
        assert_eq!(s.kv_get("gone").expect("get"), None);
    }

    /// `start`, `startAfter`, `end`, `prefix`, `reverse` and `limit` select what Workers say.
    pub fn object_list_ranges(b: &dyn DurableBackend) {
        let s = b.open_object("Counter", "aa02").expect("open");
        commit(
            s.as_ref(),
            ["a", "ab", "abc", "b", "ba", "c"]
                .iter()
                .map(|k| put(k, k))
                .collect(),
        );
        let q = |f: fn(&mut ObjectListQuery)| {
            let mut q = ObjectListQuery::default();
            f(&mut q);
            keys(s.as_ref(), q)
        };
        assert_eq!(q(|q| q.prefix = Some("ab".into())), ["ab", "abc"]);
        assert_eq!(q(|q| q.start = Some("b".into())), ["b", "ba", "c"]);
        assert_eq!(q(|q| q.start_after = Some("b".into())), ["ba", "c"]);
        assert_eq!(q(|q| q.end = Some("ab".into())), ["a"]);
        assert_eq!(
            q(|q| {
                q.reverse = true;
                q.limit = Some(2);
            }),
            ["c", "ba"]
        );
        assert_eq!(
            q(|q| {
                q.start = Some("ab".into());
                q.end = Some("b".into());
                q.reverse = true;
            }),
            ["abc", "ab"]
        );
    }

    /// `DeleteAll` clears the KV data; writes after it in the same batch stay.
    pub fn object_delete_all_then_put(b: &dyn DurableBackend) {
        let s = b.open_object("Counter", "aa03").expect("open");
        commit(s.as_ref(), vec![put("a", "1"), put("b", "2")]);
        commit(s.as_ref(), vec![ObjectWrite::DeleteAll, put("c", "3")]);
        assert_eq!(keys(s.as_ref(), ObjectListQuery::default()), ["c"]);
    }

    /// The alarm is part of the commit: set, read back, deleted.
    pub fn object_alarm_commits(b: &dyn DurableBackend) {
        let s = b.open_object("Counter", "aa04").expect("open");
        assert_eq!(s.alarm().expect("alarm"), None);
        s.commit(&ObjectBatch {
            writes: vec![],
            alarm: Some(Some(1_700_000_000_000)),
        })
        .expect("commit");
        assert_eq!(s.alarm().expect("alarm"), Some(1_700_000_000_000));
        s.commit(&ObjectBatch {
            writes: vec![],
            alarm: Some(None),
        })
        .expect("commit");
        assert_eq!(s.alarm().expect("alarm"), None);
    }

    /// SQL writes wait for the next commit, which makes them durable with the KV batch; a
    /// rolled-back savepoint keeps nothing.
    pub fn object_sql_joins_the_commit(b: &dyn DurableBackend) {
        let s = b.open_object("Chat", "aa05").expect("open");
        s.sql_exec("CREATE TABLE t (x INTEGER)", &[])
            .expect("create");
        s.sql_exec("INSERT INTO t VALUES (?)", &[SqlValue::Integer(7)])
            .expect("insert");
        assert!(s.sql_dirty());
        commit(s.as_ref(), vec![put("k", "v")]);
        assert!(!s.sql_dirty());
        s.savepoint("sp").expect("savepoint");
        s.sql_exec("INSERT INTO t VALUES (8)", &[]).expect("insert");
        s.end_savepoint("sp", false).expect("rollback");
        commit(s.as_ref(), vec![]);
        drop(s);
        let s = b.open_object("Chat", "aa05").expect("reopen");
        let rows = s.sql_exec("SELECT x FROM t", &[]).expect("select").rows;
        assert_eq!(rows, vec![vec![SqlValue::Integer(7)]]);
        assert_eq!(s.kv_get("k").expect("get"), Some(b"v".to_vec()));
        assert!(s.size_bytes().expect("size") > 0);
    }

    /// Objects are told apart by class and id; deleting a class keeps the others.
    pub fn classes_and_ids_are_isolated(b: &dyn DurableBackend) {
        for (class, id) in [("A", "01"), ("A", "02"), ("B", "01")] {
            let s = b.open_object(class, id).expect("open");
            commit(s.as_ref(), vec![put("who", &format!("{class}/{id}"))]);
        }
        let who = |class: &str, id: &str| {
            b.open_object(class, id)
                .expect("open")
                .kv_get("who")
                .expect("get")
        };
        assert_eq!(who("A", "02"), Some(b"A/02".to_vec()));
        assert_eq!(who("B", "01"), Some(b"B/01".to_vec()));
        b.delete_class("A").expect("delete class");
        b.delete_class("never-existed")
            .expect("deleting nothing is fine");
        assert_eq!(who("A", "01"), None);
        assert_eq!(who("B", "01"), Some(b"B/01".to_vec()));
    }

    /// The alarm index keeps one entry per object, reports what is due oldest first and the
    /// next time after it, and `clear_if` removes an entry only while it is unchanged.
    pub fn alarm_index_schedules(b: &dyn DurableBackend) {
        let idx = b.alarms();
        assert_eq!(idx.due(i64::MAX - 1).expect("due"), (vec![], None));
        idx.set("A", "01", Some("one"), Some(300), 0).expect("set");
        idx.set("A", "02", None, Some(100), 2).expect("set");
        idx.set("B", "01", None, Some(900), 0).expect("set");
        idx.set("A", "01", Some("one"), Some(200), 1)
            .expect("replace");
        let (due, next) = idx.due(250).expect("due");
        let ids: Vec<(&str, &str, i64, u32)> = due
            .iter()
            .map(|e| (e.class.as_str(), e.id.as_str(), e.time, e.retry))
            .collect();
        assert_eq!(ids, [("A", "02", 100, 2), ("A", "01", 200, 1)]);
        assert_eq!(next, Some(900));
        assert_eq!(
            idx.get("A", "01").expect("get"),
            Some(AlarmEntry {
                class: "A".into(),
                id: "01".into(),
                name: Some("one".into()),
                time: 200,
                retry: 1,
            })
        );
        idx.clear_if("A", "01", 999).expect("clear_if");
        assert!(
            idx.get("A", "01").expect("get").is_some(),
            "another time: kept"
        );
        idx.clear_if("A", "01", 200).expect("clear_if");
        assert_eq!(idx.get("A", "01").expect("get"), None);
        idx.set("B", "01", None, None, 0).expect("clear");
        assert_eq!(idx.due(1_000).expect("due").0.len(), 1);
    }

    /// The migration record starts empty and keeps what was recorded, in order.
    pub fn migrations_are_recorded(b: &dyn DurableBackend) {
        assert!(b.applied_migrations().expect("read").is_empty());
        let tags = vec!["v1".to_string(), "v2 \"quoted\"".to_string()];
        b.record_migrations(&tags).expect("record");
        assert_eq!(b.applied_migrations().expect("read"), tags);
    }
}

/// Checks for [`Backends`](crate::Backends) implementations.
pub mod backends {
    use crate::Backends;
    use crate::durable::{ObjectBatch, ObjectWrite};
    use crate::kv::KvEntry;
    use crate::sql::{Consistency, SqlStatement, SqlValue};

    /// A query limit no check comes near.
    const LONG: std::time::Duration = std::time::Duration::from_secs(30);

    /// The same id gives the same store: what one worker writes, another reads.
    pub fn same_id_same_store(b: &dyn Backends) {
        let entry = KvEntry {
            value: b"v".to_vec(),
            expiration: None,
            metadata: None,
        };
        b.kv()
            .expect("kv")
            .put("NS", b"k", entry.clone())
            .expect("put");
        assert_eq!(
            b.kv().expect("kv").get("NS", b"k", 0).expect("get"),
            Some(entry)
        );
        let db = b.d1("db-1").expect("d1");
        db.execute_script("CREATE TABLE t (x); INSERT INTO t VALUES (1);", true, LONG)
            .expect("script");
        let count = vec![SqlStatement::new("SELECT count(*) AS n FROM t", vec![])];
        let again = b.d1("db-1").expect("d1");
        let out = again
            .batch(&count, Consistency::default(), LONG)
            .expect("select");
        assert_eq!(out[0].rows, vec![vec![SqlValue::Integer(1)]]);
        let other = b.d1("db-2").expect("d1");
        assert!(
            other.batch(&count, Consistency::default(), LONG).is_err(),
            "another id is another database"
        );
    }

    /// Each worker has its own Durable Object state.
    pub fn workers_have_their_own_objects(b: &dyn Backends) {
        let a = b.durable("worker-a").expect("durable");
        let s = a.open_object("C", "01").expect("open");
        s.commit(&ObjectBatch {
            writes: vec![ObjectWrite::Put("k".into(), b"a".to_vec())],
            alarm: None,
        })
        .expect("commit");
        let other = b.durable("worker-b").expect("durable");
        assert_eq!(
            other
                .open_object("C", "01")
                .expect("open")
                .kv_get("k")
                .expect("get"),
            None
        );
        let again = b.durable("worker-a").expect("durable");
        assert_eq!(
            again
                .open_object("C", "01")
                .expect("open")
                .kv_get("k")
                .expect("get"),
            Some(b"a".to_vec())
        );
    }

    /// Every ask for the cache gives the same store: what one worker caches, another finds.
    pub fn one_cache_per_deployment(b: &dyn Backends) {
        use crate::cache::{CacheKey, CacheMeta};
        let meta = CacheMeta {
            status: 200,
            keep_until_ms: u64::MAX / 2,
            fresh_until_ms: u64::MAX / 2,
            ..CacheMeta::default()
        };
        b.cache()
            .expect("cache")
            .insert(CacheKey::new("default", "https://a.test/", ""), meta, b"x")
            .expect("insert");
        assert_eq!(
            b.cache()
                .expect("cache")
                .get("default", "https://a.test/", 0)
                .expect("get")
                .len(),
            1
        );
    }
}

/// Checks for [`CacheStore`](crate::cache::CacheStore) implementations.
pub mod cache {
    use crate::cache::{CacheKey, CacheMeta, CacheStore, Purge};

    fn meta(tags: &[&str]) -> CacheMeta {
        CacheMeta {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            vary: Vec::new(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            stored_ms: 1_000,
            fresh_until_ms: 5_000,
            keep_until_ms: 10_000,
            size: 0,
        }
    }

    fn key(url: &str) -> CacheKey {
        CacheKey::new("default", url, "")
    }

    fn body_of(b: &dyn CacheStore, url: &str) -> Option<Vec<u8>> {
        let found = b.get("default", url, 0).expect("get");
        found
            .first()
            .map(|e| e.body.read_all().expect("read").to_vec())
    }

    /// insert then get returns the metadata (with the size) and the body; a later insert
    /// under the same key replaces it.
    pub fn insert_get_roundtrip(b: &dyn CacheStore) {
        assert!(
            b.get("default", "https://a.test/", 0)
                .expect("get")
                .is_empty()
        );
        b.insert(key("https://a.test/"), meta(&["t"]), b"hello")
            .expect("insert");
        let found = b.get("default", "https://a.test/", 0).expect("get");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].meta,
            CacheMeta {
                size: 5,
                ..meta(&["t"])
            }
        );
        assert_eq!(found[0].key, key("https://a.test/"));
        assert_eq!(found[0].body.read_all().expect("read").as_ref(), b"hello");
        b.insert(key("https://a.test/"), meta(&[]), b"second")
            .expect("insert");
        assert_eq!(
            body_of(b, "https://a.test/").as_deref(),
            Some(&b"second"[..])
        );
        assert_eq!(b.usage().expect("usage").entries, 1);
    }

    /// Variants of one URL live side by side; namespaces are apart.
    pub fn variants_and_namespaces_are_apart(b: &dyn CacheStore) {
        let url = "https://a.test/v";
        b.insert(CacheKey::new("default", url, "en"), meta(&[]), b"en")
            .expect("insert");
        b.insert(CacheKey::new("default", url, "fr"), meta(&[]), b"fr")
            .expect("insert");
        b.insert(CacheKey::new("other", url, "en"), meta(&[]), b"other")
            .expect("insert");
        let mut got: Vec<(String, Vec<u8>)> = b
            .get("default", url, 0)
            .expect("get")
            .into_iter()
            .map(|e| (e.key.variant, e.body.read_all().expect("read").to_vec()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![("en".into(), b"en".to_vec()), ("fr".into(), b"fr".to_vec())]
        );
        assert!(
            b.delete("default", url).expect("delete"),
            "removes every variant"
        );
        assert!(b.get("default", url, 0).expect("get").is_empty());
        assert!(!b.delete("default", url).expect("delete again"));
        assert_eq!(b.get("other", url, 0).expect("get").len(), 1);
    }

    /// Entries past `keep_until_ms` are never returned, before and after eviction.
    pub fn expired_entries_are_invisible(b: &dyn CacheStore) {
        b.insert(key("https://a.test/e"), meta(&[]), b"x")
            .expect("insert");
        assert_eq!(
            b.get("default", "https://a.test/e", 9_999)
                .expect("get")
                .len(),
            1
        );
        assert!(
            b.get("default", "https://a.test/e", 10_000)
                .expect("get")
                .is_empty()
        );
        assert_eq!(b.evict_expired(9_999).expect("evict"), 0);
        // A store may already have dropped it when the read found it expired.
        assert!(b.evict_expired(10_000).expect("evict") <= 1);
        assert!(
            b.get("default", "https://a.test/e", 0)
                .expect("get")
                .is_empty()
        );
    }

    /// A body written in many chunks (several MiB) reads back whole and by range.
    pub fn streamed_bodies_roundtrip(b: &dyn CacheStore) {
        let mut w = b.writer(key("https://a.test/big")).expect("writer");
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let chunk: Vec<u8> = (0..20_000u32).map(|j| ((i * 7 + j) % 251) as u8).collect();
            w.write(&chunk).expect("write");
            expected.extend_from_slice(&chunk);
        }
        assert_eq!(w.written(), expected.len() as u64);
        w.commit(meta(&[])).expect("commit");
        let found = b.get("default", "https://a.test/big", 0).expect("get");
        let body = &found[0].body;
        assert_eq!(body.len(), expected.len() as u64);
        assert_eq!(found[0].meta.size, expected.len() as u64);
        assert_eq!(
            body.read(1_000_000, 10).expect("read").as_ref(),
            &expected[1_000_000..1_000_010]
        );
        assert_eq!(body.read_all().expect("read").as_ref(), expected.as_slice());
    }

    /// A writer dropped without a commit stores nothing and keeps the older entry.
    pub fn an_uncommitted_write_stores_nothing(b: &dyn CacheStore) {
        b.insert(key("https://a.test/u"), meta(&[]), b"old")
            .expect("insert");
        {
            let mut w = b.writer(key("https://a.test/u")).expect("writer");
            w.write(&[9u8; 100_000]).expect("write");
        }
        assert_eq!(body_of(b, "https://a.test/u").as_deref(), Some(&b"old"[..]));
    }

    /// Purges by URL, tag (case-insensitive), prefix, host and everything.
    pub fn purges_remove_what_they_name(b: &dyn CacheStore) {
        let put = |url: &str, tags: &[&str]| {
            b.insert(key(url), meta(tags), b"x").expect("insert");
            b.insert(CacheKey::new("named", url, ""), meta(tags), b"x")
                .expect("insert");
        };
        put("https://a.test/blog/1", &["blog", "post-1"]);
        put("https://a.test/blog/2", &["blog"]);
        put("https://a.test/blogroll", &[]);
        put("https://b.test/x", &["other"]);
        put("https://c.test/y", &[]);
        let live = |url: &str| !b.get("default", url, 0).expect("get").is_empty();
        assert_eq!(
            b.purge(&Purge::Tags(vec!["POST-1".into()])).expect("purge"),
            2
        );
        assert!(!live("https://a.test/blog/1") && live("https://a.test/blog/2"));
        assert_eq!(
            b.purge(&Purge::Prefixes(vec!["a.test/blog".into()]))
                .expect("purge"),
            2
        );
        assert!(!live("https://a.test/blog/2"));
        assert!(
            live("https://a.test/blogroll"),
            "a prefix stops at a path segment"
        );
        assert_eq!(
            b.purge(&Purge::Urls(vec!["https://a.test/blogroll".into()]))
                .expect("purge"),
            2
        );
        assert_eq!(
            b.purge(&Purge::Hosts(vec!["B.test".into()]))
                .expect("purge"),
            2
        );
        assert!(!live("https://b.test/x") && live("https://c.test/y"));
        assert_eq!(
            b.purge(&Purge::Tags(vec!["nothing".into()]))
                .expect("purge"),
            0
        );
        assert_eq!(b.purge(&Purge::Everything).expect("purge"), 2);
        assert!(!live("https://c.test/y"));
        assert_eq!(b.usage().expect("usage").entries, 0);
    }
}

/// Checks for [`QueueBackend`](crate::QueueBackend) implementations.
pub mod queues {
    use crate::queues::{QueueBackend, QueueSend, QueueSettle};

    fn msg(id: &str, at: u64) -> QueueSend {
        QueueSend {
            id: id.into(),
            content_type: "text".into(),
            body: id.as_bytes().to_vec(),
            timestamp_ms: at,
            visible_at_ms: at,
        }
    }

    fn ids(b: &dyn QueueBackend, q: &str, now: u64, max: usize) -> Vec<(String, u32)> {
        b.lease(q, now, max, now + 1_000)
            .expect("lease")
            .into_iter()
            .map(|m| (m.id, m.attempts))
            .collect()
    }

    /// Sent messages are leased oldest first, at most `max`, with attempts counted; a leased
    /// message is invisible until its lease ends, then comes back with one more attempt.
    pub fn lease_hands_out_ready_messages_once(b: &dyn QueueBackend) {
        b.send("q", &[msg("a", 10), msg("b", 11), msg("c", 12)])
            .expect("send");
        b.send("other", &[msg("x", 10)]).expect("send");
        let r = b.ready("q", 20).expect("ready");
        assert_eq!(
            (r.ready, r.ready_since_ms, r.next_visible_ms),
            (3, Some(10), None)
        );
        assert_eq!(ids(b, "q", 20, 2), [("a".into(), 1), ("b".into(), 1)]);
        assert_eq!(ids(b, "q", 20, 10), [("c".to_string(), 1)]);
        assert!(ids(b, "q", 500, 10).is_empty(), "leased until 1020/1000");
        let r = b.ready("q", 500).expect("ready");
        assert_eq!((r.ready, r.next_visible_ms), (0, Some(1_020)));
        assert_eq!(
            ids(b, "q", 1_020, 10),
            [("a".into(), 2), ("b".into(), 2), ("c".into(), 2)]
        );
        let bl = b.backlog("q").expect("backlog");
        assert_eq!(
            (bl.count, bl.bytes, bl.oldest_timestamp_ms),
            (3, 3, Some(10))
        );
    }

    /// Ack deletes, retry makes the message ready at the given time, move puts it on another
    /// queue with attempts reset.
    pub fn settle_acks_retries_and_moves(b: &dyn QueueBackend) {
        b.send("q", &[msg("a", 0), msg("b", 0), msg("c", 0)])
            .expect("send");
        assert_eq!(ids(b, "q", 0, 10).len(), 3);
        b.settle(
            "q",
            &[
                QueueSettle::Ack("a".into()),
                QueueSettle::Retry {
                    id: "b".into(),
                    visible_at_ms: 50,
                },
                QueueSettle::Move {
                    id: "c".into(),
                    to: "dlq".into(),
                    visible_at_ms: 0,
                },
            ],
        )
        .expect("settle");
        assert!(ids(b, "q", 49, 10).is_empty());
        assert_eq!(ids(b, "q", 50, 10), [("b".to_string(), 2)]);
        let moved = b.lease("dlq", 0, 10, 10).expect("lease");
        assert_eq!(moved.len(), 1);
        assert_eq!(
            (
                moved[0].id.as_str(),
                moved[0].attempts,
                moved[0].body.as_slice()
            ),
            ("c", 1, &b"c"[..])
        );
    }

    /// Messages sent with a delay are not ready before it; `ready` says when they will be.
    pub fn delayed_messages_wait(b: &dyn QueueBackend) {
        b.send("q", &[msg("late", 100)]).expect("send");
        assert_eq!(b.ready("q", 99).expect("ready").next_visible_ms, Some(100));
        assert!(ids(b, "q", 99, 10).is_empty());
        assert_eq!(ids(b, "q", 100, 10).len(), 1);
    }

    /// `list` names every queue holding messages; `purge` empties one.
    pub fn list_and_purge(b: &dyn QueueBackend) {
        assert!(b.list().expect("list").is_empty());
        b.send("b", &[msg("1", 0), msg("2", 0)]).expect("send");
        b.send("a", &[msg("3", 0)]).expect("send");
        let l = b.list().expect("list");
        let names: Vec<_> = l.iter().map(|(n, bl)| (n.as_str(), bl.count)).collect();
        assert_eq!(names, [("a", 1), ("b", 2)]);
        assert_eq!(b.purge("b").expect("purge"), 2);
        assert_eq!(b.purge("b").expect("purge"), 0);
        assert_eq!(b.backlog("b").expect("backlog").count, 0);
        assert_eq!(b.list().expect("list").len(), 1);
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

/// One `#[test]` per Durable Object backend check, for
/// `$factory: Fn() -> (guard, impl DurableBackend)`.
#[macro_export]
macro_rules! durable_backend_tests {
    ($factory:expr) => {
        $crate::durable_backend_tests!(@each $factory;
            object_kv_commits_and_reopens, object_list_ranges, object_delete_all_then_put,
            object_alarm_commits, object_sql_joins_the_commit, classes_and_ids_are_isolated,
            alarm_index_schedules, migrations_are_recorded);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, backend) = ($factory)();
                $crate::conformance::durable::$name(&backend);
            }
        )*
    };
}

/// One `#[test]` per [`Backends`](crate::Backends) check, for
/// `$factory: Fn() -> (guard, impl Backends)`.
#[macro_export]
macro_rules! backends_tests {
    ($factory:expr) => {
        $crate::backends_tests!(@each $factory; same_id_same_store, workers_have_their_own_objects,
            one_cache_per_deployment);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, backends) = ($factory)();
                $crate::conformance::backends::$name(&backends);
            }
        )*
    };
}

/// One `#[test]` per cache store check, for `$factory: Fn() -> (guard, impl CacheStore)`.
#[macro_export]
macro_rules! cache_store_tests {
    ($factory:expr) => {
        $crate::cache_store_tests!(@each $factory;
            insert_get_roundtrip, variants_and_namespaces_are_apart, expired_entries_are_invisible,
            streamed_bodies_roundtrip, an_uncommitted_write_stores_nothing,
            purges_remove_what_they_name);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, store) = ($factory)();
                $crate::conformance::cache::$name(&store);
            }
        )*
    };
}

/// One `#[test]` per queue backend check, for `$factory: Fn() -> (guard, impl QueueBackend)`.
#[macro_export]
macro_rules! queue_backend_tests {
    ($factory:expr) => {
        $crate::queue_backend_tests!(@each $factory;
            lease_hands_out_ready_messages_once, settle_acks_retries_and_moves,
            delayed_messages_wait, list_and_purge);
    };
    (@each $factory:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (_guard, backend) = ($factory)();
                $crate::conformance::queues::$name(&backend);
            }
        )*
    };
}
