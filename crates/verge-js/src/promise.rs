//! Promise helpers for binding glue.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use rquickjs::function::This;
use rquickjs::{
    CatchResultExt as _, CaughtError, Ctx, FromJs, Function, IntoJs, Object, Promise, Value,
};

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
        Ok(fut) => wrap_future(ctx, fut),
        Err(err) => rejected(ctx, err),
    }
}

/// A promise rejected with the exception `err` stands for (or a `TypeError` with its text).
pub fn rejected<'js>(ctx: &Ctx<'js>, err: rquickjs::Error) -> rquickjs::Result<Promise<'js>> {
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

/// The promise of host work (`future`), like rquickjs's `Promise::wrap_future`, except that what
/// its settling runs — the continuation after an `await` of it, the `then` reactions — is the
/// work of the invocation that started it: it runs as soon as the host work completes, charged
/// to that invocation's CPU budget and stopped by it ([`crate::meter::run_metered`]). Left to
/// the isolate's driver it would be charged to whichever invocation is newest, and an endless
/// loop after `await fetch(…)` would end another request instead of its own.
pub fn wrap_future<'js, F, R>(ctx: &Ctx<'js>, future: F) -> rquickjs::Result<Promise<'js>>
where
    F: Future<Output = R> + 'js,
    R: IntoJs<'js> + 'js,
{
    let (promise, resolve, reject) = ctx.promise()?;
    let owner = crate::meter::current_invocation();
    let ctx2 = ctx.clone();
    ctx.spawn(async move {
        let out = future.await;
        let settle = || {
            let res = out.into_js(&ctx2).catch(&ctx2);
            let _: rquickjs::Result<()> = match res {
                Ok(v) => resolve.call((v,)),
                Err(CaughtError::Exception(e)) => reject.call((e,)),
                Err(CaughtError::Value(e)) => reject.call((e,)),
                Err(CaughtError::Error(e)) => {
                    let _ = throw_as(&ctx2, JsClass::TypeError, &e.to_string());
                    reject.call((ctx2.catch(),))
                }
            };
            while ctx2.execute_pending_job() {}
        };
        match owner {
            Some(meter) if !meter.ended() => crate::meter::run_metered(&meter, settle),
            _ => settle(),
        }
    });
    Ok(promise)
}

/// Waits for `promise` to settle, like rquickjs's `Promise::into_future`, but registers its
/// reaction through `then`, the `Promise.prototype.then` captured at isolate creation
/// (`internal.primordials.PromisePrototype.then`) rather than through a `then` looked up on
/// the promise when first polled: a guest that replaced `Promise.prototype.then` in an earlier
/// request must not stop the host from reading a response.
pub fn settled<'js, T: FromJs<'js>>(promise: Promise<'js>, then: Function<'js>) -> Settled<'js, T> {
    Settled {
        promise,
        then,
        waker: None,
        _marker: PhantomData,
    }
}

/// `then` from an isolate's `internal` object (see [`settled`]); the primordials are made
/// now if no platform file has run yet (an isolate without the Web layer, in unit tests).
pub fn captured_then<'js>(internal: &Object<'js>) -> rquickjs::Result<Function<'js>> {
    let primordials = crate::bytecode::primordials(internal.ctx(), internal)?;
    let proto: Object = primordials.get("PromisePrototype")?;
    proto.get("then")
}

/// The future of [`settled`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Settled<'js, T> {
    promise: Promise<'js>,
    then: Function<'js>,
    waker: Option<Rc<RefCell<Waker>>>,
    _marker: PhantomData<fn() -> T>,
}

impl<'js, T: FromJs<'js>> Future for Settled<'js, T> {
    type Output = rquickjs::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Nothing is pinned structurally (all fields are handles).
        let this = self.get_mut();
        if let Some(r) = this.promise.result() {
            return Poll::Ready(r);
        }
        let ctx = this.promise.ctx().clone();
        // An uncatchable error (the CPU interrupt) ends the wait, as in rquickjs.
        if ctx.has_exception() {
            let exc = ctx.catch();
            if exc.is_uncatchable_error() {
                ctx.throw(exc);
                return Poll::Ready(Err(rquickjs::Error::Exception));
            }
        }
        match &this.waker {
            Some(w) => w.borrow_mut().clone_from(cx.waker()),
            None => {
                let w = Rc::new(RefCell::new(cx.waker().clone()));
                let w2 = w.clone();
                let wake = Function::new(ctx.clone(), move || w2.borrow().wake_by_ref())?;
                this.then
                    .call::<_, Value>((This(this.promise.clone()), wake.clone(), wake))?;
                this.waker = Some(w);
            }
        }
        Poll::Pending
    }
}
