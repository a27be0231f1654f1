//! The rate limiting binding, version_metadata and ctx.passThroughOnException() through the
//! real binary (tests/fixtures/ratelimit).

mod common;

use common::{Verge, client, fixture};

fn start() -> Verge {
    Verge::start(&fixture("ratelimit"), &["--threads", "1", "--no-reload"])
}

fn text(v: &Verge, path: &str) -> String {
    client().get(v.url(path)).send().unwrap().text().unwrap()
}

fn success(v: &Verge, path: &str) -> bool {
    let r: serde_json::Value = client().get(v.url(path)).send().unwrap().json().unwrap();
    r["success"].as_bool().expect("{ success: boolean }")
}

#[test]
fn limit_allows_the_configured_number_per_key_then_refuses() {
    let v = start();
    let got: Vec<bool> = (0..4).map(|_| success(&v, "/limit?key=alice")).collect();
    assert_eq!(got, [true, true, true, false]);
    // Another key has its own budget.
    assert!(success(&v, "/limit?key=bob"));
    // The unsafe.bindings form: 1 per 10 s.
    assert!(success(&v, "/limit?key=k&legacy=1"));
    assert!(!success(&v, "/limit?key=k&legacy=1"));
}

#[test]
fn a_bad_key_rejects_with_wranglers_message() {
    let v = start();
    assert_eq!(text(&v, "/bad-limit"), "Error: invalid key: 42");
}

#[test]
fn version_metadata_has_an_id_tag_and_timestamp() {
    let v = start();
    let m: serde_json::Value = client()
        .get(v.url("/version"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = m["id"].as_str().expect("id");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
    assert_eq!(m["tag"], "");
    let ts = m["timestamp"].as_str().expect("timestamp");
    assert!(ts.ends_with('Z') && ts.contains('T'), "{ts}");
    // The same code and config: the same id.
    let again = start();
    let m2: serde_json::Value = client()
        .get(again.url("/version"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(m2["id"], m["id"]);
}

#[test]
fn a_binding_that_is_not_configured_is_undefined() {
    let v = start();
    assert_eq!(text(&v, "/missing"), "undefined");
}

#[test]
fn pass_through_on_exception_without_an_origin_answers_the_error_and_says_so() {
    let v = start();
    let r = client().get(v.url("/pass-through")).send().unwrap();
    assert_eq!(r.status(), 500);
    assert!(
        v.wait_for_log(
            "verge has no origin to pass the request to",
            std::time::Duration::from_secs(10)
        ),
        "{}",
        v.log()
    );
}
