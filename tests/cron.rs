//! Cron triggers through the real binary (tests/fixtures/cron): scheduled() runs on schedule
//! (the test clock jumps instead of waiting a minute), wrangler's /__scheduled route, and an
//! expression that does not parse stops the start with an error naming the field.

mod common;

use std::time::{Duration, Instant};

use common::{Verge, client, fixture, run_verge};

fn runs(v: &Verge) -> Vec<serde_json::Value> {
    let r: serde_json::Value = client().get(v.url("/")).send().unwrap().json().unwrap();
    r.as_array().cloned().unwrap_or_default()
}

#[test]
fn scheduled_runs_at_each_slot_with_the_cron_and_the_slot_time() {
    let state = tempfile::tempdir().unwrap();
    let clock = state.path().join("clock-offset");
    std::fs::write(&clock, "0").unwrap();
    let v = Verge::start_with_env(
        &fixture("cron"),
        &state.path().join("state"),
        &["--threads", "1", "--no-reload"],
        &[("VERGE_TEST_CLOCK_FILE", clock.as_os_str())],
        None,
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    // Two minutes pass at once: the scheduler fires both "* * * * *" slots it crossed.
    std::fs::write(&clock, "120000").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = runs(&v);
    while got.len() < 2 {
        assert!(Instant::now() < deadline, "{got:?}\n{}", v.log());
        std::thread::park_timeout(Duration::from_millis(100));
        got = runs(&v);
    }
    let mut slots = Vec::new();
    for run in &got {
        assert_eq!(run["cron"], "* * * * *", "{run}");
        assert_eq!(run["type"], "scheduled");
        assert_eq!(run["tag"], "[object ScheduledController]");
        let t = run["scheduledTime"].as_u64().expect("a number of ms");
        assert_eq!(t % 60_000, 0, "a slot starts on the minute: {t}");
        assert!(
            t > before && t <= before + 120_000 + 30_000,
            "{t} vs {before}"
        );
        slots.push(t);
    }
    slots.dedup();
    assert_eq!(slots.len(), got.len(), "every slot fires once: {got:?}");
    assert!(
        v.log().contains("cron \"* * * * *\": scheduled() ran"),
        "{}",
        v.log()
    );
}

#[test]
fn the_test_scheduled_route_runs_scheduled_with_the_given_cron() {
    let v = Verge::start(
        &fixture("cron"),
        &["--threads", "1", "--no-reload", "--test-scheduled"],
    );
    let r = client()
        .get(v.url("/__scheduled?cron=0+12+L+*+*"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "Ran scheduled event");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = runs(&v);
        if let Some(run) = got.iter().find(|r| r["cron"] == "0 12 L * *") {
            assert_eq!(run["type"], "scheduled");
            break;
        }
        assert!(Instant::now() < deadline, "{got:?}");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn the_newer_route_takes_a_scheduled_time() {
    let v = Verge::start(
        &fixture("cron"),
        &["--threads", "1", "--no-reload", "--test-scheduled"],
    );
    let r = client()
        .get(v.url("/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=1700000000000"))
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "Ran scheduled event");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = runs(&v);
        if let Some(run) = got.iter().find(|r| r["cron"] == "*/5 * * * *") {
            assert_eq!(run["scheduledTime"], 1_700_000_000_000u64);
            break;
        }
        assert!(Instant::now() < deadline, "{got:?}");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn an_unparsable_cron_expression_stops_the_start_naming_the_field() {
    let dir = fixture("cron-bad");
    let (ok, _out, err) = run_verge(&["dev", dir.to_str().unwrap(), "--port", "0", "--no-reload"]);
    assert!(!ok);
    assert!(err.contains("triggers.crons[1]"), "{err}");
    assert!(err.contains("0 25 * * *"), "{err}");
    assert!(err.contains("hour"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
