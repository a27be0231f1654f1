//! The deployment layer through the real binary: several workers in one process, the
//! scheduled() event path, what a reload watches, and stopping on SIGTERM.

mod common;

use std::time::{Duration, Instant};

use common::{Verge, client, copy_fixture, fixture, run_verge};

fn front(extra: &[&str]) -> Verge {
    let mut args = vec!["-c", "a.toml", "-c", "b.toml", "--threads", "1"];
    args.extend_from_slice(extra);
    Verge::start(&fixture("deployment"), &args)
}

#[test]
fn with_two_configs_both_workers_load_and_the_first_serves_http() {
    let v = front(&["--no-reload"]);
    let body = client().get(v.url("/")).send().unwrap().text().unwrap();
    assert_eq!(body, "hello from front");
    let log = v.log();
    assert!(!log.contains("error"), "{log}");
}

#[test]
fn a_second_worker_that_fails_to_load_fails_the_start() {
    let dir = fixture("deployment");
    let (ok, _out, err) = run_verge(&[
        "dev",
        dir.to_str().unwrap(),
        "--port",
        "0",
        "--no-reload",
        "-c",
        "a.toml",
        "-c",
        "broken.toml",
    ]);
    assert!(!ok);
    assert!(err.contains("broken worker refuses to start"), "{err}");
    assert!(err.contains("broken.js"), "{err}");
}

#[test]
fn two_workers_with_one_name_are_refused() {
    let dir = fixture("deployment");
    let (ok, _out, err) = run_verge(&[
        "dev",
        dir.to_str().unwrap(),
        "--port",
        "0",
        "--no-reload",
        "-c",
        "a.toml",
        "-c",
        "twin.toml",
    ]);
    assert!(!ok);
    assert!(
        err.contains("two configs define a worker named \"front\""),
        "{err}"
    );
}

#[test]
fn the_test_scheduled_route_runs_the_http_workers_scheduled_handler() {
    let v = front(&["--no-reload", "--test-scheduled"]);
    let c = client();
    let r = c
        .get(v.url("/__scheduled?cron=*/5+*+*+*+*"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "Ran scheduled event");
    // The handler's waitUntil work (a KV put) runs after the event; wait for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let last = loop {
        let last: serde_json::Value = c
            .get(v.url("/last-scheduled"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if !last.is_null() || Instant::now() > deadline {
            break last;
        }
        std::thread::park_timeout(Duration::from_millis(20));
    };
    assert_eq!(
        last,
        serde_json::json!({"cron": "*/5 * * * *", "type": "scheduled", "time": "number"})
    );
}

#[test]
fn without_test_scheduled_the_route_reaches_the_worker() {
    let v = front(&["--no-reload"]);
    let body = client()
        .get(v.url("/__scheduled?cron=*"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, "the worker's own /__scheduled");
}

/// The files the dev server watches, from its debug log line.
fn watched(v: &Verge) -> Vec<String> {
    assert!(
        v.wait_for_log("watching for changes:", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    let log = v.log();
    let line = log
        .lines()
        .find(|l| l.contains("watching for changes:"))
        .unwrap()
        .to_string();
    line.split("watching for changes: ")
        .nth(1)
        .unwrap()
        .split(", ")
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn a_reload_watches_only_what_the_workers_load() {
    let dir = copy_fixture("deployment");
    let v = Verge::start_with_env(
        dir.path(),
        &dir.path().join(".verge"),
        &["-c", "a.toml", "-c", "b.toml", "--threads", "1"],
        &[("VERGE_LOG", std::ffi::OsStr::new("info,verge::watch=debug"))],
        None,
    );
    let mut files = watched(&v);
    files.sort();
    // Both configs, both entry modules, the module a.js imports, and the secrets files that
    // could be read; never the README, verge's own state or anything else in the project.
    for f in [
        "a.toml",
        "b.toml",
        "a.js",
        "b.js",
        "greet.js",
        ".dev.vars",
        ".env",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} not watched: {files:?}");
    }
    for f in ["README.md", "broken.js", "twin.toml", "kv.sqlite"] {
        assert!(!files.iter().any(|x| x == f), "{f} watched: {files:?}");
    }
    // An edit of an imported module reloads the worker that imports it.
    std::fs::write(
        dir.path().join("lib/greet.js"),
        "export const greeting = \"hi\";",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = client().get(v.url("/")).send().unwrap().text().unwrap();
        if body == "hi from front" {
            break;
        }
        assert!(Instant::now() < deadline, "no reload; log:\n{}", v.log());
        std::thread::park_timeout(Duration::from_millis(50));
    }
    assert!(v.log().contains("reloading front"), "{}", v.log());
    assert!(!v.log().contains("reloading back"), "{}", v.log());
}

#[test]
fn sigterm_lets_in_flight_requests_finish_and_exits_zero() {
    use std::io::{Read, Write};
    let mut v = front(&["--no-reload"]);
    // The request stays in flight until its body is complete: half of it now, the rest only
    // after verge has taken SIGTERM.
    let addr = v.base.trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    conn.write_all(
        b"POST /slow HTTP/1.1\r\nhost: t\r\ncontent-length: 9\r\nconnection: close\r\n\r\nfirst",
    )
    .unwrap();
    assert!(
        v.wait_for_log("slow request started", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    v.terminate();
    assert!(
        v.wait_for_stdout("verge dev: shutting down", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    conn.write_all(b" end").unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("slow done: first end"), "{response}");
    let status = v
        .wait_exit(Duration::from_secs(10))
        .expect("stopped within 10 s");
    assert_eq!(status.code(), Some(0), "{}", v.log());
}

#[test]
fn sigterm_stops_verge_while_a_reload_hangs_on_a_top_level_await() {
    let dir = copy_fixture("reload");
    let mut v = Verge::start(dir.path(), &["--threads", "1"]);
    std::fs::write(
        dir.path().join("index.js"),
        "await new Promise(() => {}); export default { fetch() { return new Response('never'); } };",
    )
    .unwrap();
    assert!(
        v.wait_for_log("reloading reload", Duration::from_secs(20)),
        "{}",
        v.log()
    );
    v.terminate();
    let status = v
        .wait_exit(Duration::from_secs(10))
        .expect("stopped within 10 s");
    assert_eq!(status.code(), Some(0), "{}", v.log());
}

#[test]
fn a_reload_that_hangs_keeps_the_previous_version_serving() {
    let dir = copy_fixture("reload");
    let v = Verge::start(dir.path(), &["--threads", "1"]);
    std::fs::write(
        dir.path().join("index.js"),
        "await new Promise(() => {}); export default { fetch() { return new Response('never'); } };",
    )
    .unwrap();
    assert!(
        v.wait_for_log("did not finish within", Duration::from_secs(30)),
        "{}",
        v.log()
    );
    assert!(
        v.log().contains("still serving the previous version"),
        "{}",
        v.log()
    );
    let body = client().get(v.url("/")).send().unwrap().text().unwrap();
    assert_eq!(body, "version 1");
}

#[test]
fn a_top_level_await_that_never_settles_fails_the_start_with_a_clear_error() {
    let dir = copy_fixture("reload");
    std::fs::write(
        dir.path().join("index.js"),
        "await new Promise(() => {}); export default {};",
    )
    .unwrap();
    let (ok, _out, err) = run_verge(&[
        "dev",
        dir.path().to_str().unwrap(),
        "--port",
        "0",
        "--no-reload",
    ]);
    assert!(!ok);
    assert!(
        err.contains("index.js: evaluating the modules did not finish within 10000 ms"),
        "{err}"
    );
}
