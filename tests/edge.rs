//! The HTTP edge against adversarial clients, over raw sockets: response framing from the
//! body actually sent, Host validation, broken request bodies, slow clients, descriptor
//! exhaustion.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Verge, fixture};

fn verge(extra: &[&str]) -> Verge {
    let mut args = vec!["--no-reload", "--threads", "1"];
    args.extend_from_slice(extra);
    Verge::start(&fixture("edge"), &args)
}

fn connect(v: &Verge) -> TcpStream {
    let s = TcpStream::connect(v.base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s
}

/// One HTTP/1.1 response from `s`: (status, headers lower-cased, body) read by its
/// Content-Length (or to EOF without one).
fn read_response(s: &mut TcpStream) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).unwrap();
        assert_eq!(
            n,
            1,
            "connection closed in the head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let mut lines = text.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            s.read_exact(&mut body).unwrap();
        }
        None if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v == "chunked") =>
        {
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest);
            body = rest;
        }
        None => {}
    }
    (status, headers, body)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn get(s: &mut TcpStream, path: &str) {
    write!(s, "GET {path} HTTP/1.1\r\nHost: verge.test\r\n\r\n").unwrap();
}

#[test]
fn a_content_length_the_body_contradicts_is_replaced_and_the_next_response_is_intact() {
    let v = verge(&[]);
    let mut s = connect(&v);
    for (path, body) in [
        ("/short-length", "hello world"),
        ("/long-length", "hi"),
        ("/rewrite", "new"),
    ] {
        get(&mut s, path);
        let (status, h, b) = read_response(&mut s);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&h, "content-length"),
            Some(body.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(b, body.as_bytes(), "{path}");
        // Keep-alive: the next response on the connection starts where this one ended.
        get(&mut s, "/echo");
        let (status, _, b) = read_response(&mut s);
        assert_eq!(
            (status, b),
            (200, b"http://verge.test/echo".to_vec()),
            "after {path}"
        );
    }
}

#[test]
fn a_streamed_body_is_held_to_its_declared_length() {
    let v = verge(&[]);
    let mut s = connect(&v);
    get(&mut s, "/stream-exact");
    let (status, h, b) = read_response(&mut s);
    assert_eq!((status, header(&h, "content-length")), (200, Some("10")));
    assert_eq!(b, b"1234567890");
    // Longer than declared: exactly the declared bytes go out (the rest is never sent) and
    // the connection carries the next response intact.
    get(&mut s, "/stream-over");
    let (status, h, b) = read_response(&mut s);
    assert_eq!((status, header(&h, "content-length")), (200, Some("10")));
    assert_eq!(b, b"1234567890");
    get(&mut s, "/echo");
    let (status, _, b) = read_response(&mut s);
    assert_eq!((status, b), (200, b"http://verge.test/echo".to_vec()));
    // Shorter than declared: the response is cut off and the connection closed, so the
    // client sees an incomplete body rather than a wrong one.
    let mut s = connect(&v);
    get(&mut s, "/stream-under");
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all);
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(body.len() < 10, "{body:?}");
}

#[test]
fn hop_by_hop_headers_from_the_worker_are_dropped() {
    let v = verge(&[]);
    let mut s = connect(&v);
    get(&mut s, "/hop");
    let (status, h, b) = read_response(&mut s);
    assert_eq!((status, b), (200, b"ok".to_vec()));
    assert_eq!(header(&h, "transfer-encoding"), None);
    assert_eq!(header(&h, "keep-alive"), None);
    assert_eq!(header(&h, "connection"), None);
    get(&mut s, "/echo");
    assert_eq!(read_response(&mut s).0, 200, "the connection stays usable");
}

fn raw(v: &Verge, request: &str) -> String {
    let mut s = connect(v);
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn an_invalid_or_duplicated_host_is_a_400() {
    let v = verge(&[]);
    for (req, why) in [
        (
            "GET /public/page HTTP/1.1\r\nHost: x/admin?\r\nConnection: close\r\n\r\n",
            "invalid Host",
        ),
        (
            "GET /p HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n",
            "more than one Host",
        ),
        (
            "GET /p HTTP/1.1\r\nHost: user@a.test\r\nConnection: close\r\n\r\n",
            "invalid Host",
        ),
        (
            "GET /p HTTP/1.1\r\nConnection: close\r\n\r\n",
            "missing Host",
        ),
    ] {
        let out = raw(&v, req);
        assert!(out.starts_with("HTTP/1.1 400"), "{req:?}: {out}");
        assert!(out.contains(why), "{req:?}: {out}");
        assert!(!out.contains("/admin"), "{req:?}: {out}");
    }
}

#[test]
fn the_url_is_built_from_the_parsed_request_target() {
    let v = verge(&[]);
    let out = raw(
        &v,
        "GET http://a.test/x?y=1 HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(
        out.ends_with("http://a.test/x?y=1"),
        "absolute form wins over Host: {out}"
    );
    let out = raw(&v, "GET /page HTTP/1.0\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200"),
        "{out}"
    );
    assert!(out.contains("/page"), "{out}");
}

#[test]
fn a_malformed_chunked_body_is_a_400_without_a_stack_trace() {
    let v = verge(&[]);
    let out = raw(
        &v,
        "POST /body HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(!out.contains("at "), "no stack trace: {out}");
    assert!(!out.contains("read failed"), "{out}");
}

#[test]
fn a_client_slow_to_send_its_headers_is_disconnected() {
    let v = verge(&["--header-timeout-ms", "300"]);
    let mut s = connect(&v);
    s.write_all(b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Slow: ")
        .unwrap();
    let mut buf = [0u8; 64];
    // The server closes the connection (a read of 0) well before the 15 s read timeout.
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"));
    // An idle keep-alive connection is closed the same way.
    let mut s = connect(&v);
    get(&mut s, "/echo");
    assert_eq!(read_response(&mut s).0, 200);
    assert_eq!(s.read(&mut buf).unwrap_or(0), 0);
}

/// Starts verge with `ulimit -n` lowered to `nofile` (through a shell).
fn verge_with_nofile(nofile: u32, extra: &str) -> Verge {
    let state = tempfile::tempdir().unwrap();
    let cmd = format!(
        "ulimit -n {nofile} && exec {} dev {} --port 0 --no-reload --threads 1 --persist-to {} {extra}",
        env!("CARGO_BIN_EXE_verge"),
        fixture("edge").display(),
        state.path().display()
    );
    Verge::spawn(
        Command::new("sh")
            .args(["-c", &cmd])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
        Some(state),
    )
}

#[test]
fn out_of_descriptors_verge_backs_off_logs_little_and_recovers() {
    // 48 descriptors, and a connection limit above them: accept() hits EMFILE.
    let v = verge_with_nofile(48, "--max-connections 1000");
    let mut idle = Vec::new();
    for _ in 0..80 {
        if let Ok(s) = TcpStream::connect(v.base.trim_start_matches("http://")) {
            idle.push(s);
        }
    }
    assert!(
        v.wait_for_log("accept failed", Duration::from_secs(15)),
        "{}",
        v.log()
    );
    // The thread still serves a connection it accepted before running out.
    let mut s = idle.remove(0);
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    get(&mut s, "/echo");
    assert_eq!(read_response(&mut s).0, 200);
    drop(s);
    drop(idle);
    // Descriptors free again: a new connection is served.
    let body = common::client()
        .get(v.url("/after"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        body,
        "http://verge.test/after".replace("verge.test", v.base.trim_start_matches("http://"))
    );
    let lines = v.log().matches("accept failed").count();
    assert!(lines <= 3, "{lines} accept-failure lines:\n{}", v.log());
}

#[test]
fn at_the_connection_limit_new_connections_wait_instead_of_failing() {
    let v = verge_with_nofile(1024, "--max-connections 4");
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect(&v);
            get(&mut s, "/held");
            assert_eq!(read_response(&mut s).0, 200);
            s
        })
        .collect();
    // A fifth connection waits in the backlog: it is answered once one of the four closes.
    let addr = v.base.trim_start_matches("http://").to_string();
    let fifth = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        get(&mut s, "/fifth");
        read_response(&mut s).0
    });
    drop(held);
    assert_eq!(fifth.join().unwrap(), 200);
    assert!(!v.log().contains("accept failed"), "{}", v.log());
}
