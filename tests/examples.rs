//! The example apps under `examples/` through the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Verge, client};
use reqwest::StatusCode;
use reqwest::blocking::Response;
use serde_json::{Value, json};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

const ARGS: &[&str] = &["--threads", "2", "--no-reload"];

fn start(name: &str) -> Verge {
    Verge::start(&example(name), ARGS)
}

/// Status, then the JSON body (panics with the body text if it is not JSON).
fn json_of(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {status} {text}"));
    (status, body)
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name} on {}", r.status()))
        .to_str()
        .expect("ascii header")
        .to_string()
}

fn header_num(r: &Response, name: &str) -> u64 {
    header(r, name)
        .parse()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// hello: the README's quick start (`cargo run --release -- dev examples/hello`)

#[test]
fn the_quick_start_example_serves_routing_json_cookies_and_a_stream() {
    let v = start("hello");
    let c = client();
    let r = c.get(v.url("/")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().unwrap(),
        "Hello from verge! Try /json, /visits or /stream.\n"
    );
    let j: Value = c.post(v.url("/json?a=1")).send().unwrap().json().unwrap();
    assert_eq!(
        j,
        json!({"greeting": "Hello", "method": "POST", "query": {"a": "1"}, "country": "US", "colo": "DEV"})
    );
    let r = c.get(v.url("/visits")).send().unwrap();
    assert_eq!(
        r.headers()["set-cookie"],
        "visits=1; Path=/; HttpOnly",
        "the first visit sets the cookie"
    );
    assert_eq!(r.text().unwrap(), "visit number 1\n");
    let r = c
        .get(v.url("/visits"))
        .header("cookie", "theme=dark; visits=41")
        .send()
        .unwrap();
    assert_eq!(r.headers()["set-cookie"], "visits=42; Path=/; HttpOnly");
    assert_eq!(r.text().unwrap(), "visit number 42\n");
    let r = c.get(v.url("/stream")).send().unwrap();
    assert!(r.headers().get("content-length").is_none(), "streamed");
    assert_eq!(
        r.text().unwrap(),
        "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n"
    );
    assert_eq!(c.get(v.url("/nope")).send().unwrap().status(), 404);
}

// ---------------------------------------------------------------------------------------------
// counter

#[test]
fn counter_counts_resets_and_survives_a_restart() {
    let state = tempfile::tempdir().expect("state dir");
    let dir = example("counter");
    let c = client();
    let mut v = Verge::start_with_state(&dir, state.path(), ARGS, None);
    assert_eq!(
        json_of(c.get(v.url("/visits")).send().unwrap()),
        (StatusCode::OK, json!({"name": "visits", "count": 0}))
    );
    for i in 1..=3 {
        assert_eq!(
            json_of(c.post(v.url("/visits/increment")).send().unwrap()),
            (StatusCode::OK, json!({"name": "visits", "count": i}))
        );
    }
    assert_eq!(
        json_of(c.post(v.url("/other/increment")).send().unwrap()).1["count"],
        1,
        "counters are independent"
    );
    assert_eq!(
        c.get(v.url("/visits/increment")).send().unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );

    v.kill();
    let v = Verge::start_with_state(&dir, state.path(), ARGS, None);
    assert_eq!(
        json_of(c.get(v.url("/visits")).send().unwrap()),
        (StatusCode::OK, json!({"name": "visits", "count": 3})),
        "increments are durable across a restart"
    );
    assert_eq!(
        json_of(c.delete(v.url("/visits")).send().unwrap()),
        (StatusCode::OK, json!({"name": "visits", "count": 0}))
    );
    assert_eq!(
        json_of(c.get(v.url("/visits")).send().unwrap()).1["count"],
        0
    );
    assert_eq!(
        json_of(c.post(v.url("/visits/increment")).send().unwrap()).1["count"],
        1
    );
    assert_eq!(
        json_of(c.get(v.url("/other")).send().unwrap()).1["count"],
        1,
        "a reset touches one counter only"
    );
}

#[test]
fn counter_concurrent_increments_are_never_lost() {
    let v = start("counter");
    let url = v.url("/race/increment");
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let (status, body) = json_of(client().post(url).send().unwrap());
                assert_eq!(status, StatusCode::OK, "{body}");
                body["count"].as_i64().expect("count")
            })
        })
        .collect();
    let mut seen: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=20).collect::<Vec<_>>());
    assert_eq!(
        json_of(client().get(v.url("/race")).send().unwrap()).1["count"],
        20
    );
}

// ---------------------------------------------------------------------------------------------
// rate limiter

#[test]
fn rate_limiter_allows_limit_then_429s_per_key() {
    let v = start("rate-limiter");
    let c = client();
    // No `?key=`: keyed by CF-Connecting-IP (127.0.0.1 here).
    for i in 0..5u64 {
        let r = c.get(v.url("/")).send().unwrap();
        assert_eq!(r.status(), StatusCode::OK, "request {i}");
        assert_eq!(header_num(&r, "x-ratelimit-limit"), 5);
        assert_eq!(header_num(&r, "x-ratelimit-remaining"), 4 - i);
        let reset = header_num(&r, "x-ratelimit-reset");
        assert!((1..=60).contains(&reset), "reset {reset}");
        assert!(r.headers().get("retry-after").is_none());
        assert_eq!(json_of(r).1["key"], "ip:127.0.0.1");
    }
    let r = c.get(v.url("/")).send().unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = header_num(&r, "retry-after");
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert_eq!(header_num(&r, "x-ratelimit-limit"), 5);
    assert_eq!(header_num(&r, "x-ratelimit-remaining"), 0);
    assert_eq!(header_num(&r, "x-ratelimit-reset"), retry);
    assert_eq!(json_of(r).1["error"], "rate limit exceeded");

    // Another key has its own budget, and using it does not free the first one.
    let r = c.get(v.url("/?key=alice")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header_num(&r, "x-ratelimit-remaining"), 4);
    assert_eq!(json_of(r).1["key"], "key:alice");
    assert_eq!(
        c.get(v.url("/")).send().unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[test]
fn rate_limiter_window_slides() {
    // The same app with a tighter configuration from `.dev.vars` (LIMIT=2, 2 s window).
    let dir = tempfile::tempdir().expect("project dir");
    let src = example("rate-limiter");
    std::fs::create_dir(dir.path().join("src")).unwrap();
    for file in ["wrangler.toml", "src/index.js"] {
        std::fs::copy(src.join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(dir.path().join(".dev.vars"), "LIMIT=2\nWINDOW_SECONDS=2\n").unwrap();
    let v = Verge::start(dir.path(), ARGS);
    let c = client();
    let url = v.url("/?key=k");
    for _ in 0..2 {
        assert_eq!(c.get(&url).send().unwrap().status(), StatusCode::OK);
    }
    // The third request is refused unless the machine was so slow that the first left the
    // window already: then asking again soon is refused (no assumption about timing).
    let refused = (0..20)
        .map(|_| c.get(&url).send().unwrap())
        .find(|r| r.status() == StatusCode::TOO_MANY_REQUESTS);
    let r = refused.expect("a third request within the window is refused");
    assert_eq!(header_num(&r, "x-ratelimit-limit"), 2);
    let retry = header_num(&r, "retry-after");
    assert!((1..=2).contains(&retry), "retry-after {retry}");
    // Rejected requests are not counted, so asking again until one is allowed does not move
    // the window; the two allowed ones leave it after 2 s (a generous deadline for a busy
    // machine).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let r = loop {
        let r = c.get(&url).send().unwrap();
        if r.status() != StatusCode::TOO_MANY_REQUESTS {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the window never moved on"
        );
        std::thread::park_timeout(Duration::from_millis(100));
    };
    assert_eq!(r.status(), StatusCode::OK, "the window moved on");
    // This request counts itself: 1 left when both earlier ones have left the window, 0 when
    // only the first has (on a slow machine the two can be more than one poll apart).
    let remaining = header_num(&r, "x-ratelimit-remaining");
    assert!((0..=1).contains(&remaining), "remaining {remaining}");
}

// ---------------------------------------------------------------------------------------------
// cart

#[test]
fn cart_adds_removes_totals_and_checks_out() {
    let v = start("cart");
    let c = client();
    let add = |cart: &str, item: Value| {
        json_of(
            c.post(v.url(&format!("/cart/{cart}/items")))
                .json(&item)
                .send()
                .unwrap(),
        )
    };

    assert_eq!(
        json_of(c.get(v.url("/cart/c1")).send().unwrap()),
        (
            StatusCode::OK,
            json!({"cart_id": "c1", "items": [], "item_count": 0, "total_cents": 0})
        )
    );
    let (status, _) = add(
        "c1",
        json!({"sku": "mug", "name": "Mug", "qty": 2, "price_cents": 150}),
    );
    assert_eq!(status, StatusCode::OK);
    add(
        "c1",
        json!({"sku": "tee", "name": "T-shirt", "qty": 1, "price_cents": 1000}),
    );
    let (status, cart) = add(
        "c1",
        json!({"sku": "mug", "name": "Mug", "qty": 1, "price_cents": 150}),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cart,
        json!({
            "cart_id": "c1",
            "items": [
                {"sku": "mug", "name": "Mug", "qty": 3, "price_cents": 150},
                {"sku": "tee", "name": "T-shirt", "qty": 1, "price_cents": 1000},
            ],
            "item_count": 4,
            "total_cents": 1450,
        }),
        "adding a sku again increments its quantity"
    );
    // Another cart is separate.
    add(
        "c2",
        json!({"sku": "pen", "name": "Pen", "qty": 1, "price_cents": 99}),
    );

    let (status, cart) = json_of(c.delete(v.url("/cart/c1/items/tee")).send().unwrap());
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cart["total_cents"], 450);
    assert_eq!(cart["items"].as_array().unwrap().len(), 1);
    let (status, body) = json_of(c.delete(v.url("/cart/c1/items/tee")).send().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string(), "{body}");

    let (status, order) = json_of(c.post(v.url("/cart/c1/checkout")).send().unwrap());
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(order["cart_id"], "c1");
    assert_eq!(order["order_id"].as_str().unwrap().len(), 36);
    assert!(order["created_at"].is_string());
    assert_eq!(order["total_cents"], 450);
    assert_eq!(order["item_count"], 3);
    assert_eq!(
        order["items"],
        json!([{"sku": "mug", "name": "Mug", "qty": 3, "price_cents": 150}])
    );
    assert_eq!(
        json_of(c.get(v.url("/cart/c1")).send().unwrap()).1,
        json!({"cart_id": "c1", "items": [], "item_count": 0, "total_cents": 0}),
        "checkout empties the cart"
    );
    let (status, body) = json_of(c.post(v.url("/cart/c1/checkout")).send().unwrap());
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, json!({"error": "cart is empty"}));
    assert_eq!(
        json_of(c.get(v.url("/cart/c2")).send().unwrap()).1["total_cents"],
        99
    );
}

#[test]
fn cart_rejects_bad_input_with_400() {
    let v = start("cart");
    let c = client();
    let url = v.url("/cart/bad/items");
    let good = json!({"sku": "mug", "name": "Mug", "qty": 1, "price_cents": 150});
    let mut bad: Vec<Value> = Vec::new();
    for (field, value) in [
        ("sku", json!("")),
        ("sku", json!(7)),
        ("name", json!(null)),
        ("qty", json!(0)),
        ("qty", json!(1.5)),
        ("qty", json!("2")),
        ("price_cents", json!(-1)),
    ] {
        let mut item = good.clone();
        item[field] = value;
        bad.push(item);
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("price_cents");
    bad.push(missing);
    bad.push(json!([good.clone()]));
    for item in bad {
        let (status, body) = json_of(c.post(&url).json(&item).send().unwrap());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{item} -> {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (status, body) = json_of(c.post(&url).body("{not json").send().unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"error": "body must be valid JSON"}));
    assert_eq!(
        json_of(c.get(v.url("/cart/bad")).send().unwrap()).1["items"],
        json!([]),
        "nothing was stored"
    );
    assert_eq!(
        c.get(v.url("/nope")).send().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(v.url("/cart/%E0%A4%A")).send().unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

type Ws = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

fn ws_connect(v: &Verge, path: &str) -> Ws {
    let url = format!("{}{path}", v.base.replace("http://", "ws://"));
    tungstenite::connect(url).expect("websocket handshake").0
}

fn ws_json(ws: &mut Ws) -> Value {
    match ws.read().unwrap() {
        tungstenite::Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn ws_send(ws: &mut Ws, v: Value) {
    ws.send(tungstenite::Message::Text(v.to_string().into()))
        .unwrap();
}

#[test]
fn chat_room_broadcasts_and_keeps_history() {
    let v = start("chat");
    let mut ann = ws_connect(&v, "/rooms/lobby/ws?name=ann");
    assert_eq!(ws_json(&mut ann)["type"], "history");
    assert_eq!(ws_json(&mut ann), json!({"type": "join", "user": "ann"}));
    let mut ben = ws_connect(&v, "/rooms/lobby/ws?name=ben");
    assert_eq!(ws_json(&mut ben)["type"], "history");
    assert_eq!(ws_json(&mut ben)["type"], "join");
    assert_eq!(ws_json(&mut ann), json!({"type": "join", "user": "ben"}));
    ws_send(&mut ann, json!({"text": "hi ben"}));
    for ws in [&mut ann, &mut ben] {
        let m = ws_json(ws);
        assert_eq!(
            (m["type"].as_str(), m["user"].as_str(), m["text"].as_str()),
            (Some("message"), Some("ann"), Some("hi ben"))
        );
    }
    let (status, history) = json_of(client().get(v.url("/rooms/lobby/history")).send().unwrap());
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history[0]["text"], "hi ben");
    let mut cat = ws_connect(&v, "/rooms/lobby/ws?name=cat");
    let h = ws_json(&mut cat);
    assert_eq!(
        h["messages"][0]["user"], "ann",
        "a new member gets the history"
    );
}

#[test]
fn collaborative_document_rebases_concurrent_operations() {
    let v = start("collab-doc");
    let mut a = ws_connect(&v, "/docs/d1/ws");
    let mut b = ws_connect(&v, "/docs/d1/ws");
    assert_eq!(
        ws_json(&mut a),
        json!({"type": "snapshot", "version": 0, "text": ""})
    );
    assert_eq!(ws_json(&mut b)["version"], 0);
    ws_send(
        &mut a,
        json!({"op": "insert", "pos": 0, "text": "world", "base": 0}),
    );
    assert_eq!(ws_json(&mut a)["version"], 1);
    assert_eq!(ws_json(&mut b)["version"], 1);
    // Both edit against version 1: a prepends, b appends; b's position is rebased.
    ws_send(
        &mut a,
        json!({"op": "insert", "pos": 0, "text": "hello ", "base": 1}),
    );
    ws_send(
        &mut b,
        json!({"op": "insert", "pos": 5, "text": "!", "base": 1}),
    );
    for ws in [&mut a, &mut b] {
        ws_json(ws);
        ws_json(ws);
    }
    let (_, doc) = json_of(client().get(v.url("/docs/d1")).send().unwrap());
    assert_eq!(doc, json!({"version": 3, "text": "hello world!"}));
}
