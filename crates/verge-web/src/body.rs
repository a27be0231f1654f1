//! Byte streams that cross between Rust and JS: incoming request bodies and `fetch()` response
//! bodies are read by JS through a [`BodyReader`]; JS response bodies are pumped out by
//! [`crate::http`].

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, JsLifetime, Object, Result, Value};

/// A stream of body chunks produced on the isolate thread.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, String>>>>;

/// A Rust byte stream handed to JS (`internal.readBody(reader)` pulls one chunk).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct BodyReader {
    #[qjs(skip_trace)]
    inner: Rc<RefCell<Option<ByteStream>>>,
}

impl BodyReader {
    /// Wraps a stream.
    pub fn new(stream: ByteStream) -> Self {
        BodyReader {
            inner: Rc::new(RefCell::new(Some(stream))),
        }
    }
}

#[rquickjs::methods]
impl BodyReader {}

async fn read_body<'js>(ctx: Ctx<'js>, reader: Class<'js, BodyReader>) -> Result<Value<'js>> {
    let inner = reader.borrow().inner.clone();
    let Some(mut stream) = inner.borrow_mut().take() else {
        return Ok(Value::new_undefined(ctx));
    };
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
    internal.set("readBody", Func::from(Async(read_body)))?;
    internal.set(
        "cancelBody",
        Func::from(|reader: Class<'js, BodyReader>| {
            reader.borrow().inner.borrow_mut().take();
        }),
    )?;
    Ok(())
}
