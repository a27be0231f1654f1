//! Work a request leaves behind stays inside its limits: its timers stop when its work is
//! over, its waitUntil work is charged to its CPU limit and cut off 30 s after the response.

mod common;

use std::time::{Duration, Instant};

use common::{Verge, client, fixture};

fn verge() -> Verge {
    Verge::start(&fixture("background"), &["--no-reload", "--threads", "1"])
}

fn ticks(v: &Verge) -> (u64, u64) {
    let r: (u64, u64) = client()
        .get(v.url("/ticks"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    r
}

#[test]
fn a_requests_timers_run_while_its_work_goes_on_and_stop_after() {
    let v = verge();
    let moved: bool = client()
        .get(v.url("/interval-while-waiting"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(moved, "the interval ticked while its request waited");
    let (a, b) = ticks(&v);
    assert_eq!(a, b, "the interval stopped when its request ended");
    assert_eq!(
        client()
            .get(v.url("/interval"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "started"
    );
    let (a, b) = ticks(&v);
    assert_eq!(a, b, "an interval left by an answered request does not run");
}

#[test]
fn wait_until_work_is_charged_to_the_requests_cpu_limit() {
    let v = verge();
    let r = client().get(v.url("/spin-later")).send().unwrap();
    assert_eq!(r.text().unwrap(), "answered");
    assert!(
        v.wait_for_log(
            "waitUntil() work stopped: the request's CPU time limit was exceeded",
            Duration::from_secs(20)
        ),
        "{}",
        v.log()
    );
    assert_eq!(
        client().get(v.url("/")).send().unwrap().text().unwrap(),
        "ok"
    );
}

#[test]
fn wait_until_work_that_never_settles_is_cut_off_after_30_s_with_its_timers() {
    // A budget its cheap timer stays under for the 30 s.
    let v = Verge::start(
        &fixture("background"),
        &["--no-reload", "--threads", "1", "--cpu-ms", "2000"],
    );
    let started = Instant::now();
    assert_eq!(
        client()
            .get(v.url("/forever"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "answered"
    );
    let (a, b) = ticks(&v);
    assert!(b > a, "its timer runs while the waitUntil work is pending");
    assert!(
        v.wait_for_log(
            "waitUntil() work cancelled after 30s",
            Duration::from_secs(60)
        ),
        "{}",
        v.log()
    );
    assert!(
        started.elapsed() >= Duration::from_secs(29),
        "not before the limit"
    );
    let (a, b) = ticks(&v);
    assert_eq!(a, b, "the timer stopped with the waitUntil work");
}
