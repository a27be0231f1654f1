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
    current_request_over_budget()
}

/// True when the request running JS on this thread has spent its CPU budget, for host code
/// that does long work inside a JS call on this thread (a Durable Object's SQL) and must
/// stop when the request's budget is gone. Like the isolate's interrupt handler it marks the
/// request [exceeded](RequestMeter::exceeded), so the request then fails as a CPU overrun
/// (1102) whatever the host call returned. False when no request is running here.
pub fn current_request_over_budget() -> bool {
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
        let meter = RequestMeter::new("r1", Duration::from_millis(5));
        let prev = enter(&meter);
        assert!(!should_interrupt());
        assert_eq!(current_request_id().as_deref(), Some("r1"));
        std::thread::sleep(Duration::from_millis(6)); // a real clock is what is being measured
        assert!(should_interrupt());
        exit(prev);
        assert!(meter.exceeded());
        assert!(meter.used() >= Duration::from_millis(6));
        assert_eq!(current_request_id(), None);
        assert!(!should_interrupt(), "no request is running after exit");
    }

    #[test]
    fn host_code_sees_the_running_request_over_budget_and_marks_it() {
        assert!(!current_request_over_budget(), "no request on this thread");
        let meter = RequestMeter::new("r3", Duration::from_millis(5));
        let prev = enter(&meter);
        assert!(!current_request_over_budget());
        assert!(!meter.exceeded());
        std::thread::sleep(Duration::from_millis(6)); // a real clock is what is being measured
        assert!(current_request_over_budget());
        exit(prev);
        assert!(meter.exceeded(), "the request will fail as a CPU overrun");
    }

    #[test]
    fn time_accumulates_across_slices() {
        let meter = RequestMeter::new("r2", Duration::from_secs(10));
        for _ in 0..3 {
            let prev = enter(&meter);
            std::thread::sleep(Duration::from_millis(2));
            exit(prev);
        }
        assert!(meter.used() >= Duration::from_millis(6));
        assert!(!meter.exceeded());
    }
}
