//! CPU metering: which request is running JS on this thread right now, and for how long.
//!
//! QuickJS is single-threaded and an isolate lives on one thread, so "the request running JS"
//! is a per-thread fact: [`Metered`] records it around every poll of an isolate's futures, and
//! the isolate's interrupt handler (polled by QuickJS about every 10k bytecode ops) compares the
//! time spent against the request's budget.
//!
//! Attribution is per poll: JS jobs that another request queued and that run while this
//! request's future is polled are charged to this request. Workers charges CPU the same way
//! (to the invocation whose event is being delivered). The isolate's driver task, which runs
//! the jobs that I/O completions queue (the continuation after an `await fetch(…)`), charges
//! them to the most recently started invocation still running in that isolate
//! ([`Invocations`]), and to its per-poll background budget only when none is.
//!
//! Besides CPU, a [`RequestMeter`] counts what Workers limits per invocation: binding
//! operations ([`charge_binding_op`]) and subrequests ([`charge_subrequest`]; shared with the
//! invocation's `waitUntil` work), and carries how many more Worker-to-Worker hops the
//! invocation may cause ([`current_invocations_left`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
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
    invocation: RefCell<Rc<InvocationBudget>>,
}

/// What one invocation may still do, shared by its request meter and its `waitUntil` meter.
#[derive(Debug)]
struct InvocationBudget {
    /// Subrequests made so far.
    subrequests: Cell<u32>,
    /// `limits.subrequests`; `None`: no limit.
    subrequest_limit: Cell<Option<u32>>,
    /// The invocation's `cf-ew-via` value: how many more Worker invocations a chain of
    /// Worker-to-Worker requests through it may make.
    invocations_left: Cell<u32>,
}

impl Default for InvocationBudget {
    fn default() -> Self {
        InvocationBudget {
            subrequests: Cell::new(0),
            subrequest_limit: Cell::new(None),
            invocations_left: Cell::new(MAX_WORKER_INVOCATIONS),
        }
    }
}

/// Binding operations (KV, D1, Durable Object storage, …) one invocation may make (Workers: 1,000).
pub const MAX_BINDING_OPS: u32 = 1_000;

/// The error binding glue throws past [`MAX_BINDING_OPS`].
pub const TOO_MANY_BINDING_OPS: &str = "Too many API requests by single worker invocation.";

/// The error `fetch()` rejects with past the invocation's subrequest limit (semantics notes H3).
pub const TOO_MANY_SUBREQUESTS: &str = "Too many subrequests.";

/// Worker invocations one chain of Worker-to-Worker requests may make (Workers: 16; the 17th
/// is answered with error 1019). A request that did not come from a Worker starts with this
/// many.
pub const MAX_WORKER_INVOCATIONS: u32 = 16;

/// Counts one subrequest (an outbound `fetch` or one redirect hop it follows) against the
/// invocation running JS on this thread; false when that is over its `limits.subrequests`.
/// Work outside an invocation is not counted.
pub fn charge_subrequest() -> bool {
    match current_invocation() {
        Some(meter) => meter.charge_subrequest(),
        None => true,
    }
}

/// The `cf-ew-via` value of the invocation running JS on this thread, if any.
pub fn current_invocations_left() -> Option<u32> {
    current_invocation().map(|m| m.invocations_left())
}

/// The invocation whose JS is running on this thread (not a background slice).
pub fn current_invocation() -> Option<Rc<RequestMeter>> {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|s| !s.meter.per_slice)
            .map(|s| s.meter.clone())
    })
}

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
            invocation: RefCell::default(),
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
            invocation: RefCell::default(),
        })
    }

    /// Sets the invocation's subrequest limit (`limits.subrequests`; `None`: no limit).
    pub fn set_subrequest_limit(&self, limit: Option<u32>) {
        self.invocation.borrow().subrequest_limit.set(limit);
    }

    /// Sets the invocation's `cf-ew-via` value (see [`MAX_WORKER_INVOCATIONS`]).
    pub fn set_invocations_left(&self, left: u32) {
        self.invocation.borrow().invocations_left.set(left);
    }

    /// The invocation's `cf-ew-via` value.
    pub fn invocations_left(&self) -> u32 {
        self.invocation.borrow().invocations_left.get()
    }

    /// Makes this meter count subrequests (and carry hops) with `other`'s invocation: a
    /// request's `waitUntil` work belongs to the request's invocation.
    pub fn share_invocation(&self, other: &RequestMeter) {
        let shared = other.invocation.borrow().clone();
        *self.invocation.borrow_mut() = shared;
    }

    /// Counts one subrequest; false when the invocation is over its limit.
    pub fn charge_subrequest(&self) -> bool {
        let b = self.invocation.borrow();
        let n = b.subrequests.get().saturating_add(1);
        b.subrequests.set(n);
        b.subrequest_limit.get().is_none_or(|limit| n <= limit)
    }

    /// Subrequests counted so far.
    pub fn subrequests(&self) -> u32 {
        self.invocation.borrow().subrequests.get()
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

/// The invocations running in one isolate, most recent last: the isolate's driver charges the
/// jobs it runs to the most recent one (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Invocations(Rc<RefCell<Vec<Weak<RequestMeter>>>>);

/// Keeps an invocation in its [`Invocations`] until dropped.
#[derive(Debug)]
pub struct InvocationGuard {
    list: Invocations,
    meter: Weak<RequestMeter>,
}

impl Invocations {
    /// Records that `meter`'s invocation runs until the guard is dropped. Background meters
    /// ([`RequestMeter::per_slice`]) are not invocations.
    pub fn enter(&self, meter: &Rc<RequestMeter>) -> Option<InvocationGuard> {
        if meter.per_slice {
            return None;
        }
        let weak = Rc::downgrade(meter);
        self.0.borrow_mut().push(weak.clone());
        Some(InvocationGuard {
            list: self.clone(),
            meter: weak,
        })
    }

    /// The most recently entered invocation still running and within its CPU budget.
    fn latest(&self) -> Option<Rc<RequestMeter>> {
        self.0
            .borrow()
            .iter()
            .rev()
            .filter_map(Weak::upgrade)
            .find(|m| !m.exceeded())
    }
}

impl Drop for InvocationGuard {
    fn drop(&mut self) {
        let mut list = self.list.0.borrow_mut();
        if let Some(i) = list.iter().rposition(|w| w.ptr_eq(&self.meter)) {
            list.remove(i);
        }
    }
}

/// A future whose every poll is charged to a [`RequestMeter`].
pub struct Metered<F> {
    inner: Pin<Box<F>>,
    meter: Rc<RequestMeter>,
    /// For an isolate's driver: charge the running invocation, if any, instead of `meter`.
    invocations: Option<Invocations>,
}

impl<F: Future> Metered<F> {
    /// Wraps `inner` so that JS it runs is charged to `meter`.
    pub fn new(meter: Rc<RequestMeter>, inner: F) -> Self {
        Metered {
            inner: Box::pin(inner),
            meter,
            invocations: None,
        }
    }

    /// Wraps an isolate's driver: JS it runs is charged to the most recent of `invocations`
    /// still running, else to the background meter `meter`.
    pub fn background(meter: Rc<RequestMeter>, invocations: Invocations, inner: F) -> Self {
        Metered {
            inner: Box::pin(inner),
            meter,
            invocations: Some(invocations),
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let meter = match &self.invocations {
            Some(list) => list.latest().unwrap_or_else(|| self.meter.clone()),
            None => self.meter.clone(),
        };
        let previous = enter(&meter);
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
    fn subrequests_are_counted_against_the_limit_and_shared_with_wait_until() {
        let request = RequestMeter::new("r3", Duration::from_secs(1));
        request.set_subrequest_limit(Some(2));
        let wait_until = RequestMeter::new("r3:waitUntil", Duration::from_secs(1));
        wait_until.share_invocation(&request);
        assert!(request.charge_subrequest());
        assert!(wait_until.charge_subrequest());
        assert!(
            !request.charge_subrequest(),
            "the third is over the limit of 2"
        );
        assert_eq!(request.subrequests(), 3);
        let unlimited = RequestMeter::new("r4", Duration::from_secs(1));
        assert!((0..20_000).all(|_| unlimited.charge_subrequest()));
    }

    #[test]
    fn subrequests_are_charged_to_the_invocation_running_js_only() {
        assert!(
            charge_subrequest(),
            "nothing runs: nothing to count against"
        );
        let meter = RequestMeter::new("r5", Duration::from_secs(1));
        meter.set_subrequest_limit(Some(0));
        meter.set_invocations_left(3);
        let prev = enter(&meter);
        assert!(!charge_subrequest());
        assert_eq!(current_invocations_left(), Some(3));
        exit(prev);
        let background = RequestMeter::per_slice("bg", Duration::from_secs(1));
        let prev = enter(&background);
        assert!(charge_subrequest(), "background work is no invocation");
        assert_eq!(current_invocations_left(), None);
        exit(prev);
    }

    #[test]
    fn the_driver_charges_the_latest_running_invocation() {
        let invocations = Invocations::default();
        let background = RequestMeter::per_slice("bg", Duration::from_secs(1));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let seen2 = seen.clone();
        let mut driver = Box::pin(Metered::background(
            background.clone(),
            invocations.clone(),
            std::future::poll_fn(move |_| {
                seen2.borrow_mut().push(current_request_id());
                Poll::<()>::Pending
            }),
        ));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut poll = || {
            let _ = driver.as_mut().poll(&mut cx);
        };
        poll();
        let a = RequestMeter::new("a", Duration::from_secs(1));
        let guard_a = invocations.enter(&a);
        poll();
        let b = RequestMeter::new("b", Duration::from_secs(1));
        let guard_b = invocations.enter(&b);
        poll();
        drop(guard_b);
        poll();
        a.exceeded.set(true);
        poll();
        drop(guard_a);
        assert!(invocations.enter(&background).is_none());
        let ids: Vec<_> = seen
            .borrow()
            .iter()
            .map(|s| s.clone().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["bg", "a", "b", "a", "bg"]);
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
