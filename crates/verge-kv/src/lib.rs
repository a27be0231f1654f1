//! Workers KV for verge: the namespace core, its limits and its errors.
//!
//! This crate owns KV *semantics*: key rules, TTL and expiration checks, metadata and value
//! limits, bulk gets, list pagination with opaque cursors, and every error message of
//! workers-api.md §4 with the JS class it is thrown as. It stores nothing itself (that is a
//! [`verge_store::KvBackend`]) and contains no JavaScript: the `KVNamespace` class is glue
//! over [`KvNamespace`] that only converts arguments and results.
//!
//! ```
//! use std::sync::Arc;
//! use verge_kv::{KvGetOptions, KvListOptions, KvNamespace, KvPutOptions};
//! use verge_store::{ManualClock, memory::MemoryKvStore};
//!
//! let clock = Arc::new(ManualClock::new(1_767_225_600_000));
//! let kv = KvNamespace::new(Arc::new(MemoryKvStore::new()), "MY_KV", clock.clone());
//! kv.put("session", b"abc".to_vec(), &KvPutOptions { expiration_ttl: Some(60.0), ..Default::default() })?;
//! assert_eq!(kv.get("session", &KvGetOptions::default())?, Some(b"abc".to_vec()));
//! assert_eq!(kv.list(&KvListOptions::default())?.keys[0].name, "session");
//! clock.advance_secs(60);
//! assert_eq!(kv.get("session", &KvGetOptions::default())?, None);
//! # Ok::<(), verge_kv::KvError>(())
//! ```
#![deny(missing_docs)]

pub mod error;
pub mod js;
pub mod limits;
pub mod namespace;

pub use crate::error::{KvError, KvOp, js_number};
pub use crate::js::{KvExtension, expiry_sweep};
pub use crate::namespace::{
    KvGetOptions, KvListKey, KvListOptions, KvListResult, KvNamespace, KvPutOptions, KvValue,
    KvValueType, decode_cursor, encode_cursor, validate_key,
};
