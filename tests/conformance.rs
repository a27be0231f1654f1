//! Web platform behaviours the Web Platform Tests and real projects showed verge getting wrong
//! (issue 13), checked through the real binary: each path of `tests/fixtures/conformance`
//! answers a JSON object of named results; a thrown error reads `throws <name>: <message>`.

mod common;

use serde_json::{Value, json};

use common::{Verge, client, fixture};

fn results(v: &Verge, path: &str) -> Value {
    let resp = client().get(v.url(path)).send().expect("request");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().expect("json")
}

fn start() -> Verge {
    Verge::start(&fixture("conformance"), &["--no-reload"])
}

fn throws(r: &Value, key: &str, class: &str) {
    let got = r[key].as_str().unwrap_or_default();
    assert!(
        got.starts_with(&format!("throws {class}")),
        "{key}: expected {class}, got {}",
        r[key]
    );
}

#[test]
fn text_decoder_strips_only_ascii_whitespace_from_labels() {
    let v = start();
    let r = results(&v, "/text-decoder-labels");
    assert_eq!(r["ascii_space_trimmed"], "windows-1252");
    assert_eq!(r["undefined_options"], "");
    assert_eq!(r["null_options"], "a");
    for key in [
        "vertical_tab",
        "nbsp",
        "line_separator",
        "nul",
        "replacement",
    ] {
        throws(&r, key, "RangeError");
    }
}

#[test]
fn lone_surrogates_cross_into_rust_as_replacement_characters() {
    let v = start();
    let r = results(&v, "/usv-strings");
    assert_eq!(
        r,
        json!({
            "encode": "61 ef bf bd 62",
            "encode_swapped_pair": "ef bf bd ef bf bd",
            "url_path": "/%EF%BF%BD",
            "url_base": "/%EF%BF%BD/x",
            "search_params": "q=%EF%BF%BD",
            "search_params_record": "k\u{FFFD} v\u{FFFD}",
            // Iteration walks the live list: "b", deleted on the way, is not seen.
            "search_params_live": "a,c",
            "header_value": "\u{FFFD}",
            "console_log": "logged",
            // "hé" fits in the 4 bytes at offset 2; the replacement character would not.
            "encode_into_shared": "2 3 00 00 68 c3 a9 00 00 00",
            "decode_shared": "hé!",
        })
    );
}

#[test]
fn init_arguments_are_checked_as_webidl_says() {
    let v = start();
    let r = results(&v, "/init-dictionaries");
    for key in [
        "response_string_init",
        "response_number_init",
        "request_string_init",
        "headers_null",
        "listener_null_signal",
    ] {
        throws(&r, key, "TypeError");
    }
    assert_eq!(r["response_null_init"], 200);
    assert_eq!(r["request_undefined_init"], "GET");
    assert_eq!(r["response_function_init"], 201);
    assert_eq!(r["headers_undefined"], 0);
    assert_eq!(r["json_keeps_content_type"], "foo/bar");
    assert_eq!(r["json_content_type"], "application/json");
}

#[test]
fn dates_and_error_stacks_read_as_on_v8() {
    let v = start();
    let r = results(&v, "/error-strings");
    assert_eq!(
        r,
        json!({
            "date": "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
            "time": "00:00:00 GMT+0000 (Coordinated Universal Time)",
            "dom_exception": "DataError: bad key",
            "type_error": "TypeError: cannot read property 'x' of null",
            "platform_error": "TypeError: Invalid header name: \"a b\"",
            "frames_follow": true,
        })
    );
}

#[test]
fn structured_clone_keeps_blobs_errors_and_identity() {
    let v = start();
    let r = results(&v, "/structured-clone");
    assert_eq!(
        r,
        json!({
            "blob": [true, "text/plain", "hé"],
            "file": [true, "a.txt", 42, "text/x", "x"],
            "error_without_message": false,
            "cause": ["TypeError", "m", "RangeError", "c"],
            "identity": true,
            "sparse": "0,2",
            "function": r["function"].clone(),
            // The transferred buffer is detached; the clone's view sees the bytes.
            "transfer": [0, "2,3"],
            "transfer_blob": "throws DataCloneError",
        })
    );
    assert!(
        r["function"]
            .as_str()
            .unwrap_or_default()
            .starts_with("throws DataCloneError"),
        "{}",
        r["function"]
    );
}

#[test]
fn consuming_a_null_body_leaves_it_unused() {
    let v = start();
    assert_eq!(
        results(&v, "/null-body"),
        json!({"text": "", "again": 0, "body_used": false, "string_body_used": true})
    );
}

#[test]
fn headers_get_is_null_for_a_missing_name_on_every_kind_of_headers() {
    let v = start();
    assert_eq!(
        results(&v, "/headers-null"),
        json!({
            "incoming": [null, "object"],
            "fetched": [null, "string"],
            "empty_request": [null, null],
            "empty_post": [null, null],
            "empty_response": [null, null],
            "immutable": [null, null],
        })
    );
}

#[test]
fn abort_events_fire_on_the_source_then_its_dependents_in_order() {
    let v = start();
    assert_eq!(
        results(&v, "/abort-order"),
        json!({
            // any() of a dependent depends on that dependent's source (DOM §3.2).
            "order": "01234",
            "seen": [true, true, "abort"],
            "reasons": ["why", "why", "why", "why", "why"],
        })
    );
}
