//! Durable Objects inside their limits: failing alarms retried with backoff (and across a
//! restart), a blockConcurrencyWhile() that never ends resets the object, evicted objects
//! close their files and live ones stay under the descriptor limit.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Verge, client, fixture};

fn start(state: &Path, clock: &Path, extra: &[&str]) -> Verge {
    let mut args = vec!["--no-reload"];
    args.extend_from_slice(extra);
    Verge::start_with_env(
        &fixture("durable-limits"),
        state,
        &args,
        &[("VERGE_TEST_CLOCK_FILE", clock.as_os_str())],
        None,
    )
}

fn attempts(v: &Verge, name: &str) -> Vec<u64> {
    client()
        .get(v.url(&format!("/attempts?name={name}")))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// Waits (bounded) until the object has recorded `n` attempts; returns them.
fn wait_attempts(v: &Verge, name: &str, n: usize) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = attempts(v, name);
        if a.len() >= n {
            return a;
        }
        assert!(Instant::now() < deadline, "{a:?}; log:\n{}", v.log());
        std::thread::park_timeout(Duration::from_millis(20));
    }
}

/// Moves verge's clock `ms` past the real one.
fn advance(clock: &Path, ms: u64) {
    std::fs::write(clock, ms.to_string()).unwrap();
}

#[test]
fn a_failing_alarm_is_retried_with_backoff_until_it_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    advance(&clock, 0);
    let v = start(&dir.path().join("state"), &clock, &[]);
    client()
        .get(v.url("/arm?name=a&failures=2"))
        .send()
        .unwrap();
    assert_eq!(wait_attempts(&v, "a", 1), [0]);
    assert!(
        v.wait_for_log("retrying in", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    // The first retry is due 2 s later, the second 4 s after that: time moves by the clock.
    advance(&clock, 2_500);
    assert_eq!(wait_attempts(&v, "a", 2), [0, 1]);
    advance(&clock, 2_500 + 4_500);
    assert_eq!(wait_attempts(&v, "a", 3), [0, 1, 2]);
    // The third attempt succeeded: nothing more is scheduled.
    advance(&clock, 60_000);
    client()
        .get(v.url("/arm?name=b&failures=0"))
        .send()
        .unwrap();
    assert_eq!(wait_attempts(&v, "b", 1), [0], "the scheduler still runs");
    assert_eq!(attempts(&v, "a"), [0, 1, 2]);
}

#[test]
fn an_alarm_that_always_fails_gives_up_after_six_retries() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    advance(&clock, 0);
    let v = start(&dir.path().join("state"), &clock, &[]);
    client()
        .get(v.url("/arm?name=c&failures=100"))
        .send()
        .unwrap();
    let mut total = 0;
    for n in 1..=7 {
        total += 2_000u64 << n;
        assert_eq!(wait_attempts(&v, "c", n).len(), n);
        advance(&clock, total);
    }
    assert!(
        v.wait_for_log("failed 7 times, giving up", Duration::from_secs(20)),
        "{}",
        v.log()
    );
    assert_eq!(attempts(&v, "c"), [0, 1, 2, 3, 4, 5, 6]);
}

#[test]
fn a_pending_alarm_retry_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    let state = dir.path().join("state");
    advance(&clock, 0);
    let mut v = start(&state, &clock, &[]);
    client()
        .get(v.url("/arm?name=r&failures=1"))
        .send()
        .unwrap();
    assert_eq!(wait_attempts(&v, "r", 1), [0]);
    assert!(
        v.wait_for_log("retrying in", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    v.kill();
    let v = start(&state, &clock, &[]);
    advance(&clock, 3_000);
    assert_eq!(
        wait_attempts(&v, "r", 2),
        [0, 1],
        "the retry ran after the restart"
    );
}

#[test]
fn a_block_concurrency_while_that_never_settles_resets_the_object_after_30_s() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    advance(&clock, 0);
    let v = start(&dir.path().join("state"), &clock, &[]);
    let c = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap();
    assert_eq!(
        c.get(v.url("/hang")).send().unwrap().text().unwrap(),
        "blocking"
    );
    let started = Instant::now();
    let r = c.get(v.url("/ping")).send().unwrap();
    assert_eq!(r.status(), 500);
    let text = r.text().unwrap();
    assert!(
        text.contains("blockConcurrencyWhile() in a Durable Object waited for too long"),
        "{text}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(25),
        "not before the limit"
    );
    // A new instance serves the next call.
    assert_eq!(
        c.get(v.url("/ping")).send().unwrap().text().unwrap(),
        "served"
    );
}

#[test]
fn evicted_objects_close_their_storage_files() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    advance(&clock, 0);
    let v = start(
        &dir.path().join("state"),
        &clock,
        &["--threads", "1", "--do-idle-ms", "3000"],
    );
    let baseline = v.open_fds();
    for i in 0..60 {
        let r = client()
            .get(v.url(&format!("/many?name=o{i}")))
            .send()
            .unwrap();
        assert_eq!(r.text().unwrap(), "1");
    }
    assert!(
        v.open_fds() >= baseline + 60,
        "each live object holds its files open"
    );
    // Idle for longer than --do-idle-ms (3 s), the objects are evicted and their files closed.
    let deadline = Instant::now() + Duration::from_secs(20);
    while v.open_fds() > baseline + 6 {
        assert!(
            Instant::now() < deadline,
            "{} descriptors open, {baseline} before",
            v.open_fds()
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
    // Their storage stays: the next call continues the count.
    let r = client().get(v.url("/many?name=o7")).send().unwrap();
    assert_eq!(r.text().unwrap(), "2");
}

#[test]
fn live_objects_stay_within_the_descriptor_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "ulimit -n 128 && exec {} dev {} --port 0 --no-reload --threads 1 --persist-to {}",
        env!("CARGO_BIN_EXE_verge"),
        fixture("durable-limits").display(),
        dir.path().display()
    );
    let v = Verge::spawn(
        Command::new("sh")
            .args(["-c", &cmd])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
        None,
    );
    // 200 objects, each holding three files while live: more than 128 descriptors if all
    // stayed open. The least recently used are evicted instead, and every call succeeds.
    for i in 0..200 {
        let r = client()
            .get(v.url(&format!("/many?name=lru{i}")))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "object {i}: {}", r.text().unwrap());
    }
    assert!(v.open_fds() < 128, "{} descriptors", v.open_fds());
    let r = client().get(v.url("/many?name=lru0")).send().unwrap();
    assert_eq!(r.text().unwrap(), "2", "an evicted object's storage stays");
}
