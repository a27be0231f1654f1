//! Workers Queues: the producer binding (`env.QUEUE.send(body, { contentType, delaySeconds })`,
//! `sendBatch(messages, { delaySeconds })`) and the consumer driver that delivers batches to a
//! worker's `queue(batch, env, ctx)` (workers-api.md §8, semantics-notes.md §E).
//!
//! This crate owns the Queues semantics ([`core`]: content types, limits with Cloudflare's
//! messages, delay precedence, ack/retry/dead-letter decisions), the producer's JS glue
//! ([`js`]) and the consumer loop ([`consumer`]). Messages live in the deployment's
//! [`verge_store::QueueBackend`] (SQLite under `.verge/` today, a JetStream work queue in a
//! cluster): a `send` resolves once its messages are committed, and delivery is at least once.
//! The consumer's JS classes (`MessageBatch`, `Message`) and its event are verge-web's
//! ([`verge_web::queue`]), as every event enters JavaScript through one invoke path. It must not
//! touch files or SQLite itself.
//!
//! ```
//! use std::sync::Arc;
//! use verge_queues::core::{ContentType, Outgoing, Producer};
//! use verge_queues::error::SendOp;
//!
//! let dir = tempfile::tempdir()?;
//! let store = Arc::new(verge_store::sqlite::SqliteQueueStore::open_in(dir.path())?);
//! let producer = Producer::new(store, "jobs", 0, Arc::new(verge_store::SystemClock));
//! let msg = Outgoing { content_type: ContentType::Text, body: b"hi".to_vec(), delay_seconds: None };
//! let backlog = producer.send(SendOp::Send, vec![msg], None)?;
//! assert_eq!(backlog.count, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod consumer;
pub mod core;
pub mod error;
pub mod js;
pub mod limits;

pub use crate::core::{ConsumerSettings, Producer};
pub use js::QueuesExtension;
