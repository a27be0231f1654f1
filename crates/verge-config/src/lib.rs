//! Reads a Worker's configuration: `wrangler.toml` / `wrangler.json` / `wrangler.jsonc` plus the
//! local secrets files (`.dev.vars[.<env>]` or `.env*`) into a typed, validated
//! [`WorkerConfig`].
//!
//! This crate owns discovery, parsing (with line/column on syntax errors), `[env.<name>]`
//! selection and inheritance, compatibility date/flag resolution, and every check that can be
//! made without running JavaScript (binding names, Durable Object migrations, ranges, crons).
//! It never runs Worker code, never opens a store and never touches the network; whether `main`
//! actually exports a Durable Object class is checked later, by the runtime.
//!
//! Unknown keys are warnings ([`Loaded::warnings`]), not errors; wrong types on known keys
//! are errors naming the file and field path. The schema followed is
//! `shared/spec/wrangler-config.md`, checked against wrangler's own `config-schema.json`.
//!
//! Every field verge does not act on is named in a warning that says what happens instead
//! (`field "r2_buckets[0]": R2 buckets are not supported yet; env.FILES will be
//! undefined`); fields verge supports in part name the part that is ignored. One table in
//! `src/fields.rs` decides this for every top-level field.
//!
//! ```
//! use verge_config::{CompatDate, CompatFlags};
//!
//! let date: CompatDate = "2024-04-03".parse().unwrap();
//! assert_eq!(date.to_string(), "2024-04-03");
//! assert!("2023-02-29".parse::<CompatDate>().is_err());
//!
//! let flags = CompatFlags::resolve(date, &["no_rpc".to_string()]).unwrap();
//! assert!(flags.enabled("queues_json_messages")); // on by default since 2024-03-18
//! assert!(!flags.enabled("rpc")); // explicitly turned off
//! ```
//!
//! Loading a project:
//!
//! ```no_run
//! let loaded = verge_config::load(&verge_config::LoadOptions::new("."))?;
//! for w in &loaded.warnings {
//!     eprintln!("warning: {w}");
//! }
//! if let Some(main) = &loaded.config.main {
//!     println!("{} → {}", loaded.config.name, main.display());
//! }
//! # Ok::<(), verge_config::ConfigError>(())
//! ```

#![deny(missing_docs)]

mod bindings;
mod compat;
mod cron;
mod dotenv;
mod error;
mod fields;
mod load;
mod model;
mod paths;
mod reader;

pub use compat::{CompatDate, CompatFlags, FlagProblem, is_known_flag};
pub use cron::parse_cron;
pub use dotenv::parse_dotenv;
pub use error::ConfigError;
pub use load::{CONFIG_FILE_NAMES, LoadOptions, Loaded, load};
pub use model::{
    AnalyticsEngineDataset, Assets, ConsumerKind, D1DatabaseBinding, DevSettings, DoMigration,
    DurableObjectBinding, HtmlHandling, KvNamespaceBinding, Limits, ModuleKind, ModuleRule,
    NotFoundHandling, QueueConsumer, QueueProducer, Queues, R2Bucket, RateLimit, Route,
    RunWorkerFirst, ServiceBinding, Warning, WorkerConfig,
};
