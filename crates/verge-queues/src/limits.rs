//! Queues limits, with the values Workers documents (workers-api.md §8) and miniflare enforces.

/// Largest message body in bytes (encoded: JSON text, UTF-8 text, bytes, or serialized).
pub const MAX_MESSAGE_BYTES: usize = 128_000;
/// Most messages in one `sendBatch`.
pub const MAX_BATCH_MESSAGES: usize = 100;
/// Most body bytes in one `sendBatch`.
pub const MAX_BATCH_BYTES: usize = 256_000;
/// Longest `delaySeconds` (on send, on retry) and `delivery_delay`: 12 hours.
pub const MAX_DELAY_SECONDS: u32 = 43_200;
/// How long a delivered batch stays leased to its consumer: the consumer's wall-clock limit
/// (15 minutes) and a minute more. A batch whose consumer died (a crash, `kill -9`) is
/// delivered again once its lease ends.
pub const LEASE_MS: u64 = 16 * 60 * 1000;
/// How often a consumer looks for ready messages when nothing tells it sooner.
pub const POLL_MS: u64 = 200;
