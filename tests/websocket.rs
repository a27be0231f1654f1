//! WebSockets through the real binary: `WebSocketPair` in a worker, upgraded client connections.

mod common;

use common::{Verge, client, fixture};
use tungstenite::Message;

fn connect(
    v: &Verge,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    let url = v.url("/ws").replace("http://", "ws://");
    let (socket, response) = tungstenite::connect(url).expect("websocket handshake");
    assert_eq!(response.status(), 101);
    socket
}

#[test]
fn a_worker_accepts_a_websocket_and_echoes_text_and_binary() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let mut ws = connect(&v);
    assert_eq!(ws.read().unwrap(), Message::Text("welcome".into()));
    ws.send(Message::Text("hi".into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("echo: hi".into()));
    ws.send(Message::Binary(vec![1u8, 2, 3].into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Binary(vec![3u8, 2, 1].into()));
    ws.send(Message::Text("close".into())).unwrap();
    match ws.read().unwrap() {
        Message::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1000);
            assert_eq!(frame.reason.as_str(), "bye");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[test]
fn many_clients_are_served_at_once() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let mut sockets: Vec<_> = (0..50).map(|_| connect(&v)).collect();
    for (i, ws) in sockets.iter_mut().enumerate() {
        assert_eq!(ws.read().unwrap(), Message::Text("welcome".into()));
        ws.send(Message::Text(format!("n{i}").into())).unwrap();
    }
    for (i, ws) in sockets.iter_mut().enumerate() {
        assert_eq!(
            ws.read().unwrap(),
            Message::Text(format!("echo: n{i}").into())
        );
    }
}

#[test]
fn websocket_pairs_deliver_between_ends_and_validate_close_codes() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let j: serde_json::Value = client().get(v.url("/pair")).send().unwrap().json().unwrap();
    let bad = |code: u16| format!("TypeError: Invalid WebSocket close code: {code}.");
    // workerd's rule: 1000–4999 except 1004, 1005, 1006 and 1015.
    assert_eq!(
        j,
        serde_json::json!({
            "got": ["one", "two"],
            "codes": {
                "999": bad(999), "1000": "ok", "1001": "ok", "1004": bad(1004), "1005": bad(1005),
                "1006": bad(1006), "1011": "ok", "1015": bad(1015), "2999": "ok", "3000": "ok",
                "4999": "ok", "5000": bad(5000),
            },
            "reasonAlone": "TypeError: If you specify a WebSocket close reason, you must also specify a code.",
            "state": 1,
        })
    );
    let r = client().get(v.url("/")).send().unwrap();
    assert_eq!(r.status(), 426);
}

fn connect_to(
    v: &Verge,
    path: &str,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    let url = v.url(path).replace("http://", "ws://");
    let (socket, response) = tungstenite::connect(url).expect("websocket handshake");
    assert_eq!(response.status(), 101);
    socket
}

#[test]
fn binary_messages_arrive_as_array_buffers_by_default() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let mut ws = connect_to(&v, "/binary-kind");
    ws.send(Message::Binary(vec![1u8, 2, 3].into())).unwrap();
    assert_eq!(
        ws.read().unwrap(),
        Message::Text("arraybuffer ArrayBuffer 3".into())
    );
    ws.send(Message::Text("hey".into())).unwrap();
    assert_eq!(
        ws.read().unwrap(),
        Message::Text("arraybuffer string 3".into())
    );
}

#[test]
fn binary_messages_arrive_as_blobs_with_the_standard_binary_type_flag() {
    let dir = common::copy_fixture("websocket");
    let toml = std::fs::read_to_string(dir.path().join("wrangler.toml")).unwrap();
    std::fs::write(
        dir.path().join("wrangler.toml"),
        format!("{toml}compatibility_flags = [\"websocket_standard_binary_type\"]\n"),
    )
    .unwrap();
    let v = Verge::start(dir.path(), &["--no-reload"]);
    let mut ws = connect_to(&v, "/binary-kind");
    ws.send(Message::Binary(vec![1u8, 2, 3, 4].into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("blob Blob 4".into()));
}

#[test]
fn an_oversize_message_closes_the_connection_with_1009() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let mut ws = connect_to(&v, "/binary-kind");
    let limit = 32 << 20;
    ws.send(Message::Binary(vec![7u8; limit + 1].into()))
        .unwrap();
    let frame = match ws.read() {
        Ok(Message::Close(frame)) => frame.expect("a close frame with a code"),
        Ok(other) => panic!("expected a close frame, got {other:?}"),
        Err(e) => panic!("expected a close frame, got the error {e}"),
    };
    assert_eq!(u16::from(frame.code), 1009);
    assert_eq!(
        frame.reason.as_str(),
        format!("Message is too large: {} > {limit}", limit + 1)
    );
    // The worker saw the same close.
    assert!(
        v.wait_for_log(
            "binary-kind closed 1009 Message is too large",
            std::time::Duration::from_secs(20)
        ),
        "{}",
        v.log()
    );
}

fn echo_server(connections: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..connections {
            let (stream, _) = listener.accept().unwrap();
            let mut ws = tungstenite::accept(stream).unwrap();
            loop {
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        seen.push(t.to_string());
                        ws.send(Message::Text(format!("echo: {t}").into())).unwrap();
                    }
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        seen
    });
    (format!("ws://{addr}/"), handle)
}

#[test]
fn a_worker_opens_outbound_websockets() {
    let v = Verge::start(&fixture("websocket"), &["--no-reload"]);
    let (target, server) = echo_server(2);
    let j: serde_json::Value = client()
        .get(v.url(&format!("/client?target={target}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(j["reply"], "echo: hello upstream");
    assert_eq!(j["state"], 2, "CLOSING after close()");
    let j: serde_json::Value = client()
        .get(v.url(&format!(
            "/fetch-upgrade?target={}",
            target.replace("ws://", "http://")
        )))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        serde_json::json!({"status": 101, "reply": "echo: via fetch"})
    );
    assert_eq!(server.join().unwrap(), vec!["hello upstream", "via fetch"]);
}

#[test]
fn a_worker_opens_outbound_secure_websockets_to_a_trusted_ca() {
    // A wss:// echo server with a certificate from a CA made here, trusted by verge through
    // VERGE_EXTRA_CA_CERTS.
    let ca = common::tls::TestCa::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accept = ca.acceptor();
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (tcp, _) = listener.accept().unwrap();
            let mut ws = tungstenite::accept(accept(tcp)).unwrap();
            loop {
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        seen.push(t.to_string());
                        ws.send(Message::Text(format!("secure echo: {t}").into()))
                            .unwrap();
                    }
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        seen
    });
    let state = tempfile::tempdir().unwrap();
    let v = Verge::start_with_env(
        &fixture("websocket"),
        state.path(),
        &["--no-reload"],
        &[("VERGE_EXTRA_CA_CERTS", ca.ca_pem_file.as_os_str())],
        None,
    );
    let j: serde_json::Value = client()
        .get(v.url(&format!("/client?target=wss://127.0.0.1:{port}/")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(j["reply"], "secure echo: hello upstream", "{j}");
    let j: serde_json::Value = client()
        .get(v.url(&format!("/fetch-upgrade?target=https://127.0.0.1:{port}/")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        j,
        serde_json::json!({"status": 101, "reply": "secure echo: via fetch"})
    );
    assert_eq!(server.join().unwrap(), vec!["hello upstream", "via fetch"]);
}
