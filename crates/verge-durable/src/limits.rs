//! Durable Object limits, with the documented Workers value where one exists.

use std::time::Duration;

/// Retries of a failing alarm handler (Workers: 6).
pub const MAX_ALARM_RETRIES: u32 = 6;

/// Delay before the first retry of a failed alarm; each next retry waits twice as long
/// (Workers: exponential backoff starting at 2 s).
pub const ALARM_RETRY_BASE: Duration = Duration::from_secs(2);

/// How long `blockConcurrencyWhile()` may hold the object before it is reset (Workers: 30 s).
pub const BLOCK_CONCURRENCY_LIMIT: Duration = Duration::from_secs(30);

/// Most tags per hibernatable WebSocket (Workers: 10).
pub const MAX_TAGS: usize = 10;

/// Longest tag (Workers: 256 characters).
pub const MAX_TAG_LEN: usize = 256;

/// Largest serialized WebSocket attachment (Workers: 16,384 bytes).
pub const MAX_ATTACHMENT: usize = 16_384;

/// Default idle time before a live object is evicted (its storage stays; Workers evict after
/// 70–140 s of inactivity).
pub const DEFAULT_IDLE: Duration = Duration::from_secs(30);

/// Default most live objects per isolate thread when the file-descriptor limit does not
/// call for fewer (each holds its database, WAL and shared-memory files open).
pub const DEFAULT_MAX_LIVE_PER_THREAD: usize = 1024;

/// The most live objects per thread that `nofile` open files allow, leaving a quarter for
/// connections and other files: three descriptors per object.
pub fn max_live_per_thread(nofile: u64, threads: usize) -> usize {
    let budget = nofile.saturating_mul(3) / 4 / 3 / threads.max(1) as u64;
    (budget as usize).clamp(16, DEFAULT_MAX_LIVE_PER_THREAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_objects_fit_the_descriptor_limit() {
        assert_eq!(max_live_per_thread(1024, 2), 128);
        assert_eq!(max_live_per_thread(1 << 20, 2), DEFAULT_MAX_LIVE_PER_THREAD);
        assert_eq!(max_live_per_thread(64, 8), 16);
    }
}
