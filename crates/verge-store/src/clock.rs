//! Time as the cores see it: injected, so tests move it by hand instead of sleeping.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the UNIX epoch.
///
/// Cores (KV expiry, D1 timestamps) read time only through this trait so tests can use
/// [`ManualClock`] and never sleep.
pub trait Clock: Send + Sync {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> u64;

    /// Whole seconds since the epoch (KV expirations are in seconds).
    fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; shareable across threads.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicU64,
}

impl ManualClock {
    /// A clock reading `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Self {
            now_ms: AtomicU64::new(now_ms),
        }
    }

    /// Sets the time.
    pub fn set_ms(&self, now_ms: u64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `ms`.
    pub fn advance_ms(&self, ms: u64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `secs` seconds.
    pub fn advance_secs(&self, secs: u64) {
        self.advance_ms(secs.saturating_mul(1000));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// Environment variable naming the file [`clock_from_env`] reads a time offset from.
pub const TEST_CLOCK_FILE_ENV: &str = "VERGE_TEST_CLOCK_FILE";

/// The clock the runtime should use: [`SystemClock`], unless the **test hook**
/// `VERGE_TEST_CLOCK_FILE` is set.
///
/// Test hook: when `VERGE_TEST_CLOCK_FILE=<path>` is set, time is the system time plus an
/// offset in milliseconds read from `<path>` on every call (an integer, may be negative; a
/// missing, empty or unparsable file means 0). Integration tests write the file to move the
/// running binary's clock forward (e.g. `61000` to pass a 60 s TTL) instead of sleeping.
/// Not for production use.
pub fn clock_from_env() -> Arc<dyn Clock> {
    match std::env::var_os(TEST_CLOCK_FILE_ENV) {
        Some(path) if !path.is_empty() => Arc::new(OffsetFileClock { path: path.into() }),
        _ => Arc::new(SystemClock),
    }
}

/// System time plus an offset read from a file on each call; see [`clock_from_env`].
#[derive(Debug, Clone)]
pub struct OffsetFileClock {
    path: PathBuf,
}

impl OffsetFileClock {
    /// A clock offset by the integer in `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    fn offset_ms(&self) -> i64 {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0)
    }
}

impl Clock for OffsetFileClock {
    fn now_ms(&self) -> u64 {
        SystemClock.now_ms().saturating_add_signed(self.offset_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(5_000);
        assert_eq!(clock.now_ms(), 5_000);
        assert_eq!(clock.now_secs(), 5);
        clock.advance_secs(2);
        assert_eq!(clock.now_ms(), 7_000);
        clock.set_ms(1);
        assert_eq!(clock.now_ms(), 1);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }

    #[test]
    fn offset_file_clock_adds_the_file_offset_on_every_call() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("offset");
        let clock = OffsetFileClock::new(&path);
        let base = SystemClock.now_ms();
        assert!(
            clock.now_ms().abs_diff(base) < 60_000,
            "missing file = no offset"
        );
        std::fs::write(&path, "").expect("write");
        assert!(
            clock.now_ms().abs_diff(base) < 60_000,
            "empty file = no offset"
        );
        std::fs::write(&path, "3600000\n").expect("write");
        assert!(clock.now_ms() >= base + 3_600_000);
        std::fs::write(&path, "-3600000").expect("write");
        assert!(clock.now_ms() < base);
    }
}
