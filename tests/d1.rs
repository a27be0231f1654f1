//! D1 through the real binary: `verge d1 migrations apply` then `verge dev` serving
//! `tests/fixtures/d1`, whose worker drives `env.DB` and answers with JSON of what it saw
//! (errors as `Class: message`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Verge, client, fixture, run_verge};
use serde_json::{Value, json};

const ARGS: &[&str] = &["--threads", "1", "--no-reload"];

/// `verge d1 --cwd <fixture> --persist-to <state> ARGS`; panics on failure.
fn cli(state: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = cli_result(state, args);
    assert!(ok, "verge d1 {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

fn cli_result(state: &Path, args: &[&str]) -> (bool, String, String) {
    let dir = fixture("d1");
    let mut all = vec![
        "d1",
        "--cwd",
        dir.to_str().expect("utf-8 path"),
        "--persist-to",
        state.to_str().expect("utf-8 path"),
    ];
    all.extend_from_slice(args);
    run_verge(&all)
}

/// A state directory with the fixture's migrations applied.
fn migrated() -> tempfile::TempDir {
    let state = tempfile::tempdir().expect("state");
    cli(state.path(), &["migrations", "apply", "DB"]);
    state
}

fn start(state: &Path) -> Verge {
    Verge::start_with_state(&fixture("d1"), state, ARGS, None)
}

fn get_text(url: &str) -> String {
    let r = client().get(url).send().expect("request");
    let status = r.status();
    let text = r.text().expect("body");
    assert_eq!(status, 200, "{url}: {text}");
    text
}

fn get_json(url: &str) -> Value {
    let text = get_text(url);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

#[test]
fn statements_bind_and_map_types_as_d1_does() {
    let state = migrated();
    let v = start(state.path());
    let out = get_json(&v.url("/statements"));
    assert_eq!(
        out["run"],
        json!({"success": true, "results": [], "changes": 1, "last_row_id": 1, "changed_db": true, "rows_written": 1})
    );
    let keys: Vec<&str> = out["metaKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for k in [
        "changed_db",
        "changes",
        "duration",
        "last_row_id",
        "rows_read",
        "rows_written",
        "served_by",
        "size_after",
    ] {
        assert!(keys.contains(&k), "meta has {k}: {keys:?}");
    }
    assert_eq!(out["metaTypes"], json!(vec!["number"; 6]));
    assert_eq!(out["servedBy"], "string");
    // INTEGER/REAL/TEXT/BLOB/NULL; booleans stored as 1/0; blobs read back as byte arrays;
    // ArrayBuffer, Uint8Array and plain byte arrays all bind as BLOBs.
    assert_eq!(
        out["all"],
        json!([
            {"id": 1, "name": "ann", "score": 1.5, "data": [1, 2, 255], "flag": 1, "note": null},
            {"id": 2, "name": "bob", "score": -2, "data": [7], "flag": 0, "note": "x"},
            {"id": 3, "name": "cy", "score": 3, "data": [4, 5], "flag": 0, "note": "2^53+1"}
        ])
    );
    assert_eq!(out["allShape"], json!([true, "object", false, 3]));
    assert_eq!(
        out["types"],
        json!({"s": "real", "d": "blob", "f": "integer", "n": "null"})
    );
    assert_eq!(out["first"], json!({"name": "bob", "score": -2}));
    assert_eq!(out["firstCol"], "cy");
    assert_eq!(out["firstNone"], Value::Null);
    assert_eq!(out["firstColNone"], Value::Null);
    assert_eq!(
        out["firstMissingCol"],
        "Error: D1_COLUMN_NOTFOUND: Column not found (nope)"
    );
    assert_eq!(out["raw"], json!([[1, "ann"], [2, "bob"], [3, "cy"]]));
    assert_eq!(
        out["rawNames"],
        json!([["id", "name"], [1, "ann"], [2, "bob"]])
    );
    assert_eq!(
        out["rawNamesEmpty"],
        json!([["id", "name"]]),
        "column names even with no rows"
    );
    assert_eq!(out["numbered"], json!({"b": "y", "a": "x", "b2": "y"}));
    assert_eq!(
        out["bigint"],
        json!({"big": 9_007_199_254_740_992_u64, "small": 42, "real": 1.25, "blob": [0, 255], "nil": null}),
        "integers above 2^53 lose precision"
    );
    assert_eq!(out["update"], 2);
    assert_eq!(out["selectWriteResults"], json!([]));
    // RETURNING lists rows in the order SQLite changes them (rowid order), not ORDER BY's.
    assert_eq!(
        out["limitedUpdate"],
        json!([{"id": 2, "note": "top"}, {"id": 3, "note": "top"}])
    );
    assert_eq!(out["limitedDelete"], json!([{"id": 2}]));
    assert_eq!(out["afterLimited"], json!([[1, null], [3, "top"]]));
    assert!(
        out["orderWithoutLimit"]
            .as_str()
            .is_some_and(|e| e.starts_with("Error: D1_ERROR: ORDER BY without LIMIT on DELETE")),
        "{}",
        out["orderWithoutLimit"]
    );
}

#[test]
fn batch_is_atomic_and_exec_is_not() {
    let state = migrated();
    let v = start(state.path());
    let out = get_json(&v.url("/batches"));
    assert_eq!(
        out["ok"],
        json!([[true, [], 1], [true, [], 1], [true, [{"n": 2}], 0]])
    );
    assert_eq!(out["before"], 2);
    assert_eq!(
        out["failed"],
        "Error: D1_ERROR: UNIQUE constraint failed: log.id: SQLITE_CONSTRAINT"
    );
    assert_eq!(out["after"], 2, "the failed batch left nothing behind");
    assert_eq!(out["afterIds"], json!([1, 2]));
    assert_eq!(
        out["failedCause"],
        "UNIQUE constraint failed: log.id: SQLITE_CONSTRAINT"
    );
    assert_eq!(out["empty"], 0);
    assert_eq!(out["exec"], json!([3, "number"]));
    assert_eq!(
        out["execFail"],
        "Error: D1_EXEC_ERROR: Error in line 2: INSERT INTO nope VALUES (4);: no such table: nope: SQLITE_ERROR"
    );
    assert_eq!(
        out["execAfter"],
        json!([1, 2, 3]),
        "exec keeps lines before the failure and stops at it"
    );
}

#[test]
fn errors_and_limits_carry_the_d1_prefixes() {
    let state = migrated();
    let v = start(state.path());
    let out = get_json(&v.url("/errors"));
    let expected = json!({
        "noTable": "Error: D1_ERROR: no such table: nope: SQLITE_ERROR",
        "noTableCause": "Error: no such table: nope: SQLITE_ERROR",
        "unique": "Error: D1_ERROR: UNIQUE constraint failed: users.name: SQLITE_CONSTRAINT",
        "notNull": "Error: D1_ERROR: NOT NULL constraint failed: users.name: SQLITE_CONSTRAINT",
        "bindUndefined": "Error: D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'",
        "bindObject": "Error: D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'",
        "bindBigint": "Error: D1_TYPE_ERROR: Type 'bigint' not supported for value '1'",
        "params101": "Error: D1_ERROR: too many SQL variables: 101 bound, limit is 100: SQLITE_RANGE",
        "params100": 100,
        "sessionEmpty": "Error: D1_SESSION_ERROR: invalid bookmark or constraint",
        "sessionGarbage": "Error: D1_SESSION_ERROR: invalid bookmark or constraint",
        "syntax": "Error: D1_ERROR: near \"SELEC\": syntax error at offset 0: SQLITE_ERROR",
        "tooBig": "Error: D1_ERROR: string or blob too big: SQLITE_TOOBIG",
        "funcArgs": "Error: D1_ERROR: too many arguments on function max at offset 7: SQLITE_ERROR",
        "funcArgs32": 1,
        "likePattern": "Error: D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR",
        "likePattern50": 1,
        "columns": "Error: D1_ERROR: too many columns in result set: SQLITE_ERROR",
    });
    for (k, want) in expected.as_object().expect("object") {
        assert_eq!(&out[k], want, "{k}");
    }
    let long = out["longStatement"].as_str().expect("longStatement");
    assert!(
        long.starts_with("Error: D1_ERROR: statement too long") && long.ends_with("SQLITE_TOOBIG"),
        "{long}"
    );
    let tx = out["userTransaction"].as_str().expect("userTransaction");
    assert!(tx.starts_with("Error: D1_ERROR: "), "{tx}");
}

#[test]
fn sessions_and_bookmarks_only_move_forward() {
    let state = migrated();
    let v = start(state.path());
    let out = get_json(&v.url("/sessions"));
    assert_eq!(out["fresh"], "null", "no query yet: null, not undefined");
    assert_eq!(out["primaryFresh"], "null");
    assert_eq!(out["unconstrained"], "null");
    let b = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: {out}"))
            .to_owned()
    };
    assert!(b("b1") < b("b2"), "{out}");
    assert_eq!(b("afterRead"), b("b2"));
    assert!(b("primaryAfter") >= b("b2"));
    assert_eq!(
        b("fromBookmark"),
        b("b1"),
        "a bookmark session starts at it"
    );
    assert!(b("fromAfter") >= b("b2"), "and moves on once it sees newer");
    assert_eq!(out["batchLen"], 1);
    assert!(b("b3") > b("b2"));
    // Across requests (and restarts, below) every write's bookmark is later.
    let mut last = b("b3");
    for _ in 0..5 {
        let next = get_text(&v.url("/bookmark"));
        assert!(next > last, "{next} after {last}");
        last = next;
    }
    drop(v);
    let v = start(state.path());
    let next = get_text(&v.url("/bookmark"));
    assert!(next > last, "after restart: {next} after {last}");
}

#[test]
fn dump_returns_a_sqlite_file() {
    let state = migrated();
    let v = start(state.path());
    get_text(&v.url("/log?id=1&msg=dumped"));
    let bytes = client()
        .get(v.url("/dump"))
        .send()
        .expect("dump")
        .bytes()
        .expect("body");
    assert!(bytes.len() >= 512, "{} bytes", bytes.len());
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
}

#[test]
fn parallel_increments_lose_no_update() {
    let state = migrated();
    let v = Verge::start_with_state(
        &fixture("d1"),
        state.path(),
        &["--threads", "2", "--no-reload"],
        None,
    );
    const THREADS: usize = 8;
    const PER: usize = 10;
    let base = Arc::new(v.base.clone());
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let base = base.clone();
            std::thread::spawn(move || {
                let c = client();
                for _ in 0..PER {
                    let r = c.get(format!("{base}/incr")).send().expect("incr");
                    assert_eq!(r.status(), 200);
                    assert_eq!(r.text().expect("body"), "1");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("incrementer");
    }
    assert_eq!(get_json(&v.url("/counter")), THREADS * PER);
}

#[test]
fn rows_survive_a_restart() {
    let state = migrated();
    {
        let v = start(state.path());
        get_text(&v.url("/log?id=7&msg=persisted"));
        get_text(&v.url("/incr"));
        // SIGKILL on drop.
    }
    let v = start(state.path());
    assert_eq!(get_json(&v.url("/logs")), json!([[7, "persisted"]]));
    assert_eq!(get_json(&v.url("/counter")), 1);
}

fn pseudo_random(n: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    u64::from(nanos) % n
}

#[test]
fn acknowledged_inserts_survive_kill_9() {
    let state = migrated();
    let mut v = start(state.path());
    let acked = Arc::new(AtomicUsize::new(0));
    let writer = {
        let base = v.base.clone();
        let acked = acked.clone();
        std::thread::spawn(move || {
            let c = client();
            for i in 1.. {
                match c.get(format!("{base}/log?id={i}&msg=m{i}")).send() {
                    Ok(r) if r.status() == 200 => acked.store(i, Ordering::SeqCst),
                    _ => return,
                }
            }
        })
    };
    let target = 20 + usize::try_from(pseudo_random(80)).expect("small");
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::SeqCst) < target {
        assert!(Instant::now() < deadline, "inserts too slow");
        std::thread::yield_now();
    }
    v.kill();
    writer.join().expect("writer");
    let acked = acked.load(Ordering::SeqCst);

    let v = start(state.path());
    let rows = get_json(&v.url("/logs"));
    let rows = rows.as_array().expect("rows");
    assert!(
        rows.len() >= acked,
        "{} rows, {acked} acknowledged",
        rows.len()
    );
    for (i, row) in rows.iter().take(acked).enumerate() {
        assert_eq!(
            row,
            &json!([i + 1, format!("m{}", i + 1)]),
            "acknowledged insert {}",
            i + 1
        );
    }
}

fn temp_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn cli_execute_export_and_migrations() {
    let state = tempfile::tempdir().expect("state");
    let st = state.path();
    let work = tempfile::tempdir().expect("work");

    // Migrations: listed as pending, applied once in order, then listed with a time.
    let listed = cli(st, &["migrations", "list", "DB"]);
    assert!(
        listed.contains("0001_init.sql") && listed.contains("0002_log.sql"),
        "{listed}"
    );
    assert_eq!(listed.matches("(not applied)").count(), 2, "{listed}");
    let applied = cli(st, &["migrations", "apply", "DB"]);
    let (a, b) = (
        applied.find("0001_init.sql").expect("0001 applied"),
        applied.find("0002_log.sql").expect("0002 applied"),
    );
    assert!(a < b, "applied in name order: {applied}");
    assert!(cli(st, &["migrations", "apply", "DB"]).contains("No migrations to apply"));
    let listed = cli(st, &["migrations", "list", "DB"]);
    assert!(!listed.contains("(not applied)"), "{listed}");

    // execute --command prints a table; the database is also reachable by name and id.
    cli(
        st,
        &[
            "execute",
            "DB",
            "--command",
            "INSERT INTO log (id, msg) VALUES (1, 'from cli')",
        ],
    );
    let table = cli(
        st,
        &["execute", "testdb", "--command", "SELECT id, msg FROM log"],
    );
    assert!(
        table.contains("msg") && table.contains("from cli"),
        "{table}"
    );
    let json_out = cli(
        st,
        &[
            "execute",
            "d1-test-db",
            "--command",
            "SELECT n FROM counter",
            "--json",
        ],
    );
    let parsed: Value = serde_json::from_str(&json_out).expect("json output");
    // wrangler's shape: one entry per statement with its rows and meta.
    let [entry] = parsed.as_array().expect("an array").as_slice() else {
        panic!("one statement, one result: {parsed}");
    };
    assert_eq!(entry["results"], json!([{"n": 0}]), "{parsed}");
    assert_eq!(entry["success"], true, "{parsed}");
    assert_eq!(entry["meta"]["changes"], 0, "{parsed}");
    assert_eq!(entry["meta"]["changed_db"], false, "{parsed}");
    assert_eq!(entry["meta"]["rows_written"], 0, "{parsed}");
    assert!(entry["meta"]["rows_read"].as_u64() >= Some(1), "{parsed}");
    assert!(entry["meta"]["duration"].is_number(), "{parsed}");
    // Two statements, two entries, in order; a write reports its change.
    let two: Value = serde_json::from_str(&cli(
        st,
        &[
            "execute",
            "DB",
            "--command",
            "UPDATE counter SET n = n + 5; SELECT n FROM counter",
            "--json",
        ],
    ))
    .expect("json output");
    assert_eq!(two[0]["results"], json!([]), "{two}");
    assert_eq!(two[0]["meta"]["changes"], 1, "{two}");
    assert_eq!(two[0]["meta"]["changed_db"], true, "{two}");
    assert_eq!(two[1]["results"], json!([{"n": 5}]), "{two}");
    assert_eq!(two.as_array().map(Vec::len), Some(2), "{two}");

    // --file runs every statement, in one transaction: a failure applies none.
    let schema = temp_file(
        work.path(),
        "schema.sql",
        "CREATE TABLE things (id INTEGER PRIMARY KEY, label TEXT);\n\
         INSERT INTO things VALUES (1, 'one');\nINSERT INTO things VALUES (2, 'two; with semicolon');\n",
    );
    cli(st, &["execute", "DB", "--file", schema.to_str().unwrap()]);
    let bad = temp_file(
        work.path(),
        "bad.sql",
        "INSERT INTO things VALUES (3, 'three');\nINSERT INTO things VALUES (1, 'dup');\n",
    );
    let (ok, _, stderr) = cli_result(st, &["execute", "DB", "--file", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("UNIQUE constraint failed"), "{stderr}");
    let (ok, _, stderr) = cli_result(st, &["execute", "NOPE", "--command", "SELECT 1"]);
    assert!(!ok && stderr.contains("NOPE"), "{stderr}");

    // The worker sees what the CLI wrote (same state directory), and the CLI sees the worker's.
    let v = start(st);
    assert_eq!(
        get_json(&v.url("/query?sql=SELECT%20id%2C%20label%20FROM%20things%20ORDER%20BY%20id"))["results"],
        json!([{"id": 1, "label": "one"}, {"id": 2, "label": "two; with semicolon"}])
    );
    get_text(&v.url("/log?id=2&msg=from%20worker"));
    let table = cli(
        st,
        &[
            "execute",
            "DB",
            "--command",
            "SELECT msg FROM log WHERE id = 2",
        ],
    );
    assert!(table.contains("from worker"), "{table}");

    // export: SQL text by default, the SQLite file with --sqlite.
    let sql_path = work.path().join("out.sql");
    cli(
        st,
        &["export", "DB", "--output", sql_path.to_str().unwrap()],
    );
    let sql = std::fs::read_to_string(&sql_path).expect("export");
    assert!(sql.contains("CREATE TABLE things"), "{sql}");
    assert!(sql.contains("INSERT INTO"), "{sql}");
    assert!(sql.contains("from worker"), "{sql}");
    let db_path = work.path().join("out.sqlite");
    cli(
        st,
        &[
            "export",
            "DB",
            "--output",
            db_path.to_str().unwrap(),
            "--sqlite",
        ],
    );
    let bytes = std::fs::read(&db_path).expect("sqlite export");
    assert_eq!(&bytes[..16], b"SQLite format 3\0");

    // The exported SQL rebuilds the data in a fresh database.
    let fresh = tempfile::tempdir().expect("fresh state");
    cli(
        fresh.path(),
        &["execute", "DB", "--file", sql_path.to_str().unwrap()],
    );
    let table = cli(
        fresh.path(),
        &[
            "execute",
            "DB",
            "--command",
            "SELECT label FROM things WHERE id = 2",
        ],
    );
    assert!(table.contains("two; with semicolon"), "{table}");
}

/// Workers' message for transaction control in D1 and Durable Object SQL (workerd's text).
const TRANSACTION_DENIED: &str = "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.";

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn d1_sql_cannot_leave_the_database_file() {
    let state = migrated();
    let attack = tempfile::tempdir().expect("attack dir");
    let dir = attack.path().to_str().expect("utf-8 path");
    let v = start(state.path());
    let url = reqwest::Url::parse_with_params(&v.url("/sandbox"), &[("dir", dir)]).expect("url");
    let out = get_json(url.as_str());
    let denied = "Error: D1_ERROR: not authorized: SQLITE_AUTH";
    let expected = json!({
        "attach": denied,
        "leadingSemicolon": denied,
        "blockComment": denied,
        "lineComment": denied,
        "execSecond": format!("Error: D1_EXEC_ERROR: Error in line 1: SELECT 1; ATTACH DATABASE '{dir}/e.sqlite' AS x: not authorized: SQLITE_AUTH"),
        "batch": denied,
        "vacuumInto": "Error: D1_ERROR: cannot VACUUM from within a transaction: SQLITE_ERROR",
        "writableSchema": denied,
        "synchronousOff": denied,
        "loadExtension": "Error: D1_ERROR: not authorized to use function: load_extension at offset 7: SQLITE_ERROR",
        "meta": "Error: D1_ERROR: access to _cf_verge_meta.id is prohibited: SQLITE_AUTH",
        "begin": format!("Error: D1_ERROR: {TRANSACTION_DENIED}: SQLITE_AUTH"),
        "tableInfo": ["id", "msg"],
        "quickCheck": "ok",
        "deferForeignKeys": [],
    });
    assert_eq!(out, expected);
    assert_eq!(
        files_in(attack.path()),
        Vec::<String>::new(),
        "no file was made"
    );
}

#[test]
fn a_runaway_d1_query_is_stopped_at_the_query_limit_and_the_database_keeps_serving() {
    let state = migrated();
    let mut args = ARGS.to_vec();
    args.extend(["--d1-query-timeout-ms", "200"]);
    let v = Verge::start_with_state(&fixture("d1"), state.path(), &args, None);
    let out = get_json(&v.url("/runaway"));
    let message = "D1 DB storage operation exceeded timeout which caused object to be reset.";
    let timed_out = json!([format!("D1_ERROR: {message}"), message]);
    assert_eq!(
        out,
        json!({"read": timed_out, "write": timed_out, "exec": timed_out})
    );
    assert_eq!(get_text(&v.url("/incr")), "1", "the database takes writes");
    assert_eq!(get_json(&v.url("/counter")), json!(1));
    assert_eq!(
        get_json(&v.url("/logs")),
        json!([]),
        "the stopped writes left nothing"
    );
}

#[test]
fn cli_migrations_create_numbers_the_next_file_and_list_shows_it_pending() {
    let project = common::copy_fixture("d1");
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str]| {
        let mut all = vec!["d1", "--cwd", project.path().to_str().expect("utf-8")];
        all.extend_from_slice(&["--persist-to", state.path().to_str().expect("utf-8")]);
        all.extend_from_slice(args);
        let (ok, stdout, stderr) = run_verge(&all);
        assert!(ok, "verge {all:?} failed:\n{stdout}\n{stderr}");
        stdout
    };
    let out = run(&["migrations", "create", "DB", "add score index"]);
    let created = project.path().join("migrations/0003_add_score_index.sql");
    assert!(out.contains("0003_add_score_index.sql"), "{out}");
    let text = std::fs::read_to_string(&created).expect("the new migration file");
    assert!(text.starts_with("-- Migration number: 0003"), "{text}");
    std::fs::write(&created, "CREATE INDEX users_score ON users (score);\n").unwrap();
    let listed = run(&["migrations", "list", "DB"]);
    assert_eq!(listed.matches("(not applied)").count(), 3, "{listed}");
    let applied = run(&["migrations", "apply", "DB"]);
    assert!(applied.contains("0003_add_score_index.sql"), "{applied}");
    let idx = run(&[
        "execute",
        "DB",
        "--command",
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'users_score'",
        "--json",
    ]);
    let idx: Value = serde_json::from_str(&idx).expect("json");
    assert_eq!(idx[0]["results"], json!([{"name": "users_score"}]), "{idx}");
}
