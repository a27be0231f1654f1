//! Calls from one isolate into another worker or object (Durable Object stubs, service
//! bindings): the caller's request as an [`IncomingRequest`], and the callee's outcome as the
//! arrays `js/rpc.js` reads back (`internal.remoteResponse`, `internal.remoteError`).
//!
//! A result array is `[true, …]` for success — `[true, serialized]` for an RPC call,
//! `[true, status, flatHeaders, bytes | BodyReader | null, webSocketTicket?]` for a fetch — or
//! `[false, serialized error | null, thrown by the callee?, message]` for a failure.

use rquickjs::{Array, Class, Ctx, Exception, Function, Result, Value};

use crate::body::BodyReader;
use crate::invoke::{IncomingRequest, InvokeError, Outcome, OutgoingBody};

/// The request a caller hands to another worker or object: `head` is
/// `[method, url, flatHeaders, then]` (`then` the captured `Promise.prototype.then` a JS
/// body's pump waits with), `body` what `internal.hostBody` gave. The body streams; the
/// request id is the calling invocation's.
pub fn incoming_request<'js>(
    ctx: &Ctx<'js>,
    head: Array<'js>,
    body: Value<'js>,
) -> Result<IncomingRequest> {
    let method: String = head.get(0)?;
    let url: String = head.get(1)?;
    let headers: Vec<String> = head.get(2)?;
    let then: Function = head.get(3)?;
    let body = crate::body::outgoing_stream(ctx, body, then)?;
    Ok(IncomingRequest {
        id: verge_js::meter::current_request_id().unwrap_or_default(),
        method,
        url,
        headers: headers
            .chunks(2)
            .filter_map(|c| match c {
                [k, v] => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect(),
        body,
        cf_json: None,
    })
}

/// A fetch's outcome as the caller reads it (see the module docs).
pub fn response_result<'js>(
    ctx: &Ctx<'js>,
    outcome: std::result::Result<Outcome, InvokeError>,
) -> Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    match outcome {
        Ok(Outcome::Response(r)) => {
            // The coding the body's bytes are in: a fetch() body the callee passed on, or one
            // it encoded itself (`encodeBody: "manual"`). The caller reads it decoded and can
            // pass it on as it is (see content_coding).
            let coding = if r.encode_manually {
                crate::content_coding::Coding::of_headers(&r.headers)
            } else {
                r.body_coding
            };
            out.set(0, true)?;
            out.set(1, r.status)?;
            out.set(
                2,
                r.headers
                    .into_iter()
                    .flat_map(|(k, v)| [k, v])
                    .collect::<Vec<_>>(),
            )?;
            match r.body {
                OutgoingBody::Empty => out.set(3, Value::new_null(ctx.clone()))?,
                OutgoingBody::Full(b) if coding.is_some() => out.set(
                    3,
                    Class::instance(
                        ctx.clone(),
                        BodyReader::with_coding(crate::fetch::once(b), coding),
                    )?,
                )?,
                OutgoingBody::Full(b) => {
                    out.set(3, verge_js::bytes::new_u8_array(ctx, b.to_vec())?)?
                }
                OutgoingBody::Stream(stream) => out.set(
                    3,
                    Class::instance(ctx.clone(), BodyReader::with_coding(stream, coding))?,
                )?,
                OutgoingBody::WebSocket(ep) => {
                    out.set(3, Value::new_null(ctx.clone()))?;
                    out.set(4, crate::websocket::file_ticket(ep) as f64)?;
                }
            }
        }
        Ok(_) => {
            return Err(Exception::throw_internal(
                ctx,
                "a fetch produced no response",
            ));
        }
        Err(e) => failure(&out, e)?,
    }
    Ok(out)
}

/// An RPC call's outcome as the caller reads it (see the module docs).
pub fn value_result<'js>(
    ctx: &Ctx<'js>,
    outcome: std::result::Result<Outcome, InvokeError>,
) -> Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    match outcome {
        Ok(Outcome::Value(s)) if s.len() > crate::limits::MAX_RPC_MESSAGE => failure(
            &out,
            InvokeError::Internal(format!(
                "The RPC result is {} bytes, over the limit of {} bytes.",
                s.len(),
                crate::limits::MAX_RPC_MESSAGE
            )),
        )?,
        Ok(Outcome::Value(s)) => {
            out.set(0, true)?;
            out.set(1, s)?;
        }
        Ok(_) => out.set(0, true)?,
        Err(e) => failure(&out, e)?,
    }
    Ok(out)
}

/// Fills `out` with a failure: the callee's serialized exception, or the platform's message.
pub fn failure(out: &Array<'_>, e: InvokeError) -> Result<()> {
    out.set(0, false)?;
    match e {
        InvokeError::Exception {
            exception,
            serialized,
            ..
        } => {
            out.set(1, serialized)?;
            out.set(2, true)?;
            out.set(3, exception.to_string())?;
        }
        other => {
            out.set(1, Value::new_null(out.ctx().clone()))?;
            out.set(2, false)?;
            out.set(3, other.to_string())?;
        }
    }
    Ok(())
}
