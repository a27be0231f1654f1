//! verge's HTTP front: the server on every isolate thread, the request pipeline (request id,
//! URL, edge steps, the deployment's worker, response framing, logging), the edge headers and
//! `request.cf`, and error pages.
//!
//! The edge owns HTTP; it must not know how JS runs (that is `verge-js`), how workers are
//! assembled (that is `verge-worker`) nor what a binding does. Algorithms with no hyper
//! types (request ids, the Worker loop limit) live in their own modules.
//!
//! ```
//! let id = verge_edge::request_id::new_ray_id("DEV");
//! assert!(id.ends_with("-DEV") && id.len() == 20);
//! ```
#![deny(missing_docs)]

pub mod assets;
pub mod limits;
pub mod loop_guard;
pub mod pipeline;
pub mod purge;
pub mod request;
pub mod request_id;
pub mod response;
pub mod server;
pub mod steps;

pub use pipeline::EdgeConfig;
pub use server::{Listeners, Server, serve};
