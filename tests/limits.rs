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

/// Reads one request head from `s`.
fn read_head(s: &mut std::net::TcpStream) -> String {
    use std::io::Read as _;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut byte).unwrap(),
            1,
            "the origin's client went away"
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn answer(s: &mut std::net::TcpStream, body: &str) {
    use std::io::Write as _;
    let r = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(r.as_bytes()).unwrap();
}

#[test]
fn js_after_an_awaited_fetch_is_charged_to_its_own_request_not_a_later_one() {
    // One isolate thread: both requests share an isolate. The hog is started first; the
    // victim, started second, is the most recent invocation when the hog's fetch completes
    // and its endless loop runs. That loop must end the hog (1102), never the victim.
    let v = Verge::start(&fixture("limits-cpu"), &["--no-reload", "--threads", "1"]);
    let origin = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let o = format!("http://{}", origin.local_addr().unwrap());
    let (hog_done_tx, hog_done_rx) = std::sync::mpsc::channel::<()>();
    let (hog_fetched_tx, hog_fetched_rx) = std::sync::mpsc::channel::<()>();
    let origin_thread = std::thread::spawn(move || {
        let (mut hog, _) = origin.accept().unwrap();
        assert!(read_head(&mut hog).starts_with("GET /hog "));
        hog_fetched_tx.send(()).unwrap();
        let (mut victim, _) = origin.accept().unwrap();
        assert!(read_head(&mut victim).starts_with("GET /victim "));
        // Both requests are waiting on their fetch: release the hog's.
        answer(&mut hog, "hog");
        // The victim's answer waits until the hog has been answered by verge.
        hog_done_rx.recv().unwrap();
        answer(&mut victim, "victim's body");
    });
    let c = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let hog_url = v.url(&format!("/after-fetch-hog?o={o}/hog"));
    let c2 = c.clone();
    let hog = std::thread::spawn(move || {
        let r = c2
            .get(hog_url)
            .send()
            .expect("the hog's request ends within 20 s");
        (r.status().as_u16(), r.text().unwrap())
    });
    // The victim starts once the hog's fetch has reached the origin.
    hog_fetched_rx.recv().unwrap();
    let victim_url = v.url(&format!("/after-fetch?o={o}/victim"));
    let c3 = c.clone();
    let victim = std::thread::spawn(move || {
        let r = c3.get(victim_url).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    });
    let (status, body) = hog.join().unwrap();
    hog_done_tx.send(()).unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("error code: 1102"), "{body}");
    let (status, body) = victim.join().unwrap();
    assert_eq!((status, body.as_str()), (200, "victim's body"));
    origin_thread.join().unwrap();
}
