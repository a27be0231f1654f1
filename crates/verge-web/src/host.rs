//! Small host operations: timers' sleep and console output.

use std::time::Duration;

use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, JsLifetime, Object, Result, Value};

/// Who owns a timer (hidden class; see `internal.timerScope`).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct TimerScope {
    #[qjs(skip_trace)]
    scope: verge_js::meter::TimerScope,
}

#[rquickjs::methods]
impl TimerScope {}

/// Console levels as the JS side passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `console.debug`
    Debug,
    /// `console.log`, `console.info`
    Info,
    /// `console.warn`
    Warn,
    /// `console.error`
    Error,
}

impl Level {
    fn from_i32(n: i32) -> Level {
        match n {
            0 => Level::Debug,
            2 => Level::Warn,
            3 => Level::Error,
            _ => Level::Info,
        }
    }
}

/// Writes one console line to the log, tagged with the worker and the current request id.
pub fn log(worker: &str, level: Level, message: &str) {
    let request = verge_js::meter::current_request_id().unwrap_or_default();
    match level {
        Level::Debug => tracing::debug!(target: "verge::console", worker, request, "{message}"),
        Level::Info => tracing::info!(target: "verge::console", worker, request, "{message}"),
        Level::Warn => tracing::warn!(target: "verge::console", worker, request, "{message}"),
        Level::Error => tracing::error!(target: "verge::console", worker, request, "{message}"),
    }
}

/// Installs `internal.sleep(ms)` and `internal.log(level, message)`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>, worker: String) -> Result<()> {
    // `internal.timerScope()` says who owns a timer being set (a request, unbounded work, or
    // nobody); `internal.sleep(ms, scope)` resolves to true when `ms` have passed, or to false
    // when the owner's work is over first: a request's timers stop with its work.
    internal.set(
        "timerScope",
        Func::from(|ctx: Ctx<'js>| {
            Class::instance(
                ctx,
                TimerScope {
                    scope: verge_js::meter::timer_scope(),
                },
            )
        }),
    )?;
    internal.set(
        "sleep",
        Func::from(
            |ctx: Ctx<'js>, ms: f64, scope: Opt<Class<'js, TimerScope>>| -> Result<Value<'js>> {
                let scope = match scope.0 {
                    Some(s) => s.borrow().scope.clone(),
                    None => verge_js::meter::timer_scope(),
                };
                let (promise, resolve, _reject) = ctx.promise()?;
                let ms = if ms.is_finite() && ms > 0.0 {
                    ms.min(1e12)
                } else {
                    0.0
                };
                let ctx2 = ctx.clone();
                ctx.spawn(async move {
                    let sleep = tokio::time::sleep(Duration::from_micros((ms * 1000.0) as u64));
                    let fired = tokio::select! {
                        _ = sleep => true,
                        _ = scope.until_ended() => false,
                    };
                    // What the timer wakes (its callback, the continuations after an awaited
                    // wait) is its owner's work: run it now, charged to the owner's CPU budget
                    // (and stopped by it), whoever happens to be driving the isolate.
                    let settle = || {
                        let _: Result<()> = resolve.call((fired,));
                        while ctx2.execute_pending_job() {}
                    };
                    match &scope {
                        verge_js::meter::TimerScope::Request(meter) if fired => {
                            verge_js::meter::run_metered(meter, settle)
                        }
                        _ => settle(),
                    }
                });
                Ok(promise.into_value())
            },
        ),
    )?;
    // Resolves once the current job queue has drained (the next turn of the event loop).
    internal.set(
        "nextTurn",
        Func::from(|ctx: Ctx<'js>| {
            verge_js::promise::wrap_future(&ctx, async {
                tokio::task::yield_now().await;
            })
        }),
    )?;
    internal.set(
        "log",
        Func::from(move |level: i32, message: verge_js::string::Usv| {
            log(&worker, Level::from_i32(level), &message)
        }),
    )?;
    let _ = ctx;
    Ok(())
}
