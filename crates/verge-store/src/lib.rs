//! Storage backends for verge bindings, behind one trait per binding.
//!
//! This crate owns *where bytes live*: [`KvBackend`] for Workers KV, [`SqlDatabase`] for
//! D1, [`durable::ObjectStorage`] and [`durable::AlarmIndex`] for Durable Objects, [`QueueBackend`]
//! for Queues,
//! [`cache::CacheStore`] for the edge cache (memory and disk tiers), the
//! [`Backends`] factory a deployment gets all of them from, and their SQLite implementations
//! under [`sqlite`] (a NATS JetStream backend will
//! implement the same traits later). It must not know the Workers API: key-length limits,
//! TTL minimums, error messages and cursors belong to the binding cores (`verge-kv`,
//! `verge-d1`), and no JavaScript type appears here. It also holds the [`Clock`] every core
//! reads time from, so tests drive time by hand.
//!
//! ```
//! use verge_store::{KvBackend, KvEntry, sqlite::SqliteKvStore};
//!
//! let dir = tempfile::tempdir()?;
//! let store = SqliteKvStore::open_in(dir.path())?;
//! store.put("MY_NS", b"greeting", KvEntry { value: b"hi".to_vec(), expiration: None, metadata: None })?;
//! let entry = store.get("MY_NS", b"greeting", 0)?.expect("just written");
//! assert_eq!(entry.value, b"hi");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod backends;
pub mod cache;
pub mod clock;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
pub mod durable;
pub mod error;
pub mod kv;
pub mod memory;
pub mod queues;
pub mod sql;
pub mod sqlite;

pub use backends::Backends;
pub use cache::{CacheBody, CacheEntry, CacheKey, CacheMeta, CacheStore, CacheWriter, Purge};
pub use clock::{
    Clock, ManualClock, OffsetFileClock, SystemClock, TEST_CLOCK_FILE_ENV, clock_from_env,
};
pub use error::StoreError;
pub use kv::{KvBackend, KvEntry, KvKeyInfo, KvListQuery};
pub use queues::{QueueBackend, QueueBacklog, QueueMessage, QueueReady, QueueSend, QueueSettle};
pub use sql::{
    Consistency, ScriptOutput, SqlDatabase, SqlError, SqlOutput, SqlStatement, SqlValue,
};
