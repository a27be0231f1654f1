//! Queues through the real binary (tests/fixtures/queues): sends reach the consumer in batches
//! (by size, then by timeout) with every content type, `retry({delaySeconds})` redelivers later,
//! `retryAll()` covers the messages that made no call of their own, an `ack()` before a throw holds,
//! a consumer that throws on every message gets each one `max_retries + 1` times and then its
//! dead-letter queue's consumer gets it, sent messages survive `kill -9` before any consumer
//! ran, and `verge queues list|purge` see the same state.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Verge, client, fixture, run_verge};
use serde_json::{Value, json};

const FLAGS: &[&str] = &["--threads", "1", "--no-reload"];

fn batches(v: &Verge) -> Vec<Value> {
    let r: Value = client()
        .get(v.url("/batches"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    r.as_array().cloned().unwrap_or_default()
}

/// Polls the recorded batches until `done` holds for them (bounded).
fn wait_batches(v: &Verge, limit: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    loop {
        let got = batches(v);
        if done(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "{got:#?}\n{}", v.log());
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

fn of_queue<'a>(batches: &'a [Value], queue: &str) -> Vec<&'a Value> {
    batches.iter().filter(|b| b["queue"] == queue).collect()
}

fn message_count(batches: &[&Value]) -> usize {
    batches
        .iter()
        .map(|b| b["messages"].as_array().map_or(0, Vec::len))
        .sum()
}

fn send(v: &Verge, queue: &str, body: Value) -> Value {
    let r = client()
        .post(v.url(&format!("/send?queue={queue}")))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", v.log());
    r.json().unwrap()
}

#[test]
fn sent_messages_reach_the_consumer_in_full_batches_then_after_the_timeout() {
    let v = Verge::start(&fixture("queues"), FLAGS);
    let messages: Vec<Value> = (0..25).map(|i| json!({ "body": { "n": i } })).collect();
    let sent = send(&v, "jobs", json!({ "messages": messages }));
    assert_eq!(sent["metadata"]["metrics"]["backlogCount"], 25, "{sent}");
    let got = wait_batches(&v, Duration::from_secs(20), |b| {
        message_count(&of_queue(b, "jobs")) >= 25
    });
    let jobs = of_queue(&got, "jobs");
    let sizes: Vec<usize> = jobs
        .iter()
        .map(|b| b["messages"].as_array().unwrap().len())
        .collect();
    assert_eq!(
        sizes,
        [10, 10, 5],
        "two full batches, then the rest after max_batch_timeout"
    );
    let mut ns: Vec<u64> = jobs
        .iter()
        .flat_map(|b| b["messages"].as_array().unwrap().iter())
        .map(|m| {
            assert_eq!(m["attempts"], 1, "{m}");
            assert_eq!(m["id"].as_str().unwrap().len(), 32, "{m}");
            m["body"]["n"].as_u64().unwrap()
        })
        .collect();
    ns.sort_unstable();
    assert_eq!(ns, (0..25).collect::<Vec<_>>());
    assert!(v.log().contains("QUEUE jobs 10/10"), "{}", v.log());
    // Acknowledged: nothing is delivered again.
    std::thread::park_timeout(Duration::from_millis(1500));
    assert_eq!(message_count(&of_queue(&batches(&v), "jobs")), 25);
}

#[test]
fn text_bytes_and_v8_bodies_arrive_as_they_were_sent_and_oversized_ones_are_refused() {
    let v = Verge::start(&fixture("queues"), FLAGS);
    let r = client().get(v.url("/send-kinds")).send().unwrap();
    assert_eq!(r.status(), 200, "{}", v.log());
    let got = wait_batches(&v, Duration::from_secs(20), |b| {
        message_count(&of_queue(b, "jobs")) >= 3
    });
    let mut bodies: Vec<String> = of_queue(&got, "jobs")
        .iter()
        .flat_map(|b| b["messages"].as_array().unwrap().iter())
        .map(|m| m["body"].as_str().unwrap_or_default().to_string())
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["bytes:1,2,3", "map:[[\"a\",1]]", "plain text"]);

    let r = client().get(v.url("/send-too-large")).send().unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.text().unwrap(),
        "Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000"
    );
}

#[test]
fn retry_with_a_delay_redelivers_the_message_later_with_one_more_attempt() {
    let v = Verge::start(&fixture("queues"), FLAGS);
    send(&v, "jobs", json!({ "body": { "retryAfter": 2 } }));
    let got = wait_batches(&v, Duration::from_secs(20), |b| {
        of_queue(b, "jobs").len() >= 2
    });
    let jobs = of_queue(&got, "jobs");
    let first = &jobs[0]["messages"][0];
    let second = &jobs[1]["messages"][0];
    assert_eq!(
        (first["attempts"].as_u64(), second["attempts"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(first["id"], second["id"]);
    assert_eq!(
        first["timestamp"], second["timestamp"],
        "the send time is kept"
    );
    let gap = jobs[1]["at"].as_u64().unwrap() - jobs[0]["at"].as_u64().unwrap();
    assert!(
        gap >= 2000,
        "redelivered after {gap} ms, before the 2 s delay"
    );
}

#[test]
fn a_consumer_that_throws_on_every_message_retries_it_then_moves_it_to_the_dead_letter_queue() {
    let v = Verge::start(&fixture("queues"), FLAGS);
    send(
        &v,
        "failing",
        json!({ "messages": [{ "body": "ack-me" }, { "body": "poison" }] }),
    );
    let got = wait_batches(&v, Duration::from_secs(30), |b| {
        !of_queue(b, "failing-dlq").is_empty()
    });
    let failing = of_queue(&got, "failing");
    let first: Vec<(&str, u64)> = failing[0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["body"].as_str().unwrap(), m["attempts"].as_u64().unwrap()))
        .collect();
    assert_eq!(first, [("ack-me", 1), ("poison", 1)]);
    let attempts: Vec<(u64, usize)> = failing
        .iter()
        .map(|b| {
            let m = b["messages"].as_array().unwrap();
            // The message acknowledged before the throw is never delivered again.
            assert_eq!(m.last().unwrap()["body"], "poison", "{b}");
            (m.last().unwrap()["attempts"].as_u64().unwrap(), m.len())
        })
        .collect();
    assert_eq!(
        attempts,
        [(1, 2), (2, 1), (3, 1)],
        "max_retries = 2: three deliveries"
    );
    let failing: Vec<Value> = failing
        .iter()
        .map(|b| json!({ "messages": [b["messages"].as_array().unwrap().last().unwrap()] }))
        .collect();
    let dead = &of_queue(&got, "failing-dlq")[0]["messages"][0];
    assert_eq!(dead["body"], "poison");
    assert_eq!(
        dead["id"], failing[0]["messages"][0]["id"],
        "the same message"
    );
    assert_eq!(
        dead["attempts"], 1,
        "attempts start again on the dead-letter queue"
    );
    let log = v.log();
    assert!(log.contains("this consumer fails every message"), "{log}");
    assert!(
        log.contains("to dead letter queue \"failing-dlq\" after 3 failed attempts"),
        "{log}"
    );
    // Delivered to the dead-letter queue's consumer and acknowledged there: no more deliveries.
    std::thread::park_timeout(Duration::from_millis(1000));
    let after = batches(&v);
    assert_eq!(of_queue(&after, "failing").len(), 3);
    assert_eq!(of_queue(&after, "failing-dlq").len(), 1);
}

#[test]
fn retry_all_retries_what_the_messages_did_not_decide_and_bad_retry_options_throw() {
    let v = Verge::start(&fixture("queues"), FLAGS);
    send(
        &v,
        "jobs",
        json!({ "messages": [{ "body": { "retryAll": true } }, { "body": { "tag": "other" } }, { "body": { "badRetry": true } }] }),
    );
    let got = wait_batches(&v, Duration::from_secs(20), |b| {
        of_queue(b, "jobs").len() >= 2
    });
    let jobs = of_queue(&got, "jobs");
    assert_eq!(jobs[0]["messages"].as_array().unwrap().len(), 3, "{jobs:?}");
    assert_eq!(
        jobs[0]["error"],
        "TypeError: delaySeconds must be a number of seconds from 0 to 43200"
    );
    // retryAll() covers the messages that made no call of their own (the failed retry() made
    // none); the message that acknowledged itself is not delivered again.
    let again: Vec<(String, u64)> = jobs[1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["body"].to_string(), m["attempts"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        again,
        [
            (r#"{"tag":"other"}"#.to_string(), 2),
            (r#"{"badRetry":true}"#.to_string(), 2)
        ]
    );
    std::thread::park_timeout(Duration::from_millis(1500));
    assert_eq!(
        of_queue(&batches(&v), "jobs").len(),
        2,
        "nothing else comes back"
    );
}

fn queues_cli(state: &Path, args: &[&str]) -> (bool, String, String) {
    let dir = fixture("queues");
    let mut all = vec![
        "queues",
        "--cwd",
        dir.to_str().unwrap(),
        "--persist-to",
        state.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run_verge(&all)
}

fn backlog(state: &Path, queue: &str) -> Value {
    let (ok, out, err) = queues_cli(state, &["list", "--json"]);
    assert!(ok, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == queue)
        .cloned()
        .unwrap_or_else(|| panic!("{queue} not listed: {out}"))
}

#[test]
fn sent_messages_survive_kill_9_and_are_delivered_after_the_restart() {
    let state = tempfile::tempdir().unwrap();
    let mut v = Verge::start_with_state(
        &fixture("queues"),
        state.path(),
        &["--threads", "1", "--no-reload", "--env", "producer_only"],
        None,
    );
    for i in 0..3 {
        send(&v, "jobs", json!({ "body": { "n": i } }));
    }
    // Each send resolved: the messages are committed. No consumer ran in this environment.
    v.kill();
    let listed = backlog(state.path(), "jobs");
    assert_eq!(listed["backlog_count"], 3, "{listed}");
    assert_eq!(listed["consumer"], true, "{listed}");

    let v = Verge::start_with_state(&fixture("queues"), state.path(), FLAGS, None);
    let got = wait_batches(&v, Duration::from_secs(20), |b| {
        message_count(&of_queue(b, "jobs")) >= 3
    });
    let mut ns: Vec<u64> = of_queue(&got, "jobs")
        .iter()
        .flat_map(|b| b["messages"].as_array().unwrap().iter())
        .map(|m| m["body"]["n"].as_u64().unwrap())
        .collect();
    ns.sort_unstable();
    assert_eq!(ns, [0, 1, 2]);
}

#[test]
fn verge_queues_list_and_purge_work_on_the_project_state() {
    let state = tempfile::tempdir().unwrap();
    let mut v = Verge::start_with_state(
        &fixture("queues"),
        state.path(),
        &["--threads", "1", "--no-reload", "--env", "producer_only"],
        None,
    );
    send(
        &v,
        "jobs",
        json!({ "messages": [{ "body": 1 }, { "body": 2 }] }),
    );
    v.kill();

    let (ok, out, err) = queues_cli(state.path(), &["list"]);
    assert!(ok, "{err}");
    let jobs_line = out
        .lines()
        .find(|l| l.starts_with("jobs "))
        .unwrap_or_default();
    assert!(jobs_line.contains(" 2 "), "{out}");
    assert!(out.contains("dead-letter queue of failing"), "{out}");

    let (ok, out, err) = queues_cli(state.path(), &["purge", "jobs"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Purged 2 message(s) from queue jobs.");
    assert_eq!(backlog(state.path(), "jobs")["backlog_count"], 0);

    let (ok, _, err) = queues_cli(state.path(), &["purge", "nope"]);
    assert!(!ok);
    assert!(
        err.contains("no queue \"nope\"") && err.contains("known queues: failing"),
        "{err}"
    );
}
