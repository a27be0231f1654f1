//! The one way into a worker's JavaScript: every event — an HTTP request at the edge, a cron
//! trigger, a Durable Object's fetch, RPC call, alarm or WebSocket message or close — is an [`Event`]
//! delivered to a [`Target`] by [`invoke`] (a queue consumer's batch too, [`Event::Queue`]).
//!
//! `invoke` owns what every event needs, so no event kind can miss it:
//! - **metering**: the event's JS runs under a [`RequestMeter`] with the worker's CPU budget;
//! - **limits**: a wall-clock limit per kind ([`Event::wall_limit`]), the isolate's memory cap;
//! - **failure classification**: CPU and memory overruns become [`InvokeError::CpuExceeded`] /
//!   [`InvokeError::MemoryExceeded`] (HTTP 503, error 1102) and poison the isolate, an exception
//!   becomes [`InvokeError::Exception`] (500, error 1101) and says whether a Durable Object must
//!   be reset;
//! - **`waitUntil`**: work registered on the event's `ExecutionContext` runs on after the event
//!   (even after a throw, a hang or a CPU overrun), charged to the same meter, and is cut off
//!   [`verge_js::limits::WAIT_UNTIL_LIMIT`] after the event;
//! - **after-request work**: the isolate's memory check ([`Isolate::after_request`]);
//! - **streaming**: request bodies reach JS as a [`BodyReader`] pulled on demand, response bodies
//!   leave as a channel pumped chunk by chunk ([`OutgoingBody::Stream`]), for every kind —
//!   Durable Object fetch included — so no body is ever buffered whole.
//!
//! The JS side is one entry function per target (see `internal.d.ts`): `internal.serve`,
//! `internal.runScheduled` and `internal.runQueue` for the worker's exports, `internal.objectEvent` (defined by the
//! Durable Objects glue) for a live object. Each returns `[result, ctx]`; `result` is
//! `[status, headers, bodyKind, body]` for a response (body kinds: 0 none, 1 string, 2 bytes,
//! 3 a JS stream's reader, 4 a WebSocket ticket, 5 a host stream handed back as it is), `[0, value]` for other events, or
//! `[-1, error, reset, serialized]` for a failure — or a promise of one of these, which never
//! rejects (a rejection read later would be reported as unhandled first).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rquickjs::{Array, CatchResultExt, Class, Ctx, Function, Object, Persistent, Promise, Value};
use tokio::sync::mpsc;
use verge_js::meter::{RequestMeter, WorkGuard};
use verge_js::{Isolate, JsException};

use crate::body::{BodyReader, ByteStream};
use crate::headers::{Guard, Headers};

/// Wall-clock limit of an alarm or a scheduled event (Workers: 15 minutes).
pub const BACKGROUND_WALL_LIMIT: Duration = Duration::from_secs(15 * 60);

/// A request as the edge (or a Durable Object stub) hands it to a worker.
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
    /// The content coding a [`OutgoingBody::Stream`]'s bytes are already in (a `fetch()`
    /// body passed on untouched); `None` when they are not encoded.
    pub body_coding: Option<crate::content_coding::Coding>,
    /// `encodeBody: "manual"`: the body is already in the coding its `Content-Encoding`
    /// names, so the edge sends it as it is.
    pub encode_manually: bool,
}

/// A response body.
pub enum OutgoingBody {
    /// No body.
    Empty,
    /// A complete body.
    Full(Bytes),
    /// Chunks streamed from JS (pumped into a channel), or a host stream handed back as it
    /// is (a `fetch()` or Durable Object response body the worker returned untouched); an
    /// `Err` aborts the response.
    Stream(ByteStream),
    /// A `101` response: the client connection becomes this WebSocket endpoint.
    WebSocket(crate::websocket::WsEndpoint),
}

/// A WebSocket message's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsData {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// Something that happens to a worker.
pub enum Event {
    /// An HTTP request (`fetch(request, env, ctx)`, or a Durable Object's `fetch(request)`).
    Fetch(IncomingRequest),
    /// A batch for a queue consumer (`queue(batch, env, ctx)`).
    Queue(crate::queue::QueueDelivery),
    /// A cron trigger (`scheduled(controller, env, ctx)`).
    Scheduled {
        /// The cron expression that fired.
        cron: String,
        /// When it was due (ms since the epoch).
        scheduled_time: f64,
    },
    /// A Durable Object's alarm fired (`alarm(info)`).
    Alarm {
        /// Retries so far.
        retry_count: u32,
    },
    /// An RPC call on a Durable Object stub or a service binding (`stub.method(...args)`), or
    /// a property read (`await stub.name`).
    Rpc {
        /// Method or property name.
        method: String,
        /// The serialized argument array; `None` reads the property.
        args: Option<String>,
    },
    /// A message on a hibernatable WebSocket (`webSocketMessage(ws, message)`).
    WebSocketMessage {
        /// Socket id within the object.
        socket: u64,
        /// The message.
        data: WsData,
    },
    /// A hibernatable WebSocket closed (`webSocketClose(ws, code, reason, wasClean)`).
    WebSocketClose {
        /// Socket id within the object.
        socket: u64,
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
        /// False when the connection dropped without a close frame.
        clean: bool,
    },
}

impl Event {
    /// The event's kind as the JS entry functions name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Fetch(_) => "fetch",
            Event::Scheduled { .. } => "scheduled",
            Event::Queue(_) => "queue",
            Event::Alarm { .. } => "alarm",
            Event::Rpc { .. } => "rpc",
            Event::WebSocketMessage { .. } => "ws-message",
            Event::WebSocketClose { .. } => "ws-close",
        }
    }

    /// How long the event may take to produce its result: the worker's wall-clock limit, or
    /// [`BACKGROUND_WALL_LIMIT`] for alarms, cron triggers and queue consumers.
    pub fn wall_limit(&self, limits: &verge_js::WorkerLimits) -> Duration {
        match self {
            Event::Alarm { .. } | Event::Scheduled { .. } | Event::Queue(_) => {
                BACKGROUND_WALL_LIMIT
            }
            _ => limits.wall,
        }
    }
}

/// What an event is delivered to.
pub enum Target {
    /// The worker's default export.
    Worker,
    /// A worker's entrypoint called through a service binding.
    Entrypoint(Entrypoint),
    /// A function or `RpcTarget` the worker handed out by reference ([`crate::stubs`]).
    Stub(StubTarget),
    /// A live object: the host record the Durable Objects glue made for it.
    Object(Persistent<Object<'static>>),
}

/// A worker's entrypoint as a service binding names it.
#[derive(Debug, Clone)]
pub struct Entrypoint {
    /// A named export (a `WorkerEntrypoint` class), or the default export.
    pub name: Option<String>,
    /// The binding's `props` as JSON text (`ctx.props`).
    pub props: Option<String>,
    /// Worker invocations the calling chain may still make (see [`crate::fetch::EW_VIA`];
    /// a fetch carries it in that header instead).
    pub invocations_left: u32,
    /// The caller's owner, lent for the call ([`crate::stubs::lend_owner`]).
    pub owner: Option<u64>,
}

/// A value a worker handed out by reference, as its stub names it.
#[derive(Debug, Clone)]
pub struct StubTarget {
    /// The export's id in the isolate (`js/rpc.js`).
    pub id: f64,
    /// The caller's owner, lent for the call ([`crate::stubs::lend_owner`]).
    pub owner: Option<u64>,
    /// Worker invocations the calling chain may still make.
    pub invocations_left: u32,
}

/// What an event produced.
pub enum Outcome {
    /// A response (fetch events).
    Response(OutgoingResponse),
    /// A serialized value (RPC).
    Value(String),
    /// The handler finished (alarms, scheduled and WebSocket events).
    Done,
}

/// Why an event produced no result. [`InvokeError::status`] gives the HTTP status and
/// [`InvokeError::code`] Cloudflare's error code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InvokeError {
    /// The handler threw, or returned something it may not (the worker's fault).
    #[error("{exception}")]
    Exception {
        /// What was thrown.
        exception: JsException,
        /// The thrown value serialized for another isolate (Durable Object calls).
        serialized: Option<String>,
        /// The live object that threw must be replaced (Durable Objects).
        reset: bool,
    },
    /// The target does not handle this kind of event (`fetch`, `scheduled`, …).
    #[error("Handler does not export a {0}() function.")]
    NoHandler(&'static str),
    /// The event exceeded its CPU time.
    #[error("Worker exceeded CPU time limit.")]
    CpuExceeded,
    /// The isolate ran out of memory.
    #[error("Worker exceeded memory limit.")]
    MemoryExceeded,
    /// No result within the wall-clock limit.
    #[error("The script will never generate a response (no response within {0:?}).")]
    Hung(Duration),
    /// The worker could not be loaded.
    #[error("{0}")]
    Load(Arc<verge_js::LoadError>),
    /// verge could not deliver the event (the target is gone, a thread stopped).
    #[error("{0}")]
    Internal(String),
}

impl InvokeError {
    /// HTTP status for the client.
    pub fn status(&self) -> u16 {
        match self {
            InvokeError::CpuExceeded | InvokeError::MemoryExceeded => 503,
            InvokeError::Exception { .. }
            | InvokeError::NoHandler(_)
            | InvokeError::Hung(_)
            | InvokeError::Load(_)
            | InvokeError::Internal(_) => 500,
        }
    }

    /// Cloudflare error code (1101 exception, 1102 resource limits).
    pub fn code(&self) -> u16 {
        match self {
            InvokeError::CpuExceeded | InvokeError::MemoryExceeded => 1102,
            InvokeError::Exception { .. }
            | InvokeError::NoHandler(_)
            | InvokeError::Hung(_)
            | InvokeError::Load(_)
            | InvokeError::Internal(_) => 1101,
        }
    }

    /// True when the live object the event went to must be replaced: it threw where Workers
    /// reset it, broke itself, or ran past a limit.
    pub fn resets_object(&self) -> bool {
        match self {
            InvokeError::Exception { reset, .. } => *reset,
            InvokeError::CpuExceeded | InvokeError::MemoryExceeded | InvokeError::Hung(_) => true,
            InvokeError::NoHandler(_) | InvokeError::Load(_) | InvokeError::Internal(_) => false,
        }
    }

    fn exception(exception: JsException) -> Self {
        InvokeError::Exception {
            exception,
            serialized: None,
            reset: false,
        }
    }
}

/// A result as JS produced it, before the host turns bodies into channels.
enum Produced {
    /// Status, headers, body, `encodeBody: "manual"`.
    Response(u16, Vec<(String, String)>, BodyJs, bool),
    Value(String),
    Done,
}

enum BodyJs {
    Empty,
    Full(Vec<u8>),
    Stream(Persistent<Object<'static>>),
    Host(ByteStream, Option<crate::content_coding::Coding>),
    WebSocket(u64),
}

/// Delivers `event` to `target` on `iso` (which must live on this thread); `id` names the
/// invocation in logs (a request's `cf-ray`).
pub async fn invoke(
    iso: Rc<Isolate>,
    target: Target,
    event: Event,
    id: String,
) -> Result<Outcome, InvokeError> {
    let limits = iso.spec().limits();
    let wall = event.wall_limit(&limits);
    let kind = event.kind();
    let meter = RequestMeter::new(id, limits.cpu);
    meter.set_subrequest_limit(limits.subrequests);
    if let Event::Fetch(req) = &event {
        // A request from a Worker carries how many invocations its chain may still make (the
        // edge checked and normalized it; in-process callers pass what the caller sent).
        let via = req
            .headers
            .iter()
            .filter(|(n, _)| n == crate::fetch::EW_VIA)
            .map(|(_, v)| v.as_bytes());
        meter.set_invocations_left(
            crate::fetch::invocations_left(via).unwrap_or(verge_js::meter::MAX_WORKER_INVOCATIONS),
        );
    }
    let (owner, left) = match &target {
        Target::Entrypoint(e) => (
            e.owner,
            matches!(event, Event::Rpc { .. }).then_some(e.invocations_left),
        ),
        Target::Stub(s) => (s.owner, Some(s.invocations_left)),
        Target::Worker | Target::Object(_) => (None, None),
    };
    if let Some(left) = left {
        meter.set_invocations_left(left);
    }
    // What the callee hands out by reference lives as long as the caller's owner.
    if let Some(owner) = owner.and_then(crate::stubs::take_owner) {
        meter.set_owner(owner);
    }
    // A worker's event holds its work open while it runs, its body streams and its waitUntil
    // work settles; the timers it started stop when all of that is over. A live object's
    // timers live as long as the object, so its events hold nothing.
    let work = matches!(
        target,
        Target::Worker | Target::Entrypoint(_) | Target::Stub(_)
    )
    .then(|| meter.hold());
    let _active = verge_js::meter::activate(&meter);
    // The event's ExecutionContext, kept whatever happens (waitUntil work may be registered at
    // any time, even after a throw or while the handler hangs).
    let exec_ctx: Rc<RefCell<Option<Persistent<Object<'static>>>>> = Rc::default();
    let exec_ctx2 = exec_ctx.clone();
    let iso2 = iso.clone();
    let run = iso.run(
        meter.clone(),
        iso.context()
            .async_with(async move |ctx| -> Result<Produced, InvokeError> {
                let r: rquickjs::Result<Result<Produced, InvokeError>> = async {
                    let kind = event.kind();
                    let envelope = match enter(&ctx, &iso2, target, event)? {
                        Ok(envelope) => envelope,
                        Err(e) => return Ok(Err(e)),
                    };
                    let exec: Value = envelope.get(1)?;
                    if let Some(exec) = exec.into_object() {
                        *exec_ctx2.borrow_mut() = Some(Persistent::save(&ctx, exec));
                    }
                    let result: Value = envelope.get(0)?;
                    let result: Array = if result.is_promise() {
                        let then = verge_js::promise::captured_then(&iso2.internal(&ctx)?)?;
                        verge_js::promise::settled(result.get::<Promise>()?, then).await?
                    } else {
                        result.get()?
                    };
                    decode(&ctx, kind, result)
                }
                .await;
                match r.catch(&ctx) {
                    Ok(r) => r,
                    Err(e) => Err(InvokeError::exception(
                        verge_js::isolate::caught_to_exception(&ctx, e),
                    )),
                }
            }),
    );
    // JS the event's own work runs outside this future (a continuation after an awaited fetch
    // or timer, run as soon as the host work completes, see verge_js::promise::wrap_future)
    // can spend the budget: the interrupt then ends that job, and the handler's promise never
    // settles. So the event ends as soon as its budget is spent, not at the wall-clock limit.
    let result = tokio::select! {
        r = tokio::time::timeout(wall, run) => match r {
            Ok(r) => r,
            Err(_) => Err(InvokeError::Hung(wall)),
        },
        _ = meter.until_exceeded() => Err(InvokeError::CpuExceeded),
    };
    let result = match result {
        // Native work (Web Crypto) that ran out of budget ends the event even when the guest
        // got to answer before the next interrupt.
        Ok(_) if meter.exceeded() => Err(classify(&iso, &meter, InvokeError::CpuExceeded)),
        other => other.map_err(|e| classify(&iso, &meter, e)),
    };
    let exec = exec_ctx.borrow_mut().take();
    if let (Some(exec), "fetch", Err(InvokeError::Exception { .. })) = (&exec, kind, &result) {
        note_pass_through(&iso, exec, meter.id()).await;
    }
    if let Some(exec) = exec {
        let guard = work.as_ref().map(|_| meter.hold());
        spawn_wait_until(&iso, exec, meter.clone(), guard).await;
    }
    iso.after_request(result.is_err()).await;
    let outcome = match result {
        Ok(p) => p,
        Err(e) => {
            drop(work);
            return Err(e);
        }
    };
    let out = match outcome {
        Produced::Response(status, headers, body, encode_manually) => {
            let body_coding = match &body {
                BodyJs::Host(_, coding) => *coding,
                _ => None,
            };
            Outcome::Response(OutgoingResponse {
                status,
                headers,
                body_coding,
                encode_manually,
                body: match body {
                    BodyJs::Empty => OutgoingBody::Empty,
                    BodyJs::Full(b) => OutgoingBody::Full(Bytes::from(b)),
                    BodyJs::Stream(reader) => {
                        let guard = work.as_ref().map(|_| meter.hold());
                        OutgoingBody::Stream(crate::body::channel_stream(spawn_pump(
                            iso.clone(),
                            reader,
                            meter,
                            guard,
                        )))
                    }
                    BodyJs::Host(stream, _) => OutgoingBody::Stream(stream),
                    BodyJs::WebSocket(ticket) => match crate::websocket::take_ticket(ticket) {
                        Some(ep) => OutgoingBody::WebSocket(ep),
                        None => OutgoingBody::Empty,
                    },
                },
            })
        }
        Produced::Value(v) => Outcome::Value(v),
        Produced::Done => Outcome::Done,
    };
    drop(work);
    Ok(out)
}

/// `ctx.passThroughOnException()` asks Cloudflare to send the request on to the origin when
/// the handler throws. verge has no origin (`verge dev` is the whole server), so the error is
/// answered as it would be without the call; this says so in the log.
async fn note_pass_through(iso: &Rc<Isolate>, exec: &Persistent<Object<'static>>, id: &str) {
    let iso2 = iso.clone();
    let exec = exec.clone();
    let asked = iso
        .context()
        .with(|ctx| -> rquickjs::Result<bool> {
            let f: Function = iso2.internal(&ctx)?.get("passThroughRequested")?;
            f.call((exec.restore(&ctx)?,))
        })
        .await
        .unwrap_or(false);
    if asked {
        tracing::warn!(
            request = %id,
            "the worker threw after ctx.passThroughOnException(); verge has no origin to pass the request to, so the error is answered"
        );
    }
}

/// [`invoke`] of a request on the worker's default export: its response.
pub async fn invoke_fetch(
    iso: Rc<Isolate>,
    req: IncomingRequest,
) -> Result<OutgoingResponse, InvokeError> {
    let id = req.id.clone();
    match invoke(iso, Target::Worker, Event::Fetch(req), id).await? {
        Outcome::Response(r) => Ok(r),
        Outcome::Value(_) | Outcome::Done => Err(InvokeError::Internal(
            "a fetch event produced no response".into(),
        )),
    }
}

/// Calls the JS entry function for `event` on `target`; returns its `[result, ctx]`.
fn enter<'js>(
    ctx: &Ctx<'js>,
    iso: &Isolate,
    target: Target,
    event: Event,
) -> rquickjs::Result<Result<Array<'js>, InvokeError>> {
    let internal = iso.internal(ctx)?;
    match target {
        Target::Worker => {
            let exports = iso.exports(ctx)?;
            match event {
                Event::Fetch(req) => {
                    // A WorkerEntrypoint class is made for the event (js/fetch.js).
                    if !exports.as_value().is_constructor()
                        && !exports.get::<_, Value>("fetch")?.is_function()
                    {
                        return Ok(Err(InvokeError::NoHandler("fetch")));
                    }
                    serve(ctx, iso, &internal, exports.into_value(), req, None)
                }
                Event::Scheduled {
                    cron,
                    scheduled_time,
                } => {
                    if !exports.get::<_, Value>("scheduled")?.is_function() {
                        return Ok(Err(InvokeError::NoHandler("scheduled")));
                    }
                    let env = iso.env(ctx)?;
                    let run: Function = internal.get("runScheduled")?;
                    run.call((exports, env, cron, scheduled_time)).map(Ok)
                }
                Event::Queue(delivery) => {
                    if !exports.get::<_, Value>("queue")?.is_function() {
                        return Ok(Err(InvokeError::NoHandler("queue")));
                    }
                    let env = iso.env(ctx)?;
                    let messages = Array::new(ctx.clone())?;
                    for (i, m) in delivery.messages.into_iter().enumerate() {
                        let body = if m.content_type == "bytes" {
                            verge_js::bytes::new_array_buffer(ctx, m.body)?
                        } else {
                            // json, text and v8 bodies are UTF-8 text (verge-queues encodes them).
                            rquickjs::String::from_str(
                                ctx.clone(),
                                &String::from_utf8_lossy(&m.body),
                            )?
                            .into_value()
                        };
                        let item = Array::new(ctx.clone())?;
                        item.set(0, m.id)?;
                        item.set(1, m.timestamp_ms as f64)?;
                        item.set(2, m.content_type)?;
                        item.set(3, body)?;
                        item.set(4, m.attempts)?;
                        messages.set(i, item)?;
                    }
                    let (count, bytes, oldest) = delivery.backlog;
                    let metrics = Array::new(ctx.clone())?;
                    metrics.set(0, count as f64)?;
                    metrics.set(1, bytes as f64)?;
                    metrics.set(2, oldest.map(|t| t as f64))?;
                    let host = Class::instance(
                        ctx.clone(),
                        crate::queue::QueueBatchHost::new(delivery.verdicts),
                    )?;
                    let run: Function = internal.get("runQueue")?;
                    run.call((exports, env, delivery.queue, messages, host, metrics))
                        .map(Ok)
                }
                other => Ok(Err(InvokeError::Internal(format!(
                    "a {} event cannot be delivered to a worker's default export",
                    other.kind()
                )))),
            }
        }
        Target::Entrypoint(entry) => {
            let handler: Value = match &entry.name {
                None => iso.exports(ctx)?.into_value(),
                Some(name) => {
                    let v: Value = iso.module_namespace(ctx)?.get(name.as_str())?;
                    if !v.is_constructor() {
                        return Err(rquickjs::Exception::throw_type(
                            ctx,
                            &format!(
                                "Worker \"{}\" has no entrypoint named \"{name}\" (an exported WorkerEntrypoint class).",
                                iso.spec().name()
                            ),
                        ));
                    }
                    v
                }
            };
            match event {
                Event::Fetch(req) => serve(ctx, iso, &internal, handler, req, entry.props),
                Event::Rpc { method, args } => {
                    let env = iso.env(ctx)?;
                    let f: Function = internal.get("serveRpc")?;
                    f.call((handler, env, method, args, entry.props)).map(Ok)
                }
                other => Ok(Err(InvokeError::Internal(format!(
                    "a {} event cannot be delivered through a service binding",
                    other.kind()
                )))),
            }
        }
        Target::Stub(stub) => match event {
            Event::Rpc { method, args } => {
                let f: Function = internal.get("stubEvent")?;
                f.call((stub.id, method, args)).map(Ok)
            }
            other => Ok(Err(InvokeError::Internal(format!(
                "a {} event cannot be delivered to an RPC stub",
                other.kind()
            )))),
        },
        Target::Object(host) => {
            let host = host.restore(ctx)?;
            let deliver: Function = internal.get("objectEvent")?;
            let kind = event.kind();
            match event {
                Event::Fetch(req) => {
                    let (headers, reader) = request_parts(ctx, req.headers, req.body)?;
                    deliver.call((
                        host,
                        kind,
                        req.method,
                        req.url,
                        headers,
                        reader,
                        req.cf_json,
                    ))
                }
                Event::Rpc { method, args } => deliver.call((host, kind, method, args)),
                Event::Alarm { retry_count } => deliver.call((host, kind, retry_count)),
                Event::Scheduled { .. } | Event::Queue(_) => {
                    return Ok(Err(InvokeError::Internal(format!(
                        "a {kind} event cannot be delivered to a Durable Object"
                    ))));
                }
                Event::WebSocketMessage { socket, data } => {
                    let data = match data {
                        WsData::Text(t) => {
                            rquickjs::String::from_str(ctx.clone(), &t)?.into_value()
                        }
                        WsData::Binary(b) => verge_js::bytes::new_array_buffer(ctx, b)?,
                    };
                    deliver.call((host, kind, socket as f64, data))
                }
                Event::WebSocketClose {
                    socket,
                    code,
                    reason,
                    clean,
                } => deliver.call((host, kind, socket as f64, code, reason, clean)),
            }
            .map(Ok)
        }
    }
}

/// Calls `internal.serve` for a request to `handler` (the default export or an entrypoint).
fn serve<'js>(
    ctx: &Ctx<'js>,
    iso: &Isolate,
    internal: &Object<'js>,
    handler: Value<'js>,
    req: IncomingRequest,
    props: Option<String>,
) -> rquickjs::Result<Result<Array<'js>, InvokeError>> {
    let env = iso.env(ctx)?;
    let (headers, reader) = request_parts(ctx, req.headers, req.body)?;
    let serve: Function = internal.get("serve")?;
    let mut args = rquickjs::function::Args::new(ctx.clone(), 8);
    args.push_arg(handler)?;
    args.push_arg(env)?;
    args.push_arg(req.method)?;
    args.push_arg(req.url)?;
    args.push_arg(headers)?;
    args.push_arg(reader)?;
    args.push_arg(req.cf_json)?;
    args.push_arg(props)?;
    serve.call_arg(args).map(Ok)
}

/// The request's headers as an immutable `Headers` and its body as a `BodyReader`.
fn request_parts<'js>(
    ctx: &Ctx<'js>,
    headers: Vec<(String, String)>,
    body: Option<ByteStream>,
) -> rquickjs::Result<(Class<'js, Headers>, Option<Class<'js, BodyReader>>)> {
    let headers = Class::instance(ctx.clone(), Headers::from_list(headers, Guard::Immutable))?;
    let reader = match body {
        Some(b) => Some(Class::instance(ctx.clone(), BodyReader::new(b))?),
        None => None,
    };
    Ok((headers, reader))
}

/// Reads a settled result array (see the module docs).
fn decode<'js>(
    ctx: &Ctx<'js>,
    kind: &'static str,
    result: Array<'js>,
) -> rquickjs::Result<Result<Produced, InvokeError>> {
    let code: i32 = result.get(0)?;
    if code < 0 {
        let thrown: Value = result.get(1)?;
        let reset: Option<bool> = result.get(2)?;
        let serialized: Option<String> = result.get(3)?;
        return Ok(Err(InvokeError::Exception {
            exception: JsException::from_value(&thrown),
            serialized,
            reset: reset.unwrap_or(false),
        }));
    }
    Ok(Ok(match kind {
        "fetch" => {
            let headers: Class<Headers> = result.get(1)?;
            let headers = headers.borrow().sorted();
            // Past the limits the event fails here (500) rather than in the HTTP layer, which
            // cannot send that many headers.
            crate::headers::check_response_headers(&headers)
                .map_err(|e| rquickjs::Exception::throw_type(ctx, &e.to_string()))?;
            let body_kind: i32 = result.get(2)?;
            let body = match body_kind {
                1 => BodyJs::Full(result.get::<String>(3)?.into_bytes()),
                2 => BodyJs::Full(verge_js::bytes::copy_bytes(&result.get(3)?).unwrap_or_default()),
                3 => BodyJs::Stream(Persistent::save(ctx, result.get::<Object>(3)?)),
                4 => BodyJs::WebSocket(result.get::<f64>(3)? as u64),
                5 => match result.get::<Class<BodyReader>>(3)?.borrow().take_encoded() {
                    Some((stream, coding)) => BodyJs::Host(stream, coding),
                    None => BodyJs::Empty,
                },
                _ => BodyJs::Empty,
            };
            let encode_manually = result.get::<Option<bool>>(4)?.unwrap_or(false);
            Produced::Response(code as u16, headers, body, encode_manually)
        }
        "rpc" => Produced::Value(result.get(1)?),
        _ => Produced::Done,
    }))
}

/// Turns CPU and memory overruns into their errors, and poisons the isolate after them.
fn classify(iso: &Isolate, meter: &RequestMeter, e: InvokeError) -> InvokeError {
    if meter.exceeded() {
        iso.poison();
        return InvokeError::CpuExceeded;
    }
    match e {
        InvokeError::Exception { exception, .. } if exception.is_out_of_memory() => {
            iso.poison();
            InvokeError::MemoryExceeded
        }
        InvokeError::Exception { exception, .. } if exception.is_interrupt() => {
            iso.poison();
            InvokeError::CpuExceeded
        }
        other => other,
    }
}

/// A JS handle with the isolate that owns it. Field order matters: when a task holding this
/// is dropped before it ran (e.g. at thread shutdown), the handle must go before the isolate.
struct Held<T> {
    js: T,
    iso: Rc<Isolate>,
}

/// Pumps a JS `ReadableStreamDefaultReader` into a channel, one chunk per turn, under the
/// event's CPU meter. Backpressure: the channel holds a few chunks.
fn spawn_pump(
    iso: Rc<Isolate>,
    reader: Persistent<Object<'static>>,
    meter: Rc<RequestMeter>,
    work: Option<WorkGuard>,
) -> mpsc::Receiver<Result<Bytes, String>> {
    let (tx, rx) = mpsc::channel(4);
    let held = Held { js: reader, iso };
    tokio::task::spawn_local(async move {
        let held = held;
        let _work = work;
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

/// Runs the event's `waitUntil` promises to completion under the event's meter, cut off
/// [`verge_js::limits::WAIT_UNTIL_LIMIT`] after the event; logs rejections. Most events
/// register none, and then nothing is spawned.
async fn spawn_wait_until(
    iso: &Rc<Isolate>,
    exec: Persistent<Object<'static>>,
    meter: Rc<RequestMeter>,
    work: Option<WorkGuard>,
) {
    let iso2 = iso.clone();
    let exec2 = exec.clone();
    let pending = iso
        .context()
        .with(|ctx| -> rquickjs::Result<usize> {
            let count: Function = iso2.internal(&ctx)?.get("waitUntilCount")?;
            count.call((exec2.restore(&ctx)?,))
        })
        .await
        .unwrap_or(1);
    if pending == 0 {
        return;
    }
    let held = Held {
        js: exec,
        iso: iso.clone(),
    };
    tokio::task::spawn_local(async move {
        let held = held;
        let _work = work;
        let iso = held.iso.clone();
        let exec = held.js.clone();
        let id = meter.id().to_string();
        let iso2 = iso.clone();
        let fut = iso.run(
            meter.clone(),
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
        tokio::select! {
            r = tokio::time::timeout(verge_js::limits::WAIT_UNTIL_LIMIT, fut) => match r {
                Ok(errors) => {
                    for e in errors {
                        tracing::error!(request = %id, "waitUntil() promise rejected: {e}");
                    }
                }
                Err(_) => {
                    tracing::warn!(request = %id, "waitUntil() work cancelled after {:?}", verge_js::limits::WAIT_UNTIL_LIMIT)
                }
            },
            // Timer-driven work runs charged to the request (host.rs), outside this future:
            // stop as soon as the budget is spent, whoever spent it.
            _ = meter.until_exceeded() => {}
        }
        if meter.exceeded() {
            tracing::warn!(request = %id, "waitUntil() work stopped: the request's CPU time limit was exceeded");
            iso.poison();
        }
    });
}
