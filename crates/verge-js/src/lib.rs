//! verge's engine glue: QuickJS isolates (through `rquickjs`), module loading, limits, the
//! isolate threads and their event loops, and the error bridge into JS.
//!
//! This crate owns *how* JS runs; it knows nothing of the Web platform or of bindings, which
//! plug in as [`Extension`]s (`verge-web`, `verge-kv`, …). It must not do I/O on behalf of
//! guests.
//!
//! ```
//! use verge_js::meter::{Metered, RequestMeter};
//! use std::time::Duration;
//!
//! // Every poll of a metered future is charged to the request's CPU budget.
//! let meter = RequestMeter::new("req-1", Duration::from_millis(50));
//! let fut = Metered::new(meter.clone(), async { 1 + 1 });
//! assert_eq!(futures::executor::block_on(fut), 2);
//! assert!(!meter.exceeded());
//! ```
#![deny(missing_docs)]

pub mod bytecode;
pub mod bytes;
pub mod class;
mod commonjs;
pub mod error;
pub mod isolate;
pub mod json;
pub mod limits;
pub mod loader;
pub mod malloc;
pub mod meter;
pub mod promise;
pub mod registry;
pub mod rules;
pub mod string;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod threads;

pub use error::{JsClass, JsException, ToJsClass, throw, throw_as, type_error};
pub use isolate::{
    AssemblyError, Extension, Isolate, LoadError, ModuleConfig, WorkerLimits, WorkerSpec,
    check_assembly,
};
pub use rquickjs;
pub use threads::IsolateThreads;
