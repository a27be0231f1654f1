//! Promise helpers for binding glue.

use std::future::Future;

use rquickjs::{Ctx, Promise, Value};

use crate::error::{JsClass, throw_as};

/// Turns a binding call's prepared work into a promise: the call is counted against the
/// invocation's binding-operation limit ([`crate::meter::MAX_BINDING_OPS`]), and a failure
/// while preparing (argument conversion, validation) rejects the promise rather than
/// throwing synchronously, as Workers bindings do.
pub fn settle_binding_call<'js, F>(
    ctx: &Ctx<'js>,
    prepared: rquickjs::Result<F>,
) -> rquickjs::Result<Promise<'js>>
where
    F: Future<Output = rquickjs::Result<Value<'js>>> + 'js,
{
    let prepared = if crate::meter::charge_binding_op() {
        prepared
    } else {
        Err(throw_as(
            ctx,
            JsClass::Error,
            crate::meter::TOO_MANY_BINDING_OPS,
        ))
    };
    match prepared {
        Ok(fut) => Promise::wrap_future(ctx, fut),
        Err(err) => {
            let reason = if err.is_exception() {
                ctx.catch()
            } else {
                let _ = throw_as(ctx, JsClass::TypeError, &err.to_string());
                ctx.catch()
            };
            let (promise, _resolve, reject) = ctx.promise()?;
            reject.call::<_, ()>((reason,))?;
            Ok(promise)
        }
    }
}
