//! Durable Object fetch streams bodies both ways: a 100 MiB upload to an object, or download
//! from one, never sits whole in memory (checked against the process's peak resident set).

mod common;

use std::io::Read;
use std::time::Duration;

use common::{Verge, fixture};

const MIB: u64 = 1 << 20;
const SIZE_MIB: u64 = 100;

/// Peak resident memory the process may reach while moving 100 MiB: well under the body's
/// size, so a body buffered whole (once in JS, once in Rust) cannot pass.
const PEAK_LIMIT_KIB: u64 = 80 * 1024;

fn verge() -> Verge {
    Verge::start(
        &fixture("durable-stream"),
        &["--no-reload", "--cpu-ms", "30000"],
    )
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

fn upload(v: &Verge, path: &str) -> String {
    let body =
        reqwest::blocking::Body::sized(std::io::repeat(1).take(SIZE_MIB * MIB), SIZE_MIB * MIB);
    let r = client().post(v.url(path)).body(body).send().unwrap();
    assert_eq!(r.status(), 200);
    r.text().unwrap()
}

fn assert_peak_below_limit(v: &Verge) {
    let peak = v.proc_status_kib("VmHWM");
    assert!(peak > 0, "no VmHWM for the process");
    assert!(
        peak < PEAK_LIMIT_KIB,
        "peak RSS {peak} KiB while moving {SIZE_MIB} MiB (limit {PEAK_LIMIT_KIB} KiB)"
    );
}

#[test]
fn a_100_mib_upload_streams_into_a_durable_object() {
    let v = verge();
    assert_eq!(upload(&v, "/upload"), (SIZE_MIB * MIB).to_string());
    assert_peak_below_limit(&v);
}

#[test]
fn a_100_mib_upload_through_a_js_stream_streams_into_a_durable_object() {
    let v = verge();
    assert_eq!(upload(&v, "/upload-js"), (SIZE_MIB * MIB).to_string());
    assert_peak_below_limit(&v);
}

#[test]
fn a_100_mib_response_streams_out_of_a_durable_object() {
    let v = verge();
    let mut r = client()
        .get(v.url(&format!("/download?mib={SIZE_MIB}")))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-from"], "object");
    let mut n = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = r.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        assert!(buf[..k].iter().all(|b| *b == 7));
        n += k as u64;
    }
    assert_eq!(n, SIZE_MIB * MIB);
    assert_peak_below_limit(&v);
}

#[test]
fn a_worker_reads_a_100_mib_object_response_as_a_stream() {
    let v = verge();
    let body = common::client()
        .get(v.url(&format!("/download-js?mib={SIZE_MIB}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, format!("object {}", SIZE_MIB * MIB));
    assert_peak_below_limit(&v);
}
