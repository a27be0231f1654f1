//! The edge cache through the real binary: `verge dev` serving `tests/fixtures/cache`, whose
//! worker drives `caches.default` / `caches.open` and `fetch` with `cf` cache options against
//! an origin this file runs (it counts the requests it gets), plus `verge cache purge`, the
//! admin purge endpoint, restart survival and bad input.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{Verge, client, fixture, run_verge};
use serde_json::{Value, json};

const ARGS: &[&str] = &["--threads", "1", "--no-reload"];

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A response as the test reads it.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn cache_status(&self) -> &str {
        self.header("cf-cache-status").unwrap_or("-")
    }
}

fn get(url: &str, headers: &[(&str, &str)]) -> Got {
    let mut rb = client().get(url);
    for (n, v) in headers {
        rb = rb.header(*n, *v);
    }
    let r = rb.send().unwrap_or_else(|e| panic!("{url}: {e}"));
    Got {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().expect("body").to_vec(),
    }
}

fn json_of(url: &str) -> Value {
    let g = get(url, &[]);
    assert_eq!(g.status, 200, "{url}: {}", g.text());
    serde_json::from_slice(&g.body).unwrap_or_else(|e| panic!("{url}: {e}: {}", g.text()))
}

/// Waits (bounded) until `f` holds.
fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::park_timeout(Duration::from_millis(25));
    }
    f()
}

/// An origin on a free port. Each path answers by its query: `cc` (Cache-Control), `status`,
/// `etag` (a request whose If-None-Match has it gets 304), `tag` (Cache-Tag), `cookie`
/// (Set-Cookie), `hold` (wait until [`Origin::release`]). The body is `origin <path> #<n>`,
/// `n` counting the requests for that path. While [`Origin::fail`] is set, every answer is 503.
#[derive(Clone)]
struct Origin {
    base: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    held: Arc<(Mutex<bool>, Condvar)>,
    failing: Arc<AtomicBool>,
    conditional: Arc<Mutex<Vec<String>>>,
}

impl Origin {
    fn start() -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let origin = Origin {
            base: format!("http://{}", listener.local_addr().expect("addr")),
            counts: Arc::default(),
            held: Arc::new((Mutex::new(false), Condvar::new())),
            failing: Arc::default(),
            conditional: Arc::default(),
        };
        let o = origin.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { return };
                let o = o.clone();
                std::thread::spawn(move || o.answer(tcp));
            }
        });
        origin
    }

    fn count(&self, path: &str) -> usize {
        self.counts
            .lock()
            .expect("counts")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    fn release(&self) {
        *self.held.0.lock().expect("held") = true;
        self.held.1.notify_all();
    }

    fn answer(&self, mut tcp: TcpStream) {
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(60)));
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match tcp.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let q: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let n = {
            let mut c = self.counts.lock().expect("counts");
            let e = c.entry(path.to_string()).or_insert(0);
            *e += 1;
            *e
        };
        if q.contains_key("hold") {
            let (lock, cv) = &*self.held;
            let guard = lock.lock().expect("held");
            let _ = cv
                .wait_timeout_while(guard, Duration::from_secs(60), |released| !*released)
                .expect("held");
        }
        let mut out = Vec::new();
        if self.failing.load(Ordering::SeqCst) {
            write!(out, "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\ndown").ok();
            let _ = tcp.write_all(&out);
            return;
        }
        if let Some(inm) = header("if-none-match") {
            self.conditional
                .lock()
                .expect("conditional")
                .push(inm.clone());
            if q.get("etag") == Some(&inm) {
                write!(
                    out,
                    "HTTP/1.1 304 Not Modified\r\netag: {inm}\r\nconnection: close\r\n\r\n"
                )
                .ok();
                let _ = tcp.write_all(&out);
                return;
            }
        }
        let body = format!("origin {path} #{n}");
        let status = q.get("status").map_or("200", String::as_str);
        write!(
            out,
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        )
        .ok();
        for (param, name) in [
            ("cc", "cache-control"),
            ("etag", "etag"),
            ("tag", "cache-tag"),
            ("cookie", "set-cookie"),
        ] {
            if let Some(v) = q.get(param) {
                write!(out, "{name}: {v}\r\n").ok();
            }
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body.as_bytes());
        let _ = tcp.write_all(&out);
    }
}

/// A `verge dev` over the fixture with a test clock; the clock file's path.
fn start_with_clock(
    extra: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (Verge, std::path::PathBuf) {
    let state = tempfile::tempdir().expect("state");
    let clock = state.path().join("clock-offset");
    std::fs::write(&clock, "0").expect("clock file");
    let mut all_env: Vec<(&str, &std::ffi::OsStr)> =
        vec![("VERGE_TEST_CLOCK_FILE", clock.as_os_str())];
    all_env.extend_from_slice(env);
    let args: Vec<&str> = ARGS.iter().chain(extra).copied().collect();
    let v = Verge::start_with_env(
        &fixture("cache"),
        &state.path().join("state"),
        &args,
        &all_env,
        Some(state),
    );
    (v, clock)
}

/// `/fetch` through the worker: `fetch(origin + path, {cf})`.
fn fetch_via(v: &Verge, origin: &Origin, path: &str, cf: &Value) -> Got {
    get(
        &v.url(&format!(
            "/fetch?origin={}&path={}&cf={}",
            enc(&origin.base),
            enc(path),
            enc(&cf.to_string())
        )),
        &[],
    )
}

/// Asserts that `path` is now stored: a request for it is a HIT (waiting, as any request
/// would, for a fill still being written). Tests call it before moving the clock.
fn assert_stored(v: &Verge, origin: &Origin, path: &str, cf: &Value) {
    let g = fetch_via(v, origin, path, cf);
    assert_eq!(g.cache_status(), "HIT", "{path}: {}", g.text());
}

#[test]
fn the_cache_api_refuses_what_workers_refuses_with_workers_messages() {
    let v = Verge::start(&fixture("cache"), ARGS);
    assert_eq!(
        json_of(&v.url("/errors")),
        json!({
            "errorResponse": "TypeError: Cache is unable to store an error response",
            "nonGet": "TypeError: Cannot cache response to non-GET request.",
            "partial": "TypeError: Cannot cache response to a range request (206 Partial Content).",
            "varyStar": "TypeError: Cannot cache response with 'Vary: *' header.",
            "notModified": "ok",
            "relative": "TypeError: Invalid URL: /relative",
            "badScheme": "TypeError: Fetch API cannot load: ftp://x.test/a",
            "nameTooLong": "TypeError: Cache name is too long.",
            "nameOk": "ok",
            "postMatch": "undefined",
            "syncThrow": "no throw",
            "bodyUsedAfterPut": "true",
            "types": "[object CacheStorage] [object Cache]",
            "sameDefault": "true",
        })
    );
}

#[test]
fn put_match_and_delete_follow_workers_semantics() {
    let v = Verge::start(&fixture("cache"), ARGS);
    let put = |q: &str| {
        let g = get(&v.url(&format!("/put?{q}")), &[]);
        assert_eq!(g.status, 200, "put {q}: {}\n{}", g.text(), v.log());
    };
    let matched = |q: &str, headers: &[(&str, &str)]| get(&v.url(&format!("/match?{q}")), headers);

    // Stored with max-age: matched with cf-cache-status HIT and an age.
    put(
        "path=/a&r-cache-control=max-age%3D60&r-etag=%22v1%22&r-last-modified=Wed,%2021%20Oct%202015%2007:28:00%20GMT",
    );
    let hit = matched("path=/a", &[]);
    assert_eq!(
        (hit.status, hit.text().as_str()),
        (200, "body of https://cache.test/a")
    );
    assert_eq!(hit.cache_status(), "HIT");
    assert_eq!(hit.header("age"), Some("0"));
    // Only GET, unless ignoreMethod.
    assert_eq!(matched("path=/a&method=HEAD", &[]).status, 404);
    assert_eq!(
        matched("path=/a&method=HEAD&ignoreMethod=1", &[]).status,
        200
    );
    // Conditional requests: 304 from the stored validators.
    assert_eq!(
        matched("path=/a", &[("if-none-match", "\"v1\"")]).status,
        304
    );
    assert_eq!(
        matched("path=/a", &[("if-none-match", "W/\"v1\"")]).status,
        304
    );
    assert_eq!(
        matched("path=/a", &[("if-none-match", "\"v2\"")]).status,
        200
    );
    assert_eq!(
        matched(
            "path=/a",
            &[("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")]
        )
        .status,
        304
    );
    // Range: 206 with Content-Range, 416 past the end.
    let part = matched("path=/a", &[("range", "bytes=0-3")]);
    assert_eq!((part.status, part.text().as_str()), (206, "body"));
    assert_eq!(part.header("content-range"), Some("bytes 0-3/28"));
    let tail = matched("path=/a", &[("range", "bytes=-4")]);
    assert_eq!((tail.status, tail.text().as_str()), (206, "st/a"));
    let past = matched("path=/a", &[("range", "bytes=100-")]);
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some("bytes */28"));

    // Not stored: no-store, private, Set-Cookie, no-cache, max-age=0, an uncacheable status.
    for (path, q) in [
        ("/ns", "r-cache-control=no-store"),
        ("/pv", "r-cache-control=private,max-age%3D60"),
        ("/ck", "r-cache-control=max-age%3D60&r-set-cookie=a%3D1"),
        ("/nc", "r-cache-control=no-cache,max-age%3D60"),
        ("/z", "r-cache-control=max-age%3D0"),
        ("/500", "r-cache-control=max-age%3D60&status=500"),
    ] {
        put(&format!("path={path}&{q}"));
        assert_eq!(
            matched(&format!("path={path}"), &[]).status,
            404,
            "{path} ({q}) was stored"
        );
    }
    // Set-Cookie with private=Set-Cookie: stored without the cookie.
    put("path=/ck2&r-cache-control=max-age%3D60,private%3D%22Set-Cookie%22&r-set-cookie=a%3D1");
    let ck = matched("path=/ck2", &[]);
    assert_eq!(ck.status, 200);
    assert_eq!(ck.header("set-cookie"), None);
    // Expires (no Cache-Control) counts; a date in the past does not store.
    put("path=/exp&r-expires=Wed,%2021%20Oct%202099%2007:28:00%20GMT");
    assert_eq!(matched("path=/exp", &[]).status, 200);
    put("path=/old&r-expires=Wed,%2021%20Oct%202015%2007:28:00%20GMT");
    assert_eq!(matched("path=/old", &[]).status, 404);
    // No caching headers: Cloudflare's default TTL for a 200.
    put("path=/plain");
    assert_eq!(matched("path=/plain", &[]).status, 200);

    // Vary: the request header selects the variant.
    put("path=/v&r-cache-control=max-age%3D60&r-vary=X-Lang&h-x-lang=en&body=english");
    put("path=/v&r-cache-control=max-age%3D60&r-vary=X-Lang&h-x-lang=fr&body=french");
    assert_eq!(matched("path=/v&h-x-lang=en", &[]).text(), "english");
    assert_eq!(matched("path=/v&h-x-lang=fr", &[]).text(), "french");
    assert_eq!(matched("path=/v&h-x-lang=de", &[]).status, 404);
    assert_eq!(matched("path=/v", &[]).status, 404);

    // Named caches are apart from the default one.
    put("path=/n&cache=one&r-cache-control=max-age%3D60&body=in-one");
    assert_eq!(matched("path=/n&cache=one", &[]).text(), "in-one");
    assert_eq!(matched("path=/n", &[]).status, 404);
    assert_eq!(matched("path=/n&cache=two", &[]).status, 404);

    // delete: true once, then false; GET only unless ignoreMethod.
    assert_eq!(get(&v.url("/delete?path=/a"), &[]).text(), "true");
    assert_eq!(get(&v.url("/delete?path=/a"), &[]).text(), "false");
    assert_eq!(matched("path=/a", &[]).status, 404);
}

#[test]
fn large_bodies_stream_through_the_cache_whole() {
    // The worker makes the body in JS, 64 KiB at a time: more CPU than 50 ms in a debug build.
    let v = Verge::start(
        &fixture("cache"),
        &["--threads", "1", "--no-reload", "--cpu-ms", "30000"],
    );
    let size = 64 << 20;
    let before = v.proc_status_kib("VmRSS");
    let g = get(
        &v.url(&format!(
            "/put?path=/big&size={size}&r-cache-control=max-age%3D60"
        )),
        &[],
    );
    assert_eq!(g.text(), "stored? true", "{}", v.log());
    let m = get(&v.url("/match?path=/big"), &[]);
    assert_eq!(m.status, 200);
    assert_eq!(m.body.len(), size);
    assert!(m.body.iter().all(|b| *b == 7), "the bytes that were put");
    let part = get(
        &v.url("/match?path=/big"),
        &[("range", "bytes=60000000-60000009")],
    );
    assert_eq!((part.status, part.body.len()), (206, 10));
    // Streamed, not buffered whole: the peak resident set grew by less than half the body.
    let grew = v.proc_status_kib("VmHWM").saturating_sub(before);
    assert!(
        grew < (size as u64 >> 10) / 2,
        "the peak RSS grew by {grew} KiB"
    );
}

#[test]
fn subrequests_are_cached_by_cloudflares_rules() {
    let origin = Origin::start();
    let (v, clock) = start_with_clock(&[], &[]);
    let every = json!({"cacheEverything": true});

    // MISS, then HIT without reaching the origin.
    let a = fetch_via(&v, &origin, "/a?cc=max-age%3D60", &every);
    assert_eq!(
        (a.cache_status(), a.text().as_str()),
        ("MISS", "origin /a #1")
    );
    let a = fetch_via(&v, &origin, "/a?cc=max-age%3D60", &every);
    assert_eq!(
        (a.cache_status(), a.text().as_str()),
        ("HIT", "origin /a #1")
    );
    assert_eq!(origin.count("/a"), 1);
    // The same subrequest without cf options goes to the origin.
    let plain = get(
        &v.url(&format!(
            "/fetch?origin={}&path=%2Fa%3Fcc%3Dmax-age%253D60",
            enc(&origin.base)
        )),
        &[],
    );
    assert_eq!(plain.text(), "origin /a #2");

    // cacheTtl overrides the origin's no-store.
    let t = json!({"cacheTtl": 30});
    assert_eq!(
        fetch_via(&v, &origin, "/b?cc=no-store", &t).cache_status(),
        "MISS"
    );
    assert_eq!(
        fetch_via(&v, &origin, "/b?cc=no-store", &t).cache_status(),
        "HIT"
    );
    // Without it, no-store is not stored.
    assert_eq!(
        fetch_via(&v, &origin, "/c?cc=no-store", &every).cache_status(),
        "BYPASS"
    );
    assert_eq!(
        fetch_via(&v, &origin, "/c?cc=no-store", &every).cache_status(),
        "BYPASS"
    );
    assert_eq!(origin.count("/c"), 2);
    // Set-Cookie is never stored, even with a forced TTL.
    assert_eq!(
        fetch_via(&v, &origin, "/ck?cookie=a%3D1", &t).cache_status(),
        "BYPASS"
    );
    // cacheTtlByStatus: 404s cached, 5xx not (negative TTL).
    let by = json!({"cacheTtlByStatus": {"200-299": 60, "404": 30, "500-599": -1}});
    assert_eq!(
        fetch_via(&v, &origin, "/nf?status=404", &by).cache_status(),
        "MISS"
    );
    let nf = fetch_via(&v, &origin, "/nf?status=404", &by);
    assert_eq!((nf.status, nf.cache_status()), (404, "HIT"));
    assert_eq!(
        fetch_via(&v, &origin, "/err?status=500", &by).cache_status(),
        "MISS"
    );
    assert_eq!(
        fetch_via(&v, &origin, "/err?status=500", &by).cache_status(),
        "MISS"
    );
    assert_eq!(origin.count("/err"), 2);
    // cacheKey: two URLs, one entry.
    let k = json!({"cacheEverything": true, "cacheKey": "shared-key"});
    assert_eq!(
        fetch_via(&v, &origin, "/k1?cc=max-age%3D60", &k).text(),
        "origin /k1 #1"
    );
    let k2 = fetch_via(&v, &origin, "/k2?cc=max-age%3D60", &k);
    assert_eq!(
        (k2.cache_status(), k2.text().as_str()),
        ("HIT", "origin /k1 #1")
    );
    assert_eq!(origin.count("/k2"), 0);
    // Another method: DYNAMIC, never cached.
    let post = get(
        &v.url(&format!(
            "/fetch?origin={}&path=%2Fp&method=DELETE&cf={}",
            enc(&origin.base),
            enc(&every.to_string())
        )),
        &[],
    );
    assert_eq!(post.cache_status(), "DYNAMIC");

    // Past max-age: EXPIRED without a validator, REVALIDATED (a 304) with one.
    assert_eq!(
        fetch_via(&v, &origin, "/e?cc=max-age%3D60", &every).cache_status(),
        "MISS"
    );
    assert_eq!(
        fetch_via(&v, &origin, "/r?cc=max-age%3D60&etag=%22r1%22", &every).cache_status(),
        "MISS"
    );
    assert_stored(&v, &origin, "/e?cc=max-age%3D60", &every);
    assert_stored(&v, &origin, "/r?cc=max-age%3D60&etag=%22r1%22", &every);
    std::fs::write(&clock, "61000").expect("advance the clock");
    let e = fetch_via(&v, &origin, "/e?cc=max-age%3D60", &every);
    assert_eq!(
        (e.cache_status(), e.text().as_str()),
        ("EXPIRED", "origin /e #2")
    );
    let r = fetch_via(&v, &origin, "/r?cc=max-age%3D60&etag=%22r1%22", &every);
    assert_eq!(
        (r.cache_status(), r.text().as_str()),
        ("REVALIDATED", "origin /r #1")
    );
    assert_eq!(
        origin.conditional.lock().expect("conditional").as_slice(),
        ["\"r1\""],
        "the revalidation was conditional"
    );
    let r = fetch_via(&v, &origin, "/r?cc=max-age%3D60&etag=%22r1%22", &every);
    assert_eq!(r.cache_status(), "HIT", "fresh again after the 304");
}

#[test]
fn stale_while_revalidate_and_stale_if_error_serve_the_stale_copy() {
    let origin = Origin::start();
    let (v, clock) = start_with_clock(&["--cache-stale"], &[]);
    let every = json!({"cacheEverything": true});
    let swr = "/s?cc=max-age%3D60,stale-while-revalidate%3D600";
    assert_eq!(fetch_via(&v, &origin, swr, &every).text(), "origin /s #1");
    assert_stored(&v, &origin, swr, &every);
    std::fs::write(&clock, "61000").expect("advance the clock");
    // Stale: served at once while one request refreshes it in the background.
    let s = fetch_via(&v, &origin, swr, &every);
    assert_eq!(
        (s.cache_status(), s.text().as_str()),
        ("UPDATING", "origin /s #1")
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            let g = fetch_via(&v, &origin, swr, &every);
            g.cache_status() == "HIT" && g.text() == "origin /s #2"
        }),
        "the background refresh stored the new copy; log:\n{}",
        v.log()
    );
    assert_eq!(origin.count("/s"), 2, "refreshed once");

    // stale-if-error: the origin fails, the stale copy is served.
    let sie = "/f?cc=max-age%3D60,stale-if-error%3D600";
    std::fs::write(&clock, "0").expect("reset the clock");
    assert_eq!(fetch_via(&v, &origin, sie, &every).text(), "origin /f #1");
    assert_stored(&v, &origin, sie, &every);
    std::fs::write(&clock, "61000").expect("advance the clock");
    origin.failing.store(true, Ordering::SeqCst);
    let f = fetch_via(&v, &origin, sie, &every);
    assert_eq!(
        (f.cache_status(), f.text().as_str()),
        ("STALE", "origin /f #1")
    );
    // Past the stale-if-error window, the failure shows.
    std::fs::write(&clock, "700000").expect("advance the clock");
    let f = fetch_via(&v, &origin, sie, &every);
    assert_eq!(f.status, 503);
    origin.failing.store(false, Ordering::SeqCst);

    // must-revalidate: never stale.
    std::fs::write(&clock, "0").expect("reset the clock");
    let mr = "/m?cc=max-age%3D60,must-revalidate,stale-while-revalidate%3D600";
    assert_eq!(fetch_via(&v, &origin, mr, &every).cache_status(), "MISS");
    assert_stored(&v, &origin, mr, &every);
    std::fs::write(&clock, "61000").expect("advance the clock");
    assert_eq!(fetch_via(&v, &origin, mr, &every).cache_status(), "EXPIRED");
}

#[test]
fn stale_windows_are_ignored_unless_configured() {
    let origin = Origin::start();
    let (v, clock) = start_with_clock(&[], &[]);
    let every = json!({"cacheEverything": true});
    let swr = "/s?cc=max-age%3D60,stale-while-revalidate%3D600";
    assert_eq!(fetch_via(&v, &origin, swr, &every).cache_status(), "MISS");
    assert_stored(&v, &origin, swr, &every);
    std::fs::write(&clock, "61000").expect("advance the clock");
    let s = fetch_via(&v, &origin, swr, &every);
    assert_eq!(
        (s.cache_status(), s.text().as_str()),
        ("EXPIRED", "origin /s #2")
    );
}

#[test]
fn a_thousand_concurrent_misses_make_one_origin_request() {
    let origin = Origin::start();
    let state = tempfile::tempdir().expect("state");
    let v = Verge::start_with_env(
        &fixture("cache"),
        state.path(),
        // A thousand requests at once in a debug build: JS of one request's turn may be charged
        // to another (the driver charges the latest running invocation), so the default 50 ms
        // CPU limit would fail some of them before the cache is involved.
        &["--threads", "2", "--no-reload", "--cpu-ms", "10000"],
        &[("VERGE_LOG", std::ffi::OsStr::new("info,verge_cache=debug"))],
        None,
    );
    let cf = json!({"cacheEverything": true});
    let path = format!(
        "/fetch?origin={}&path={}&cf={}",
        enc(&origin.base),
        enc("/hot?cc=max-age%3D60&hold=1"),
        enc(&cf.to_string())
    );
    let addr = v.base.trim_start_matches("http://").to_string();
    const N: usize = 1000;
    let mut conns: Vec<TcpStream> = (0..N)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(60)))
                .expect("timeout");
            write!(
                s,
                "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
            )
            .expect("send");
            s
        })
        .collect();
    // The origin holds the one request it got until every other request is waiting for it.
    let waiting = "cache: waiting for the request filling this key";
    let all_waiting = eventually(Duration::from_secs(120), || {
        v.log().matches(waiting).count() >= N - 1
    });
    let waiters = v.log().matches(waiting).count();
    let at_origin = origin.count("/hot");
    origin.release();
    assert!(
        all_waiting,
        "{waiters} requests waited for the fill, {at_origin} reached the origin"
    );
    let mut statuses: HashMap<String, usize> = HashMap::new();
    for s in &mut conns {
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.ends_with("origin /hot #1"), "{text}");
        let status = text
            .lines()
            .find_map(|l| l.strip_prefix("cf-cache-status: "))
            .unwrap_or("-")
            .to_string();
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(origin.count("/hot"), 1, "exactly one origin request");
    assert_eq!(statuses.get("MISS"), Some(&1), "{statuses:?}");
    assert_eq!(statuses.get("HIT"), Some(&(N - 1)), "{statuses:?}");
}

/// `verge cache purge …` on the project the running `v` serves.
fn cli_purge(state: &Path, args: &[&str]) -> (bool, String, String) {
    let state = state.to_str().expect("utf-8 path");
    let mut all = vec!["cache", "--persist-to", state, "purge"];
    all.extend_from_slice(args);
    run_verge(&all)
}

#[test]
fn purge_by_tag_url_prefix_host_and_everything_from_the_cli_and_a_worker() {
    let state = tempfile::tempdir().expect("state");
    let v = Verge::start_with_state(&fixture("cache"), state.path(), ARGS, None);
    let put = |path: &str, tags: &str| {
        let g = get(
            &v.url(&format!(
                "/put?path={path}&r-cache-control=max-age%3D600&r-cache-tag={}",
                enc(tags)
            )),
            &[],
        );
        assert_eq!(g.status, 200);
    };
    let cached = |path: &str| get(&v.url(&format!("/match?path={path}")), &[]).status == 200;
    let gone = |path: &str| eventually(Duration::from_secs(5), || !cached(path));

    put("/blog/1", "Blog,post-1");
    put("/blog/2", "blog");
    put("/news/1", "news");
    put("/other", "");
    // By tag, from the CLI (case-insensitive), while verge dev runs.
    let (ok, out, err) = cli_purge(state.path(), &["--tag", "BLOG"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("purged 2"), "{out}");
    assert!(
        gone("/blog/1") && gone("/blog/2"),
        "the running server dropped them"
    );
    assert!(cached("/news/1") && cached("/other"));
    // By URL.
    let (ok, out, err) = cli_purge(state.path(), &["--url", "https://cache.test/other"]);
    assert!(ok, "{out}{err}");
    assert!(gone("/other"));
    // By prefix, from a worker (ctx.cache.purge).
    put("/news/2", "");
    put("/newsletter", "");
    let r = json_of(&v.url(&format!(
        "/purge?p={}",
        enc(r#"{"pathPrefixes":["cache.test/news"]}"#)
    )));
    assert_eq!(r, json!({"success": true, "errors": []}));
    assert!(!cached("/news/1") && !cached("/news/2"));
    assert!(cached("/newsletter"), "a prefix ends at a path segment");
    // By host, then everything.
    let r = json_of(&v.url(&format!("/purge?p={}", enc(r#"{"hosts":["cache.test"]}"#))));
    assert_eq!(r["success"], true);
    assert!(!cached("/newsletter"));
    put("/x", "");
    let (ok, out, err) = cli_purge(state.path(), &["--everything"]);
    assert!(ok, "{out}{err}");
    assert!(gone("/x"));
    // Nothing named: an error saying what to name.
    let (ok, _, err) = cli_purge(state.path(), &[]);
    assert!(!ok);
    assert!(err.contains("--tag"), "{err}");
    // A worker's purge of too many items, or of nothing, is a TypeError.
    let many: Vec<String> = (0..10_001).map(|i| format!("t{i}")).collect();
    let r = client()
        .post(v.url("/purge"))
        .body(json!({ "tags": many }).to_string())
        .send()
        .expect("purge");
    assert_eq!(r.status(), 500);
    assert!(
        v.wait_for_log("Invalid purge request: 10001 items", Duration::from_secs(5)),
        "{}",
        v.log()
    );
}

#[test]
fn the_admin_purge_endpoint_wants_its_token() {
    let (v, _clock) = start_with_clock(
        &[],
        &[(
            "VERGE_CACHE_PURGE_TOKEN",
            std::ffi::OsStr::new("s3cret-token"),
        )],
    );
    let put = |path: &str, tag: &str| {
        get(
            &v.url(&format!(
                "/put?path={path}&r-cache-control=max-age%3D600&r-cache-tag={tag}"
            )),
            &[],
        );
    };
    let cached = |path: &str| get(&v.url(&format!("/match?path={path}")), &[]).status == 200;
    let purge = |auth: Option<&str>, body: &str| {
        let mut rb = client()
            .post(v.url("/__verge/cache/purge"))
            .body(body.to_string());
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        let r = rb.send().expect("purge");
        (r.status().as_u16(), r.text().expect("body"))
    };
    put("/a", "t1");
    put("/b", "t2");
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-token-"),
        Some("Basic s3cret-token"),
        Some("Bearer "),
    ] {
        let (status, body) = purge(auth, r#"{"tags":["t1"]}"#);
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert!(body.contains("\"success\":false"), "{body}");
    }
    assert!(cached("/a"), "nothing purged without the token");
    let token = Some("Bearer s3cret-token");
    let (status, body) = purge(token, r#"{"tag":["t1"]}"#);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown field \\\"tag\\\""), "{body}");
    assert_eq!(purge(token, "not json").0, 400);
    let big = format!(r#"{{"tags":["{}"]}}"#, "x".repeat(2 << 20));
    assert_eq!(purge(token, &big).0, 413);
    let (status, body) = purge(token, r#"{"tags":["T1"]}"#);
    assert_eq!(status, 200, "{body}");
    let out: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(out["success"], true);
    assert_eq!(out["result"]["purged"], 1);
    assert!(!cached("/a") && cached("/b"));
    let (status, _) = purge(token, r#"{"files":["https://cache.test/b"]}"#);
    assert_eq!(status, 200);
    assert!(!cached("/b"));
    let r = client()
        .get(v.url("/__verge/cache/purge"))
        .header("authorization", "Bearer s3cret-token")
        .send()
        .expect("get");
    assert_eq!(r.status(), 405);
}

#[test]
fn without_a_token_the_purge_path_belongs_to_the_worker() {
    let v = Verge::start(&fixture("cache"), ARGS);
    let r = client()
        .post(v.url("/__verge/cache/purge"))
        .header("authorization", "Bearer anything")
        .body(r#"{"purge_everything":true}"#)
        .send()
        .expect("post");
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().expect("body"), "not found", "the worker answered");
}

#[test]
fn cached_responses_survive_a_restart() {
    let origin = Origin::start();
    let state = tempfile::tempdir().expect("state");
    let every = json!({"cacheEverything": true});
    {
        let mut v = Verge::start_with_state(&fixture("cache"), state.path(), ARGS, None);
        get(
            &v.url("/put?path=/small&r-cache-control=max-age%3D600&body=kept"),
            &[],
        );
        let g = get(
            &v.url(&format!(
                "/put?path=/large&size={}&r-cache-control=max-age%3D600",
                3 << 20
            )),
            &[],
        );
        assert_eq!(g.text(), "stored? true");
        assert_eq!(
            fetch_via(&v, &origin, "/o?cc=max-age%3D600", &every).cache_status(),
            "MISS"
        );
        assert_stored(&v, &origin, "/o?cc=max-age%3D600", &every);
        v.terminate();
        assert!(
            v.wait_exit(Duration::from_secs(15)).is_some(),
            "verge stopped"
        );
    }
    let v = Verge::start_with_state(&fixture("cache"), state.path(), ARGS, None);
    let small = get(&v.url("/match?path=/small"), &[]);
    assert_eq!((small.status, small.text().as_str()), (200, "kept"));
    let large = get(&v.url("/match?path=/large"), &[]);
    assert_eq!(large.body.len(), 3 << 20);
    let o = fetch_via(&v, &origin, "/o?cc=max-age%3D600", &every);
    assert_eq!(
        (o.cache_status(), o.text().as_str()),
        ("HIT", "origin /o #1")
    );
    assert_eq!(origin.count("/o"), 1);
}

#[test]
fn oversized_tags_and_keys_are_bounded_not_fatal() {
    let origin = Origin::start();
    let state = tempfile::tempdir().expect("state");
    let v = Verge::start_with_state(&fixture("cache"), state.path(), ARGS, None);
    let cached = |path: &str| get(&v.url(&format!("/match?path={path}")), &[]).status == 200;

    // 10,000 tags: the response is stored; tags within Cloudflare's 16 KB purge it, tags
    // past it were ignored.
    let out = json_of(&v.url("/put-tags?path=/many&n=10000"));
    assert_eq!(out["last"], "tag-9999-");
    assert!(cached("/many"));
    let (ok, out1, _) = cli_purge(state.path(), &["--tag", "tag-9999-"]);
    assert!(ok);
    assert!(out1.contains("purged 0"), "{out1}");
    assert!(cached("/many"));
    let first = out["first"].as_str().expect("first").to_string();
    assert_eq!(first, "tag-0-xx");
    let (ok, out1, _) = cli_purge(state.path(), &["--tag", &first]);
    assert!(ok);
    assert!(out1.contains("purged 1"), "{out1}");

    // A 100 KB Cache-Tag header of 1 KB tags: stored, bounded the same way.
    let out = json_of(&v.url("/put-tags?path=/wide&n=100&len=1000"));
    assert!(out["headerBytes"].as_u64().expect("bytes") >= 100_000);
    assert!(cached("/wide"));
    let first = out["first"].as_str().expect("first").to_string();
    let (ok, out1, _) = cli_purge(state.path(), &["--tag", &first]);
    assert!(ok && out1.contains("purged 1"), "{out1}");

    // 10,000 cf.cacheTags on a subrequest: stored, the tags past Cloudflare's limit ignored.
    let tagged = |n: usize| {
        get(
            &v.url(&format!("/fetch-tags?n={n}&origin={}", enc(&origin.base))),
            &[],
        )
    };
    assert_eq!(tagged(10_000).cache_status(), "MISS");
    assert_eq!(tagged(10_000).cache_status(), "HIT");
    let (ok, out1, _) = cli_purge(state.path(), &["--tag", "cf-tag-9999"]);
    assert!(ok && out1.contains("purged 0"), "{out1}");
    let (ok, out1, _) = cli_purge(state.path(), &["--tag", "CF-TAG-0"]);
    assert!(ok && out1.contains("purged 1"), "{out1}");

    // A 100 KB cache key: put is a TypeError naming the limit; match/delete miss; a
    // subrequest with such a cacheKey still reaches the origin, uncached.
    let out = json_of(&v.url(&format!("/long-key?n=100000&origin={}", enc(&origin.base))));
    assert_eq!(
        out["put"],
        "TypeError: Cache key is too long: 100019 bytes (the limit is 16384 bytes, Cloudflare's URL limit)."
    );
    assert_eq!(out["match"], "undefined");
    assert_eq!(out["delete"], "false");
    assert_eq!(out["fetch"], "200 DYNAMIC origin /long #1");
    // The server is fine afterwards.
    assert_eq!(get(&v.url("/errors"), &[]).status, 200);
}
