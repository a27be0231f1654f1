//! Content codings through the real binary: the edge encodes a worker's body whose
//! `Content-Encoding` names gzip/deflate/br (`encodeBody: "manual"` opts out), a `fetch()`
//! body reaches JS decoded, and one passed on untouched leaves as the origin encoded it.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::{Verge, client, fixture};

const ARGS: &[&str] = &["--threads", "1", "--no-reload"];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn inflate(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .read_to_end(&mut out)
        .expect("a zlib (HTTP deflate) body");
    out
}

/// An origin answering every request with `body` gzipped; returns its URL and the bytes.
fn gzip_origin(body: &[u8]) -> (String, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let encoded = gzip(body);
    let sent = encoded.clone();
    common::tls::serve(
        listener,
        |tcp| tcp,
        move |s| {
            while common::tls::read_request(s).is_some() {
                common::tls::write_response(
                    s,
                    "200 OK",
                    &[("content-type", "text/plain"), ("content-encoding", "gzip")],
                    &encoded,
                );
            }
        },
    );
    (url, sent)
}

fn get(v: &Verge, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let r = client().get(v.url(path)).send().expect(path);
    assert_eq!(r.status(), 200, "{path}");
    let headers = r.headers().clone();
    (headers, r.bytes().expect("body").to_vec())
}

#[test]
fn the_edge_encodes_bodies_whose_content_encoding_names_a_coding() {
    let v = Verge::start(&fixture("content-encoding"), ARGS);
    let text = "hello ".repeat(1000);
    let (h, body) = get(&v, "/encode?coding=gzip");
    assert_eq!(h["content-encoding"], "gzip");
    // The worker's Content-Length counted the plain body; the encoded one is shorter.
    assert_ne!(
        h.get("content-length").map(|l| l.to_str().unwrap()),
        Some("6000")
    );
    assert!(body.len() < text.len());
    assert_eq!(gunzip(&body), text.as_bytes());
    let (h, body) = get(&v, "/encode?coding=deflate");
    assert_eq!(h["content-encoding"], "deflate");
    assert_eq!(inflate(&body), text.as_bytes());
    let (h, body) = get(&v, "/encode?coding=br");
    assert_eq!(h["content-encoding"], "br");
    assert!(body.len() < 200, "brotli-encoded: {} bytes", body.len());
    // A coding verge does not know is left to the worker.
    let (h, body) = get(&v, "/encode?coding=zstd");
    assert_eq!(h["content-encoding"], "zstd");
    assert_eq!(body, text.as_bytes());
    // encodeBody: "manual": the worker's bytes are already gzip.
    let (h, body) = get(&v, "/manual");
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(gunzip(&body), b"manual body");
    let (_, body) = get(&v, "/bad-encode-body");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"TypeError: encodeBody must be "automatic" or "manual", got "zip"."#
    );
}

#[test]
fn fetch_bodies_are_decoded_for_the_worker_and_pass_through_encoded() {
    let text = "origin text ".repeat(500);
    let (origin, sent) = gzip_origin(text.as_bytes());
    let v = Verge::start(&fixture("content-encoding"), ARGS);
    let q = |path: &str| format!("{path}?origin={origin}");
    // Passed on untouched: the origin's own bytes, not decoded and encoded again.
    let (h, body) = get(&v, &q("/proxy"));
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(body, sent);
    // Read by the worker: decoded, the header as the origin sent it.
    let (_, body) = get(&v, &q("/proxy-text"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["text"], text);
    assert_eq!(json["encoding"], "gzip");
    // The worker drops Content-Encoding: the client gets the decoded body.
    let (h, body) = get(&v, &q("/proxy-plain"));
    assert!(h.get("content-encoding").is_none());
    assert_eq!(body, text.as_bytes());
    // The worker names another coding: decoded from gzip, encoded as deflate.
    let (h, body) = get(&v, &q("/proxy-deflate"));
    assert_eq!(h["content-encoding"], "deflate");
    assert_eq!(inflate(&body), text.as_bytes());
}

fn get_accepting(v: &Verge, path: &str, accept: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let r = client()
        .get(v.url(path))
        .header("accept-encoding", accept)
        .send()
        .expect(path);
    assert_eq!(r.status(), 200, "{path}");
    let headers = r.headers().clone();
    (headers, r.bytes().expect("body").to_vec())
}

#[test]
fn compressible_responses_are_compressed_for_clients_that_accept_it() {
    let v = Verge::start(&fixture("content-encoding"), ARGS);
    let big = "x".repeat(5000);
    let (h, body) = get_accepting(&v, "/plain?size=5000", "gzip, deflate");
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["vary"], "Accept-Encoding");
    assert_eq!(gunzip(&body), big.as_bytes());
    let (h, body) = get_accepting(&v, "/plain?size=5000&type=application/json", "br, gzip");
    assert_eq!(h["content-encoding"], "br");
    assert!(body.len() < 100);
    // Not compressed: no Accept-Encoding, a short body, a type Cloudflare leaves alone,
    // no-transform, a refused coding.
    let (h, body) = get(&v, "/plain?size=5000");
    assert!(h.get("content-encoding").is_none());
    assert_eq!(body, big.as_bytes());
    for (path, accept) in [
        ("/plain?size=100", "gzip"),
        ("/plain?size=5000&type=image/png", "gzip"),
        ("/plain?size=5000&cc=public,%20no-transform", "gzip"),
        ("/plain?size=5000", "gzip;q=0, identity"),
    ] {
        let (h, body) = get_accepting(&v, path, accept);
        assert!(h.get("content-encoding").is_none(), "{path} {accept}");
        assert!(body.iter().all(|&b| b == b'x'), "{path}");
    }
    // --no-compress turns it off.
    let plain = Verge::start(
        &fixture("content-encoding"),
        &["--threads", "1", "--no-reload", "--no-compress"],
    );
    let (h, body) = get_accepting(&plain, "/plain?size=5000", "gzip");
    assert!(h.get("content-encoding").is_none());
    assert_eq!(body, big.as_bytes());
}
