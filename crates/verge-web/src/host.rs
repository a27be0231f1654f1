//! Small host operations: timers' sleep and console output.

use std::time::Duration;

use rquickjs::prelude::*;
use rquickjs::{Ctx, Object, Result};

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
    internal.set(
        "sleep",
        Func::from(Async(|ms: f64| async move {
            let ms = if ms.is_finite() && ms > 0.0 {
                ms.min(1e12)
            } else {
                0.0
            };
            tokio::time::sleep(Duration::from_micros((ms * 1000.0) as u64)).await;
        })),
    )?;
    // Resolves once the current job queue has drained (the next turn of the event loop).
    internal.set(
        "nextTurn",
        Func::from(Async(|| async {
            tokio::task::yield_now().await;
        })),
    )?;
    internal.set(
        "log",
        Func::from(move |level: i32, message: String| {
            log(&worker, Level::from_i32(level), &message)
        }),
    )?;
    let _ = ctx;
    Ok(())
}
