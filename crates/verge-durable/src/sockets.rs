//! Hibernatable WebSockets (`ctx.acceptWebSocket`): the sockets of an object are owned here,
//! per object, not by its JS instance. An instance can be evicted while its sockets stay open;
//! the next message re-creates it and is delivered to `webSocketMessage`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::mpsc;
use verge_web::invoke::{Event, WsData};
use verge_web::websocket::{WsEndpoint, WsMsg};

use crate::runtime::DurableRuntime;

pub(crate) struct Socket {
    tx: mpsc::UnboundedSender<WsMsg>,
    tags: Vec<String>,
    attachment: Option<String>,
}

#[derive(Default)]
pub(crate) struct ObjectSockets {
    next: u64,
    sockets: BTreeMap<u64, Socket>,
    auto: Option<(String, String)>,
}

/// `(runtime, namespace, object id)`.
pub(crate) type ObjectKey = (u64, usize, String);

thread_local! {
    static SOCKETS: RefCell<HashMap<ObjectKey, ObjectSockets>> = RefCell::new(HashMap::new());
}

/// Takes ownership of `ep` for the object; returns the socket id.
pub(crate) fn adopt(
    rt: &Arc<DurableRuntime>,
    key: ObjectKey,
    name: Option<String>,
    ep: WsEndpoint,
    tags: Vec<String>,
) -> u64 {
    let WsEndpoint { tx, mut rx } = ep;
    let sock = SOCKETS.with(|s| {
        let mut s = s.borrow_mut();
        let o = s.entry(key.clone()).or_default();
        o.next += 1;
        o.sockets.insert(
            o.next,
            Socket {
                tx: tx.clone(),
                tags,
                attachment: None,
            },
        );
        o.next
    });
    let rt = rt.clone();
    tokio::task::spawn_local(async move {
        let (_, ns, id) = key.clone();
        loop {
            let msg = rx.recv().await;
            let event = match msg {
                Some(WsMsg::Text(t)) => {
                    let auto = SOCKETS.with(|s| s.borrow().get(&key).and_then(|o| o.auto.clone()));
                    if let Some((req, res)) = auto
                        && req == t
                    {
                        let _ = tx.send(WsMsg::Text(res));
                        continue;
                    }
                    Event::WebSocketMessage {
                        socket: sock,
                        data: WsData::Text(t),
                    }
                }
                Some(WsMsg::Binary(b)) => Event::WebSocketMessage {
                    socket: sock,
                    data: WsData::Binary(b),
                },
                Some(WsMsg::Close(code, reason)) => {
                    // The runtime completes the close handshake (web_socket_auto_reply_to_close).
                    let _ = tx.send(WsMsg::Close(
                        if code == 1005 { 1000 } else { code },
                        reason.clone(),
                    ));
                    Event::WebSocketClose {
                        socket: sock,
                        code,
                        reason,
                        clean: true,
                    }
                }
                None => Event::WebSocketClose {
                    socket: sock,
                    code: 1006,
                    reason: String::new(),
                    clean: false,
                },
            };
            let closing = matches!(event, Event::WebSocketClose { .. });
            if let Err(e) = crate::runtime::deliver(&rt, ns, &id, name.clone(), event).await {
                tracing::warn!(object = %id, "WebSocket event handler failed: {e}");
            }
            if closing {
                remove(&key, sock);
                return;
            }
        }
    });
    sock
}

fn with<R>(key: &ObjectKey, f: impl FnOnce(&mut ObjectSockets) -> R) -> R {
    SOCKETS.with(|s| f(s.borrow_mut().entry(key.clone()).or_default()))
}

pub(crate) fn remove(key: &ObjectKey, sock: u64) {
    with(key, |o| {
        o.sockets.remove(&sock);
    });
}

pub(crate) fn send(key: &ObjectKey, sock: u64, msg: WsMsg) -> bool {
    with(key, |o| {
        o.sockets
            .get(&sock)
            .map(|s| s.tx.send(msg).is_ok())
            .unwrap_or(false)
    })
}

pub(crate) fn list(key: &ObjectKey, tag: Option<&str>) -> Vec<u64> {
    with(key, |o| {
        o.sockets
            .iter()
            .filter(|(_, s)| tag.is_none_or(|t| s.tags.iter().any(|x| x == t)))
            .map(|(id, _)| *id)
            .collect()
    })
}

pub(crate) fn tags(key: &ObjectKey, sock: u64) -> Option<Vec<String>> {
    with(key, |o| o.sockets.get(&sock).map(|s| s.tags.clone()))
}

pub(crate) fn set_attachment(key: &ObjectKey, sock: u64, value: Option<String>) {
    with(key, |o| {
        if let Some(s) = o.sockets.get_mut(&sock) {
            s.attachment = value;
        }
    });
}

pub(crate) fn attachment(key: &ObjectKey, sock: u64) -> Option<String> {
    with(key, |o| {
        o.sockets.get(&sock).and_then(|s| s.attachment.clone())
    })
}

pub(crate) fn set_auto_response(key: &ObjectKey, pair: Option<(String, String)>) {
    with(key, |o| o.auto = pair);
}
