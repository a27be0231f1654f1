//! WebSocket ends that leave their isolate: a [`WsEndpoint`] is one side of a message link
//! (two crossed channels). The edge pumps a client connection into one; a JS `WebSocket`
//! (`js/websocket.js`) holds the other through a [`WsPort`].

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, Function, JsLifetime, Object, Result, Value};
use tokio::sync::mpsc;

/// Largest message accepted from a client (Workers: 32 MiB).
pub const MAX_MESSAGE_BYTES: usize = 32 << 20;

/// Close code sent when a peer's message is over [`MAX_MESSAGE_BYTES`] (RFC 6455 §7.4.1,
/// "Message Too Big"; workerd's kj WebSocket closes with it too).
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

/// The WebSocket settings of every connection verge pumps (the edge's client connections and
/// outbound `new WebSocket(url)`): messages up to [`MAX_MESSAGE_BYTES`], in frames of any size up
/// to that (tungstenite's default frame limit, 16 MiB, would refuse a single-frame 20 MiB message
/// that Workers accept).
pub fn config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    let mut config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
    config.max_message_size = Some(MAX_MESSAGE_BYTES);
    config.max_frame_size = Some(MAX_MESSAGE_BYTES);
    config
}

/// The reason sent with [`CLOSE_MESSAGE_TOO_BIG`] (kj's words: `Message is too large: N > MAX`).
pub fn too_big_reason(size: usize, max: usize) -> String {
    format!("Message is too large: {size} > {max}")
}

/// One WebSocket message or the close handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMsg {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
    /// Close with code and reason.
    Close(u16, String),
}

/// One side of a link: send to the other side, receive from it.
#[derive(Debug)]
pub struct WsEndpoint {
    /// To the other side.
    pub tx: mpsc::UnboundedSender<WsMsg>,
    /// From the other side.
    pub rx: mpsc::UnboundedReceiver<WsMsg>,
}

/// Two connected endpoints.
pub fn link() -> (WsEndpoint, WsEndpoint) {
    let (a_tx, b_rx) = mpsc::unbounded_channel();
    let (b_tx, a_rx) = mpsc::unbounded_channel();
    (
        WsEndpoint { tx: a_tx, rx: a_rx },
        WsEndpoint { tx: b_tx, rx: b_rx },
    )
}

/// A JS WebSocket's connection to an endpoint (hidden class).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct WsPort {
    #[qjs(skip_trace)]
    tx: mpsc::UnboundedSender<WsMsg>,
    #[qjs(skip_trace)]
    rx: Rc<RefCell<Option<mpsc::UnboundedReceiver<WsMsg>>>>,
    /// The whole endpoint, until a listener or the edge takes it.
    #[qjs(skip_trace)]
    endpoint_rx_taken: RefCell<bool>,
}

#[rquickjs::methods]
impl WsPort {}

impl WsPort {
    /// A port over `ep`.
    pub fn new(ep: WsEndpoint) -> Self {
        WsPort {
            tx: ep.tx,
            rx: Rc::new(RefCell::new(Some(ep.rx))),
            endpoint_rx_taken: RefCell::new(false),
        }
    }

    /// Takes the endpoint out (for the edge), if nobody listens on it yet.
    pub fn take_endpoint(&self) -> Option<WsEndpoint> {
        let rx = self.rx.borrow_mut().take()?;
        *self.endpoint_rx_taken.borrow_mut() = true;
        Some(WsEndpoint {
            tx: self.tx.clone(),
            rx,
        })
    }
}

thread_local! {
    /// Endpoints handed from JS to the host (the edge, or a Durable Object caller), by ticket.
    static TICKETS: RefCell<std::collections::HashMap<u64, WsEndpoint>> = RefCell::new(std::collections::HashMap::new());
    static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

/// Takes the endpoint a JS response handed over with `ticket`.
pub fn take_ticket(ticket: u64) -> Option<WsEndpoint> {
    TICKETS.with(|t| t.borrow_mut().remove(&ticket))
}

/// Files an endpoint for JS to pick up (`internal.ws.port(ticket)`).
pub fn file_ticket(ep: WsEndpoint) -> u64 {
    let id = NEXT.with(|n| {
        let v = n.get();
        n.set(v + 1);
        v
    });
    TICKETS.with(|t| t.borrow_mut().insert(id, ep));
    id
}

fn send<'js>(ctx: Ctx<'js>, port: Class<'js, WsPort>, data: Value<'js>) -> Result<()> {
    let msg = if let Some(s) = data.as_string() {
        WsMsg::Text(verge_js::string::to_usv(s)?)
    } else if let Some(b) = verge_js::bytes::copy_bytes(&data) {
        WsMsg::Binary(b)
    } else {
        return Err(Exception::throw_type(
            &ctx,
            "WebSocket send() expects a string, ArrayBuffer or ArrayBufferView",
        ));
    };
    let _ = port.borrow().tx.send(msg);
    Ok(())
}

fn close(port: Class<'_, WsPort>, code: u16, reason: verge_js::string::Usv) {
    let reason = reason.into_inner();
    let _ = port.borrow().tx.send(WsMsg::Close(code, reason));
}

/// Starts delivering messages from the endpoint to `callback(kind, data, code)` (kind: 0 text,
/// 1 binary, 2 close).
fn listen<'js>(ctx: Ctx<'js>, port: Class<'js, WsPort>, callback: Function<'js>) -> Result<()> {
    let rx = port.borrow().rx.borrow_mut().take();
    let Some(mut rx) = rx else {
        return Err(Exception::throw_type(
            &ctx,
            "WebSocket is already being listened to",
        ));
    };
    let ctx2 = ctx.clone();
    ctx.spawn(async move {
        loop {
            let msg = rx.recv().await;
            let r: Result<()> = match msg {
                Some(WsMsg::Text(s)) => callback.call((0, s)),
                Some(WsMsg::Binary(b)) => match verge_js::bytes::new_array_buffer(&ctx2, b) {
                    Ok(buf) => callback.call((1, buf)),
                    Err(e) => Err(e),
                },
                Some(WsMsg::Close(code, reason)) => {
                    let _: Result<()> = callback.call((2, reason, code));
                    return;
                }
                None => {
                    let _: Result<()> = callback.call((2, String::new(), 1006));
                    return;
                }
            };
            if let Err(e) = r {
                let ex = verge_js::JsException::from_error(&ctx2, e);
                tracing::warn!("WebSocket event handler threw: {ex}");
            }
        }
    });
    Ok(())
}

/// Creates a linked endpoint for a JS end: returns the port and files the other endpoint
/// under a ticket for the host.
fn detach<'js>(ctx: Ctx<'js>) -> Result<Vec<Value<'js>>> {
    let (js_side, host_side) = link();
    let ticket = file_ticket(host_side);
    Ok(vec![
        Class::instance(ctx.clone(), WsPort::new(js_side))?.into_value(),
        Value::new_number(ctx, ticket as f64),
    ])
}

/// Hands a port's endpoint (one not listened to) to the host under a ticket.
fn hand_over(port: Class<'_, WsPort>) -> Option<f64> {
    port.borrow()
        .take_endpoint()
        .map(|ep| file_ticket(ep) as f64)
}

/// Makes a port for an endpoint filed under `ticket`.
fn port<'js>(ctx: Ctx<'js>, ticket: f64) -> Result<Option<Class<'js, WsPort>>> {
    match take_ticket(ticket as u64) {
        Some(ep) => Ok(Some(Class::instance(ctx, WsPort::new(ep))?)),
        None => Ok(None),
    }
}

/// Pumps frames between a WebSocket connection and an endpoint until either side closes.
/// Used by the edge for client connections and by outbound `new WebSocket(url)`.
pub async fn pump<S>(mut socket: tokio_tungstenite::WebSocketStream<S>, mut ep: WsEndpoint)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::error::{CapacityError, Error};
    use tokio_tungstenite::tungstenite::protocol::{CloseFrame, frame::coding::CloseCode};
    loop {
        tokio::select! {
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Text(t))) => { let _ = ep.tx.send(WsMsg::Text(t.to_string())); }
                Some(Ok(Message::Binary(b))) => { let _ = ep.tx.send(WsMsg::Binary(b.to_vec())); }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                    let _ = ep.tx.send(WsMsg::Close(code, reason));
                    // Keep forwarding until our side answers the close (or goes away).
                }
                Some(Ok(_)) => {}
                Some(Err(Error::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                    // An oversize message (or frame): close both ways with 1009, as workerd does.
                    let reason = too_big_reason(size, max_size);
                    let _ = ep.tx.send(WsMsg::Close(CLOSE_MESSAGE_TOO_BIG, reason.clone()));
                    let frame = CloseFrame { code: CloseCode::from(CLOSE_MESSAGE_TOO_BIG), reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    // The rest of the message is still arriving: read it away (bounded) so that
                    // the peer, still sending, sees the close frame rather than a reset.
                    discard_input(socket.get_mut()).await;
                    return;
                }
                Some(Err(_)) | None => {
                    let _ = ep.tx.send(WsMsg::Close(1006, String::new()));
                    return;
                }
            },
            outgoing = ep.rx.recv() => match outgoing {
                Some(WsMsg::Text(t)) => { if socket.send(Message::Text(t.into())).await.is_err() { return; } }
                Some(WsMsg::Binary(b)) => { if socket.send(Message::Binary(b.into())).await.is_err() { return; } }
                Some(WsMsg::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    let _ = socket.close(None).await;
                    return;
                }
                None => {
                    let _ = socket.close(None).await;
                    return;
                }
            },
        }
    }
}

/// Reads and drops what a peer still sends after we closed because of an oversize message, until
/// it closes the connection, for at most 10 s and twice [`MAX_MESSAGE_BYTES`].
async fn discard_input<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut buf = vec![0u8; 64 << 10];
    let mut left = 2 * MAX_MESSAGE_BYTES;
    while left > 0 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => left = left.saturating_sub(n),
            _ => return,
        }
    }
}

/// Opens an outbound WebSocket; resolves to `[ticket, protocol]` for the JS end.
async fn connect<'js>(
    ctx: Ctx<'js>,
    url: String,
    protocols: Vec<String>,
    headers: Vec<String>,
) -> Result<Vec<Value<'js>>> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.as_str().into_client_request().map_err(|e| {
        Exception::throw_dom(
            &ctx,
            "SyntaxError",
            &format!("Invalid WebSocket URL {url}: {e}"),
        )
    })?;
    for pair in headers.chunks(2) {
        if let [n, v] = pair
            && let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(n.as_bytes()),
                http::HeaderValue::from_str(v),
            )
            && !matches!(
                n.as_str(),
                "upgrade" | "connection" | "sec-websocket-key" | "sec-websocket-version" | "host"
            )
        {
            request.headers_mut().insert(n, v);
        }
    }
    if !protocols.is_empty()
        && let Ok(v) = http::HeaderValue::from_str(&protocols.join(", "))
    {
        request.headers_mut().insert("sec-websocket-protocol", v);
    }
    // VERGE_EXTRA_CA_CERTS (see crate::tls): a TLS configuration with the extra roots.
    let connector =
        crate::tls::client_config_with_extra_roots().map(tokio_tungstenite::Connector::Rustls);
    let (socket, response) =
        tokio_tungstenite::connect_async_tls_with_config(request, Some(config()), false, connector)
            .await
            .map_err(|e| {
                Exception::throw_type(&ctx, &format!("WebSocket connection to {url} failed: {e}"))
            })?;
    let protocol = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (js_side, net_side) = link();
    tokio::task::spawn_local(pump(socket, net_side));
    let ticket = file_ticket(js_side);
    Ok(vec![
        Value::new_number(ctx.clone(), ticket as f64),
        rquickjs::String::from_str(ctx, &protocol)?.into_value(),
    ])
}

/// Installs `internal.wsOps`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    ops.set("send", Func::from(send))?;
    ops.set("close", Func::from(close))?;
    ops.set("listen", Func::from(listen))?;
    ops.set("detach", Func::from(detach))?;
    ops.set("handOver", Func::from(hand_over))?;
    ops.set("port", Func::from(port))?;
    ops.set(
        "connect",
        Func::from(
            |ctx: Ctx<'js>, url: String, protocols: Vec<String>, headers: Vec<String>| {
                verge_js::promise::wrap_future(&ctx, connect(ctx.clone(), url, protocols, headers))
            },
        ),
    )?;
    internal.set("wsOps", ops)?;
    Ok(())
}
