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
    /// Work still holding the request open ([`RequestMeter::hold`]).
    work: Cell<usize>,
    /// Set when the last [`WorkGuard`] dropped: the request's work is over.
    ended: Cell<bool>,
    end: tokio::sync::Notify,
    over: tokio::sync::Notify,
    invocation: RefCell<Rc<InvocationBudget>>,
    /// The invocation on whose behalf this one runs (an RPC call's root caller): what it
    /// hands out by reference lives as long as that one's work.
    owner: RefCell<Option<Rc<RequestMeter>>>,
}

/// Keeps a request's work open (the event itself, its streamed response body, its
/// `waitUntil` work). When the last guard drops the request has ended, and the timers it
/// started stop ([`current_scope`]): a request's timers never outlive its work.
#[derive(Debug)]
pub struct WorkGuard(Rc<RequestMeter>);

impl Drop for WorkGuard {
    fn drop(&mut self) {
        let n = self.0.work.get().saturating_sub(1);
        self.0.work.set(n);
        if n == 0 {
            self.0.ended.set(true);
            self.0.end.notify_waiters();
            let me = Rc::as_ptr(&self.0);
            ACTIVE.with(|a| {
                a.borrow_mut()
                    .retain(|w| w.as_ptr() != me && w.strong_count() > 0)
            });
        }
    }
}

/// Which work a timer belongs to, decided when it is set ([`timer_scope`]).
#[derive(Debug, Clone)]
pub enum TimerScope {
    /// A request: the timer stops when the request's work is over.
    Request(Rc<RequestMeter>),
    /// Work with no end of its own (a live Durable Object, module evaluation): the timer runs.
    Unbounded,
    /// Nothing that could own it is running (a promise job left behind by ended requests):
    /// the timer never fires.
    Orphan,
}

impl TimerScope {
    /// Resolves when the owning work is over (at once for [`TimerScope::Orphan`], never for
    /// [`TimerScope::Unbounded`]).
    pub async fn until_ended(&self) {
        match self {
            TimerScope::Request(m) => m.until_ended().await,
            TimerScope::Unbounded => std::future::pending().await,
            TimerScope::Orphan => {}
        }
    }
}

thread_local! {
    /// Events in progress on this thread, oldest first: who owns a timer set by a JS job that
    /// ran outside any event's poll.
    static ACTIVE: RefCell<Vec<std::rc::Weak<RequestMeter>>> = const { RefCell::new(Vec::new()) };
}

/// Records that `meter`'s event is in progress on this thread until the returned guard drops
/// (for a held meter, until its work is over as well).
pub fn activate(meter: &Rc<RequestMeter>) -> ActiveGuard {
    ACTIVE.with(|a| a.borrow_mut().push(Rc::downgrade(meter)));
    ActiveGuard(Rc::downgrade(meter))
}

/// See [`activate`].
#[derive(Debug)]
pub struct ActiveGuard(std::rc::Weak<RequestMeter>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        // A held meter leaves the list when its work is over (WorkGuard), not here.
        if self.0.upgrade().is_some_and(|m| m.work.get() > 0) {
            return;
        }
        let me = self.0.as_ptr();
        ACTIVE.with(|a| {
            a.borrow_mut()
                .retain(|w| w.as_ptr() != me && w.strong_count() > 0)
        });
    }
}

fn scope_of(meter: &Rc<RequestMeter>) -> TimerScope {
    if meter.work.get() > 0 || meter.ended.get() {
        TimerScope::Request(meter.clone())
    } else {
        TimerScope::Unbounded
    }
}

/// Who owns a timer set now: the event whose JS is running (a request, or unbounded work such
/// as a Durable Object's); for JS run by a background poll, the newest event still in progress
/// on this thread, else nobody ([`TimerScope::Orphan`]); outside any meter, nothing
/// ([`TimerScope::Unbounded`]). Timer callbacks pass their
/// own scope on to the timers they set (js/global.js), so a chain of timers stays with the
/// request that started it.
pub fn timer_scope() -> TimerScope {
    let current = CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|s| (s.meter.clone(), s.meter.per_slice))
    });
    match current {
        Some((m, false)) => scope_of(&m),
        Some((_, true)) => ACTIVE.with(|a| {
            a.borrow()
                .iter()
                .rev()
                .find_map(std::rc::Weak::upgrade)
                .map(|m| scope_of(&m))
                .unwrap_or(TimerScope::Orphan)
        }),
        // Not under any meter (an embedder running JS directly, tests): nothing to end it.
        None => TimerScope::Unbounded,
    }
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
            work: Cell::new(0),
            ended: Cell::new(false),
            end: tokio::sync::Notify::new(),
            over: tokio::sync::Notify::new(),
            invocation: RefCell::default(),
            owner: RefCell::default(),
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
            work: Cell::new(0),
            ended: Cell::new(false),
            end: tokio::sync::Notify::new(),
            over: tokio::sync::Notify::new(),
            invocation: RefCell::default(),
            owner: RefCell::default(),
        })
    }

    /// Holds the request's work open until the guard drops (see [`WorkGuard`]). A meter that
    /// was never held has no end: its timers run on (module evaluation, Durable Objects,
    /// whose timers live as long as the object).
    pub fn hold(self: &Rc<Self>) -> WorkGuard {
        self.work.set(self.work.get() + 1);
        WorkGuard(self.clone())
    }

    fn mark_exceeded(&self) {
        if !self.exceeded.replace(true) {
            self.over.notify_waiters();
        }
    }

    /// Resolves once the request has been stopped for exceeding its CPU budget.
    pub async fn until_exceeded(&self) {
        let notified = self.over.notified();
        if self.exceeded.get() {
            return;
        }
        notified.await;
    }

    /// True once the request's work has been held open ([`RequestMeter::hold`]): it has an
    /// end, whether or not it came yet.
    pub fn has_end(&self) -> bool {
        self.work.get() > 0 || self.ended.get()
    }

    /// True once the request's work is over.
    pub fn ended(&self) -> bool {
        self.ended.get()
    }

    /// Resolves when the request's work is over (never for a meter never held).
    pub async fn until_ended(&self) {
        let notified = self.end.notified();
        if self.ended.get() {
            return;
        }
        notified.await;
    }

    /// Makes this invocation run on behalf of `owner` (see [`RequestMeter::owner`]).
    pub fn set_owner(&self, owner: Rc<RequestMeter>) {
        *self.owner.borrow_mut() = Some(owner);
    }

    /// The invocation this one runs on behalf of: the root of a chain of RPC calls (itself
    /// when it was not called over RPC).
    pub fn owner(self: &Rc<Self>) -> Rc<RequestMeter> {
        self.owner.borrow().clone().unwrap_or_else(|| self.clone())
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
            slice.meter.mark_exceeded();
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

/// Ends the current slice, charging its time to its meter, and resumes `previous` (a slice
/// that was interrupted by a nested one): the nested time is charged only to the nested
/// meter, so the outer slice's clock skips it.
fn exit(previous: Option<Slice>) {
    CURRENT.with(|c| {
        let mut cur = c.borrow_mut();
        let nested = cur.take().map(|slice| {
            let spent = slice.start.elapsed();
            if !slice.meter.per_slice {
                slice.meter.used.set(slice.meter.used.get() + spent);
            }
            spent
        });
        *cur = previous.map(|mut outer| {
            outer.start += nested.unwrap_or_default();
            outer
        });
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
    fn a_request_ends_when_its_last_work_guard_drops() {
        let meter = RequestMeter::new("r5", Duration::from_secs(1));
        assert!(matches!(
            run_metered(&meter, timer_scope),
            TimerScope::Unbounded
        ));
        let event = meter.hold();
        let body = meter.hold();
        assert!(matches!(
            run_metered(&meter, timer_scope),
            TimerScope::Request(_)
        ));
        drop(event);
        assert!(!meter.ended(), "the body still streams");
        let waiting = meter.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let wait = waiting.until_ended();
            drop(body);
            wait.await;
        });
        assert!(meter.ended());
    }

    #[test]
    fn background_js_gives_its_timers_to_the_newest_event_in_progress() {
        let background = RequestMeter::per_slice("bg", Duration::from_secs(1));
        assert!(matches!(
            run_metered(&background, timer_scope),
            TimerScope::Orphan
        ));
        let request = RequestMeter::new("req", Duration::from_secs(1));
        let work = request.hold();
        let active = activate(&request);
        match run_metered(&background, timer_scope) {
            TimerScope::Request(m) => assert_eq!(m.id(), "req"),
            other => panic!("{other:?}"),
        }
        drop(active);
        assert!(
            matches!(
                run_metered(&background, timer_scope),
                TimerScope::Request(_)
            ),
            "still in progress while its work goes on"
        );
        drop(work);
        assert!(matches!(
            run_metered(&background, timer_scope),
            TimerScope::Orphan
        ));
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
