//! RPC stubs: functions and `RpcTarget` instances a worker hands to another by reference
//! (an argument or result of a service binding call). The value stays in the isolate that
//! handed it out (`js/rpc.js` keeps it by id); the receiver gets a stub whose calls come back
//! to that isolate as [`Event::Rpc`] events on [`Target::Stub`], through the one invoke path,
//! metered on the exporting worker's limits.
//!
//! A stub names the exporting worker version and isolate thread: that thread's isolate of it
//! ([`verge_js::registry::live`]) holds the value. Service bindings run the callee on the
//! caller's thread; a Durable Object lives on a thread of its own, and calls between them cross
//! threads.
//!
//! **Lifetime.** What an invocation hands out lives as long as the work of the invocation the
//! chain of calls started from on that thread (its *owner*, [`RequestMeter::owner`]: the HTTP
//! request that made the first call), or until the isolate is replaced; then its stubs fail. Work that has
//! no end (a Durable Object) keeps what it hands out as long as its isolate, up to
//! `js/rpc.js`'s bound per isolate.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use futures::FutureExt;
use rquickjs::prelude::*;
use rquickjs::{Ctx, Function, Object, Result};
use verge_js::error::{JsClass, throw_as};
use verge_js::meter::{MAX_WORKER_INVOCATIONS, RequestMeter, TimerScope};

use crate::fetch::outbound_invocations_left;
use crate::invoke::{Event, InvokeError, StubTarget, Target, invoke};

thread_local! {
    /// Owners lent to calls in flight: token → the calling invocation's owner.
    static LENT: RefCell<HashMap<u64, Rc<RequestMeter>>> = RefCell::default();
    static NEXT_TOKEN: Cell<u64> = const { Cell::new(0) };
    /// What each owner's work keeps alive: owner → (isolate key, export ids).
    static TRACKED: RefCell<HashMap<usize, Vec<(u64, f64)>>> = RefCell::default();
}

/// Lends the running invocation's owner to a call about to be made (see the module docs);
/// the callee's invocation takes it with [`take_owner`], the caller returns it with
/// [`end_loan`] once the call is over.
pub fn lend_owner() -> Option<u64> {
    let owner = verge_js::meter::current_invocation()?.owner();
    let token = NEXT_TOKEN.with(|n| {
        let t = n.get().wrapping_add(1);
        n.set(t);
        t
    });
    LENT.with(|l| l.borrow_mut().insert(token, owner));
    Some(token)
}

/// The owner lent under `token` (on the same thread).
pub fn take_owner(token: u64) -> Option<Rc<RequestMeter>> {
    LENT.with(|l| l.borrow_mut().remove(&token))
}

/// Drops a loan the callee never took (the call failed before it started).
pub fn end_loan(token: Option<u64>) {
    if let Some(t) = token {
        take_owner(t);
    }
}

/// The invocations a call made now may still make, or the loop-limit error (Cloudflare 1019).
pub(crate) fn invocations_left(ctx: &Ctx<'_>, own: Option<&str>) -> Result<u32> {
    let left = verge_js::meter::current_invocations_left().unwrap_or(MAX_WORKER_INVOCATIONS);
    let out = outbound_invocations_left(left, own.map(str::as_bytes));
    if out == 0 {
        return Err(throw_as(
            ctx,
            JsClass::Error,
            "Worker-to-Worker calls are nested too deeply (error 1019: a chain may make at most 16 invocations).",
        ));
    }
    Ok(out)
}

/// Records that this isolate (`key`) handed out export `id`: false when nothing running may
/// own it. The export is dropped (`internal.rpcDrop`) when its owner's work is over.
fn exported(key: String, id: f64) -> bool {
    let Ok(key) = key.parse::<u64>() else {
        return false;
    };
    let meter = match verge_js::meter::timer_scope() {
        TimerScope::Request(m) => m,
        TimerScope::Unbounded => return true,
        TimerScope::Orphan => return false,
    };
    let owner = meter.owner();
    if !owner.has_end() {
        return true;
    }
    if owner.ended() {
        return false;
    }
    let k = Rc::as_ptr(&owner) as usize;
    let first = TRACKED.with(|t| {
        let mut t = t.borrow_mut();
        let list = t.entry(k).or_default();
        list.push((key, id));
        list.len() == 1
    });
    if first {
        tokio::task::spawn_local(async move {
            owner.until_ended().await;
            let list = TRACKED
                .with(|t| t.borrow_mut().remove(&k))
                .unwrap_or_default();
            let mut by_isolate: HashMap<u64, Vec<f64>> = HashMap::new();
            for (key, id) in list {
                by_isolate.entry(key).or_default().push(id);
            }
            for (key, ids) in by_isolate {
                if let Some(iso) = verge_js::registry::live(key) {
                    let iso2 = iso.clone();
                    iso.context()
                        .with(|ctx| {
                            if let Ok(internal) = iso2.internal(&ctx)
                                && let Ok(drop) = internal.get::<_, Function>("rpcDrop")
                            {
                                let _: Result<()> = drop.call((ids,));
                            }
                        })
                        .await;
                }
            }
        });
    }
    true
}

/// Delivers a stub call to this thread's isolate `key`, which holds export `id`.
async fn deliver(
    key: String,
    id: f64,
    event: Event,
    owner: Option<u64>,
    invocations_left: u32,
    request: String,
) -> std::result::Result<crate::invoke::Outcome, InvokeError> {
    let Some(iso) = key.parse().ok().and_then(verge_js::registry::live) else {
        return Err(InvokeError::Internal(
            "The RPC stub is broken: the worker that handed it out was reloaded or restarted."
                .into(),
        ));
    };
    let guard = iso.clone();
    let target = Target::Stub(StubTarget {
        id,
        owner,
        invocations_left,
    });
    match AssertUnwindSafe(invoke(iso, target, event, request))
        .catch_unwind()
        .await
    {
        Ok(r) => r,
        Err(_) => {
            guard.poison();
            tracing::error!("verge bug: a panic during an RPC stub call; the isolate was replaced");
            Err(InvokeError::Internal(
                "Internal error in verge (the panic is in the log).".into(),
            ))
        }
    }
}

/// A call on a stub whose value isolate `key` on isolate thread `thread` holds:
/// `[true, serialized]` or a failure (see `crate::remote`).
fn call<'js>(
    ctx: Ctx<'js>,
    key: String,
    thread: usize,
    id: f64,
    method: String,
    args: Option<String>,
) -> Result<rquickjs::Promise<'js>> {
    let prepared = (|| {
        if args.as_ref().map_or(0, String::len) > crate::limits::MAX_RPC_MESSAGE {
            return Err(throw_as(
                &ctx,
                JsClass::RangeError,
                &format!(
                    "The RPC message is over the limit of {} bytes.",
                    crate::limits::MAX_RPC_MESSAGE
                ),
            ));
        }
        invocations_left(&ctx, None)
    })();
    let left = match prepared {
        Ok(left) => left,
        Err(e) => return verge_js::promise::rejected(&ctx, e),
    };
    let request = verge_js::meter::current_request_id().unwrap_or_default();
    let event = Event::Rpc { method, args };
    let (tx, rx) = tokio::sync::oneshot::channel();
    // On this thread the callee's owner is the caller's (what it hands out lives as long as
    // the caller's work); an owner cannot cross threads, so there the callee owns it.
    let token = if verge_js::threads::current_index() == Some(thread) {
        let token = lend_owner();
        tokio::task::spawn_local(async move {
            let _ = tx.send(deliver(key, id, event, token, left, request).await);
        });
        token
    } else {
        verge_js::threads::spawn_on_sibling(thread, move || async move {
            let _ = tx.send(deliver(key, id, event, None, left, request).await);
        });
        None
    };
    let ctx2 = ctx.clone();
    verge_js::promise::wrap_future(&ctx, async move {
        let r = rx.await.unwrap_or_else(|_| {
            Err(InvokeError::Internal(
                "The RPC stub's worker could not be reached (its thread stopped).".into(),
            ))
        });
        end_loan(token);
        crate::remote::value_result(&ctx2, r)
    })
}

/// Installs `internal.rpcOps` {exported, call, thread}.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    // The isolate thread this isolate lives on (isolates are made on their thread).
    ops.set(
        "thread",
        verge_js::threads::current_index().unwrap_or(0) as f64,
    )?;
    ops.set("exported", Func::from(exported))?;
    ops.set("call", Func::from(call))?;
    internal.set("rpcOps", ops)
}
