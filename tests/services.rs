//! Service bindings through the real binary: two workers of one `verge dev` (`-c front.toml
//! -c back.toml`), `env.SVC.fetch()` and RPC to the default export and a named
//! `WorkerEntrypoint`, structured clones both ways, errors re-thrown on the caller's side,
//! and a binding to a worker that is not running failing as wrangler's does.

mod common;

use std::time::Duration;

use common::{Verge, client, fixture};
use serde_json::{Value, json};

fn start() -> Verge {
    Verge::start(
        &fixture("services"),
        &[
            "-c",
            "front.toml",
            "-c",
            "back.toml",
            "--threads",
            "1",
            "--no-reload",
        ],
    )
}

fn get(v: &Verge, path: &str) -> Value {
    let r = client().get(v.url(path)).send().unwrap();
    let status = r.status();
    let text = r.text().unwrap();
    assert_eq!(status, 200, "{path}: {text}\n{}", v.log());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

#[test]
fn fetch_reaches_the_other_workers_default_entrypoint_with_its_own_env() {
    let v = start();
    assert_eq!(
        get(&v, "/fetch"),
        json!({
            "status": 201,
            "header": "yes",
            "text": "back saw POST /x?y=1 body=ping who=back props={}",
        })
    );
}

#[test]
fn rpc_calls_the_default_export_and_a_named_entrypoint() {
    let v = start();
    assert_eq!(get(&v, "/rpc/default"), json!("hello front from back"));
    assert_eq!(get(&v, "/rpc/add"), json!(5));
    // The callee's env is its own, and ctx.props is the binding's props.
    assert_eq!(
        get(&v, "/rpc/whoami"),
        json!({"who": "back", "props": {"caller": "front"}})
    );
}

#[test]
fn results_can_be_used_before_they_settle_and_remote_properties_read() {
    let v = start();
    assert_eq!(
        get(&v, "/rpc/pipelining"),
        json!({
            "list": [1, 2, 3],
            "upper": "ABC",
            "sliced": [2, 3],
            "sum": 3,
            "thenable": 30,
            "version": "v1",
            "who": "back",
        })
    );
}

#[test]
fn stubs_and_results_are_disposable_with_using() {
    let v = start();
    assert_eq!(
        get(&v, "/rpc/dispose"),
        json!({"n": 42, "disposable": "function"})
    );
}

#[test]
fn functions_and_rpc_targets_go_by_reference() {
    let v = start();
    assert_eq!(get(&v, "/rpc/callback"), json!({"result": 18, "calls": 2}));
    assert_eq!(
        get(&v, "/rpc/target"),
        json!({"a": 6, "b": 16, "value": 16, "pipelined": 3})
    );
    assert_eq!(
        get(&v, "/rpc/target-dispose"),
        json!({
            "name": "Error",
            "message": "Attempted to use RPC stub after it has been disposed.",
            "ctor": "Error",
        })
    );
}

#[test]
fn a_stub_lives_as_long_as_the_request_that_got_it() {
    let v = start();
    assert_eq!(get(&v, "/rpc/keep"), json!(8));
    // The request is over: what the stub stood for was released.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let e = get(&v, "/rpc/kept");
        if e["message"] == "Attempted to use RPC stub after it has been disposed." {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{e}");
    }
}

#[test]
fn rpc_arguments_and_results_are_structured_clones() {
    let v = start();
    assert_eq!(
        get(&v, "/rpc/echo"),
        json!({
            "map": true, "date": true, "bytes": "1,2,3", "bigint": true,
            "undef": true, "negZero": true, "cycle": true, "copy": true,
        })
    );
}

#[test]
fn errors_thrown_by_the_callee_are_rethrown_with_their_class_and_message() {
    let v = start();
    assert_eq!(
        get(&v, "/rpc/error"),
        json!({"name": "RangeError", "message": "too big", "ctor": "RangeError", "isRange": true})
    );
    assert_eq!(
        get(&v, "/rpc/missing"),
        json!({
            "name": "TypeError",
            "message": "The RPC receiver does not implement the method \"nope\".",
            "ctor": "TypeError",
        })
    );
    assert_eq!(
        get(&v, "/rpc/reserved"),
        json!({
            "name": "TypeError",
            "message": "\"scheduled\" cannot be called over RPC.",
            "ctor": "TypeError",
        })
    );
}

#[test]
fn an_argument_that_cannot_be_cloned_rejects_with_data_clone_error_on_the_caller_side() {
    let v = start();
    assert_eq!(
        get(&v, "/rpc/uncloneable-arg"),
        json!({
            "name": "DataCloneError",
            "message": "WeakMap object could not be cloned.",
            "ctor": "DOMException",
            "isDOMException": true,
            // The call returns a promise (which rejects) rather than throwing.
            "called": true,
        })
    );
    // Messages over 32 MiB are refused before they leave.
    let e = get(&v, "/rpc/too-big");
    assert_eq!(e["name"], "RangeError", "{e}");
    assert_eq!(
        e["message"], "The RPC message is 34603018 bytes, over the limit of 33554432 bytes.",
        "{e}"
    );
    // A result that cannot be cloned fails in the callee, and the caller sees that error.
    let e = get(&v, "/rpc/uncloneable-result");
    assert_eq!(e["name"], "DataCloneError", "{e}");
}

#[test]
fn the_callee_runs_on_its_own_cpu_limit_and_the_caller_survives_its_overrun() {
    let v = start();
    let e = get(&v, "/rpc/spin");
    assert_eq!(e["message"], "Worker exceeded CPU time limit.", "{e}");
    // The next call gets a fresh isolate of the callee.
    assert_eq!(e["after"], 2, "{e}");
}

#[test]
fn a_worker_calling_itself_is_stopped_by_the_loop_limit() {
    let v = start();
    // The HTTP request is the first of 16 invocations; back's calls are the rest.
    assert_eq!(
        get(&v, "/rpc/loop"),
        json!({
            "n": 14,
            "message": "Worker-to-Worker calls are nested too deeply (error 1019: a chain may make at most 16 invocations).",
        })
    );
}

#[test]
fn a_service_that_is_not_running_fails_as_wrangler_says_and_is_warned_about() {
    let v = start();
    assert_eq!(
        get(&v, "/gone/fetch"),
        json!({
            "status": 503,
            "text": "Couldn't find a local dev session for the \"default\" entrypoint of service \"nowhere\" to proxy to",
        })
    );
    assert_eq!(
        get(&v, "/gone/rpc"),
        json!({
            "name": "Error",
            "message": "Cannot access \"anything\" as we couldn't find a local dev session for the \"default\" entrypoint of service \"nowhere\" to proxy to.",
            "ctor": "Error",
        })
    );
    assert!(
        v.wait_for_log(
            "front.toml: field \"services[2]\": worker \"nowhere\" is not part of this verge dev",
            Duration::from_secs(5)
        ),
        "{}",
        v.log()
    );
    // What verge does not do with a binding is said too.
    assert!(
        v.log().contains(
            "services[0] (BACK): \"environment\" is ignored; env.BACK reaches the worker named \"back\" of this verge dev"
        ),
        "{}",
        v.log()
    );
}

#[test]
fn a_worker_entrypoint_class_as_default_export_serves_http() {
    let v = Verge::start(
        &fixture("services"),
        &["-c", "back.toml", "--threads", "1", "--no-reload"],
    );
    let r = client().post(v.url("/hi")).body("yo").send().unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.text().unwrap(),
        "back saw POST /hi body=yo who=back props={}"
    );
}

#[test]
fn a_durable_object_binding_with_script_name_reaches_the_other_workers_class() {
    let v = start();
    assert_eq!(
        get(&v, "/do/script-name"),
        json!({
            "total": 5,
            "label": "room",
            "who": "back",
            "sameId": true,
            // back's own binding reaches the same object.
            "viaBack": 5,
            "fetched": "room /path total=5",
        })
    );
    assert_eq!(
        get(&v, "/do/ghost"),
        json!({
            "name": "Error",
            "message": "Couldn't find a local dev session for Durable Object \"Ghost\" of service \"nowhere\" to proxy to",
            "ctor": "Error",
        })
    );
    assert!(
        v.log().contains("front.toml: durable_objects binding GHOST: worker \"nowhere\" of this verge dev does not bind class Ghost"),
        "{}",
        v.log()
    );
}

#[test]
fn functions_and_rpc_targets_go_by_reference_to_and_from_durable_objects_on_any_thread() {
    let v = Verge::start(
        &fixture("services"),
        &[
            "-c",
            "front.toml",
            "-c",
            "back.toml",
            "--threads",
            "2",
            "--no-reload",
        ],
    );
    assert_eq!(get(&v, "/do/by-reference"), json!(vec![[2, 11, 12, 2]; 6]));
}
