//! Durable Objects: single-owner stateful actors with transactional storage and alarms.
//!
//! This crate owns placement (one live instance per id, on the isolate thread chosen by
//! hashing the id, at most [`limits::max_live_per_thread`] per thread), event delivery
//! through verge-web's one invoke path with input and output gates, the storage API over a
//! [`verge_store::durable::DurableBackend`], alarms and their retries, migrations, and the
//! Workers-shaped JS glue (`js/durable.js`). It must not open SQLite or files itself: the
//! store crate does.
//!
//! Modules depend one way: `object` (storage semantics, no JS) ← `runtime` (placement,
//! delivery; instances are made through the [`runtime::ObjectHost`] trait) ← `alarms`,
//! `sockets` ← `js` (the glue, which implements `ObjectHost`).
//!
//! ```
//! use verge_durable::id::NamespaceKey;
//! let ns = NamespaceKey::new("my-worker", "Counter");
//! let id = ns.id_from_name("room-1");
//! assert_eq!(ns.validate(&id).unwrap(), id);
//! ```
#![deny(missing_docs)]

pub mod alarms;
pub mod error;
pub mod id;
pub mod js;
pub mod limits;
pub mod migrations;
pub mod object;
pub mod runtime;
pub mod sockets;

pub use error::DurableError;
pub use js::{DurableExtension, DurableRouter, RemoteNamespace};
pub use migrations::Migration;
pub use runtime::{DurableRuntime, NamespaceConfig, RuntimeOptions};
