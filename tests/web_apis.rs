//! Web APIs beyond the basics through the real binary: compression streams, URLPattern, Intl,
//! Web Crypto, multipart FormData.

mod common;

use std::io::{Read, Write};

use common::{Verge, client, fixture};

#[test]
fn compression_streams_interoperate_with_gzip() {
    let v = Verge::start(&fixture("web-apis"), &["--no-reload"]);
    let text = "hello verge ".repeat(1000);
    let gz = client()
        .post(v.url("/gzip"))
        .body(text.clone())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert!(
        gz.len() < text.len() / 10,
        "compressed to {} bytes",
        gz.len()
    );
    let mut out = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, text);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"from the client").unwrap();
    let body = e.finish().unwrap();
    assert_eq!(
        client()
            .post(v.url("/gunzip"))
            .body(body)
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "from the client"
    );
}

#[test]
fn url_pattern_intl_and_web_crypto_answer_over_http() {
    let v = Verge::start(&fixture("web-apis"), &["--no-reload"]);
    let c = client();
    let groups: serde_json::Value = c
        .get(v.url("/route?u=https://example.test/users/42/posts/7"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(groups, serde_json::json!({"id": "42", "post": "7"}));
    let none: serde_json::Value = c
        .get(v.url("/route?u=https://example.test/teams/1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(none, serde_json::Value::Null);
    let t: serde_json::Value = c.get(v.url("/time")).send().unwrap().json().unwrap();
    // Expected strings as node 20 (ICU 78) prints them.
    assert_eq!(t["ny"], "1/15/2024, 12:30:00 PM");
    assert_eq!(t["tokyo"], "Tuesday, January 16, 2024 at 2:30 AM");
    assert_eq!(t["price"], "€1,234.50");
    let h: serde_json::Value = c
        .post(v.url("/hmac"))
        .body("The quick brown fox jumps over the lazy dog")
        .send()
        .unwrap()
        .json()
        .unwrap();
    // HMAC-SHA256("secret", msg) and SHA-256(msg), computed independently with openssl/node.
    assert_eq!(
        h["sig"],
        "54cd5b827c0ec938fa072a29b177469c843317b095591dc846767aa338bac600"
    );
    assert_eq!(h["ok"], true);
    assert_eq!(
        h["digest"],
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
    );
    assert_eq!(h["keyClass"], "function");
    assert_eq!(h["isKey"], true);
    assert_eq!(h["keyTag"], "[object CryptoKey]");
}

#[test]
fn multipart_form_data_with_a_file_is_parsed() {
    let v = Verge::start(&fixture("web-apis"), &["--no-reload"]);
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nverge\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--{boundary}--\r\n"
    );
    let j: serde_json::Value = client()
        .post(v.url("/form"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        serde_json::json!({"name": "verge", "file": "a.txt", "size": 9, "text": "file body"})
    );
}

/// One request breaks nearly every built-in (tests/fixtures/poison/checks.js); the next ones,
/// served by the same isolate, still get request and response bodies, streams, fetch, waitUntil
/// and the rest of the platform right.
#[test]
fn the_platform_keeps_working_after_a_request_poisons_the_built_ins() {
    let v = Verge::start(
        &fixture("poison"),
        &["--no-reload", "--threads", "1", "--cpu-ms", "10000"],
    );
    let c = client();
    let check = |r: reqwest::blocking::Response| -> String {
        assert_eq!(
            r.headers().get("x-poisoned").map(|h| h.to_str().unwrap()),
            Some("yes"),
            "served by an isolate that was not poisoned"
        );
        let status = r.status();
        let body = r.text().unwrap();
        assert_eq!(status, 200, "{body}");
        body
    };
    let post = |path: &str, ctype: &str, body: &'static [u8]| {
        check(
            c.post(v.url(path))
                .header("content-type", ctype)
                .body(body)
                .send()
                .unwrap(),
        )
    };
    let r = c.get(v.url("/poison")).send().unwrap();
    assert_eq!(check(r), "poisoned");

    assert_eq!(
        post("/check/text", "text/plain", b"hello body"),
        "hello body"
    );
    assert_eq!(
        post(
            "/check/json",
            "application/json",
            br#"{"list":[1,2,3],"name":"n"}"#
        ),
        "json 3 n"
    );
    assert_eq!(
        post(
            "/check/arraybuffer",
            "application/octet-stream",
            b"raw bytes"
        ),
        "raw bytes"
    );
    assert_eq!(
        post("/check/bytes", "application/octet-stream", b"more bytes"),
        "more bytes"
    );
    assert_eq!(
        post(
            "/check/form",
            "application/x-www-form-urlencoded",
            b"a=1&b=2"
        ),
        "form 1"
    );
    assert_eq!(
        post(
            "/check/form",
            "multipart/form-data; boundary=XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nmulti\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n"
        ),
        "form multi f.txt=file body"
    );
    assert_eq!(
        post("/check/stream", "text/plain", b"in pieces"),
        "streamed in pieces"
    );
    assert_eq!(post("/check/clone", "text/plain", b"twice"), "twice|twice");
    let r = c.get(v.url("/check/stream-response")).send().unwrap();
    assert_eq!(check(r), "chunk1 chunk2 end");
    assert_eq!(
        post(
            "/check/transform-response",
            "text/plain",
            b"through a TransformStream"
        ),
        "through a TransformStream"
    );
    let r = c.get(v.url("/check/fetch")).send().unwrap();
    assert_eq!(check(r), "fetched 200 echo POST ping");
    let r = c.get(v.url("/check/waituntil")).send().unwrap();
    assert_eq!(check(r), "registered");
    assert!(
        v.wait_for_log(
            "expected waitUntil rejection",
            std::time::Duration::from_secs(10)
        ),
        "{}",
        v.log()
    );
    // Durable Objects: storage, SQL, transactions, alarms, blockConcurrencyWhile, RPC and fetch.
    let r = c.get(v.url("/check/do")).send().unwrap();
    let j: serde_json::Value = serde_json::from_str(&check(r)).unwrap();
    assert_eq!(
        j,
        serde_json::json!({
            "stored": {"loaded": "none", "got": {"n": 5, "list": [1, 2, 3], "s": "x"}, "size": 2,
                       "rows": 1, "total": 5, "txn": 2, "alarm": 4102444800000u64, "after": null,
                       "sockets": 0},
            "text": "do POST to the object header do",
            "streamed": "do PUT streamed null",
        })
    );
    let r = c.get(v.url("/check/kv")).send().unwrap();
    let j: serde_json::Value = serde_json::from_str(&check(r)).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"value": "value", "metadata": {"m": 1}, "streamed": "kv stream", "keys": 2})
    );
    let r = c.get(v.url("/check/cache")).send().unwrap();
    let j: serde_json::Value = serde_json::from_str(&check(r)).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"text": "cached body", "status": "HIT", "miss": true, "purged": true, "after": true})
    );
    // Last: run() also replaces the lazily loaded globals.
    let r = c.get(v.url("/check/run")).send().unwrap();
    let j: serde_json::Value = serde_json::from_str(&check(r)).unwrap();
    assert_eq!(j, serde_json::json!({"failures": [], "hits": []}));
}
