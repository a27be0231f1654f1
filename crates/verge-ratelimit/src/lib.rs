//! The Workers rate limiting binding: `env.LIMITER.limit({ key })` resolves to `{ success }`
//! (workers-api.md §11; config `[[ratelimits]]` or `[[unsafe.bindings]]` of type
//! `ratelimit`, `simple = { limit, period }` with a period of 10 or 60 s).
//!
//! This crate owns the limiter ([`core`]: governor's GCRA, `limit` requests per `period`
//! per key, bursts up to `limit`) and the JS glue ([`js`]). Counters are kept in memory,
//! per node and per `namespace_id` (shared by every worker and binding of the process that
//! names the same namespace with the same `simple` settings, and kept across reloads), as
//! Cloudflare keeps them per location: approximate, never waiting on the network. It must not
//! store anything on disk.
//!
//! ```
//! use std::sync::Arc;
//! let limiter = verge_ratelimit::limiter(41, 2, 10, Arc::new(verge_store::SystemClock));
//! assert!(limiter.allow("a"));
//! assert!(limiter.allow("a"));
//! assert!(!limiter.allow("a"));
//! assert!(limiter.allow("b"));
//! ```
#![deny(missing_docs)]

pub mod core;
pub mod js;

pub use core::{Limiter, MAX_LIMITERS, limiter, limiter_within_cap};
pub use js::RateLimitExtension;
