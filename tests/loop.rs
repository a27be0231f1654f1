//! Subrequest limit and Worker loop limit through the real binary: a worker that fetches
//! itself (tests/fixtures/loop, `limits.subrequests = 50`).

mod common;

use std::time::Duration;

use common::{Verge, client, fixture};

fn start() -> Verge {
    Verge::start(
        &fixture("loop"),
        &["--no-reload", "--threads", "1", "--cpu-ms", "10000"],
    )
}

#[test]
fn a_worker_that_fetches_itself_without_end_stops_at_the_loop_limit() {
    let v = start();
    let r = client().get(v.url("/recurse")).send().unwrap();
    assert_eq!(r.status(), 508);
    // Sixteen invocations ran; the seventeenth was refused with error 1019.
    assert_eq!(r.headers()["x-depth"], "16");
    assert_eq!(
        r.headers()["x-via"],
        "",
        "the first request came from no worker"
    );
    let body = r.text().unwrap();
    assert!(body.starts_with("error code: 1019\n"), "{body}");
}

#[test]
fn a_worker_cannot_reset_the_loop_counter_on_its_subrequests() {
    let v = start();
    let r = client().get(v.url("/recurse?spoof")).send().unwrap();
    assert_eq!(r.status(), 508);
    assert_eq!(r.headers()["x-depth"], "16");
}

#[test]
fn a_client_sent_loop_counter_only_shortens_the_chain() {
    let v = start();
    let get = |via: &str| {
        client()
            .get(v.url("/recurse"))
            .header("cf-ew-via", via)
            .send()
            .unwrap()
    };
    let r = get("3");
    assert_eq!(r.status(), 508);
    assert_eq!(r.headers()["x-depth"], "3");
    assert_eq!(r.headers()["x-via"], "3");
    let r = get("1000");
    assert_eq!(r.headers()["x-depth"], "16", "more than 16 counts as 16");
    let r = get("0");
    assert_eq!(r.status(), 508);
    assert!(
        r.headers().get("x-depth").is_none(),
        "refused before the worker ran"
    );
    assert!(r.text().unwrap().starts_with("error code: 1019\n"));
    // A worker's subrequest carries one less than its request had.
    let r = client()
        .get(v.url("/leaf"))
        .header("cf-ew-via", "9")
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "leaf 9");
}

#[test]
fn the_fifty_first_subrequest_of_an_invocation_is_refused() {
    let v = start();
    let j: serde_json::Value = client()
        .get(v.url("/subrequests"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        serde_json::json!({"ok": 50, "error": "Error: Too many subrequests."})
    );
    assert!(
        v.wait_for_log(
            "waitUntil fetch refused: Error: Too many subrequests.",
            Duration::from_secs(10)
        ),
        "{}",
        v.log()
    );
}

#[test]
fn each_redirect_hop_counts_as_a_subrequest() {
    let v = start();
    // A chain of 3 redirects is 4 subrequests: 46 are left.
    let j: serde_json::Value = client()
        .get(v.url("/subrequests?redirects=3"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        serde_json::json!({"ok": 46, "error": "Error: Too many subrequests."})
    );
}
