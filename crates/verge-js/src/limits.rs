//! Engine limits: named constants with the documented Workers value where one exists.

use std::time::Duration;

/// Default CPU time a request may spend running JS (verge's dev default; Workers' free plan is 10 ms,
/// paid 30 s). Overridden by `limits.cpu_ms` in the wrangler config.
pub const DEFAULT_CPU_MS: u64 = 50;

/// Subrequests one invocation may make unless `limits.subrequests` says otherwise: no limit, as
/// in workerd and `wrangler dev` (workerd's local limit enforcer enforces none). Deployed
/// Workers default to 50 (free plan) or 10,000 (paid).
pub const DEFAULT_SUBREQUESTS: Option<u32> = None;

/// Largest `limits.cpu_ms` accepted (Workers: 300,000 ms).
pub const MAX_CPU_MS: u64 = 300_000;

/// Memory cap of one isolate (Workers: 128 MB).
pub const DEFAULT_MEMORY_BYTES: usize = 128 << 20;

/// CPU budget for evaluating a module's global scope (Workers: 1 s startup limit).
pub const STARTUP_CPU: Duration = Duration::from_secs(1);

/// Wall-clock limit for evaluating a worker's modules: a top-level `await` that never settles
/// fails the load instead of hanging it.
pub const STARTUP_WALL_LIMIT: Duration = Duration::from_secs(10);

/// QuickJS's own stack limit. Must stay well below [`THREAD_STACK_BYTES`] (see
/// `notes/engine-spike.md` §4: a JS stack limit near the real stack aborts the process).
pub const JS_STACK_BYTES: usize = 1 << 20;

/// Stack of an isolate thread: 8× the JS stack, leaving room for Rust callbacks.
pub const THREAD_STACK_BYTES: usize = 8 << 20;

/// How long `ctx.waitUntil` work may run after the response (Workers: ~30 s).
pub const WAIT_UNTIL_LIMIT: Duration = Duration::from_secs(30);

/// Wall-clock limit of one request when its JS never produces a response.
pub const DEFAULT_WALL_LIMIT: Duration = Duration::from_secs(30);
