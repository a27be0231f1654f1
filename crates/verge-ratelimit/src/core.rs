//! The limiter: one governor keyed rate limiter per namespace and setting, in a process-wide
//! registry so counters survive a reload and are shared by every binding of a namespace.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// Every this many checks, keys whose state is back to full are dropped (memory stays
/// bounded by the keys seen in about one period).
const SWEEP_EVERY: u32 = 4096;

/// Time for governor read from verge's clock (the test clock moves it), as a duration since
/// the epoch.
#[derive(Clone)]
struct StoreClock(Arc<dyn verge_store::Clock>);

impl GovernorClock for StoreClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.now_ms())
    }
}

type Keyed = RateLimiter<
    String,
    DashMapStateStore<String>,
    StoreClock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// `limit` requests per `period` for each key.
pub struct Limiter {
    keyed: Keyed,
    checks: AtomicU32,
    limit: u64,
    period: u64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limit", &self.limit)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    fn new(limit: u64, period: u64, clock: Arc<dyn verge_store::Clock>) -> Limiter {
        let burst =
            NonZeroU32::new(u32::try_from(limit).unwrap_or(u32::MAX).max(1)).expect("at least 1");
        // One request's worth comes back every period/limit: `limit` per `period` on average,
        // bursts of up to `limit`.
        let every = Duration::from_secs(period.max(1)) / burst.get();
        let quota = Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("a non-zero period")
            .allow_burst(burst);
        Limiter {
            keyed: RateLimiter::new(quota, DashMapStateStore::default(), StoreClock(clock)),
            checks: AtomicU32::new(0),
            limit,
            period,
        }
    }

    /// Counts one request for `key`: true when it is within the limit.
    pub fn allow(&self, key: &str) -> bool {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.keyed.retain_recent();
        }
        self.keyed.check_key(&key.to_string()).is_ok()
    }

    /// Requests per period.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The period in seconds.
    pub fn period(&self) -> u64 {
        self.period
    }
}

type Registry = Mutex<HashMap<(u64, u64, u64), Arc<Limiter>>>;

/// Most limiters (namespace and setting pairs) a process makes: `limit({ limit, period })`
/// overrides each make one, and a worker must not grow the registry without end.
pub const MAX_LIMITERS: usize = 10_000;

fn registry() -> std::sync::MutexGuard<'static, HashMap<(u64, u64, u64), Arc<Limiter>>> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY
        .get_or_init(Registry::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The process's limiter for namespace `namespace_id` with `limit` requests per `period`
/// seconds (made on first use; the same one afterwards, whoever asks).
pub fn limiter(
    namespace_id: u64,
    limit: u64,
    period: u64,
    clock: Arc<dyn verge_store::Clock>,
) -> Arc<Limiter> {
    registry()
        .entry((namespace_id, limit, period))
        .or_insert_with(|| Arc::new(Limiter::new(limit, period, clock)))
        .clone()
}

/// [`limiter`] for a setting a worker asks for at run time: `None` when it would be a new
/// one past [`MAX_LIMITERS`].
pub fn limiter_within_cap(
    namespace_id: u64,
    limit: u64,
    period: u64,
    clock: Arc<dyn verge_store::Clock>,
) -> Option<Arc<Limiter>> {
    let mut map = registry();
    let key = (namespace_id, limit, period);
    if !map.contains_key(&key) && map.len() >= MAX_LIMITERS {
        return None;
    }
    Some(
        map.entry(key)
            .or_insert_with(|| Arc::new(Limiter::new(limit, period, clock)))
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::ManualClock;

    #[test]
    fn limit_requests_per_period_per_key_then_refills() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let l = Limiter::new(3, 60, clock.clone());
        assert!((0..3).all(|_| l.allow("k")));
        assert!(!l.allow("k"));
        assert!(l.allow("other"));
        // One request's worth comes back every 20 s.
        clock.advance_secs(20);
        assert!(l.allow("k"));
        assert!(!l.allow("k"));
        clock.advance_secs(60);
        assert!((0..3).all(|_| l.allow("k")));
        assert!(!l.allow("k"));
    }

    #[test]
    fn run_time_settings_stop_at_the_cap_but_existing_ones_stay_usable() {
        let clock: Arc<dyn verge_store::Clock> = Arc::new(ManualClock::new(5));
        let known = limiter(77_001, 1, 10, clock.clone());
        let mut refused = false;
        for limit in 2..(MAX_LIMITERS as u64 + 10) {
            if limiter_within_cap(77_001, limit, 60, clock.clone()).is_none() {
                refused = true;
                break;
            }
        }
        assert!(refused, "the registry grew past {MAX_LIMITERS}");
        let again = limiter_within_cap(77_001, 1, 10, clock).expect("an existing setting");
        assert!(Arc::ptr_eq(&known, &again));
    }

    #[test]
    fn the_registry_shares_a_namespace_and_separates_settings() {
        let clock: Arc<dyn verge_store::Clock> = Arc::new(ManualClock::new(5));
        let a = limiter(9001, 1, 10, clock.clone());
        let b = limiter(9001, 1, 10, clock.clone());
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &limiter(9001, 2, 10, clock.clone())));
        assert!(!Arc::ptr_eq(&a, &limiter(9002, 1, 10, clock)));
    }
}
