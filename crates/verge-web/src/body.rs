//! Byte streams that cross between Rust and JS: incoming request bodies and `fetch()` response
//! bodies are read by JS through a [`BodyReader`]; JS response bodies are pumped out by
//! [`crate::invoke`].

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, Function, JsLifetime, Object, Result, Value};
use tokio::sync::mpsc;

use crate::content_coding::Coding;

/// A stream of body chunks. `Send`: a request body may cross to the isolate thread of the
/// Durable Object it is for.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, String>> + Send>>;

/// A Rust byte stream handed to JS (`internal.readBody(reader)` pulls one chunk).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct BodyReader {
    #[qjs(skip_trace)]
    inner: Rc<RefCell<Option<ByteStream>>>,
    /// The content coding the stream's bytes are in, until JS reads them decoded (a `fetch()`
    /// response body, see [`crate::content_coding`]).
    #[qjs(skip_trace)]
    coding: std::cell::Cell<Option<Coding>>,
}

impl BodyReader {
    /// Wraps a stream.
    pub fn new(stream: ByteStream) -> Self {
        Self::with_coding(stream, None)
    }

    /// Wraps a stream whose bytes are in `coding`: JS and [`BodyReader::take`] get them
    /// decoded, [`BodyReader::take_encoded`] as they are.
    pub fn with_coding(stream: ByteStream, coding: Option<Coding>) -> Self {
        BodyReader {
            inner: Rc::new(RefCell::new(Some(stream))),
            coding: std::cell::Cell::new(coding),
        }
    }

    /// Wraps the receiving end of a channel of chunks (an `Err` ends the body with an error).
    pub fn from_channel(rx: mpsc::Receiver<std::result::Result<Bytes, String>>) -> Self {
        Self::new(channel_stream(rx))
    }

    /// Takes the stream out, decoded (to hand it to another isolate thread, a cache, a
    /// rewriter); `None` once taken or read.
    pub fn take(&self) -> Option<ByteStream> {
        let (stream, coding) = self.take_encoded()?;
        Some(match coding {
            Some(c) => crate::content_coding::decode(stream, c),
            None => stream,
        })
    }

    /// Takes the stream out as its bytes are, with the coding they are in (for the edge,
    /// which can send them on without decoding and encoding again).
    pub fn take_encoded(&self) -> Option<(ByteStream, Option<Coding>)> {
        let stream = self.inner.borrow_mut().take()?;
        Some((stream, self.coding.take()))
    }
}

/// The chunks of a channel as a [`ByteStream`].
pub fn channel_stream(rx: mpsc::Receiver<std::result::Result<Bytes, String>>) -> ByteStream {
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// Chunks a body pump keeps in flight (backpressure: the producer waits beyond this).
const PUMP_CHUNKS: usize = 4;

/// A body JS hands to the host (`internal.hostBody`): `null`, a string, bytes, a host stream
/// (`BodyReader`, handed over without touching JS), or a function that pulls the next chunk of
/// a JS stream (resolving to bytes, `undefined` at the end, or `[error]`), which is pumped
/// into a channel as the receiver asks for more. `then` is the captured
/// `Promise.prototype.then` ([`verge_js::promise::settled`]) the pump waits with.
pub fn outgoing_stream<'js>(
    ctx: &Ctx<'js>,
    body: Value<'js>,
    then: Function<'js>,
) -> Result<Option<ByteStream>> {
    if body.is_null() || body.is_undefined() {
        return Ok(None);
    }
    if let Some(s) = body.as_string() {
        let text = verge_js::string::to_usv(s)?;
        return Ok(Some(crate::fetch::once(Bytes::from(text))));
    }
    if let Some(b) = verge_js::bytes::copy_bytes(&body) {
        return Ok(Some(crate::fetch::once(Bytes::from(b))));
    }
    if let Some(reader) = body.as_object().and_then(Class::<BodyReader>::from_object) {
        return Ok(reader.borrow().take());
    }
    let Some(pull) = body.as_function().cloned() else {
        return Err(Exception::throw_type(
            ctx,
            "a body must be a string, bytes or a stream",
        ));
    };
    let (tx, rx) = mpsc::channel(PUMP_CHUNKS);
    let ctx2 = ctx.clone();
    ctx.spawn(async move {
        loop {
            let next: Result<Value> = async {
                let p: rquickjs::Promise = pull.call(())?;
                verge_js::promise::settled(p, then.clone()).await
            }
            .await;
            let item = match next {
                Ok(v) if v.is_undefined() => return,
                Ok(v) => match v.as_array() {
                    Some(err) => Err(describe(&err.get(0).unwrap_or(Value::new_undefined(ctx2.clone())))),
                    None => verge_js::bytes::copy_bytes(&v).map(Bytes::from).ok_or_else(|| {
                        "A ReadableStream used as a body must produce ArrayBuffer or ArrayBufferView chunks.".to_string()
                    }),
                },
                Err(e) => Err(verge_js::JsException::from_error(&ctx2, e).to_string()),
            };
            let last = item.is_err();
            if tx.send(item).await.is_err() || last {
                return;
            }
        }
    });
    Ok(Some(channel_stream(rx)))
}

fn describe(v: &Value<'_>) -> String {
    verge_js::JsException::from_value(v).to_string()
}

#[rquickjs::methods]
impl BodyReader {}

async fn read_body<'js>(ctx: Ctx<'js>, reader: Class<'js, BodyReader>) -> Result<Value<'js>> {
    let (inner, coding) = {
        let r = reader.borrow();
        (r.inner.clone(), r.coding.take())
    };
    let Some(mut stream) = inner.borrow_mut().take() else {
        return Ok(Value::new_undefined(ctx));
    };
    if let Some(c) = coding {
        stream = crate::content_coding::decode(stream, c);
    }
    loop {
        match stream.next().await {
            Some(Ok(chunk)) if chunk.is_empty() => continue,
            Some(Ok(chunk)) => {
                *inner.borrow_mut() = Some(stream);
                return verge_js::bytes::new_u8_array(&ctx, chunk.to_vec());
            }
            Some(Err(e)) => {
                return Err(Exception::throw_type(
                    &ctx,
                    &format!("Network connection lost: {e}"),
                ));
            }
            None => return Ok(Value::new_undefined(ctx)),
        }
    }
}

/// Installs `BodyReader` (hidden) and `internal.readBody` / `internal.cancelBody`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let _ = ctx;
    internal.set(
        "readBody",
        Func::from(|ctx: Ctx<'js>, reader: Class<'js, BodyReader>| {
            verge_js::promise::wrap_future(&ctx, read_body(ctx.clone(), reader))
        }),
    )?;
    internal.set(
        "cancelBody",
        Func::from(|reader: Class<'js, BodyReader>| {
            reader.borrow().inner.borrow_mut().take();
        }),
    )?;
    Ok(())
}
