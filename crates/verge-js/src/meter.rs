//! CPU metering: which request is running JS on this thread right now, and for how long.
//!
//! QuickJS is single-threaded and an isolate lives on one thread, so "the request running JS"
//! is a per-thread fact: [`Metered`] records it around every poll of an isolate's futures, and
//! the isolate's interrupt handler (polled by QuickJS about every 10k bytecode ops) compares the
//! time spent against the request's budget.
//!
//! Attribution is per poll: JS jobs that another request queued and that run while this
//! request's future is polled are charged to this request. Workers charges CPU the same way
//! (to the invocation whose event is being delivered).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rquickjs::{Ctx, Exception};

/// CPU accounting of one request (or of one background task such as `waitUntil` work).
#[derive(Debug)]
pub struct RequestMeter {
    id: String,
    budget: Duration,
    used: Cell<Duration>,
    exceeded: Cell<bool>,
    per_slice: bool,
    binding_ops: Cell<u32>,
}

/// Binding operations (KV, D1, Durable Object storage, …) one invocation may make (Workers: 1,000).
pub const MAX_BINDING_OPS: u32 = 1_000;

/// The error binding glue throws past [`MAX_BINDING_OPS`].
pub const TOO_MANY_BINDING_OPS: &str = "Too many API requests by single worker invocation.";

/// Counts one binding operation against the request running JS on this thread; false when the
/// request is over [`MAX_BINDING_OPS`]. Work outside a request (background timers) is not
/// counted.
pub fn charge_binding_op() -> bool {
    CURRENT.with(|c| {
        let cur = c.borrow();
        match cur.as_ref() {
            Some(slice) if !slice.meter.per_slice => {
                let n = slice.meter.binding_ops.get() + 1;
                slice.meter.binding_ops.set(n);
                n <= MAX_BINDING_OPS
            }
            _ => true,
        }
    })
}

impl RequestMeter {
    /// A meter for the request `id` that may spend `budget` running JS.
    pub fn new(id: impl Into<String>, budget: Duration) -> Rc<Self> {
        Rc::new(RequestMeter {
            id: id.into(),
            budget,
            used: Cell::new(Duration::ZERO),
            exceeded: Cell::new(false),
            per_slice: false,
            binding_ops: Cell::new(0),
        })
    }

    /// A meter whose budget applies to each poll separately, for long-lived background work
    /// (timers, `waitUntil`) that is not one request.
    pub fn per_slice(id: impl Into<String>, budget: Duration) -> Rc<Self> {
        Rc::new(RequestMeter {
            id: id.into(),
            budget,
            used: Cell::new(Duration::ZERO),
            exceeded: Cell::new(false),
            per_slice: true,
            binding_ops: Cell::new(0),
        })
    }

    /// The request id (used in logs).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// CPU time spent so far.
    pub fn used(&self) -> Duration {
        self.used.get()
    }

    /// True once the interrupt handler stopped this request for exceeding its budget.
    pub fn exceeded(&self) -> bool {
        self.exceeded.get()
    }
}

struct Slice {
    meter: Rc<RequestMeter>,
    start: Instant,
}

thread_local! {
    static CURRENT: RefCell<Option<Slice>> = const { RefCell::new(None) };
}

/// The id of the request whose JS is running on this thread, if any (for log lines).
pub fn current_request_id() -> Option<String> {
    CURRENT.with(|c| c.borrow().as_ref().map(|s| s.meter.id.clone()))
}

/// Called by the isolate's interrupt handler: true stops the running JS (uncatchable).
pub(crate) fn should_interrupt() -> bool {
    over_budget()
}

/// Whether the request running on this thread has spent its CPU budget; once it has, its
/// meter is marked [`RequestMeter::exceeded`]. False outside a request.
///
/// Native work run inline on behalf of JS is inside the poll that [`Metered`] times, so it is
/// charged like JS; but QuickJS's interrupt handler only runs between bytecode ops. Native
/// operations whose cost the guest chooses (Web Crypto's RSA prime search, PBKDF2 rounds)
/// call this before they start and between steps, and stop with [`exceeded_error`] when it is
/// true.
pub fn over_budget() -> bool {
    CURRENT.with(|c| {
        let cur = c.borrow();
        let Some(slice) = cur.as_ref() else {
            return false;
        };
        let spent = slice.meter.used.get() + slice.start.elapsed();
        if spent > slice.meter.budget {
            slice.meter.exceeded.set(true);
            true
        } else {
            false
        }
    })
}

/// The error a native operation returns to stop a request past its CPU budget: QuickJS's own
/// uncatchable `InternalError: interrupted`, as the interrupt handler raises it, so the guest
/// cannot catch it and the request ends as a CPU overrun (`JsException::is_interrupt`).
pub fn exceeded_error(ctx: &Ctx<'_>) -> rquickjs::Error {
    let _ = Exception::throw_internal(ctx, "interrupted");
    let error = ctx.catch();
    // SAFETY: `ctx` is a live context and `error` a value of it (the InternalError just made);
    // setting the flag only marks the object.
    unsafe { rquickjs::qjs::JS_SetUncatchableError(ctx.as_raw().as_ptr(), error.as_raw()) };
    ctx.throw(error)
}

/// Runs `f` charged to `meter`, as one poll of a [`Metered`] future would: native work done
/// for a request outside a future, and tests of code that consults [`over_budget`].
pub fn run_metered<R>(meter: &Rc<RequestMeter>, f: impl FnOnce() -> R) -> R {
    let previous = enter(meter);
    let out = f();
    exit(previous);
    out
}

fn enter(meter: &Rc<RequestMeter>) -> Option<Slice> {
    CURRENT.with(|c| {
        c.borrow_mut().replace(Slice {
            meter: meter.clone(),
            start: Instant::now(),
        })
    })
}

fn exit(previous: Option<Slice>) {
    CURRENT.with(|c| {
        let mut cur = c.borrow_mut();
        if let Some(slice) = cur.take()
            && !slice.meter.per_slice
        {
            slice
                .meter
                .used
                .set(slice.meter.used.get() + slice.start.elapsed());
        }
        *cur = previous;
    });
}

/// A future whose every poll is charged to a [`RequestMeter`].
pub struct Metered<F> {
    inner: Pin<Box<F>>,
    meter: Rc<RequestMeter>,
}

impl<F: Future> Metered<F> {
    /// Wraps `inner` so that JS it runs is charged to `meter`.
    pub fn new(meter: Rc<RequestMeter>, inner: F) -> Self {
        Metered {
            inner: Box::pin(inner),
            meter,
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = enter(&self.meter);
        let out = self.inner.as_mut().poll(cx);
        exit(previous);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupt_fires_only_after_the_budget_is_spent() {
        // A budget no test run spends: no interrupt yet.
        let roomy = RequestMeter::new("r0", Duration::from_secs(3600));
        let prev = enter(&roomy);
        assert!(!should_interrupt());
        assert_eq!(current_request_id().as_deref(), Some("r0"));
        exit(prev);
        assert!(!roomy.exceeded());
        // A small budget: the interrupt comes once the (real) clock has passed it. Waits for
        // that event, however long a loaded machine takes.
        let meter = RequestMeter::new("r1", Duration::from_millis(5));
        let prev = enter(&meter);
        assert_eq!(current_request_id().as_deref(), Some("r1"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !should_interrupt() {
            assert!(Instant::now() < deadline, "the budget never ran out");
            std::thread::yield_now();
        }
        exit(prev);
        assert!(meter.exceeded());
        assert!(meter.used() >= meter.budget, "interrupted only once spent");
        assert_eq!(current_request_id(), None);
        assert!(!should_interrupt(), "no request is running after exit");
    }

    #[test]
    fn native_work_sees_the_budget_of_the_request_it_runs_for() {
        assert!(!over_budget(), "no request, no budget");
        let spent = RequestMeter::new("r3", Duration::ZERO);
        assert!(run_metered(&spent, over_budget));
        assert!(spent.exceeded());
        let fresh = RequestMeter::new("r4", Duration::from_secs(60));
        assert!(!run_metered(&fresh, over_budget));
        assert!(!fresh.exceeded());
        assert_eq!(
            current_request_id(),
            None,
            "run_metered restores the thread"
        );
    }

    #[test]
    fn the_exceeded_error_is_an_interrupt_the_guest_cannot_catch() {
        use rquickjs::CatchResultExt;
        let rt = rquickjs::Runtime::new().expect("runtime");
        let ctx = rquickjs::Context::full(&rt).expect("context");
        ctx.with(|ctx| {
            let stop =
                rquickjs::Function::new(ctx.clone(), |ctx: Ctx<'_>| -> rquickjs::Result<()> {
                    Err(exceeded_error(&ctx))
                })
                .expect("function");
            ctx.globals().set("stop", stop).expect("set");
            let r: rquickjs::Result<String> =
                ctx.eval("let s = 'ran on'; try { stop(); } catch (e) { s = 'caught'; } s");
            let caught = r.catch(&ctx).expect_err("the error passes every catch");
            let ex = crate::isolate::caught_to_exception(&ctx, caught);
            assert!(ex.is_interrupt(), "{ex}");
        });
    }

    #[test]
    fn time_accumulates_across_slices() {
        let meter = RequestMeter::new("r2", Duration::from_secs(3600));
        let mut seen = Vec::new();
        for _ in 0..3 {
            let prev = enter(&meter);
            // Let the clock move on within the slice (it always does; this makes it certain).
            let t0 = Instant::now();
            while Instant::now() == t0 {
                std::hint::spin_loop();
            }
            exit(prev);
            seen.push(meter.used());
        }
        assert!(
            Duration::ZERO < seen[0] && seen[0] < seen[1] && seen[1] < seen[2],
            "each slice adds to the total: {seen:?}"
        );
        assert!(!meter.exceeded());
    }
}
