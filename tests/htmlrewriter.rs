//! HTMLRewriter through the real binary: `verge dev` serving `tests/fixtures/htmlrewriter`,
//! whose worker rewrites documents with every family of handler and token method, a document
//! this file's origin streams in two parts, a handler that throws, one that spins, and a bad
//! selector.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::{Verge, client, fixture};

const ARGS: &[&str] = &["--threads", "1", "--no-reload"];

fn text(v: &Verge, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = client().get(v.url(path)).send().expect(path);
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().expect("body"))
}

#[test]
fn element_methods_rewrite_the_document() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (status, headers, body) = text(&v, "/elements");
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers.get("x-origin").unwrap(), "kept");
    assert!(headers.get("content-length").is_none_or(|l| l != "9999"));
    assert_eq!(
        body,
        concat!(
            r#"<div id="main"><h1>Title</h1>"#,
            r#"<a href="https://example.com/x" id="l" data-attrs="href=/x;class=c;id=l" data-info="a,true,http://www.w3.org/1999/xhtml,false,true">x</a>"#,
            r#"<!--img--><picture src="i.png">&lt;after&gt;"#,
            r#"<p>replaced</p><p class="inner">&lt;b&gt;inner&lt;/b&gt;</p>kept<footer>f</footer></div>"#
        )
    );
}

#[test]
fn text_comment_doctype_and_document_end_handlers() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (status, _, body) = text(&v, "/text");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        concat!(
            "<!DOCTYPE html><!--swapped--><p>a dog<!-- rewritten --></p><h2>[head]</h2><aside></aside>",
            r#"<!-- seen: ["html",null,null,false,true] -->"#
        )
    );
}

#[test]
fn async_handlers_and_end_tags() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (_, _, body) = text(&v, "/async");
    assert_eq!(body, "<ul><li>ONE</li><li>TWO</li></ul>");
    let (_, _, body) = text(&v, "/endtag");
    assert_eq!(body, "<section>s<em>section</em></section><hr><b>bold");
}

#[test]
fn an_unsupported_selector_is_a_type_error_naming_it() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (status, _, body) = text(&v, "/bad-selector");
    assert_eq!(status, 400);
    assert!(
        body.starts_with("TypeError: Unsupported selector \"a:hover\""),
        "{body}"
    );
}

#[test]
fn a_throwing_handler_fails_the_body_and_is_logged() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let r = client().get(v.url("/throw")).send().expect("/throw");
    assert_eq!(r.status().as_u16(), 200);
    // The body ends without its terminating chunk: the client sees a failed read.
    let mut body = Vec::new();
    let read = r.take(1 << 20).read_to_end(&mut body);
    assert!(read.is_err(), "the body completed: {} bytes", body.len());
    assert!(!String::from_utf8_lossy(&body).contains("id=\"bad\""));
    assert!(
        v.wait_for_log("handler broke on purpose", Duration::from_secs(10)),
        "{}",
        v.log()
    );
}

#[test]
fn a_handler_spinning_past_the_cpu_limit_ends_the_request() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let r = client().get(v.url("/spin")).send().expect("/spin");
    let mut body = Vec::new();
    let read = r.take(1 << 20).read_to_end(&mut body);
    // The handler's CPU is the request's: it is interrupted (no hang), the body fails.
    assert!(read.is_err(), "{}", String::from_utf8_lossy(&body));
    // Interrupted as the request's own JS (the body pump runs under the request's meter).
    assert!(
        v.wait_for_log(
            "response body stream failed: InternalError: interrupted",
            Duration::from_secs(10)
        ),
        "{}",
        v.log()
    );
    // And the worker serves on.
    let (_, _, body) = text(&v, "/async");
    assert_eq!(body, "<ul><li>ONE</li><li>TWO</li></ul>");
}

/// An origin that sends a document's head, then waits for the test's word before the rest.
fn two_part_origin(release: mpsc::Receiver<()>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let Ok((mut tcp, _)) = listener.accept() else {
            return;
        };
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len());
        let head = "<html><head><title>Original</title></head>";
        let _ = tcp.write_all(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n{}",
                chunk(head)
            )
            .as_bytes(),
        );
        let _ = tcp.flush();
        // The rest only once the client has seen the rewritten head.
        if release.recv_timeout(Duration::from_secs(60)).is_err() {
            return;
        }
        let _ = tcp.write_all(format!("{}0\r\n\r\n", chunk("<body>rest</body></html>")).as_bytes());
    });
    base
}

#[test]
fn rewritten_bytes_leave_before_the_last_input_arrives() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (tx, rx) = mpsc::channel();
    let origin = two_part_origin(rx);
    let mut r = client()
        .get(v.url(&format!("/stream?origin={origin}/doc")))
        .send()
        .expect("/stream");
    assert_eq!(r.status().as_u16(), 200);
    // Reads until the rewritten head is here; the origin has not sent the rest (it waits for
    // `tx`), so a rewriter that buffered would never get here (the client times out instead).
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("</head>") {
        let n = r.read(&mut buf).expect("read the head");
        assert!(
            n > 0,
            "the body ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    assert_eq!(
        String::from_utf8_lossy(&seen),
        "<html><head><title>Rewritten</title></head>"
    );
    tx.send(()).expect("release the origin");
    r.read_to_end(&mut seen).expect("the rest");
    assert_eq!(
        String::from_utf8_lossy(&seen),
        "<html><head><title>Rewritten</title></head><body class=\"seen\">rest</body></html>"
    );
}

#[test]
fn the_rewriter_works_after_a_request_poisons_push_and_then() {
    let v = Verge::start(&fixture("htmlrewriter"), ARGS);
    let (_, _, body) = text(&v, "/poison");
    assert_eq!(body, "poisoned");
    let (status, _, body) = text(&v, "/after-poison");
    assert_eq!(status, 200, "{body}\n{}", v.log());
    assert_eq!(body, "<p ok=\"1\">x</p>!");
}
