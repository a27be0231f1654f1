//! Workers KV through the real binary: `verge dev` serving `tests/fixtures/kv`, whose worker
//! drives `env.KV` and answers with JSON of what it saw (errors as `Class: message`).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Verge, client, fixture, run_verge};
use serde_json::{Value, json};

const ARGS: &[&str] = &["--threads", "1", "--no-reload"];

fn kv() -> Verge {
    Verge::start(&fixture("kv"), ARGS)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn get_json(url: &str) -> Value {
    let r = client().get(url).send().expect("request");
    let status = r.status();
    let text = r.text().expect("body");
    assert_eq!(status, 200, "{url}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

fn put(base: &str, key: &str, value: &str, query: &str) {
    let r = client()
        .post(format!("{base}/put?key={key}{query}"))
        .body(value.to_owned())
        .send()
        .expect("put");
    assert_eq!(
        r.status(),
        200,
        "put {key}: {}",
        r.text().unwrap_or_default()
    );
}

/// Keys matching `prefix` as the worker lists them (every page).
fn keys(base: &str, prefix: &str) -> Vec<String> {
    serde_json::from_value(get_json(&format!("{base}/keys?prefix={prefix}"))).expect("names")
}

#[test]
fn every_method_returns_what_workers_returns() {
    let v = kv();
    let now = now_secs();
    let out = get_json(&v.url(&format!("/methods?now={now}")));
    let s = r#"{"a":[1,"x"]}"#;
    let parsed = json!({"a": [1, "x"]});
    assert_eq!(out["putResult"], true);
    assert_eq!(out["text"], s);
    assert_eq!(out["textNamed"], s);
    assert_eq!(out["textOpts"], s, "cacheTtl is accepted");
    assert_eq!(out["json"], parsed);
    assert_eq!(out["jsonOpts"], parsed);
    assert_eq!(out["arrayBuffer"], json!([true, 13]));
    assert_eq!(out["stream"], json!([true, s]));
    assert_eq!(out["missing"], json!([null, null, null, null]));
    assert_eq!(out["abBytes"], json!([0, 1, 2, 255]));
    assert_eq!(out["view"], "hi", "a view stores only its window");
    assert_eq!(
        out["streamed"],
        json!({"value": "hello stream world", "metadata": {"via": "stream"}, "cacheStatus": null})
    );
    assert_eq!(out["utf8"], json!(["héllo 😀", 11]));
    assert_eq!(
        out["meta"],
        json!({"value": "v", "metadata": {"owner": "ada", "tags": ["x"], "n": 1.5}, "cacheStatus": null})
    );
    assert_eq!(
        out["metaTyped"],
        json!({"value": parsed, "metadata": null, "cacheStatus": null})
    );
    assert_eq!(
        out["noMeta"],
        json!({"value": "v", "metadata": null, "cacheStatus": null})
    );
    assert_eq!(
        out["metaMissing"],
        json!({"value": null, "metadata": null, "cacheStatus": null})
    );
    // list carries absolute expirations (seconds) and metadata, and omits them when absent.
    let listed = out["listed"].as_array().expect("listed");
    let names: Vec<&str> = listed.iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["exp", "m", "s", "ttl"]);
    assert_eq!(listed[0]["expiration"], now + 300);
    assert_eq!(listed[0]["metadata"], json!({"e": true}));
    assert_eq!(
        listed[1],
        json!({"name": "m", "metadata": {"owner": "ada", "tags": ["x"], "n": 1.5}})
    );
    assert_eq!(listed[2], json!({"name": "s"}));
    let ttl_exp = listed[3]["expiration"].as_u64().expect("ttl expiration");
    assert!(
        (now + 120..=now + 125).contains(&ttl_exp),
        "expirationTtl 120 at {now} listed as {ttl_exp}"
    );
    assert!(listed[3].get("metadata").is_none());
    // bulk get: a Map in the order asked, missing keys null.
    assert_eq!(
        out["bulk"],
        json!([true, [["s", s], ["missing", null], ["m", "v"]]])
    );
    assert_eq!(out["bulkJson"], json!([["s", parsed], ["missing", null]]));
    assert_eq!(out["bulkOpts"], json!([["m", "v"]]));
    assert_eq!(
        out["bulkMeta"],
        json!([
            ["m", {"value": "v", "metadata": {"owner": "ada", "tags": ["x"], "n": 1.5}}],
            ["exp", {"value": "v", "metadata": {"e": true}}],
            ["missing", {"value": null, "metadata": null}]
        ])
    );
    assert_eq!(out["deleteResult"], true);
    assert_eq!(out["afterDelete"], Value::Null);
    assert_eq!(out["deleteMissing"], true);
    assert_eq!(out["namespaces"], json!(["kv", "other"]));
}

#[test]
fn list_pages_in_utf8_byte_order_with_cursors() {
    let v = kv();
    let out = get_json(&v.url("/listing"));
    assert_eq!(
        out["all"],
        json!([
            "B", "a", "a\u{0}", "a/b", "p/1", "p/2", "p/3", "p/4", "p/5", "q", "z", "é",
            "\u{ffff}", "😀"
        ]),
        "UTF-8 byte order: \\uffff (EF BF BF) sorts before 😀 (F0 ..), unlike UTF-16"
    );
    assert_eq!(
        out["allComplete"],
        json!([true, false, null]),
        "[list_complete, has cursor, cacheStatus]"
    );
    assert_eq!(
        out["pages"],
        json!([
            {"keys": [{"name": "p/1"}, {"name": "p/2", "metadata": {"two": 2}}], "list_complete": false, "hasCursor": true},
            {"keys": [{"name": "p/3"}, {"name": "p/4"}], "list_complete": false, "hasCursor": true},
            {"keys": [{"name": "p/5"}], "list_complete": true, "hasCursor": false}
        ])
    );
    assert_eq!(
        out["prefixNone"],
        json!({"keys": [], "list_complete": true, "cacheStatus": null})
    );
    assert_eq!(out["limit1"], json!(["B"]));
    // 1,005 keys for the default page size, put in two invocations (each may make 1,000
    // operations at most).
    for range in ["from=0&to=500", "from=500&to=1005"] {
        let r = client()
            .get(v.url(&format!("/seed-many?{range}")))
            .send()
            .unwrap();
        assert_eq!(r.text().unwrap(), "seeded");
    }
    // [page 1 size, complete, page 2 size, complete, page 2 first key, limit 1000 size]
    assert_eq!(
        get_json(&v.url("/listing-many")),
        json!([1000, false, 5, true, "many/1000", 1000])
    );
}

#[test]
fn every_limit_and_error_reads_as_the_spec_gives_it() {
    let v = kv();
    let before = now_secs();
    let out = get_json(&v.url("/errors"));
    let after = now_secs();
    let worker_now = out["workerNow"].as_u64().expect("workerNow");
    assert!(
        (before..=after).contains(&worker_now),
        "the worker's Date.now() ({worker_now}) is within the request ({before}..={after})"
    );
    let exp_soon = out["expSoonValue"].as_u64().expect("expSoonValue");
    assert_eq!(exp_soon, worker_now + 30);
    let expected = json!({
        "emptyKey": "TypeError: Key name cannot be empty.",
        "emptyKeyPut": "TypeError: Key name cannot be empty.",
        "dot": "TypeError: \".\" is not allowed as a key name.",
        "dotdot": "TypeError: \"..\" is not allowed as a key name.",
        "dotDelete": "TypeError: \".\" is not allowed as a key name.",
        "longGet": "Error: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
        "longPut": "Error: KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512.",
        "longDelete": "Error: KV DELETE failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.",
        "maxKey": "ok",
        "maxKeyGet": "v",
        "ttl59": "Error: KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.",
        "ttl60": "ok",
        "expSoon": format!("Error: KV PUT failed: 400 Invalid expiration of {exp_soon}. Expiration times must be at least 60 seconds in the future."),
        "expSoonValue": exp_soon,
        "workerNow": worker_now,
        "expOk": "ok",
        "metaBig": "Error: KV PUT failed: 413 Metadata length of 1110 exceeds limit of 1024.",
        "metaMax": "ok",
        "valueBig": "Error: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.",
        "valueMax": "ok",
        "valueMaxLen": 26_214_400,
        "cacheTtl29": "Error: KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30.",
        "cacheTtl30": "v",
        "listLimit0": "Error: KV GET failed: 400 Invalid key_count_limit of 0. Please specify an integer greater than 0.",
        "listLimit1001": "Error: KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
        "badType": "TypeError: Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\".",
        "bulk101": "Error: KV GET_BULK failed: 400 You can request a maximum of 100 keys",
        "bulk100": 100,
        "bulkType": "Error: KV GET_BULK failed: 400 \"arrayBuffer\" is not a valid type. Use \"json\" or \"text\"",
        "putNumber": "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.",
    });
    for (k, want) in expected.as_object().expect("object") {
        assert_eq!(&out[k], want, "{k}");
    }
}

#[test]
fn keys_survive_a_restart_on_the_same_state() {
    let state = tempfile::tempdir().expect("state");
    let dir = fixture("kv");
    let exp = now_secs() + 3600;
    {
        let v = Verge::start_with_state(&dir, state.path(), ARGS, None);
        put(&v.base, "plain", "one", "");
        put(
            &v.base,
            "rich",
            "two",
            &format!("&exp={exp}&meta=%7B%22m%22%3A1%7D"),
        );
        put(&v.base, "gone", "x", "");
        let r = client()
            .get(v.url("/delete?key=gone"))
            .send()
            .expect("delete");
        assert_eq!(r.status(), 200);
        // v drops here: SIGKILL, no graceful shutdown.
    }
    let v = Verge::start_with_state(&dir, state.path(), ARGS, None);
    assert_eq!(
        get_json(&v.url("/get?key=plain")),
        json!({"value": "one", "metadata": null, "cacheStatus": null})
    );
    assert_eq!(
        get_json(&v.url("/get?key=rich")),
        json!({"value": "two", "metadata": {"m": 1}, "cacheStatus": null})
    );
    assert_eq!(get_json(&v.url("/get?key=gone"))["value"], Value::Null);
    assert_eq!(
        get_json(&v.url("/list"))["keys"],
        json!([{"name": "plain"}, {"name": "rich", "expiration": exp, "metadata": {"m": 1}}])
    );
}

#[test]
fn expired_keys_vanish_when_the_test_clock_moves() {
    let state = tempfile::tempdir().expect("state");
    let clock = state.path().join("clock-offset");
    std::fs::write(&clock, "0").expect("clock file");
    let v = Verge::start_with_env(
        &fixture("kv"),
        &state.path().join("state"),
        ARGS,
        &[("VERGE_TEST_CLOCK_FILE", clock.as_os_str())],
        None,
    );
    let base = v.base.as_str();
    let exp = now_secs() + 150;
    put(base, "ttl", "a", "&ttl=60&meta=%7B%22t%22%3A1%7D");
    put(base, "abs", "b", &format!("&exp={exp}"));
    put(base, "forever", "c", "");
    let bulk = |keys: &str| get_json(&format!("{base}/bulk?keys={keys}"));
    let value = |key: &str| get_json(&format!("{base}/get?key={key}"))["value"].clone();
    assert_eq!(keys(base, ""), ["abs", "forever", "ttl"]);

    std::fs::write(&clock, "61000").expect("advance clock");
    assert_eq!(
        value("ttl"),
        Value::Null,
        "expirationTtl 60 is gone at +61 s"
    );
    assert_eq!(value("abs"), "b");
    assert_eq!(keys(base, ""), ["abs", "forever"]);
    assert_eq!(
        bulk("%5B%22ttl%22%2C%22abs%22%5D"),
        json!([["ttl", null], ["abs", "b"]])
    );

    std::fs::write(&clock, "151000").expect("advance clock");
    assert_eq!(value("abs"), Value::Null, "absolute expiration passed");
    assert_eq!(value("forever"), "c");
    assert_eq!(keys(base, ""), ["forever"]);

    // An expired key can be written again and lives anew.
    put(base, "ttl", "again", "&ttl=60");
    assert_eq!(value("ttl"), "again");
}

#[test]
fn parallel_writers_lose_no_key() {
    let v = Verge::start(&fixture("kv"), &["--threads", "2", "--no-reload"]);
    const N: usize = 64;
    let base = Arc::new(v.base.clone());
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                for i in (t..N).step_by(8) {
                    put(&base, &format!("c/{i:03}"), &format!("v{i}"), "");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    let want: Vec<String> = (0..N).map(|i| format!("c/{i:03}")).collect();
    assert_eq!(keys(&v.base, "c/"), want);
    // And the same key written by many at once ends with one of the written values.
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || put(&base, "hot", &format!("w{i}"), ""))
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    let hot = get_json(&v.url("/get?key=hot"))["value"].clone();
    let hot = hot.as_str().expect("hot value");
    assert!(hot.starts_with('w'), "{hot}");
}

/// Milliseconds of the wall clock modulo `n`: a cheap random point without a rand crate.
fn pseudo_random(n: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    u64::from(nanos) % n
}

#[test]
fn acknowledged_puts_survive_kill_9() {
    let state = tempfile::tempdir().expect("state");
    let dir = fixture("kv");
    let mut v = Verge::start_with_state(&dir, state.path(), ARGS, None);
    let acked = Arc::new(AtomicUsize::new(0));
    let writer = {
        let base = v.base.clone();
        let acked = acked.clone();
        std::thread::spawn(move || {
            let c = client();
            for i in 0.. {
                let r = c
                    .post(format!("{base}/put?key=crash/{i:06}"))
                    .body(format!("value {i}"))
                    .send();
                match r {
                    Ok(r) if r.status() == 200 => acked.store(i + 1, Ordering::SeqCst),
                    _ => return,
                }
            }
        })
    };
    // Kill at a random point after at least some writes were acknowledged.
    let target = 20 + usize::try_from(pseudo_random(80)).expect("small");
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::SeqCst) < target {
        assert!(Instant::now() < deadline, "writes too slow");
        std::thread::yield_now();
    }
    v.kill();
    writer.join().expect("writer");
    let acked = acked.load(Ordering::SeqCst);
    assert!(acked >= target);

    let v = Verge::start_with_state(&dir, state.path(), ARGS, None);
    let present = keys(&v.base, "crash/");
    assert!(
        present.len() >= acked,
        "{} keys present, {acked} acknowledged",
        present.len()
    );
    for (i, key) in present.iter().take(acked).enumerate() {
        assert_eq!(*key, format!("crash/{i:06}"), "acknowledged write {i}");
    }
    let last = format!("crash%2F{:06}", acked - 1);
    assert_eq!(
        get_json(&v.url(&format!("/get?key={last}")))["value"],
        format!("value {}", acked - 1)
    );
}

fn cli(dir: &Path, state: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "kv",
        "--cwd",
        dir.to_str().expect("utf-8 path"),
        "--persist-to",
        state.to_str().expect("utf-8 path"),
    ];
    all.extend_from_slice(args);
    let (ok, stdout, stderr) = run_verge(&all);
    assert!(ok, "verge {all:?} failed:\n{stdout}\n{stderr}");
    stdout
}

#[test]
fn cli_and_dev_share_the_same_state() {
    let state = tempfile::tempdir().expect("state");
    let dir = fixture("kv");
    let st = state.path();
    let v = Verge::start_with_state(&dir, st, ARGS, None);

    // CLI writes, the worker reads (while verge dev runs).
    let out = cli(
        &dir,
        st,
        &["key", "put", "from-cli", "hello", "--binding", "KV"],
    );
    assert!(out.contains("from-cli"), "{out}");
    cli(
        &dir,
        st,
        &[
            "key",
            "put",
            "cli-meta",
            "x",
            "--binding",
            "KV",
            "--ttl",
            "3600",
            "--metadata",
            r#"{"by":"cli"}"#,
        ],
    );
    assert_eq!(
        get_json(&v.url("/get?key=from-cli")),
        json!({"value": "hello", "metadata": null, "cacheStatus": null})
    );
    assert_eq!(
        get_json(&v.url("/get?key=cli-meta"))["metadata"],
        json!({"by": "cli"})
    );

    // The worker writes, the CLI reads and lists.
    put(
        &v.base,
        "from-worker",
        "bonjour",
        "&meta=%7B%22w%22%3Atrue%7D",
    );
    assert_eq!(
        cli(&dir, st, &["key", "get", "from-worker", "--binding", "KV"]),
        "bonjour"
    );
    let (ok, stdout, stderr) = run_verge(&[
        "kv",
        "--cwd",
        dir.to_str().unwrap(),
        "--persist-to",
        st.to_str().unwrap(),
        "key",
        "get",
        "absent",
        "--binding",
        "KV",
    ]);
    assert!(ok && stdout.is_empty(), "{stdout} {stderr}");
    assert!(stderr.contains("Value not found"), "{stderr}");
    let listed: Value =
        serde_json::from_str(&cli(&dir, st, &["key", "list", "--binding", "KV"])).expect("json");
    let names: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cli-meta", "from-cli", "from-worker"]);
    assert!(listed[0]["expiration"].as_u64().expect("expiration") >= now_secs() + 3500);
    assert_eq!(listed[2]["metadata"], json!({"w": true}));
    let prefixed: Value = serde_json::from_str(&cli(
        &dir,
        st,
        &["key", "list", "--binding", "KV", "--prefix", "from-"],
    ))
    .expect("json");
    assert_eq!(prefixed.as_array().expect("array").len(), 2);

    // The CLI deletes; the worker no longer sees it.
    cli(
        &dir,
        st,
        &["key", "delete", "from-worker", "--binding", "KV"],
    );
    assert_eq!(
        get_json(&v.url("/get?key=from-worker"))["value"],
        Value::Null
    );

    // The CLI applies the same validation as a worker.
    let (ok, _, stderr) = run_verge(&[
        "kv",
        "--cwd",
        dir.to_str().unwrap(),
        "--persist-to",
        st.to_str().unwrap(),
        "key",
        "put",
        "short",
        "v",
        "--binding",
        "KV",
        "--ttl",
        "10",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("Invalid expiration_ttl of 10. Expiration TTL must be at least 60."),
        "{stderr}"
    );
    let (ok, _, stderr) = run_verge(&[
        "kv",
        "--cwd",
        dir.to_str().unwrap(),
        "--persist-to",
        st.to_str().unwrap(),
        "key",
        "get",
        "k",
        "--binding",
        "NOPE",
    ]);
    assert!(!ok);
    assert!(stderr.contains("NOPE"), "{stderr}");

    // Bulk put from a JSON file.
    let file = state.path().join("bulk.json");
    std::fs::write(
        &file,
        serde_json::to_string(&json!([
            {"key": "b/1", "value": "one"},
            {"key": "b/2", "value": "two", "metadata": {"n": 2}, "expiration_ttl": 3600},
            {"key": "b/3", "value": "aGk=", "base64": true},
        ]))
        .expect("json"),
    )
    .expect("write bulk file");
    let out = cli(
        &dir,
        st,
        &["bulk", "put", file.to_str().unwrap(), "--binding", "KV"],
    );
    assert!(out.contains("Success"), "{out}");
    assert_eq!(
        get_json(&v.url("/bulk?keys=%5B%22b%2F1%22%2C%22b%2F2%22%2C%22b%2F3%22%5D")),
        json!([["b/1", "one"], ["b/2", "two"], ["b/3", "hi"]])
    );
    assert_eq!(
        get_json(&v.url("/get?key=b%2F2"))["metadata"],
        json!({"n": 2})
    );
    let listed = get_json(&v.url("/list?prefix=b%2F2"));
    assert!(
        listed["keys"][0]["expiration"]
            .as_u64()
            .expect("expiration")
            >= now_secs() + 3500
    );
    // The OTHER binding is a different namespace.
    assert_eq!(
        cli(&dir, st, &["key", "list", "--binding", "OTHER"]).trim(),
        "[]"
    );
}

#[test]
fn an_invocation_may_make_at_most_1000_binding_operations() {
    let state = tempfile::tempdir().unwrap();
    let v = Verge::start_with_state(
        &fixture("kv"),
        state.path(),
        &["--threads", "1", "--no-reload", "--cpu-ms", "10000"],
        None,
    );
    let j: serde_json::Value = client()
        .get(v.url("/op-limit"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(j["ok"], 1000);
    assert_eq!(
        j["error"],
        "Error: Too many API requests by single worker invocation."
    );
}
