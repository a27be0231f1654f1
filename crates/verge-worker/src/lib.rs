//! verge deployments: the layer between the HTTP edge and the bindings.
//!
//! This crate owns a *deployment* — one or more workers built from their configs, over one
//! [`verge_store::Backends`] factory (SQLite files under `.verge/` by default; a cluster backend
//! later) — and everything that is per deployment rather than per request: assembling each
//! worker from the single list of [`parts::PARTS`] (the Web platform, then each binding kind),
//! loading and reloading versions, background tasks (alarm schedulers, the KV expiry sweep),
//! and the entry every event takes ([`Deployment::invoke`]) into verge-web's one invoke path.
//! It must not speak HTTP (that is `verge-edge`) nor know how a binding stores its data (that
//! is each binding crate over `verge-store`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use verge_worker::{Deployment, DeploymentOptions, WorkerSource};
//!
//! let threads = Arc::new(verge_js::IsolateThreads::start(2)?);
//! let backends = Arc::new(verge_store::sqlite::SqliteBackends::new("my-app/.verge")?);
//! let options = DeploymentOptions {
//!     cpu_ms: None,
//!     do_idle: std::time::Duration::from_secs(30),
//!     max_live_objects_per_thread: 1024,
//!     clock: Arc::new(verge_store::SystemClock),
//!     d1_query_timeout: verge_d1::limits::MAX_QUERY_DURATION,
//!     cache: verge_cache::CacheOptions::default(),
//! };
//! let source = WorkerSource { dir: "my-app".into(), config: None, env: None };
//! let deployment = Deployment::new(vec![source], backends, threads, options,
//!     Box::new(|w| eprintln!("warning: {w}")))?;
//! deployment.load().await?;
//! println!("serving {}", deployment.http_worker().name());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod cron;
pub mod deployment;
pub mod parts;

pub use deployment::{DeployError, Deployment, DeploymentOptions, Version, WorkerSource};
