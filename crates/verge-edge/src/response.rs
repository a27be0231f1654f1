//! Response framing: a worker's response (or an edge error) as an HTTP response, and the
//! WebSocket handshake when the worker answers `101`.

use std::convert::Infallible;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use verge_web::content_coding::{self, Coding};
use verge_web::invoke::{InvokeError, OutgoingBody, OutgoingResponse};

/// Response body type of the edge.
pub type EdgeBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// A plain-text response.
pub fn full(status: StatusCode, text: String) -> Response<EdgeBody> {
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

fn empty() -> EdgeBody {
    http_body_util::Empty::new()
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

/// Headers the HTTP layer owns: a worker's values for them are dropped (RFC 9110 §7.6.1's
/// hop-by-hop headers, and the framing ones, which must describe the body verge sends).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
];

/// The framing a response is sent with: the worker's `content-length` only where the body
/// is held to it.
fn take_framing(headers: &mut Vec<(String, String)>) -> Option<u64> {
    let mut declared = None;
    let mut conflicting = false;
    headers.retain(|(name, value)| {
        if name == "content-length" {
            match value.trim().parse::<u64>() {
                Ok(n) if declared.is_none_or(|d| d == n) => declared = Some(n),
                _ => conflicting = true,
            }
            return false;
        }
        !HOP_BY_HOP.contains(&name.as_str())
    });
    if conflicting { None } else { declared }
}

/// A streamed body held to `declared` bytes: a stream that would send more, or ends with
/// fewer, fails instead (the connection is closed), so no byte beyond the declared length
/// ever reaches the client.
fn exact_length(
    body: verge_web::body::ByteStream,
    declared: u64,
) -> impl futures::Stream<Item = Result<Frame<Bytes>, std::io::Error>> {
    use futures::StreamExt;
    futures::stream::unfold(
        (body, 0u64, false),
        move |(mut rx, sent, done)| async move {
            if done {
                return None;
            }
            let e = match rx.next().await {
                Some(Ok(chunk)) => {
                    let total = sent + chunk.len() as u64;
                    if total <= declared {
                        return Some((Ok(Frame::data(chunk)), (rx, total, false)));
                    }
                    format!("the worker's body is longer than its Content-Length ({declared})")
                }
                Some(Err(e)) => e,
                None if sent == declared => return None,
                None => format!(
                    "the worker's body ended after {sent} of its Content-Length {declared} bytes"
                ),
            };
            tracing::warn!("response aborted: {e}");
            Some((Err(std::io::Error::other(e)), (rx, sent, true)))
        },
    )
}

/// The worker's response as an HTTP response (a `101` completes the WebSocket handshake).
/// The framing comes from the body verge sends: a worker's `Content-Length` that a complete
/// body contradicts is replaced, and a streamed body is held to it.
pub(crate) fn from_worker(
    mut out: OutgoingResponse,
    parts: &mut Parts,
    ray: &str,
    compress: bool,
) -> Response<EdgeBody> {
    let status = StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let is_ws = matches!(out.body, OutgoingBody::WebSocket(_));
    let declared = if is_ws {
        None
    } else {
        take_framing(&mut out.headers)
    };
    let head = parts.method == http::Method::HEAD;
    let mut length = None;
    let (decode, mut encode) = if head || out.encode_manually {
        (None, None)
    } else {
        recoding(out.body_coding, Coding::of_headers(&out.headers))
    };
    if compress && !head && !out.encode_manually {
        let accept = parts
            .headers
            .get(http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok());
        if let Some(c) = accept
            .and_then(Coding::negotiate)
            .filter(|_| negotiable(&out))
        {
            encode = Some(c);
            out.headers
                .push(("content-encoding".into(), c.name().into()));
            if !out.headers.iter().any(|(n, v)| {
                n == "vary"
                    && v.split(',').any(|t| {
                        let t = t.trim();
                        t == "*" || t.eq_ignore_ascii_case("accept-encoding")
                    })
            }) {
                out.headers.push(("vary".into(), "Accept-Encoding".into()));
            }
        }
    }
    let declared = if decode.is_some() || encode.is_some() {
        // The bytes sent are not the ones the worker's Content-Length counted.
        out.body = match out.body {
            OutgoingBody::Full(b) => {
                OutgoingBody::Stream(recode(verge_web::fetch::once(b), decode, encode))
            }
            OutgoingBody::Stream(s) => OutgoingBody::Stream(recode(s, decode, encode)),
            other => other,
        };
        None
    } else {
        declared
    };
    let body: EdgeBody = match out.body {
        OutgoingBody::Empty => empty(),
        OutgoingBody::Full(b) => Full::new(b)
            .map_err(|e: Infallible| match e {})
            .boxed_unsync(),
        OutgoingBody::WebSocket(ep) => {
            let key = parts.headers.get("sec-websocket-key").cloned();
            let on_upgrade = parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
            return websocket_response(out.headers, key, on_upgrade, ep, ray);
        }
        OutgoingBody::Stream(stream) => match declared {
            Some(n) if !head => {
                length = Some(n);
                StreamBody::new(exact_length(stream, n)).boxed_unsync()
            }
            _ => {
                use futures::StreamExt;
                let s = stream.map(|item| item.map(Frame::data).map_err(std::io::Error::other));
                StreamBody::new(s).boxed_unsync()
            }
        },
    };
    // A HEAD response says how long the body would be; the worker's value stands.
    if head {
        length = declared;
    }
    let mut r = Response::new(body);
    *r.status_mut() = status;
    if let Some(n) = length {
        r.headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    if append_headers(r.headers_mut(), out.headers).is_err() {
        // verge-web's limits keep a response far below the map's capacity, so this only
        // guards against a bug there.
        tracing::error!(request = %ray, "verge bug: the worker's response has more headers than the HTTP layer holds");
        return full(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The worker's response has too many headers.\n".into(),
        );
    }
    r
}

/// Bodies shorter than this are not worth compressing (when their length is known).
const MIN_COMPRESS: usize = 1024;

/// Whether the edge may compress `out` for a client that accepts it: a body with no
/// `Content-Encoding`, of a type Cloudflare compresses, not `no-transform`, not a partial
/// or bodiless status, and not a short complete body.
fn negotiable(out: &OutgoingResponse) -> bool {
    let body_ok = match &out.body {
        OutgoingBody::Full(b) => b.len() >= MIN_COMPRESS,
        OutgoingBody::Stream(_) => true,
        OutgoingBody::Empty | OutgoingBody::WebSocket(_) => false,
    };
    fn header<'a>(out: &'a OutgoingResponse, name: &'static str) -> impl Iterator<Item = &'a str> {
        out.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    body_ok
        && (200..300).contains(&out.status)
        && out.status != 204
        && out.status != 206
        && header(out, "content-encoding").next().is_none()
        && content_coding::compressible(header(out, "content-type").next())
        && !header(out, "cache-control").any(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
        })
}

/// What to do to a body whose bytes are in `body` (a coding, or plain) for a response whose
/// `Content-Encoding` names `header`: `(decode, encode)`. A `fetch()` body passed on with
/// its coding unchanged is sent as the origin encoded it.
fn recoding(body: Option<Coding>, header: Option<Coding>) -> (Option<Coding>, Option<Coding>) {
    if body == header {
        (None, None)
    } else {
        (body, header)
    }
}

fn recode(
    stream: verge_web::body::ByteStream,
    decode: Option<Coding>,
    encode: Option<Coding>,
) -> verge_web::body::ByteStream {
    let stream = match decode {
        Some(c) => content_coding::decode(stream, c),
        None => stream,
    };
    match encode {
        Some(c) => content_coding::encode(stream, c),
        None => stream,
    }
}

/// Appends the worker's headers; an `Err` when the map is full (`append` would panic).
fn append_headers(
    map: &mut HeaderMap,
    headers: Vec<(String, String)>,
) -> Result<(), http::header::MaxSizeReached> {
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.try_append(n, v)?;
        }
    }
    Ok(())
}

/// The error page for an event that produced no response (Cloudflare's error codes).
pub(crate) fn error_response(e: &InvokeError, ray: &str, expose: bool) -> Response<EdgeBody> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = match e.code() {
        1102 => "Worker exceeded resource limits",
        _ => "Worker threw exception",
    };
    match e {
        InvokeError::Exception { .. }
        | InvokeError::Load(_)
        | InvokeError::NoHandler(_)
        | InvokeError::Hung(_)
        | InvokeError::Internal(_) => {
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

/// Error 1019: the request arrived with no Worker invocations left (see [`crate::loop_guard`]).
pub(crate) fn loop_limit_response(ray: &str) -> Response<EdgeBody> {
    tracing::warn!(request = %ray, "Worker loop limit: the request arrived with no invocations left");
    let status = StatusCode::from_u16(crate::loop_guard::LOOP_LIMIT_STATUS)
        .unwrap_or(StatusCode::LOOP_DETECTED);
    let text = format!(
        "error code: {}\nWorker hit loop limit\nRay ID: {ray}\n",
        crate::loop_guard::LOOP_LIMIT_CODE
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
    let mut r = Response::new(empty());
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    // Never past capacity (verge-web's limits), and never a panic if it were.
    let _ = append_headers(r.headers_mut(), headers);
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
