//! The asset server end to end over a temporary directory (the edge and the binding are
//! covered by tests/assets.rs through the binary).

use super::*;

fn setup(
    files: &[(&str, &str)],
    tweak: impl FnOnce(&mut verge_config::Assets),
) -> (tempfile::TempDir, Assets) {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut config = verge_config::Assets {
        directory: dir.path().to_path_buf(),
        binding: None,
        html_handling: Default::default(),
        not_found_handling: Default::default(),
        run_worker_first: Default::default(),
    };
    tweak(&mut config);
    let (assets, _) = Assets::build(&config, true).unwrap();
    (dir, assets)
}

fn get(
    a: &Assets,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (Decision, AssetResponse) {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let url = format!("http://x.test{path}");
    let req = AssetRequest {
        method,
        url: &url,
        headers: &map,
    };
    (a.decide(&req), a.respond(&req))
}

fn body(r: &AssetResponse) -> String {
    match &r.body {
        AssetBody::Full(b) => String::from_utf8_lossy(b).into_owned(),
        AssetBody::Empty => String::new(),
        AssetBody::Stream(_) => "<stream>".into(),
    }
}

#[test]
fn misses_go_to_the_worker_unless_a_navigation_hits_the_spa_index() {
    let (_d, a) = setup(&[("index.html", "spa")], |c| {
        c.not_found_handling = verge_config::NotFoundHandling::SinglePageApplication
    });
    assert_eq!(get(&a, "GET", "/app/route", &[]).0, Decision::Worker);
    let (d, r) = get(&a, "GET", "/app/route", &[("sec-fetch-mode", "navigate")]);
    assert_eq!(
        (d, r.status, body(&r).as_str()),
        (Decision::Assets, 200, "spa")
    );
    // env.ASSETS.fetch gets the full not_found_handling.
    assert_eq!(body(&get(&a, "GET", "/app/route", &[]).1), "spa");
}

#[test]
fn run_worker_first_rules_pick_the_worker_except_negated_paths() {
    let (_d, a) = setup(
        &[("api/docs/index.html", "docs"), ("api/x.json", "{}")],
        |c| {
            c.run_worker_first =
                RunWorkerFirst::Patterns(vec!["/api/*".into(), "!/api/docs/*".into()])
        },
    );
    assert_eq!(get(&a, "GET", "/api/x.json", &[]).0, Decision::Worker);
    assert_eq!(get(&a, "GET", "/api/docs/", &[]).0, Decision::Assets);
    assert_eq!(get(&a, "GET", "/other", &[]).0, Decision::Worker);
}

#[test]
fn conditional_range_head_and_method_rules() {
    let (_d, a) = setup(&[("t.txt", "0123456789")], |_| {});
    let (_, r) = get(&a, "GET", "/t.txt", &[]);
    let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(r.headers[header::CACHE_CONTROL], CACHE_CONTROL);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(
        get(&a, "GET", "/t.txt", &[("if-none-match", &etag)])
            .1
            .status,
        304
    );
    let (_, r) = get(&a, "GET", "/t.txt", &[("range", "bytes=2-4")]);
    assert_eq!((r.status, body(&r).as_str()), (206, "234"));
    assert_eq!(r.headers[header::CONTENT_RANGE], "bytes 2-4/10");
    assert!(r.headers.get(header::CACHE_CONTROL).is_none());
    assert_eq!(
        get(&a, "GET", "/t.txt", &[("range", "bytes=20-")]).1.status,
        416
    );
    let (_, r) = get(&a, "HEAD", "/t.txt", &[]);
    assert_eq!((r.status, body(&r).as_str()), (200, ""));
    assert_eq!(r.headers[header::CONTENT_LENGTH], "10");
    assert_eq!(get(&a, "POST", "/t.txt", &[]).1.status, 405);
}

#[test]
fn compressible_files_are_compressed_by_accept_encoding() {
    let text = "hello world ".repeat(200);
    let (_d, a) = setup(&[("big.txt", &text), ("b.bin", &text)], |_| {});
    let (_, r) = get(&a, "GET", "/big.txt", &[("accept-encoding", "gzip, br")]);
    assert_eq!(r.headers[header::CONTENT_ENCODING], "br");
    assert!(
        r.headers[header::ETAG]
            .to_str()
            .unwrap()
            .starts_with("W/\"")
    );
    assert_eq!(r.headers[header::VARY], "Accept-Encoding");
    let (_, r) = get(&a, "GET", "/big.txt", &[("accept-encoding", "gzip")]);
    assert_eq!(r.headers[header::CONTENT_ENCODING], "gzip");
    let AssetBody::Full(b) = &r.body else {
        panic!()
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&b[..]), &mut out).unwrap();
    assert_eq!(out, text);
    let (_, r) = get(&a, "GET", "/b.bin", &[("accept-encoding", "gzip")]);
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
}

#[test]
fn redirects_and_headers_files_apply() {
    let (_d, a) = setup(
        &[
            ("index.html", "home"),
            ("a.txt", "a"),
            (
                "_redirects",
                "/old /new 301\n/blog/* /posts/:splat\n/rewrite /a.txt 200\n/home /index.html 200\n",
            ),
            (
                "_headers",
                "/*\n  X-Frame-Options: DENY\n/index.html\n  ! X-Frame-Options\n",
            ),
        ],
        |_| {},
    );
    let (d, r) = get(&a, "GET", "/old?x=1", &[]);
    assert_eq!((d, r.status), (Decision::Assets, 301));
    assert_eq!(r.headers[header::LOCATION], "/new?x=1");
    assert_eq!(r.headers["x-frame-options"], "DENY");
    let (_, r) = get(&a, "GET", "/blog/a/b", &[]);
    assert_eq!(
        (r.status, r.headers[header::LOCATION].to_str().unwrap()),
        (302, "/posts/a/b")
    );
    let (_, r) = get(&a, "GET", "/rewrite", &[]);
    assert_eq!((r.status, body(&r).as_str()), (200, "a"));
    // A rewrite to /index.html redirects to its canonical URL, as the asset worker does.
    let (_, r) = get(&a, "GET", "/home", &[]);
    assert_eq!(
        (r.status, r.headers[header::LOCATION].to_str().unwrap()),
        (307, "/")
    );
    // The _redirects and _headers files themselves are not assets.
    assert_eq!(get(&a, "GET", "/_redirects", &[]).0, Decision::Worker);
}

#[test]
fn escaping_paths_never_reach_a_file() {
    let (_d, a) = setup(&[("a.txt", "a")], |_| {});
    for p in [
        "/../a.txt",
        "/%2e%2e/etc/passwd",
        "/..%2fetc%2fpasswd",
        "//etc/passwd",
        "/%2F..%2F..%2Fetc%2Fpasswd",
    ] {
        let (d, r) = get(&a, "GET", p, &[]);
        assert!(
            d == Decision::Worker || r.status != 200 || body(&r) == "a",
            "{p}"
        );
    }
}

#[test]
fn a_file_is_read_once_then_served_from_memory_until_the_next_version() {
    let (d, a) = setup(&[("a.txt", "first")], |_| {});
    assert_eq!(body(&get(&a, "GET", "/a.txt", &[]).1), "first");
    // The version keeps what it indexed and read: an edit shows after the reload.
    std::fs::write(d.path().join("a.txt"), "edited").unwrap();
    assert_eq!(body(&get(&a, "GET", "/a.txt", &[]).1), "first");
    let r = get(&a, "GET", "/a.txt", &[("range", "bytes=1-3")]).1;
    assert_eq!((r.status, body(&r)), (206, "irs".to_string()));
}

#[test]
fn a_file_changed_before_its_first_read_is_served_as_it_is_and_not_kept() {
    let (d, a) = setup(&[("a.txt", "first")], |_| {});
    std::fs::write(d.path().join("a.txt"), "second").unwrap();
    assert_eq!(body(&get(&a, "GET", "/a.txt", &[]).1), "second");
    std::fs::write(d.path().join("a.txt"), "third").unwrap();
    assert_eq!(body(&get(&a, "GET", "/a.txt", &[]).1), "third");
}

#[test]
fn serve_answers_in_one_pass_what_decide_and_respond_answer() {
    let (_d, a) = setup(&[("index.html", "home"), ("x.css", "a{}")], |_| {});
    let map = HeaderMap::new();
    for path in ["/", "/x.css", "/index.html", "/missing"] {
        let url = format!("http://x.test{path}");
        let req = AssetRequest {
            method: "GET",
            url: &url,
            headers: &map,
        };
        let (decision, full) = get(&a, "GET", path, &[]);
        match a.serve(&req) {
            Some(r) => {
                assert_eq!(decision, Decision::Assets, "{path}");
                assert_eq!((r.status, body(&r)), (full.status, body(&full)), "{path}");
            }
            None => assert_eq!(decision, Decision::Worker, "{path}"),
        }
    }
}

#[test]
fn a_file_grown_past_the_inline_size_since_indexing_is_streamed_whole() {
    let (d, a) = setup(&[("a.txt", "small")], |_| {});
    let big = "x".repeat(limits::INLINE_MAX as usize + 10);
    std::fs::write(d.path().join("a.txt"), &big).unwrap();
    let r = get(&a, "GET", "/a.txt", &[]).1;
    assert_eq!(r.status, 200);
    assert!(matches!(r.body, AssetBody::Stream(_)), "{:?}", r.body);
    assert_eq!(
        r.headers.get(header::CONTENT_LENGTH).unwrap(),
        &big.len().to_string()
    );
}
