//! Native work a request asks for stays within Workers' limits, through the real binary:
//! Web Crypto's parameter limits and CPU charging, and the headers of a response.

mod common;

use std::time::Duration;

use common::{Verge, client, fixture};

#[test]
fn pbkdf2_past_100000_iterations_gets_workerds_not_supported_error() {
    let v = Verge::start(&fixture("limits"), &["--no-reload"]);
    let c = client();
    let r = c.get(v.url("/pbkdf2?n=30000000")).send().unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.text().unwrap(),
        "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 30000000)."
    );
    // RFC 7914 §11's PBKDF2-HMAC-SHA-256 vector ("password", "salt", 1 iteration).
    let r = c.get(v.url("/pbkdf2?n=1")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().unwrap(),
        "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"
    );
}

#[test]
fn rsa_key_generation_is_charged_to_the_request_and_ends_it_at_its_cpu_budget() {
    let v = Verge::start(&fixture("limits-cpu"), &["--no-reload"]);
    let c = client();
    let r = c.get(v.url("/rsa?bits=4096")).send().unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().unwrap().contains("error code: 1102"));
    assert!(v.wait_for_log("Worker exceeded CPU time limit", Duration::from_secs(10)));
    // Parameters past Workers' limits are refused before any work, as a catchable error.
    let r = c.get(v.url("/rsa?bits=16392")).send().unwrap();
    assert_eq!(
        r.text().unwrap(),
        "caught OperationError: The modulus length must be a multiple of 8 and between 256 and 16k, but 16392 was requested."
    );
    assert_eq!(c.get(v.url("/")).send().unwrap().text().unwrap(), "ok");
}

#[test]
fn a_response_with_100000_headers_gets_a_clear_500_not_a_dropped_connection() {
    let v = Verge::start(&fixture("limits"), &["--no-reload"]);
    let c = client();
    // Built with 100,000 appends: quadratic Headers took minutes here, past the client's
    // timeout, and then hyper panicked and dropped the connection.
    let r = c.get(v.url("/headers?n=100000")).send().unwrap();
    assert_eq!(r.status(), 500);
    let body = r.text().unwrap();
    assert!(body.contains("error code: 1101"), "{body}");
    // 100,000 of the worker's own, and the body's default content-type.
    assert!(
        body.contains("The worker's response has 100001 headers; the limit is 10000."),
        "{body}"
    );
    let r = c.get(v.url("/header-bytes?n=200000")).send().unwrap();
    assert_eq!(r.status(), 500);
    let body = r.text().unwrap();
    assert!(
        // "x-big: <200,000 bytes>\r\n" and "content-type: text/plain;charset=UTF-8\r\n".
        body.contains("The worker's response headers are 200049 bytes; the limit is 131072 bytes."),
        "{body}"
    );
    // Up to the limits, every header arrives (read raw: HTTP clients refuse more than ~100).
    let head = raw_response_head(&v, "/headers?n=5000");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(head.lines().filter(|l| l.starts_with("x-h")).count(), 5000);
    assert!(head.lines().any(|l| l == "x-h4999: v"));
    assert_eq!(c.get(v.url("/")).send().unwrap().text().unwrap(), "ok");
}

/// The status line and headers of `GET path`, read from a plain TCP connection.
fn raw_response_head(v: &Verge, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = v.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n", "\n")
}
