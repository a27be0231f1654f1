//! The HTTP server: one listener per isolate thread (`SO_REUSEPORT`), HTTP/1.1 and HTTP/2,
//! each request served on the thread that accepted it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body::Body as _;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use verge_js::IsolateThreads;
use verge_web::body::ByteStream;
use verge_web::http::{IncomingRequest, InvokeError, OutgoingBody, invoke_fetch};

use crate::loop_guard;
use crate::request_id::new_ray_id;
use crate::router::Router;

/// Response body type of the edge.
pub type EdgeBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// Settings of the HTTP front.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// This PoP's code (`cf.colo`, the `cf-ray` suffix).
    pub colo: String,
    /// `request.cf` fields used for every request (a JSON object), e.g. country and city.
    pub cf: serde_json::Map<String, serde_json::Value>,
    /// Show exception messages in error responses (development).
    pub expose_errors: bool,
}

struct Shared {
    config: EdgeConfig,
    router: Arc<Router>,
    /// `request.cf` defaults serialized once, without the closing brace.
    cf_prefix: String,
    /// `cf-ipcountry` (from `cf.country`, `XX` when unknown).
    country: String,
}

#[derive(Clone, Copy)]
struct LocalExec;

impl<F> hyper::rt::Executor<F> for LocalExec
where
    F: Future + 'static,
{
    fn execute(&self, fut: F) {
        tokio::task::spawn_local(fut);
    }
}

/// The listening sockets of the edge, one per isolate thread (`SO_REUSEPORT`), bound before
/// the worker is ready: the kernel completes connections and queues them until [`serve`]
/// starts accepting, so a client that connects during startup waits instead of being refused.
#[derive(Debug)]
pub struct Listeners {
    sockets: Vec<std::net::TcpListener>,
    addr: SocketAddr,
}

impl Listeners {
    /// Binds `n` listeners (at least one) on `addr` (port 0 picks a free port, shared by all).
    pub fn bind(addr: SocketAddr, n: usize) -> std::io::Result<Listeners> {
        let first = bind(addr)?;
        let addr = first.local_addr()?;
        let mut sockets = vec![first];
        for _ in 1..n.max(1) {
            sockets.push(bind(addr)?);
        }
        Ok(Listeners { sockets, addr })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Starts accepting on every isolate thread (listener `k` on thread `k`); returns the bound
/// address.
pub fn serve(
    threads: &IsolateThreads,
    listeners: Listeners,
    config: EdgeConfig,
    router: Arc<Router>,
) -> SocketAddr {
    let mut cf = config.cf.clone();
    cf.insert(
        "colo".into(),
        serde_json::Value::String(config.colo.clone()),
    );
    let mut cf_prefix = serde_json::Value::Object(cf).to_string();
    cf_prefix.pop();
    let country = config
        .cf
        .get("country")
        .and_then(|c| c.as_str())
        .unwrap_or("XX")
        .to_string();
    let shared = Arc::new(Shared {
        config,
        router,
        cf_prefix,
        country,
    });
    for (k, listener) in listeners.sockets.into_iter().enumerate() {
        let shared = shared.clone();
        threads.spawn_on(k, move || accept_loop(listener, shared));
    }
    listeners.addr
}

fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot use listener: {e}");
            return;
        }
    };
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        // The client address as text, once per connection rather than per request.
        let ip: Rc<str> = peer.ip().to_string().into();
        tokio::task::spawn_local(async move {
            let service = service_fn(move |req| {
                let shared = shared.clone();
                let ip = ip.clone();
                async move { Ok::<_, Infallible>(handle(req, ip, shared).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(LocalExec);
            if let Err(e) = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
}

fn full(status: StatusCode, text: String) -> Response<EdgeBody> {
    let mut r = Response::new(
        Full::new(Bytes::from(text))
            .map_err(|e: Infallible| match e {})
            .boxed_unsync(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=UTF-8"),
    );
    r
}

fn request_body(body: Incoming) -> Option<ByteStream> {
    if body.is_end_stream() {
        return None;
    }
    let stream = http_body_util::BodyStream::new(body).filter_map(|frame| async move {
        match frame {
            Ok(f) => f.into_data().ok().map(Ok),
            Err(e) => Some(Err(e.to_string())),
        }
    });
    Some(Box::pin(stream))
}

async fn handle(req: Request<Incoming>, ip: Rc<str>, shared: Arc<Shared>) -> Response<EdgeBody> {
    let ray = new_ray_id(&shared.config.colo);
    let (mut parts, body) = req.into_parts();
    let via = match loop_guard::check(
        parts
            .headers
            .get_all(loop_guard::EW_VIA)
            .iter()
            .map(|v| v.as_bytes()),
    ) {
        loop_guard::Verdict::Serve { via } => via,
        loop_guard::Verdict::LoopLimit => return with_ray(loop_limit_response(&ray), &ray),
    };
    let on_upgrade = parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
    let ws_key = parts.headers.get("sec-websocket-key").cloned();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| shared.config.addr.to_string());
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut url = String::with_capacity(7 + host.len() + path.len());
    url.push_str("http://");
    url.push_str(&host);
    url.push_str(path);
    let protocol = match parts.version {
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let mut headers: Vec<(String, String)> = Vec::with_capacity(parts.headers.len() + 6);
    let mut accept_encoding = None;
    let mut forwarded_for = None;
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if n.starts_with("cf-") || n == "x-real-ip" || n == "x-forwarded-proto" {
            continue; // set by the edge below; clients may not forge them
        }
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if n == "accept-encoding" {
            accept_encoding = Some(v.clone());
        }
        if n == "x-forwarded-for" {
            forwarded_for = Some(v);
            continue;
        }
        headers.push((n.to_string(), v));
    }
    if let Some(via) = via {
        headers.push((loop_guard::EW_VIA.into(), via.to_string()));
    }
    headers.push(("cf-connecting-ip".into(), ip.to_string()));
    headers.push(("cf-ipcountry".into(), shared.country.clone()));
    headers.push(("cf-ray".into(), ray.clone()));
    headers.push(("cf-visitor".into(), r#"{"scheme":"http"}"#.into()));
    headers.push(("x-forwarded-proto".into(), "http".into()));
    headers.push(("x-real-ip".into(), ip.to_string()));
    headers.push((
        "x-forwarded-for".into(),
        match forwarded_for {
            Some(f) => format!("{f}, {ip}"),
            None => ip.to_string(),
        },
    ));
    let mut cf_json = shared.cf_prefix.clone();
    if cf_json.len() > 1 {
        cf_json.push(',');
    }
    cf_json.push_str("\"httpProtocol\":\"");
    cf_json.push_str(protocol); // a constant without characters to escape
    cf_json.push('"');
    if let Some(ae) = accept_encoding {
        cf_json.push_str(",\"clientAcceptEncoding\":");
        cf_json.push_str(&serde_json::to_string(&ae).unwrap_or_else(|_| "\"\"".into()));
    }
    cf_json.push('}');

    let incoming = IncomingRequest {
        id: ray.clone(),
        method: parts.method.as_str().to_string(),
        url,
        headers,
        body: request_body(body),
        cf_json: Some(cf_json),
    };
    let spec = shared.router.current();
    let started = std::time::Instant::now();
    let result = match verge_js::registry::isolate_for(&spec).await {
        Ok(iso) => {
            let iso2 = iso.clone();
            match AssertUnwindSafe(invoke_fetch(iso, incoming))
                .catch_unwind()
                .await
            {
                Ok(r) => r,
                Err(_) => {
                    iso2.poison();
                    tracing::error!(request = %ray, "verge bug: a panic while serving the request; the isolate was replaced");
                    return with_ray(
                        full(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "Internal error in verge (the panic is in the log).\n".into(),
                        ),
                        &ray,
                    );
                }
            }
        }
        Err(e) => Err(InvokeError::Load(e)),
    };
    let mut response = match result {
        Ok(out) => {
            let status =
                StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body: EdgeBody = match out.body {
                OutgoingBody::Empty => http_body_util::Empty::new()
                    .map_err(|e: Infallible| match e {})
                    .boxed_unsync(),
                OutgoingBody::Full(b) => Full::new(b)
                    .map_err(|e: Infallible| match e {})
                    .boxed_unsync(),
                OutgoingBody::WebSocket(ep) => {
                    return with_ray(
                        websocket_response(out.headers, ws_key, on_upgrade, ep, &ray),
                        &ray,
                    );
                }
                OutgoingBody::Stream(rx) => {
                    let s = futures::stream::unfold(rx, |mut rx| async move {
                        rx.recv()
                            .await
                            .map(|item| (item.map(Frame::data).map_err(std::io::Error::other), rx))
                    });
                    StreamBody::new(s).boxed_unsync()
                }
            };
            let mut r = Response::new(body);
            *r.status_mut() = status;
            let map: &mut HeaderMap = r.headers_mut();
            for (name, value) in out.headers {
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    map.append(n, v);
                }
            }
            r
        }
        Err(e) => error_response(&e, &ray, shared.config.expose_errors),
    };
    tracing::debug!(request = %ray, method = %parts.method, path, status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
    response.headers_mut().insert(
        "cf-ray",
        HeaderValue::from_str(&ray).unwrap_or(HeaderValue::from_static("invalid")),
    );
    response
}

fn with_ray(mut r: Response<EdgeBody>, ray: &str) -> Response<EdgeBody> {
    if let Ok(v) = HeaderValue::from_str(ray) {
        r.headers_mut().insert("cf-ray", v);
    }
    r
}

fn error_response(e: &InvokeError, ray: &str, expose: bool) -> Response<EdgeBody> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = match e.code() {
        1102 => "Worker exceeded resource limits",
        _ => "Worker threw exception",
    };
    match e {
        InvokeError::Exception(_)
        | InvokeError::Load(_)
        | InvokeError::NoFetchHandler
        | InvokeError::Hung(_) => {
            tracing::error!(request = %ray, "{title}: {e}")
        }
        InvokeError::CpuExceeded | InvokeError::MemoryExceeded => {
            tracing::warn!(request = %ray, "{title}: {e}")
        }
    }
    let mut text = format!("error code: {}\n{title}\nRay ID: {ray}\n", e.code());
    if expose {
        text.push('\n');
        text.push_str(&e.to_string());
        text.push('\n');
    }
    full(status, text)
}

/// Error 1019: the request arrived with no Worker invocations left (see [`loop_guard`]).
fn loop_limit_response(ray: &str) -> Response<EdgeBody> {
    tracing::warn!(request = %ray, "Worker loop limit: the request arrived with no invocations left");
    let status =
        StatusCode::from_u16(loop_guard::LOOP_LIMIT_STATUS).unwrap_or(StatusCode::LOOP_DETECTED);
    let text = format!(
        "error code: {}\nWorker hit loop limit\nRay ID: {ray}\n",
        loop_guard::LOOP_LIMIT_CODE
    );
    full(status, text)
}

/// Answers a worker's `101` response: completes the WebSocket handshake with the client and
/// pumps frames between the connection and the worker's endpoint.
fn websocket_response(
    headers: Vec<(String, String)>,
    key: Option<HeaderValue>,
    on_upgrade: Option<hyper::upgrade::OnUpgrade>,
    ep: verge_web::websocket::WsEndpoint,
    ray: &str,
) -> Response<EdgeBody> {
    let (Some(key), Some(on_upgrade)) = (key, on_upgrade) else {
        tracing::warn!(request = %ray, "the worker answered 101 with a WebSocket to a request that is not a WebSocket upgrade");
        return full(
            StatusCode::UPGRADE_REQUIRED,
            "The worker returned a WebSocket, but the request was not a WebSocket upgrade (missing Upgrade: websocket / Sec-WebSocket-Key).\n".into(),
        );
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut r = Response::new(
        http_body_util::Empty::new()
            .map_err(|e: Infallible| match e {})
            .boxed_unsync(),
    );
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            r.headers_mut().append(n, v);
        }
    }
    let h = r.headers_mut();
    h.insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(
        http::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert("sec-websocket-accept", v);
    }
    let ray = ray.to_string();
    tokio::task::spawn_local(async move {
        match on_upgrade.await {
            Ok(upgraded) => pump_websocket(TokioIo::new(upgraded), ep).await,
            Err(e) => tracing::warn!(request = %ray, "WebSocket upgrade failed: {e}"),
        }
    });
    r
}

async fn pump_websocket<S>(io: S, ep: verge_web::websocket::WsEndpoint)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio_tungstenite::tungstenite::protocol::Role;
    let config = verge_web::websocket::config();
    let socket =
        tokio_tungstenite::WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
    verge_web::websocket::pump(socket, ep).await;
}
