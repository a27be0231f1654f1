//! Static assets through the real binary (tests/fixtures/assets): served before the worker by
//! Cloudflare's routing, conditional and range requests, HEAD, compression, every
//! `html_handling` and `not_found_handling` mode, `_headers`, `_redirects`, `env.ASSETS`,
//! path escape attempts, and reload when a file changes.

mod common;

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use common::{Verge, client, copy_fixture, fixture};
use reqwest::blocking::Response;

fn start(config: &str) -> Verge {
    Verge::start(
        &fixture("assets"),
        &["-c", config, "--threads", "1", "--no-reload"],
    )
}

fn get(v: &Verge, path: &str) -> Response {
    client().get(v.url(path)).send().expect("request")
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("?").to_string())
        .unwrap_or_default()
}

/// A GET sent as written (no client-side path normalization): status line and body.
fn raw_get(v: &Verge, target: &str) -> (u16, String) {
    let addr = v.base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn assets_are_served_before_the_worker_and_the_worker_gets_the_rest() {
    let v = start("wrangler.toml");
    let r = get(&v, "/");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert!(header(&r, "x-from").is_empty());
    assert!(r.text().unwrap().contains("home page"));
    let r = get(&v, "/no-such-file");
    assert_eq!(header(&r, "x-from"), "worker");
    assert_eq!(r.text().unwrap(), "worker: GET /no-such-file");
    // Content types by extension.
    assert_eq!(
        header(&get(&v, "/style.css"), "content-type"),
        "text/css; charset=utf-8"
    );
    assert_eq!(
        header(&get(&v, "/data.bin"), "content-type"),
        "application/octet-stream"
    );
}

#[test]
fn run_worker_first_patterns_send_matching_paths_to_the_worker_unless_negated() {
    let v = start("wrangler.toml");
    // /api/* goes to the worker although public/api/data.txt exists...
    let r = get(&v, "/api/data.txt");
    assert_eq!(r.text().unwrap(), "worker: GET /api/data.txt");
    // ... but !/api/docs/* is served from the assets.
    let r = get(&v, "/api/docs/readme.txt");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "api docs asset\n");
}

#[test]
fn run_worker_first_true_sends_everything_to_the_worker_which_may_use_env_assets() {
    let v = start("first.toml");
    assert_eq!(get(&v, "/").text().unwrap(), "worker: GET /");
    assert_eq!(
        get(&v, "/style.css").text().unwrap(),
        "worker: GET /style.css"
    );
    let r = get(&v, "/first/style.css");
    assert_eq!(header(&r, "x-from"), "worker-then-assets");
    assert_eq!(r.bytes().unwrap().len(), 10240);
}

#[test]
fn env_assets_fetch_returns_the_asset_workers_response_and_404_when_nothing_matches() {
    let v = start("wrangler.toml");
    let r = get(&v, "/via-binding/about");
    assert_eq!(header(&r, "x-status"), "200");
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert!(r.text().unwrap().contains("about page"));
    let r = get(&v, "/via-binding/nothing-here");
    assert_eq!(header(&r, "x-status"), "404");
    assert_eq!(r.text().unwrap(), "");
}

#[test]
fn etag_and_if_none_match_give_304_and_a_changed_tag_gives_200() {
    let v = start("wrangler.toml");
    let r = get(&v, "/style.css");
    let etag = header(&r, "etag");
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );
    assert_eq!(
        header(&r, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let r = client()
        .get(v.url("/style.css"))
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(header(&r, "etag"), etag);
    assert!(r.bytes().unwrap().is_empty());
    let r = client()
        .get(v.url("/style.css"))
        .header("if-none-match", "\"something-else\"")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn range_requests_get_206_and_unsatisfiable_ones_416() {
    let v = start("wrangler.toml");
    let whole = get(&v, "/data.bin").bytes().unwrap();
    assert_eq!(whole.len(), 1024);
    let r = client()
        .get(v.url("/data.bin"))
        .header("range", "bytes=10-19")
        .send()
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(header(&r, "content-range"), "bytes 10-19/1024");
    assert_eq!(r.bytes().unwrap(), whole.slice(10..20));
    let r = client()
        .get(v.url("/data.bin"))
        .header("range", "bytes=-4")
        .send()
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().unwrap(), whole.slice(1020..));
    let r = client()
        .get(v.url("/data.bin"))
        .header("range", "bytes=5000-")
        .send()
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(header(&r, "content-range"), "bytes */1024");
}

#[test]
fn head_gets_the_headers_of_a_get_and_no_body() {
    let v = start("wrangler.toml");
    let r = client().head(v.url("/style.css")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), "10240");
    assert_eq!(header(&r, "content-type"), "text/css; charset=utf-8");
    assert!(r.bytes().unwrap().is_empty());
}

#[test]
fn compressible_assets_are_compressed_by_accept_encoding() {
    use std::io::Read as _;
    let v = start("wrangler.toml");
    let plain = get(&v, "/style.css").bytes().unwrap();
    let r = client()
        .get(v.url("/style.css"))
        .header("accept-encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert!(
        header(&r, "etag").starts_with("W/\""),
        "compressed: weak ETag"
    );
    assert_eq!(header(&r, "vary"), "Accept-Encoding");
    let gz = r.bytes().unwrap();
    assert!(gz.len() < plain.len() / 2, "{} bytes", gz.len());
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain);
    let r = client()
        .get(v.url("/style.css"))
        .header("accept-encoding", "gzip, br")
        .send()
        .unwrap();
    assert_eq!(header(&r, "content-encoding"), "br");
    // Binary types are sent as they are.
    let r = client()
        .get(v.url("/data.bin"))
        .header("accept-encoding", "gzip, br")
        .send()
        .unwrap();
    assert!(header(&r, "content-encoding").is_empty());
}

#[test]
fn auto_trailing_slash_serves_files_without_and_folders_with_a_slash() {
    let v = start("wrangler.toml");
    assert!(get(&v, "/about").text().unwrap().contains("about page"));
    let r = get(&v, "/about.html");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/about");
    let r = get(&v, "/blog");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/blog/");
    assert!(get(&v, "/blog/").text().unwrap().contains("blog index"));
    let r = get(&v, "/index.html");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/");
}

#[test]
fn force_trailing_slash_redirects_files_to_a_slash() {
    let v = start("html-force-trailing-slash.toml");
    let r = get(&v, "/about");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/about/");
    assert!(get(&v, "/about/").text().unwrap().contains("about page"));
    assert!(get(&v, "/blog/").text().unwrap().contains("blog index"));
}

#[test]
fn drop_trailing_slash_redirects_folders_to_no_slash() {
    let v = start("html-drop-trailing-slash.toml");
    let r = get(&v, "/blog/");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/blog");
    assert!(get(&v, "/blog").text().unwrap().contains("blog index"));
    assert!(get(&v, "/about").text().unwrap().contains("about page"));
}

#[test]
fn html_handling_none_serves_exact_file_names_only() {
    let v = start("html-none.toml");
    assert!(
        get(&v, "/about.html")
            .text()
            .unwrap()
            .contains("about page")
    );
    assert_eq!(get(&v, "/about").text().unwrap(), "worker: GET /about");
    assert_eq!(get(&v, "/blog/").text().unwrap(), "worker: GET /blog/");
}

#[test]
fn single_page_application_answers_navigations_with_index_html() {
    let v = start("spa.toml");
    // A browser navigation to an unknown path gets the app (compatibility date ≥ 2025-04-01:
    // navigations prefer the assets).
    let r = client()
        .get(v.url("/app/route/42"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("home page"));
    // Other requests (fetch() from the app) still reach the worker.
    assert_eq!(
        get(&v, "/app/route/42").text().unwrap(),
        "worker: GET /app/route/42"
    );
}

#[test]
fn the_404_page_is_served_with_status_404_for_navigations() {
    let v = start("page404.toml");
    let r = client()
        .get(v.url("/missing/page"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().unwrap().contains("custom 404 page"));
    assert!(get(&v, "/about").text().unwrap().contains("about page"));
}

#[test]
fn headers_rules_set_and_unset_with_splats() {
    let v = start("wrangler.toml");
    let r = get(&v, "/about");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    let r = get(&v, "/blog/");
    // `! X-Frame-Options` under /blog/* removes what /* set.
    assert!(header(&r, "x-frame-options").is_empty());
    assert!(r.headers().contains_key("x-blog"));
    // Headers apply to assets only, not to the worker's responses.
    let r = get(&v, "/no-such-file");
    assert!(header(&r, "x-frame-options").is_empty());
}

#[test]
fn redirects_rules_redirect_rewrite_and_fill_placeholders() {
    let v = start("wrangler.toml");
    let r = get(&v, "/old-about");
    assert_eq!(r.status(), 301);
    assert_eq!(header(&r, "location"), "/about");
    let r = get(&v, "/news/2024/post");
    assert_eq!(r.status(), 302);
    assert_eq!(header(&r, "location"), "/blog/2024/post");
    let r = get(&v, "/users/alice");
    assert_eq!(r.status(), 302);
    assert_eq!(header(&r, "location"), "/u?id=alice");
    // A 200 rule rewrites: the asset is served at the old URL.
    let r = get(&v, "/rewritten");
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("about page"));
}

#[test]
fn a_redirect_loop_is_answered_rule_by_rule_and_left_to_the_client() {
    let v = start("wrangler.toml");
    let r = get(&v, "/loop-a");
    assert_eq!(r.status(), 302);
    assert_eq!(header(&r, "location"), "/loop-b");
    let r = get(&v, "/loop-b");
    assert_eq!(header(&r, "location"), "/loop-a");
    // A client that follows gives up; verge keeps serving.
    let following = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap();
    let err = following.get(v.url("/loop-a")).send().unwrap_err();
    assert!(err.is_redirect(), "{err}");
    assert_eq!(get(&v, "/").status(), 200);
}

#[test]
fn files_with_non_ascii_and_special_characters_are_served() {
    let v = start("wrangler.toml");
    let r = get(&v, "/h%C3%A9llo%20w%C3%B6rld.txt");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "accented file\n");
    // Cloudflare's canonical URL encodes each segment as encodeURIComponent does.
    let r = get(&v, "/a+b&c=d.txt");
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location"), "/a%2Bb%26c%3Dd.txt");
    let r = get(&v, "/a%2Bb%26c%3Dd.txt");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "special\n");
}

#[test]
fn ignored_and_rules_files_are_not_served() {
    let v = start("wrangler.toml");
    for p in ["/secret.key", "/_headers", "/_redirects", "/.assetsignore"] {
        assert_eq!(
            get(&v, p).text().unwrap(),
            format!("worker: GET {p}"),
            "{p}"
        );
    }
}

#[test]
fn no_path_escapes_the_assets_directory() {
    let dir = copy_fixture("assets");
    std::fs::write(dir.path().join("outside.txt"), "SECRET OUTSIDE").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            dir.path().join("outside.txt"),
            dir.path().join("public/link-out.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("public/etc-link")).unwrap();
    }
    let v = Verge::start(dir.path(), &["--threads", "1", "--no-reload"]);
    let log_has_warning = v.wait_for_log("link-out.txt is left out", Duration::from_secs(10));
    for target in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/outside.txt",
        "/blog/..%2f..%2foutside.txt",
        "/blog/%2e%2e/%2e%2e/outside.txt",
        "/..%5coutside.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/link-out.txt",
        "/etc-link/passwd",
        "/../wrangler.toml",
        "/%2e%2e/index.js",
    ] {
        let (status, body) = raw_get(&v, target);
        assert!(
            !body.contains("SECRET OUTSIDE") && !body.contains("root:") && !body.contains("main ="),
            "{target}: {status} {body}"
        );
        assert!(status != 0 && status != 500, "{target}: {status}");
    }
    #[cfg(unix)]
    assert!(log_has_warning, "{}", v.log());
}

#[test]
fn a_100k_line_headers_file_is_read_within_the_limits_without_delay() {
    let dir = copy_fixture("assets");
    let mut text = String::from("/about\n  X-First: yes\n");
    for i in 0..50_000 {
        text.push_str(&format!("/p{i}\n  X-N: {i}\n"));
    }
    std::fs::write(dir.path().join("public/_headers"), text).unwrap();
    let t = Instant::now();
    let v = Verge::start(dir.path(), &["--threads", "1", "--no-reload"]);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert_eq!(header(&get(&v, "/about"), "x-first"), "yes");
    // Past Cloudflare's 100 rules the file is ignored, and the user hears about it.
    assert!(header(&get(&v, "/p500"), "x-n").is_empty());
    assert!(
        v.log()
            .contains("_headers: Maximum number of rules supported is 100"),
        "{}",
        v.log()
    );
}

#[test]
fn a_changed_asset_is_served_after_the_reload() {
    let dir = copy_fixture("assets");
    let v = Verge::start(dir.path(), &["--threads", "1"]);
    assert!(get(&v, "/about").text().unwrap().contains("about page"));
    let etag = header(&get(&v, "/about"), "etag");
    std::fs::write(dir.path().join("public/about.html"), "<h1>edited</h1>").unwrap();
    std::fs::write(dir.path().join("public/new.txt"), "brand new").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get(&v, "/new.txt");
        if r.status() == 200 && header(&r, "x-from").is_empty() {
            assert_eq!(r.text().unwrap(), "brand new");
            break;
        }
        assert!(Instant::now() < deadline, "not reloaded: {}", v.log());
        std::thread::park_timeout(Duration::from_millis(100));
    }
    let r = get(&v, "/about");
    assert_ne!(header(&r, "etag"), etag);
    assert_eq!(r.text().unwrap(), "<h1>edited</h1>");
}

#[test]
fn an_assets_only_worker_needs_no_main_and_answers_every_request() {
    let v = start("only.toml");
    assert!(get(&v, "/about").text().unwrap().contains("about page"));
    let r = get(&v, "/missing");
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().unwrap(), "");
    // A POST to an asset is the asset worker's too.
    let r = client().post(v.url("/about")).send().unwrap();
    assert_eq!(r.status(), 405);
    // With 404-page, every miss gets the page (not only navigations).
    let v = start("only-404.toml");
    let r = get(&v, "/missing");
    assert_eq!(r.status(), 404);
    assert!(r.text().unwrap().contains("custom 404 page"));
}

#[test]
fn writes_to_verges_state_inside_the_assets_directory_do_not_reload() {
    let dir = copy_fixture("assets-state");
    let state = dir.path().join(".verge");
    let v = Verge::start_with_state(dir.path(), &state, &["--threads", "1"], None);
    for i in 1..=5 {
        assert_eq!(get(&v, "/count").text().unwrap(), i.to_string());
    }
    // A real change still reloads (and shows that the watcher was running): the version
    // serves what it read until then.
    assert_eq!(get(&v, "/hello.txt").text().unwrap(), "first\n");
    std::fs::write(dir.path().join("hello.txt"), "second\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(&v, "/hello.txt").text().unwrap() != "second\n" {
        assert!(Instant::now() < deadline, "not reloaded: {}", v.log());
        std::thread::park_timeout(Duration::from_millis(100));
    }
    // The state is not an asset.
    assert_eq!(get(&v, "/.verge/kv.sqlite").text().unwrap(), "6");
    let log = v.log();
    assert!(!log.contains(".verge"), "{log}");
    assert_eq!(log.matches("reloading assets-state").count(), 1, "{log}");
}
