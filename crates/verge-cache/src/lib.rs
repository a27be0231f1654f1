//! The edge cache of verge (DESIGN: "Cache API, subrequest cache, tiers, purge, HTMLRewriter
//! glue"): the `caches` global with Workers' semantics ([`js`], `js/cache.js`), the subrequest
//! cache behind `fetch(url, { cf: { cacheTtl, … } })` ([`subrequest`]), stale-while-revalidate,
//! stale-if-error and request coalescing beyond Cloudflare, and purge by URL, tag, prefix, host
//! or everything ([`core`], [`purge`]).
//!
//! It owns the HTTP *rules* of caching ([`policy`]: what is stored, for how long, variants,
//! conditional and range requests) and their errors ([`error`], [`limits`]); where bytes live
//! is `verge-store`'s [`verge_store::cache::CacheStore`] (memory over disk), reached only
//! through that trait (this crate's `clippy.toml` bans files and SQLite).
//!
//! ```
//! use std::sync::Arc;
//! use verge_cache::core::{CacheOptions, EdgeCache};
//! use verge_cache::policy::{storable, Storable};
//! use verge_store::{ManualClock, cache::memory::MemoryCacheStore};
//!
//! let headers = vec![("cache-control".to_string(), "max-age=60".to_string())];
//! let Storable::Yes { freshness, .. } = storable(200, &headers, 0, false, None) else { panic!() };
//! assert_eq!(freshness.ttl, 60);
//! let cache = EdgeCache::new(
//!     Arc::new(MemoryCacheStore::new(64 << 20, 4 << 20)),
//!     Arc::new(ManualClock::new(0)),
//!     CacheOptions::default(),
//! );
//! assert!(cache.lookup("default", "https://example.com/", &[])?.is_none());
//! # Ok::<(), verge_cache::error::CacheError>(())
//! ```
#![deny(missing_docs)]

pub mod core;
pub mod error;
pub mod js;
pub mod limits;
pub mod policy;
pub mod purge;
pub mod subrequest;

pub use crate::core::{CacheOptions, EdgeCache};
pub use crate::error::CacheError;
pub use crate::js::CacheExtension;
