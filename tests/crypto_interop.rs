//! `crypto.subtle` through the real binary, checked against an independent implementation:
//! Node.js's crypto (OpenSSL) at test time, in both directions (`tests/crypto/node-peer.mjs`
//! makes keys and outputs that the worker in `tests/fixtures/crypto` must accept and
//! reproduce; Node then verifies what the worker made). Every algorithm verge supports:
//! digests (and MD5), HMAC, RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP, ECDSA and ECDH on P-256 and
//! P-384, Ed25519, X25519, AES-GCM/CBC/CTR/KW, PBKDF2, HKDF; keys in raw, JWK, SPKI and
//! PKCS#8. (RFC and NIST known-answer vectors are in `crates/verge-crypto/src/tests.rs`.)
//!
//! Node.js is required, as for `tests/npm_libs.rs`: without it the test fails saying so.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Verge, client, fixture};
use serde_json::{Value, json};

/// Runs `node tests/crypto/node-peer.mjs MODE` with `stdin`; its stdout as JSON.
fn node_peer(mode: &str, stdin: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crypto/node-peer.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("tests/crypto_interop.rs needs Node.js on PATH: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write to node");
    let out = child.wait_with_output().expect("node");
    assert!(
        out.status.success(),
        "node-peer.mjs {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node-peer.mjs prints JSON")
}

/// The names whose value is not `true`, with the value.
fn failures(checks: &Value) -> Vec<String> {
    checks
        .as_object()
        .expect("an object of checks")
        .iter()
        .filter(|(_, v)| **v != Value::Bool(true))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect()
}

#[test]
fn web_crypto_agrees_with_node_in_both_directions_for_every_algorithm() {
    let from_node = node_peer("make", "");
    let v = Verge::start(&fixture("crypto"), &["--no-reload"]);
    let text = client()
        .post(v.url("/interop"))
        .body(from_node.to_string())
        .send()
        .unwrap()
        .text()
        .unwrap();
    let answer: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}\n{}", v.log()));

    // verge accepted and reproduced what Node made.
    let checks = &answer["checks"];
    let failed = failures(checks);
    assert!(
        failed.is_empty(),
        "verge on Node's keys:\n{}",
        failed.join("\n")
    );
    let names: Vec<&str> = checks
        .as_object()
        .expect("checks")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "digest SHA-1",
            "digest SHA-256",
            "digest SHA-384",
            "digest SHA-512",
            "digest MD5",
            "hmac SHA-256",
            "hmac SHA-512",
            "RSASSA-PKCS1-v1_5",
            "RSA-PSS",
            "RSA-OAEP",
            "ECDSA P-256",
            "ECDH P-256",
            "ECDSA P-384",
            "ECDH P-384",
            "Ed25519",
            "X25519",
            "AES-GCM",
            "AES-CBC",
            "AES-CTR",
            "AES-KW",
            "PBKDF2",
            "HKDF",
        ]
    );

    // Node accepts what verge made.
    let verdicts = node_peer(
        "check",
        &json!({"node": from_node, "verge": answer["verge"]}).to_string(),
    );
    let failed = failures(&verdicts);
    assert!(
        failed.is_empty(),
        "Node on verge's output:\n{}",
        failed.join("\n")
    );
    assert_eq!(
        verdicts.as_object().map(|o| o.len()),
        Some(14),
        "every Node-side check ran: {verdicts}"
    );
}
