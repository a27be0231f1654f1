//! Delivering an HTTP request to a worker's `fetch` handler and reading back its `Response`.

use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use rquickjs::{CatchResultExt, Class, Function, Object, Persistent, Promise, Value};
use tokio::sync::mpsc;
use verge_js::meter::RequestMeter;
use verge_js::{Isolate, JsException};

use crate::body::{BodyReader, ByteStream};
use crate::headers::{Guard, Headers};

/// A request as the edge hands it to a worker.
pub struct IncomingRequest {
    /// Request id (`cf-ray`), used in logs.
    pub id: String,
    /// Method, upper-case.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Header pairs; names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body, when the request has one.
    pub body: Option<ByteStream>,
    /// `request.cf` as JSON text.
    pub cf_json: Option<String>,
}

/// A worker's response.
pub struct OutgoingResponse {
    /// Status code.
    pub status: u16,
    /// Header pairs; names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: OutgoingBody,
}

/// A response body.
pub enum OutgoingBody {
    /// No body.
    Empty,
    /// A complete body.
    Full(Bytes),
    /// Chunks streamed from JS; an `Err` aborts the response.
    Stream(mpsc::Receiver<Result<Bytes, String>>),
    /// A `101` response: the client connection becomes this WebSocket endpoint.
    WebSocket(crate::websocket::WsEndpoint),
}

/// Why a worker produced no response. [`InvokeError::status`] gives the HTTP status and
/// [`InvokeError::code`] Cloudflare's error code.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The handler threw or returned something that is not a `Response` (worker's fault).
    #[error("{0}")]
    Exception(JsException),
    /// The module does not export `fetch`.
    #[error("Handler does not export a fetch() function.")]
    NoFetchHandler,
    /// The request exceeded its CPU time.
    #[error("Worker exceeded CPU time limit.")]
    CpuExceeded,
    /// The isolate ran out of memory.
    #[error("Worker exceeded memory limit.")]
    MemoryExceeded,
    /// No response within the wall-clock limit.
    #[error("The script will never generate a response (no response within {0:?}).")]
    Hung(Duration),
    /// The worker could not be loaded.
    #[error("{0}")]
    Load(std::sync::Arc<verge_js::LoadError>),
}

impl InvokeError {
    /// HTTP status for the client.
    pub fn status(&self) -> u16 {
        match self {
            InvokeError::CpuExceeded | InvokeError::MemoryExceeded => 503,
            InvokeError::Exception(_)
            | InvokeError::NoFetchHandler
            | InvokeError::Hung(_)
            | InvokeError::Load(_) => 500,
        }
    }

    /// Cloudflare error code (1101 exception, 1102 resource limits).
    pub fn code(&self) -> u16 {
        match self {
            InvokeError::CpuExceeded | InvokeError::MemoryExceeded => 1102,
            InvokeError::Exception(_)
            | InvokeError::NoFetchHandler
            | InvokeError::Hung(_)
            | InvokeError::Load(_) => 1101,
        }
    }
}

enum Parts {
    Done(u16, Vec<(String, String)>, OutgoingBodyJs),
}

enum OutgoingBodyJs {
    Empty,
    Full(Vec<u8>),
    Stream(Persistent<Object<'static>>),
    WebSocket(u64),
}

/// Runs the worker's `fetch` handler for `req` on `iso` (which must live on this thread).
pub async fn invoke_fetch(
    iso: Rc<Isolate>,
    req: IncomingRequest,
) -> Result<OutgoingResponse, InvokeError> {
    let limits = iso.spec().limits();
    let meter = RequestMeter::new(req.id.clone(), limits.cpu);
    meter.set_subrequest_limit(limits.subrequests);
    // A request from a Worker carries how many invocations its chain may still make (the edge
    // checked and normalized it; in-process callers pass what the caller sent).
    let via = req
        .headers
        .iter()
        .filter(|(n, _)| n == crate::fetch::EW_VIA)
        .map(|(_, v)| v.as_bytes());
    meter.set_invocations_left(
        crate::fetch::invocations_left(via).unwrap_or(verge_js::meter::MAX_WORKER_INVOCATIONS),
    );
    // The request's ExecutionContext.
    let exec_ctx: Rc<std::cell::RefCell<Option<Persistent<Object<'static>>>>> = Rc::default();
    let exec_ctx2 = exec_ctx.clone();
    let iso2 = iso.clone();
    let run = iso.run(
        meter.clone(),
        iso.context()
            .async_with(async move |ctx| -> Result<Parts, InvokeError> {
                let r: rquickjs::Result<Option<Parts>> = async {
                    let exports = iso2.exports(&ctx)?;
                    if !exports.get::<_, Value>("fetch")?.is_function() {
                        return Ok(None);
                    }
                    let internal = iso2.internal(&ctx)?;
                    let env = iso2.env(&ctx)?;
                    let headers = Class::instance(
                        ctx.clone(),
                        Headers::from_list(req.headers, Guard::Immutable),
                    )?;
                    let reader = match req.body {
                        Some(b) => Some(Class::instance(ctx.clone(), BodyReader::new(b))?),
                        None => None,
                    };
                    let serve: Function = internal.get("serve")?;
                    let served: rquickjs::Array = serve.call((
                        exports,
                        env,
                        req.method,
                        req.url,
                        headers,
                        reader,
                        req.cf_json,
                    ))?;
                    let exec: Object = served.get(1)?;
                    *exec_ctx2.borrow_mut() = Some(Persistent::save(&ctx, exec));
                    let result: Value = served.get(0)?;
                    let parts: rquickjs::Array = if result.is_promise() {
                        let then = verge_js::promise::captured_then(&internal)?;
                        verge_js::promise::settled(result.get::<Promise>()?, then).await?
                    } else {
                        result.get()?
                    };
                    let status: i32 = parts.get(0)?;
                    if status < 0 {
                        return Err(ctx.throw(parts.get(1)?));
                    }
                    let status = status as u16;
                    let headers: Class<Headers> = parts.get(1)?;
                    let headers = headers.borrow().sorted();
                    let kind: i32 = parts.get(2)?;
                    let body = match kind {
                        1 => OutgoingBodyJs::Full(parts.get::<String>(3)?.into_bytes()),
                        2 => OutgoingBodyJs::Full(
                            verge_js::bytes::copy_bytes(&parts.get(3)?).unwrap_or_default(),
                        ),
                        3 => {
                            OutgoingBodyJs::Stream(Persistent::save(&ctx, parts.get::<Object>(3)?))
                        }
                        4 => OutgoingBodyJs::WebSocket(parts.get::<f64>(3)? as u64),
                        _ => OutgoingBodyJs::Empty,
                    };
                    Ok(Some(Parts::Done(status, headers, body)))
                }
                .await;
                match r.catch(&ctx) {
                    Ok(Some(p)) => Ok(p),
                    Ok(None) => Err(InvokeError::NoFetchHandler),
                    Err(e) => Err(InvokeError::Exception(
                        verge_js::isolate::caught_to_exception(&ctx, e),
                    )),
                }
            }),
    );
    let result = match tokio::time::timeout(limits.wall, run).await {
        Ok(r) => r,
        Err(_) => Err(InvokeError::Hung(limits.wall)),
    };
    let result = result.map_err(|e| classify(&iso, &meter, e));
    // Whatever the outcome (even a throw, a hang or a CPU overrun), waitUntil work registered
    // so far runs on; most requests register none, so the task is skipped.
    let exec = exec_ctx.borrow_mut().take();
    if let Some(exec) = exec {
        let iso2 = iso.clone();
        let pending = iso
            .context()
            .with(|ctx| -> rquickjs::Result<usize> {
                let count: Function = iso2.internal(&ctx)?.get("waitUntilCount")?;
                count.call((exec.clone().restore(&ctx)?,))
            })
            .await
            .unwrap_or(1);
        if pending > 0 {
            spawn_wait_until(iso.clone(), exec, req.id.clone(), &meter);
        }
    }
    iso.after_request(result.is_err()).await;
    let Parts::Done(status, headers, body) = result?;
    let body = match body {
        OutgoingBodyJs::Empty => OutgoingBody::Empty,
        OutgoingBodyJs::Full(b) => OutgoingBody::Full(Bytes::from(b)),
        OutgoingBodyJs::Stream(reader) => {
            OutgoingBody::Stream(spawn_pump(iso.clone(), reader, meter))
        }
        OutgoingBodyJs::WebSocket(ticket) => match crate::websocket::take_ticket(ticket) {
            Some(ep) => OutgoingBody::WebSocket(ep),
            None => OutgoingBody::Empty,
        },
    };
    Ok(OutgoingResponse {
        status,
        headers,
        body,
    })
}

fn classify(iso: &Isolate, meter: &RequestMeter, e: InvokeError) -> InvokeError {
    if meter.exceeded() {
        iso.poison();
        return InvokeError::CpuExceeded;
    }
    match e {
        InvokeError::Exception(ex) if ex.is_out_of_memory() => {
            iso.poison();
            InvokeError::MemoryExceeded
        }
        InvokeError::Exception(ex) if ex.is_interrupt() => {
            iso.poison();
            InvokeError::CpuExceeded
        }
        other => other,
    }
}

/// Pumps a JS `ReadableStreamDefaultReader` into a channel, one chunk per turn, under the
/// request's CPU meter. Backpressure: the channel holds a few chunks.
fn spawn_pump(
    iso: Rc<Isolate>,
    reader: Persistent<Object<'static>>,
    meter: Rc<RequestMeter>,
) -> mpsc::Receiver<Result<Bytes, String>> {
    let (tx, rx) = mpsc::channel(4);
    let held = Held { js: reader, iso };
    tokio::task::spawn_local(async move {
        let held = held;
        let iso = held.iso.clone();
        let reader = held.js.clone();
        loop {
            let reader_js = reader.clone();
            let iso2 = iso.clone();
            let chunk = iso
                .run(
                    meter.clone(),
                    iso.context()
                        .async_with(async move |ctx| -> Result<Option<Vec<u8>>, String> {
                            let r: rquickjs::Result<Option<Vec<u8>>> = async {
                                let internal = iso2.internal(&ctx)?;
                                let read: Function = internal.get("readChunk")?;
                                let p: Promise = read.call((reader_js.restore(&ctx)?,))?;
                                let then = verge_js::promise::captured_then(&internal)?;
                                let v: Value = verge_js::promise::settled(p, then).await?;
                                if v.is_undefined() {
                                    return Ok(None);
                                }
                                if let Some(arr) = v.as_array() {
                                    return Err(ctx.throw(arr.get(0)?));
                                }
                                Ok(Some(verge_js::bytes::copy_bytes(&v).unwrap_or_default()))
                            }
                            .await;
                            r.catch(&ctx).map_err(|e| {
                                verge_js::isolate::caught_to_exception(&ctx, e).to_string()
                            })
                        }),
                )
                .await;
            match chunk {
                Ok(Some(bytes)) => {
                    if tx.send(Ok(Bytes::from(bytes))).await.is_err() {
                        cancel_reader(&iso, reader).await;
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(request = meter.id(), "response body stream failed: {e}");
                    if meter.exceeded() {
                        iso.poison();
                    }
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    });
    rx
}

async fn cancel_reader(iso: &Rc<Isolate>, reader: Persistent<Object<'static>>) {
    iso.context()
        .with(|ctx| {
            if let Ok(reader) = reader.restore(&ctx)
                && let Ok(internal) = iso.internal(&ctx)
                && let Ok(cancel) = internal.get::<_, Function>("cancelChunks")
            {
                let _: rquickjs::Result<Value> = cancel.call((reader,));
            }
        })
        .await;
}

/// Runs the request's `waitUntil` promises to completion (capped), logging rejections.
/// A JS handle with the isolate that owns it. Field order matters: when a task holding this
/// is dropped before it ran (e.g. at thread shutdown), the handle must go before the isolate.
struct Held<T> {
    js: T,
    iso: Rc<Isolate>,
}

fn spawn_wait_until(
    iso: Rc<Isolate>,
    exec: Persistent<Object<'static>>,
    id: String,
    request: &RequestMeter,
) {
    let wait_meter = RequestMeter::new(format!("{id}:waitUntil"), iso.spec().limits().cpu);
    // waitUntil work belongs to the request's invocation: same subrequest count and hops.
    wait_meter.share_invocation(request);
    let held = Held { js: exec, iso };
    tokio::task::spawn_local(async move {
        let held = held;
        let iso = held.iso.clone();
        let exec = held.js.clone();
        let meter = wait_meter;
        let iso2 = iso.clone();
        let fut = iso.run(
            meter,
            iso.context().async_with(async move |ctx| {
                let r: rquickjs::Result<Vec<String>> = async {
                    let internal = iso2.internal(&ctx)?;
                    let settle: Function = internal.get("settleWaitUntil")?;
                    let p: Value = settle.call((exec.restore(&ctx)?,))?;
                    match p.into_promise() {
                        Some(p) => {
                            let then = verge_js::promise::captured_then(&internal)?;
                            verge_js::promise::settled::<Vec<String>>(p, then).await
                        }
                        None => Ok(Vec::new()),
                    }
                }
                .await;
                match r.catch(&ctx) {
                    Ok(errors) => errors,
                    Err(e) => vec![verge_js::isolate::caught_to_exception(&ctx, e).to_string()],
                }
            }),
        );
        match tokio::time::timeout(verge_js::limits::WAIT_UNTIL_LIMIT, fut).await {
            Ok(errors) => {
                for e in errors {
                    tracing::error!(request = %id, "waitUntil() promise rejected: {e}");
                }
            }
            Err(_) => {
                tracing::warn!(request = %id, "waitUntil() work cancelled after {:?}", verge_js::limits::WAIT_UNTIL_LIMIT)
            }
        }
    });
}
