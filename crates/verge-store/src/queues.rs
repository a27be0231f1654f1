//! The queue backend trait: what the Queues core needs from storage.
//!
//! A backend keeps messages durably and hands them out under leases; the core owns every
//! Workers-API rule (sizes, content types, delays, batching, retries, dead-letter queues).
//!
//! **Delivery model.** A message is *ready* once its `visible_at_ms` has passed. A consumer
//! [`QueueBackend::lease`]s ready messages: each gets one more attempt and stays invisible until
//! the lease ends, so a consumer that dies mid-batch (a crash, `kill -9`) loses nothing — the
//! messages come back when the lease runs out (at-least-once delivery). The consumer then
//! [`QueueBackend::settle`]s every leased message: acknowledged (deleted), retried (visible
//! again at a given time) or moved to another queue (a dead-letter queue, attempts reset).
//!
//! **Replication.** Writes are self-contained commands (send, lease, settle, purge) with the
//! caller's time, so a replicated backend (JetStream work queues: a stream per queue, acks and
//! naks with delays, a lease as the ack wait) can implement the same trait.

use crate::StoreError;

/// A message to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSend {
    /// Unique id (the core makes it).
    pub id: String,
    /// `json`, `text`, `bytes` or `v8`.
    pub content_type: String,
    /// The encoded body.
    pub body: Vec<u8>,
    /// When it was sent (ms since the epoch).
    pub timestamp_ms: u64,
    /// When it may first be delivered (ms since the epoch).
    pub visible_at_ms: u64,
}

/// A leased message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// Its id.
    pub id: String,
    /// `json`, `text`, `bytes` or `v8`.
    pub content_type: String,
    /// The encoded body.
    pub body: Vec<u8>,
    /// When it was sent (ms since the epoch).
    pub timestamp_ms: u64,
    /// Deliveries so far, this one included (1 on the first).
    pub attempts: u32,
}

/// What a queue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueBacklog {
    /// Messages not yet acknowledged (ready, delayed or leased).
    pub count: u64,
    /// Their body bytes.
    pub bytes: u64,
    /// The oldest one's send time (ms since the epoch).
    pub oldest_timestamp_ms: Option<u64>,
}

/// What a consumer may deliver now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueReady {
    /// Messages ready now.
    pub ready: u64,
    /// The earliest time one of the ready messages became ready.
    pub ready_since_ms: Option<u64>,
    /// When the next message that is not ready yet becomes ready.
    pub next_visible_ms: Option<u64>,
}

/// What happens to a leased message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueSettle {
    /// Delivered: delete it.
    Ack(String),
    /// Deliver it again from `visible_at_ms`.
    Retry {
        /// The message.
        id: String,
        /// When it becomes ready again.
        visible_at_ms: u64,
    },
    /// Move it to queue `to` (a dead-letter queue), ready at `visible_at_ms`, attempts reset.
    Move {
        /// The message.
        id: String,
        /// The queue it moves to.
        to: String,
        /// When it becomes ready there.
        visible_at_ms: u64,
    },
}

/// Storage for every queue of a deployment.
pub trait QueueBackend: Send + Sync {
    /// Stores `messages` on `queue`, all or none; durable when it returns `Ok`.
    fn send(&self, queue: &str, messages: &[QueueSend]) -> Result<(), StoreError>;

    /// What `queue` holds.
    fn backlog(&self, queue: &str) -> Result<QueueBacklog, StoreError>;

    /// What `queue` has ready at `now_ms`.
    fn ready(&self, queue: &str, now_ms: u64) -> Result<QueueReady, StoreError>;

    /// Leases up to `max` messages ready at `now_ms`, oldest-ready first, until
    /// `lease_until_ms`; each gets one more attempt.
    fn lease(
        &self,
        queue: &str,
        now_ms: u64,
        max: usize,
        lease_until_ms: u64,
    ) -> Result<Vec<QueueMessage>, StoreError>;

    /// Settles leased messages of `queue`, all or none (ids not on `queue` are skipped).
    fn settle(&self, queue: &str, outcomes: &[QueueSettle]) -> Result<(), StoreError>;

    /// Every queue that holds messages, by name, with its backlog.
    fn list(&self) -> Result<Vec<(String, QueueBacklog)>, StoreError>;

    /// Deletes every message of `queue`; returns how many.
    fn purge(&self, queue: &str) -> Result<u64, StoreError>;
}
