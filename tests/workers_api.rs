//! README's "Supported Workers API" rows through the real binary (`tests/fixtures/workers-api`):
//! events and abort signals, streams, encodings, urlencoded forms, timers, clones, Text and
//! Data modules, Intl locales, console lines with the request id, `fetch` redirect modes and
//! signals over http and https (a test CA trusted through `VERGE_EXTRA_CA_CERTS`).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::tls::{TestCa, read_request, serve, write_response};
use common::{Verge, client, fixture};
use serde_json::{Value, json};

fn start() -> Verge {
    Verge::start(&fixture("workers-api"), &["--no-reload"])
}

/// GETs a route that answers `{check: true | "failure"}` and asserts that exactly `expected`
/// ran, all passing.
fn assert_checks(v: &Verge, path: &str, expected: &[&str]) {
    let text = client().get(v.url(path)).send().unwrap().text().unwrap();
    let out: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}\n{}", v.log()));
    let out = out.as_object().unwrap_or_else(|| panic!("{path}: {out}"));
    let failed: Vec<String> = out
        .iter()
        .filter(|(_, v)| **v != Value::Bool(true))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    assert!(failed.is_empty(), "{path}:\n{}", failed.join("\n"));
    let ran: Vec<&str> = out.keys().map(String::as_str).collect();
    assert_eq!(ran, expected, "{path}: the checks that ran");
}

#[test]
fn events_custom_events_abort_signals_and_dom_exceptions() {
    let v = start();
    assert_checks(
        &v,
        "/events",
        &[
            "customEvent",
            "dispatchEvent",
            "preventDefaultAndStopImmediatePropagation",
            "subclassedEventTarget",
            "abortController",
            "abortSignalAny",
            "abortSignalTimeout",
            "domException",
        ],
    );
}

#[test]
fn byte_streams_byob_tee_pipe_to_writable_transform_and_text_streams() {
    let v = start();
    assert_checks(
        &v,
        "/streams",
        &[
            "byobReader",
            "byteStreamDefaultReaderAndAutoAllocate",
            "tee",
            "pipeToAWritableStream",
            "writableStreamErrorsAndAbort",
            "transformStream",
            "textEncoderAndDecoderStreams",
        ],
    );
    // A body written into a TransformStream after the handler returned.
    let r = client().get(v.url("/stream-response")).send().unwrap();
    assert_eq!(r.text().unwrap(), "one two three");
}

#[test]
fn atob_btoa_and_text_decoder_encodings() {
    let v = start();
    assert_checks(&v, "/encoding", &["atob", "btoa", "textDecoderEncodings"]);
}

#[test]
fn form_data_reads_urlencoded_bodies() {
    let v = start();
    let j: Value = client()
        .post(v.url("/form-urlencoded"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1&b=two+words&a=3&c=%E2%82%AC&empty=")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        json!({
            "a": ["1", "3"], "b": "two words", "c": "€", "empty": "", "keys": ["a", "b", "a", "c", "empty"],
            "fromParams": [["x", "1 2"], ["y", "é"]],
            "requestType": "application/x-www-form-urlencoded;charset=UTF-8", "requestBody": "k=v%26w",
        })
    );
}

#[test]
fn set_interval_and_timer_arguments() {
    let v = start();
    assert_checks(
        &v,
        "/timers",
        &[
            "setIntervalTicksUntilCleared",
            "setTimeoutPassesArgumentsAndClearTimeoutCancels",
        ],
    );
}

#[test]
fn response_and_request_clones() {
    let v = start();
    let out: Value = client()
        .post(v.url("/clone"))
        .body("incoming")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        out,
        json!({"responseClone": true, "streamedResponseClone": true, "requestClone": true, "responseError": true})
    );
    let r = client().get(v.url("/send-clone")).send().unwrap();
    assert_eq!(r.headers()["x-cloned"], "yes");
    assert_eq!(r.text().unwrap(), "sent from a clone");
}

#[test]
fn text_and_data_modules_hold_the_files_bytes() {
    let v = start();
    let j: Value = client()
        .get(v.url("/modules"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let dir = fixture("workers-api").join("data");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(j["text"], read("hello.txt"));
    assert_eq!(j["html"], read("page.html"));
    assert_eq!(j["sql"], read("query.sql"));
    assert_eq!(j["binIsArrayBuffer"], true);
    assert_eq!(
        j["bin"],
        json!(std::fs::read(dir.join("bytes.bin")).unwrap())
    );
}

#[test]
fn intl_formats_en_gb_dates_and_de_fr_numbers() {
    let v = start();
    let j: Value = client().get(v.url("/intl")).send().unwrap().json().unwrap();
    // As node 20 (ICU 78) prints them; U+00A0 and U+202F are the no-break spaces CLDR uses.
    assert_eq!(
        j,
        json!({
            "gbFull": "Tuesday, 5 March 2024 at 14:07:09 GMT",
            "gbDate": "05/03/2024",
            "gbSummer": "14/07/2024, 04:04:05",
            "deNumber": "1.234.567,891",
            "deEuro": "1.234,50\u{a0}€",
            "dePercent": "12,5\u{a0}%",
            "frNumber": "1\u{202f}234\u{202f}567,891",
            "frEuro": "-1\u{202f}234,50\u{a0}€",
            "enNumber": "1,234,567.891",
        })
    );
}

#[test]
fn console_lines_carry_the_request_id() {
    let v = start();
    let marker = "m-4711";
    let r = client()
        .get(v.url(&format!("/console?marker={marker}")))
        .send()
        .unwrap();
    let ray = r.headers()["cf-ray"].to_str().unwrap().to_string();
    assert_eq!(r.text().unwrap(), "logged");
    let last = format!("waitUntil {marker}");
    assert!(
        v.wait_for_log(&last, Duration::from_secs(10)),
        "{}",
        v.log()
    );
    let log = v.log();
    for what in ["log", "warn", "error", "waitUntil"] {
        let needle = format!("{what} {marker}");
        let line = log
            .lines()
            .find(|l| l.contains(&needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{log}"));
        assert!(
            line.contains(&ray),
            "{needle:?} without the ray {ray}: {line}"
        );
    }
    let line = log.lines().find(|l| l.contains("log m-4711")).unwrap();
    assert!(line.contains("{ n: 1 }"), "objects are inspected: {line}");
}

#[test]
fn get_random_values_fills_and_limits() {
    let v = start();
    assert_checks(&v, "/random", &["getRandomValues"]);
}

/// The upstream `fetch` talks to in these tests (over plain TCP or TLS):
/// `/final` answers `final <METHOD>[ <body>]`; `/r302`, `/r303`, `/r307` redirect there;
/// `/loop` redirects to itself; `/hang` never answers; `/slow-body` sends "first" of a longer
/// body and then waits for the client to go away.
fn upstream<S: Read + Write>(s: &mut S) {
    let Some((method, path, body)) = read_request(s) else {
        return;
    };
    let redirect = |s: &mut S, status: &str, to: &str| {
        write_response(s, status, &[("location", to)], b"");
    };
    match path.as_str() {
        "/final" => {
            let mut text = format!("final {method}");
            if !body.is_empty() {
                text.push(' ');
                text.push_str(&String::from_utf8_lossy(&body));
            }
            write_response(s, "200 OK", &[], text.as_bytes());
        }
        "/r302" => redirect(s, "302 Found", "/final"),
        "/r303" => redirect(s, "303 See Other", "/final"),
        "/r307" => redirect(s, "307 Temporary Redirect", "/final"),
        "/loop" => redirect(s, "302 Found", "/loop"),
        "/slow-body" => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst");
            let _ = s.flush();
            let _ = s.read(&mut [0u8; 1]); // until the client closes (or the read timeout)
        }
        "/hang" => {
            let _ = s.read(&mut [0u8; 1]);
        }
        _ => write_response(s, "404 Not Found", &[], b"no"),
    }
}

/// The checks of the fixture's `/fetch-modes` route.
const FETCH_CHECKS: &[&str] = &[
    "followIsTheDefault",
    "follow303TurnsAPostIntoAGet",
    "follow307KeepsThePost",
    "manualReturnsTheRedirect",
    "errorRejectsARedirect",
    "aRedirectLoopFails",
    "anAbortedSignalRejectsAtOnce",
    "abortWhileWaitingForTheResponse",
    "aTimeoutSignal",
    "requestSignal",
];

/// A plain-HTTP upstream on a free port; its base URL.
fn http_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve(listener, |tcp| tcp, upstream);
    base
}

#[test]
fn aborting_a_fetch_errors_a_body_still_being_read() {
    let v = start();
    let base = http_upstream();
    assert_checks(
        &v,
        &format!("/fetch-abort-body?base={base}"),
        &["abortWhileReadingTheBody"],
    );
}

#[test]
fn fetch_follows_reports_or_refuses_redirects_and_obeys_signals() {
    let v = start();
    let base = http_upstream();
    assert_checks(&v, &format!("/fetch-modes?base={base}"), FETCH_CHECKS);
}

#[test]
fn fetch_reaches_https_origins_it_trusts_and_refuses_others() {
    let ca = TestCa::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    serve(listener, ca.acceptor(), upstream);
    // An IP address, so that no name lookup (/etc/hosts) is involved; the certificate names both.
    let base = format!("https://127.0.0.1:{port}");

    // Trusted through VERGE_EXTRA_CA_CERTS: the same redirect modes and signals as over http.
    let state = tempfile::tempdir().unwrap();
    let v = Verge::start_with_env(
        &fixture("workers-api"),
        state.path(),
        &["--no-reload"],
        &[("VERGE_EXTRA_CA_CERTS", ca.ca_pem_file.as_os_str())],
        None,
    );
    let j: Value = client()
        .get(v.url(&format!("/fetch-https?base={base}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        json!({"status": 200, "url": format!("{base}/final"), "body": "final GET"})
    );
    assert_checks(&v, &format!("/fetch-modes?base={base}"), FETCH_CHECKS);

    // Without the CA the certificate is refused.
    let v = start();
    let j: Value = client()
        .get(v.url(&format!("/fetch-https?base={base}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let error = j["error"].as_str().unwrap_or_else(|| panic!("{j}"));
    assert!(
        error.starts_with("TypeError:") && error.to_lowercase().contains("certificate"),
        "{error}"
    );
}
