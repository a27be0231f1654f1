//! Durable Objects: single-owner stateful actors with transactional storage and alarms.
//!
//! This crate owns placement (one live instance per id, on the isolate thread chosen by
//! hashing the id), event delivery with input and output gates, the storage API over a
//! [`verge_store::durable::ObjectStorage`] backend, alarms, and the Workers-shaped JS glue
//! (`js/durable.js`). It must not open SQLite itself: the store crate does.
//!
//! ```
//! use verge_durable::id::NamespaceKey;
//! let ns = NamespaceKey::new("my-worker", "Counter");
//! let id = ns.id_from_name("room-1");
//! assert_eq!(ns.validate(&id).unwrap(), id);
//! ```
#![deny(missing_docs)]

pub mod core;
pub mod id;
pub mod js;
pub mod runtime;
pub mod sockets;

pub use js::DurableExtension;
pub use runtime::{DurableRuntime, NamespaceConfig};
