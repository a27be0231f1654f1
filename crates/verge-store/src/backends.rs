//! The factory a deployment gets its storage from: one [`Backends`] per deployment.
//!
//! A deployment (one or more workers, `verge-worker`) asks its `Backends` for every piece of
//! state its bindings use — KV namespaces, D1 databases, each worker's Durable Object
//! storage and alarm index, the edge cache, the queues — in its *configure* phase, and hands the results to the binding
//! cores. The embedded default is [`crate::sqlite::SqliteBackends`] (files under `.verge/`);
//! a cluster backend (NATS JetStream) implements the same trait, so no binding changes when
//! the deployment moves to a cluster.
//!
//! Two workers of one deployment that name the same KV namespace id or D1 database id share
//! one store: `Backends` hands out the same backend for the same id.

use std::sync::Arc;

use crate::StoreError;
use crate::cache::CacheStore;
use crate::durable::DurableBackend;
use crate::kv::KvBackend;
use crate::queues::QueueBackend;
use crate::sql::SqlDatabase;

/// Where a deployment's state lives.
pub trait Backends: Send + Sync + std::fmt::Debug {
    /// The store of every KV namespace (namespaces are told apart by id in each call).
    fn kv(&self) -> Result<Arc<dyn KvBackend>, StoreError>;
    /// The D1 database `database_id` (created empty on first use).
    fn d1(&self, database_id: &str) -> Result<Arc<dyn SqlDatabase>, StoreError>;
    /// The Durable Object state of worker `worker`.
    fn durable(&self, worker: &str) -> Result<Arc<dyn DurableBackend>, StoreError>;
    /// The edge cache of this node (one per deployment, shared by its workers: Cloudflare's
    /// cache is per zone and PoP, not per worker).
    fn cache(&self) -> Result<Arc<dyn CacheStore>, StoreError>;
    /// The store of every queue (queues are told apart by name in each call; shared by the
    /// deployment's producers and consumers).
    fn queues(&self) -> Result<Arc<dyn QueueBackend>, StoreError>;
}
