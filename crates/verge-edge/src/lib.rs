//! verge's HTTP front: the server on every isolate thread, routing a request to a worker,
//! request ids (`cf-ray`), the edge headers and `request.cf`, and error pages.
//!
//! The edge owns HTTP; it must not know how JS runs (that is `verge-js`) nor what a binding
//! does. Algorithms with no hyper types (request ids, the Worker loop limit) live in their own
//! modules.
//!
//! ```
//! let id = verge_edge::request_id::new_ray_id("DEV");
//! assert!(id.ends_with("-DEV") && id.len() == 20);
//! ```
#![deny(missing_docs)]

pub mod loop_guard;
pub mod request_id;
pub mod router;
pub mod server;

pub use router::Router;
pub use server::{EdgeConfig, Listeners, serve};
