//! Durable Object WebSockets through the real binary: hibernation API, broadcast, eviction.

mod common;

use std::time::Duration;

use common::{Verge, client, fixture};
use tungstenite::Message;

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

fn connect(v: &Verge, user: &str) -> Socket {
    let url = format!(
        "{}/join?room=r1&user={user}",
        v.base.replace("http://", "ws://")
    );
    let (socket, response) = tungstenite::connect(url).expect("websocket handshake");
    assert_eq!(response.status(), 101);
    socket
}

fn text(ws: &mut Socket) -> String {
    match ws.read().unwrap() {
        Message::Text(t) => t.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[test]
fn chat_messages_fan_out_and_persist() {
    let v = Verge::start(&fixture("durable-ws"), &["--no-reload"]);
    let mut alice = connect(&v, "alice");
    let mut bob = connect(&v, "bob");
    alice.send(Message::Text("hello".into())).unwrap();
    assert_eq!(text(&mut alice), "alice: hello");
    assert_eq!(text(&mut bob), "alice: hello");
    alice.send(Message::Text("ping".into())).unwrap();
    assert_eq!(text(&mut alice), "pong", "auto-response");
    bob.send(Message::Text("whoami".into())).unwrap();
    let me: serde_json::Value = serde_json::from_str(&text(&mut bob)).unwrap();
    assert_eq!(me["user"], "bob");
    assert_eq!(me["tags"], serde_json::json!(["bob"]));
    let history: serde_json::Value = client()
        .get(v.url("/history?room=r1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(history, serde_json::json!(["alice: hello"]));
}

#[test]
fn an_evicted_object_wakes_for_the_next_message_with_attachments_intact() {
    let v = Verge::start(
        &fixture("durable-ws"),
        &["--no-reload", "--do-idle-ms", "100"],
    );
    let mut carol = connect(&v, "carol");
    carol.send(Message::Text("whoami".into())).unwrap();
    let before: serde_json::Value = serde_json::from_str(&text(&mut carol)).unwrap();
    // Stay quiet past the idle timeout: the object is evicted, the socket stays open.
    let mut wait = Duration::from_millis(400);
    loop {
        std::thread::park_timeout(wait);
        carol.send(Message::Text("whoami".into())).unwrap();
        let after: serde_json::Value = serde_json::from_str(&text(&mut carol)).unwrap();
        assert_eq!(after["user"], "carol", "attachment survives hibernation");
        if after["constructed"].as_i64() > before["constructed"].as_i64() {
            break;
        }
        // 0.4 + 0.8 + … + 12.8 s: generous for a loaded machine.
        assert!(wait < Duration::from_secs(10), "object never evicted");
        wait *= 2;
    }
}

#[test]
fn a_thousand_clients_receive_a_broadcast() {
    // 1000 sends in one event: a debug build on a busy machine can pass the default 50 ms.
    let v = Verge::start(&fixture("durable-ws"), &["--no-reload", "--cpu-ms", "5000"]);
    let mut sockets: Vec<Socket> = (0..1000).map(|i| connect(&v, &format!("u{i}"))).collect();
    let n = client()
        .post(v.url("/broadcast?room=r1"))
        .body("news")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(n, "1000");
    for ws in sockets.iter_mut() {
        assert_eq!(text(ws), "news");
    }
}
