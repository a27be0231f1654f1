//! Durable Objects through the real binary (`tests/fixtures/durable`).

mod common;

use std::time::{Duration, Instant};

use common::{Verge, client, fixture};

fn get_json(v: &Verge, path: &str) -> serde_json::Value {
    client().get(v.url(path)).send().unwrap().json().unwrap()
}

fn start(state: &std::path::Path, extra: &[&str]) -> Verge {
    let mut args = vec!["--no-reload"];
    args.extend_from_slice(extra);
    Verge::start_with_state(&fixture("durable"), state, &args, None)
}

#[test]
fn concurrent_increments_never_lose_an_update_and_hit_one_instance() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &["--threads", "2"]);
    let url = v.url("/inc?name=race");
    let handles: Vec<_> = (0..40)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || client().get(url).send().unwrap().json::<i64>().unwrap())
        })
        .collect();
    let mut seen: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=40).collect::<Vec<_>>());
    assert_eq!(get_json(&v, "/get?name=race"), 40);
    let first = get_json(&v, "/whoami?name=race");
    for _ in 0..10 {
        assert_eq!(
            get_json(&v, "/whoami?name=race")["instance"],
            first["instance"],
            "one live instance per id"
        );
    }
    assert_eq!(
        first["ready"], true,
        "blockConcurrencyWhile in the constructor gates the first call"
    );
    assert_eq!(first["name"], "race");
    assert_eq!(first["id"].as_str().unwrap().len(), 64);
}

#[test]
fn stub_fetch_and_rpc_carry_values_and_errors() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    let c = client();
    let r = c.get(v.url("/fetch")).send().unwrap();
    assert_eq!(r.headers().get("x-do").unwrap(), "yes");
    assert_eq!(r.text().unwrap(), "count=1 via POST /hello");
    let r = c.get(v.url("/fetch-boom")).send().unwrap();
    assert_eq!(r.text().unwrap(), "fetch boom remote=true");
    assert_eq!(
        get_json(&v, "/roundtrip"),
        serde_json::json!({"map": 1, "big": "bigint", "date": 7, "hasU": true, "negzero": true})
    );
    assert_eq!(
        get_json(&v, "/fail"),
        serde_json::json!({"name": "RangeError", "message": "bad input", "remote": true})
    );
    let ids = get_json(&v, "/ids");
    assert_eq!(
        ids,
        serde_json::json!({"same": true, "hex": 64, "name": "x", "uniqueName": null, "roundtrip": true, "foreign": "TypeError", "malformed": "TypeError"})
    );
}

#[test]
fn storage_kv_api_follows_the_semantics() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    let s = get_json(&v, "/semantics?name=sem");
    assert_eq!(s["cloned"], true, "values are cloned at put");
    assert_eq!(s["distinct"], true, "each get returns a new object");
    assert_eq!(
        s["list"],
        serde_json::json!(["a", "b", "buf", "d", "m", "obj", "é"])
    );
    assert_eq!(s["rev"], serde_json::json!(["é", "obj"]));
    assert_eq!(s["mapSet"], true);
    assert_eq!(s["date"], 5);
    assert_eq!(s["buf"], serde_json::json!([1, 2, 3]));
    assert_eq!(s["del"], true);
    assert_eq!(s["delMissing"], false);
    assert_eq!(s["many"], serde_json::json!(["a", "é"]));
    assert_eq!(
        s["rollbackError"], "Error: abort",
        "transaction() ran the callback, which threw"
    );
    assert_eq!(s["txnSaw"], 1, "the transaction reads its own write");
    assert_eq!(s["rolledBack"], true);
}

#[test]
fn sql_api_runs_on_sqlite_classes_only() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    let s = get_json(&v, "/sql?name=sql");
    assert_eq!(
        s["rows"],
        serde_json::json!([{"id": 1, "name": "apple"}, {"id": 2, "name": "pear"}])
    );
    assert_eq!(s["one"], 2);
    assert_eq!(s["raw"], serde_json::json!([["apple"], ["pear"]]));
    assert_eq!(s["columns"], serde_json::json!(["id", "name"]));
    assert!(s["begin"].as_str().unwrap().contains("transactionSync"));
    assert_eq!(s["syncError"], "Error: no", "the callback's own error");
    assert_eq!(
        s["ghostInside"], 1,
        "the callback's insert was visible inside"
    );
    assert_eq!(s["ghost"], 0, "transactionSync rolls back on throw");
    assert_eq!(s["size"], true);
    let legacy = get_json(&v, "/legacy-sql");
    assert!(
        legacy.as_str().unwrap().contains("new_sqlite_classes"),
        "{legacy}"
    );
}

#[test]
fn an_acknowledged_write_survives_kill_9() {
    let state = tempfile::tempdir().unwrap();
    let mut v = start(state.path(), &[]);
    for i in 1..=5 {
        assert_eq!(get_json(&v, "/inc?name=durable"), i);
    }
    v.kill();
    let v = start(state.path(), &[]);
    assert_eq!(get_json(&v, "/get?name=durable"), 5);
}

#[test]
fn a_transaction_rollback_keeps_other_events_writes_and_alarms() {
    let state = tempfile::tempdir().unwrap();
    let mut v = start(state.path(), &[]);
    // `txnWaits` writes in a transaction, then awaits a promise that `putAndWake` resolves
    // right after its own put and setAlarm (still uncommitted), then throws.
    let r = get_json(&v, "/txn-race?name=txn");
    assert_eq!(r["inside"], 1, "the transaction reads its own write");
    assert_eq!(
        r["woken"], true,
        "putAndWake ran while the transaction was open: {r}"
    );
    assert_eq!(r["error"], "Error: abort", "the callback's own error: {r}");
    assert_eq!(
        r["after"],
        serde_json::Value::Null,
        "its write is rolled back"
    );
    assert_eq!(
        r["k"]["v"], "ok",
        "another event's acknowledged write survives: {r}"
    );
    assert!(r["k"]["alarm"].is_number(), "and so does its alarm: {r}");
    v.kill();
    let v = start(state.path(), &[]);
    let k = get_json(&v, "/read-key?name=txn&key=k");
    assert_eq!(k["v"], "ok", "durable: {k}");
    assert!(k["alarm"].is_number(), "{k}");
}

#[test]
fn sql_writes_are_committed_wherever_they_are_in_the_query() {
    let state = tempfile::tempdir().unwrap();
    let mut v = start(state.path(), &[]);
    get_json(&v, "/sql-setup?name=multi");
    assert_eq!(get_json(&v, "/sql-multi?name=multi"), 2);
    // deleteAll drops the tables that exist when it is called, not those created after it.
    get_json(&v, "/sql-delete-all?name=da");
    assert_eq!(get_json(&v, "/sql-count?name=da&table=fresh"), 1);
    v.kill();
    let v = start(state.path(), &[]);
    assert_eq!(get_json(&v, "/sql-count?name=multi&table=multi"), 1);
    assert_eq!(get_json(&v, "/sql-count?name=da&table=fresh"), 1);
}

#[test]
fn alarms_fire_and_survive_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    get_json(&v, "/alarm?name=a1&ms=50");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = get_json(&v, "/alarm-state?name=a1");
        if s["fired"] == 1 {
            assert_eq!(
                s["info"],
                serde_json::json!({"retryCount": 0, "isRetry": false})
            );
            assert_eq!(s["pending"], serde_json::Value::Null);
            break;
        }
        assert!(Instant::now() < deadline, "alarm did not fire: {s}");
        std::thread::park_timeout(Duration::from_millis(20));
    }
    // Set an alarm, kill the node before it fires, restart: it fires after the restart.
    let mut v = v;
    get_json(&v, "/alarm?name=a2&ms=1500");
    v.kill();
    let v = start(state.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let s = get_json(&v, "/alarm-state?name=a2");
        if s["fired"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "alarm did not fire after restart: {s}"
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn a_spinning_object_is_reset_and_the_next_call_is_served() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    let r = client().get(v.url("/spin")).send().unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().unwrap().contains("CPU time limit"));
    assert_eq!(
        client().get(v.url("/ping")).send().unwrap().text().unwrap(),
        "pong"
    );
}

#[test]
fn idle_objects_are_evicted_and_their_storage_persists() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &["--do-idle-ms", "200"]);
    assert_eq!(get_json(&v, "/inc?name=idle&by=3"), 3);
    let first = get_json(&v, "/whoami?name=idle")["instance"].clone();
    // Leave the object alone for longer than the idle timeout, then look again.
    let mut wait = Duration::from_millis(600);
    loop {
        std::thread::park_timeout(wait);
        let now = get_json(&v, "/whoami?name=idle")["instance"].clone();
        if now != first {
            break;
        }
        // 0.6 + 1.2 + … + 19.2 s: generous for a loaded machine.
        assert!(wait < Duration::from_secs(15), "never evicted");
        wait *= 2;
    }
    assert_eq!(
        get_json(&v, "/get?name=idle"),
        3,
        "storage outlives the instance"
    );
}

#[test]
fn a_binding_to_a_class_the_module_does_not_export_fails_clearly() {
    let state = tempfile::tempdir().unwrap();
    let v = Verge::start_with_state(
        &fixture("durable-missing-class"),
        state.path(),
        &["--no-reload"],
        None,
    );
    let r = client().get(v.url("/")).send().unwrap();
    assert_eq!(r.status(), 500);
    let body = r.text().unwrap();
    assert!(
        body.contains("Durable Object class Ghost is not exported"),
        "{body}"
    );
}

#[test]
fn object_sql_cannot_leave_the_objects_database() {
    let state = tempfile::tempdir().unwrap();
    let attack = tempfile::tempdir().unwrap();
    let dir = attack.path().to_str().unwrap();
    let v = start(state.path(), &[]);
    let out: serde_json::Value = client()
        .get(v.url("/sql-sandbox"))
        .query(&[("dir", dir)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let denied = "not authorized: SQLITE_AUTH";
    // Workers' message for transaction control (workerd's text), with verge's code suffix.
    let txn = "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.: SQLITE_AUTH";
    let expected = serde_json::json!({
        "attach": denied,
        "blockComment": denied,
        "lineComment": denied,
        "leadingSemicolon": denied,
        "secondStatement": denied,
        "bound": denied,
        "vacuumInto": "cannot VACUUM from within a transaction: SQLITE_ERROR",
        "begin": txn,
        "savepoint": txn,
        "writableSchema": denied,
        "synchronousOff": denied,
        "loadExtension": "not authorized to use function: load_extension at offset 7: SQLITE_ERROR",
        "kv": "access to _cf_KV.key is prohibited: SQLITE_AUTH",
        "kvCte": "access to _cf_KV.key is prohibited: SQLITE_AUTH",
        "kvTrigger": denied,
        "kvKept": "v",
        "tableInfo": ["a", "b"],
        "quickCheck": [{"quick_check": "ok"}],
        "foreignKeys": [],
    });
    assert_eq!(out, expected);
    let made: Vec<_> = std::fs::read_dir(attack.path()).unwrap().collect();
    assert!(made.is_empty(), "no file was made: {made:?}");
}

#[test]
fn a_runaway_object_query_is_a_cpu_overrun_and_the_object_keeps_serving() {
    let state = tempfile::tempdir().unwrap();
    let v = start(state.path(), &[]);
    assert_eq!(get_json(&v, "/sql-keep"), 1);
    // The object catches the SQL error; the request still ends as a CPU overrun.
    let r = client().get(v.url("/sql-runaway")).send().unwrap();
    assert_eq!(r.status(), 500);
    let text = r.text().unwrap();
    assert!(text.contains("CPU time limit"), "{text}");
    assert_eq!(get_json(&v, "/sql-kept"), 1, "the object answers again");
    assert_eq!(get_json(&v, "/sql-keep"), 2, "and takes writes");
}
