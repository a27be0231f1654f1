//! Placement and delivery: one live instance per object id, on the isolate thread chosen by
//! hashing the id; events enter the instance through verge-web's one invoke path; idle and
//! least-recently-used instances are evicted and their storage closed.
//!
//! This module knows nothing of the JS glue: an instance is made by the [`ObjectHost`] the
//! runtime was built with (the glue in `js.rs` implements it), so the layering is
//! `runtime` ← `sockets` ← `js`, with no way back.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use rquickjs::{Object, Persistent};
use sha2::{Digest, Sha256};
use verge_js::{Isolate, IsolateThreads, WorkerSpec};
use verge_store::Clock;
use verge_store::durable::{AlarmIndex, DurableBackend, ObjectStorage};
use verge_web::invoke::{Event, InvokeError, Outcome, Target};

use crate::error::DurableError;
use crate::id::NamespaceKey;
use crate::object::ObjectCore;

/// A Durable Object namespace as configured (`durable_objects.bindings`).
#[derive(Debug, Clone)]
pub struct NamespaceConfig {
    /// The `env` binding name.
    pub binding: String,
    /// The exported class.
    pub class_name: String,
    /// The class's original name (through `renamed_classes`): names its storage.
    pub storage_class: String,
    /// Created by `new_sqlite_classes` (SQL API available).
    pub sqlite: bool,
}

pub(crate) struct Namespace {
    pub(crate) config: NamespaceConfig,
    pub(crate) key: NamespaceKey,
}

/// How the runtime makes the JS side of an instance: implemented by the glue (`js.rs`).
pub trait ObjectHost: Send + Sync {
    /// Constructs the object's class in `iso` over `core`; returns the host record that
    /// [`Target::Object`] events are delivered to.
    fn construct(
        &self,
        rt: &Arc<DurableRuntime>,
        iso: &Rc<Isolate>,
        ns: usize,
        id: &str,
        name: Option<&str>,
        core: Rc<ObjectCore>,
    ) -> LocalBoxFuture<'static, Result<Persistent<Object<'static>>, InvokeError>>;
}

/// Options of a [`DurableRuntime`].
#[derive(Clone)]
pub struct RuntimeOptions {
    /// Evict instances idle for this long (their storage stays).
    pub idle: Duration,
    /// Most live instances per isolate thread; beyond it the least recently used idle one is
    /// evicted (each holds open files).
    pub max_live_per_thread: usize,
    /// The clock alarms are scheduled by.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RuntimeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeOptions")
            .field("idle", &self.idle)
            .field("max_live_per_thread", &self.max_live_per_thread)
            .finish_non_exhaustive()
    }
}

static NEXT_RUNTIME: AtomicU64 = AtomicU64::new(1);

/// The Durable Objects of one worker version.
pub struct DurableRuntime {
    uid: u64,
    worker: String,
    threads: Arc<IsolateThreads>,
    backend: Arc<dyn DurableBackend>,
    pub(crate) namespaces: Vec<Namespace>,
    spec: OnceLock<Weak<WorkerSpec>>,
    host: OnceLock<Arc<dyn ObjectHost>>,
    pub(crate) options: RuntimeOptions,
    pub(crate) alarms: Arc<dyn AlarmIndex>,
    pub(crate) alarm_wake: tokio::sync::Notify,
}

impl std::fmt::Debug for DurableRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableRuntime")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl DurableRuntime {
    /// The Durable Objects of worker `worker`, with state from `backend`.
    pub fn new(
        worker: &str,
        namespaces: Vec<NamespaceConfig>,
        backend: Arc<dyn DurableBackend>,
        threads: Arc<IsolateThreads>,
        options: RuntimeOptions,
    ) -> Arc<Self> {
        let namespaces = namespaces
            .into_iter()
            .map(|c| Namespace {
                key: NamespaceKey::new(worker, &c.storage_class),
                config: c,
            })
            .collect();
        Arc::new(DurableRuntime {
            uid: NEXT_RUNTIME.fetch_add(1, Ordering::Relaxed),
            worker: worker.to_string(),
            threads,
            alarms: backend.alarms(),
            backend,
            namespaces,
            spec: OnceLock::new(),
            host: OnceLock::new(),
            options,
            alarm_wake: tokio::sync::Notify::new(),
        })
    }

    /// This runtime's process-unique number.
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// The worker whose classes these are.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// The configured namespaces, in binding order.
    pub fn namespaces(&self) -> impl Iterator<Item = &NamespaceConfig> {
        self.namespaces.iter().map(|n| &n.config)
    }

    /// Tells the runtime which worker version hosts its classes and how instances are made
    /// (once, after the spec exists).
    pub fn bind(&self, spec: &Arc<WorkerSpec>, host: Arc<dyn ObjectHost>) {
        let _ = self.spec.set(Arc::downgrade(spec));
        let _ = self.host.set(host);
    }

    /// Milliseconds since the epoch, by the runtime's clock.
    pub fn now_ms(&self) -> i64 {
        self.options.clock.now_ms() as i64
    }

    pub(crate) fn namespace(&self, ns: usize) -> Option<&Namespace> {
        self.namespaces.get(ns)
    }

    fn thread_for(&self, id: &str) -> usize {
        let d = Sha256::digest(id.as_bytes());
        (u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
            % self.threads.len() as u64) as usize
    }

    /// Delivers `event` to object `id` of namespace `ns`, wherever it lives.
    pub async fn call(
        self: &Arc<Self>,
        ns: usize,
        id: String,
        name: Option<String>,
        event: Event,
    ) -> Result<Outcome, InvokeError> {
        let k = self.thread_for(&id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let rt = self.clone();
        let sent = self.threads.spawn_on(k, move || async move {
            let r = deliver(&rt, ns, &id, name, event).await;
            let _ = tx.send(r);
        });
        if !sent {
            return Err(InvokeError::Internal(
                "the Durable Object's isolate thread has stopped".into(),
            ));
        }
        rx.await.unwrap_or_else(|_| {
            Err(InvokeError::Internal(
                "the Durable Object was reset while handling the call".into(),
            ))
        })
    }

    /// Records a committed alarm change in the index and wakes the scheduler.
    pub(crate) fn alarm_changed(&self, ns: usize, id: &str, name: Option<&str>, time: Option<i64>) {
        let Some(n) = self.namespace(ns) else { return };
        if let Err(e) = self.alarms.set(&n.config.storage_class, id, name, time, 0) {
            tracing::error!(worker = %self.worker, "alarm index: {e}");
        }
        self.alarm_wake.notify_one();
    }

    fn open_storage(&self, ns: usize, id: &str) -> Result<Arc<dyn ObjectStorage>, DurableError> {
        let n = self
            .namespace(ns)
            .ok_or(DurableError::UnknownNamespace(ns))?;
        self.backend
            .open_object(&n.config.storage_class, id)
            .map_err(|e| DurableError::Storage(e.to_string()))
    }
}

/// A live object on this thread.
pub(crate) struct Instance {
    iso: Rc<Isolate>,
    host: Persistent<Object<'static>>,
    core: Rc<ObjectCore>,
    inflight: Cell<u32>,
    last_used: Cell<Instant>,
}

impl Instance {
    /// Closes the object's storage: JS still holding its handles gets an error from then on,
    /// and the files are closed now rather than when the garbage collector gets to them.
    fn close(&self) {
        self.core.close();
    }
}

type Key = (u64, usize, String);

type Creating = Shared<LocalBoxFuture<'static, Result<Rc<Instance>, InvokeError>>>;

thread_local! {
    static INSTANCES: RefCell<HashMap<Key, Rc<Instance>>> = RefCell::new(HashMap::new());
    /// Instances being constructed: concurrent first calls share one construction.
    static CREATING: RefCell<HashMap<Key, Creating>> = RefCell::new(HashMap::new());
    static SWEEPER: Cell<bool> = const { Cell::new(false) };
}

fn remove_instance(key: &Key, inst: &Rc<Instance>) {
    let removed = INSTANCES.with(|m| {
        let mut m = m.borrow_mut();
        if m.get(key).is_some_and(|cur| Rc::ptr_eq(cur, inst)) {
            m.remove(key)
        } else {
            None
        }
    });
    if let Some(i) = removed {
        i.close();
    }
}

/// Live instances on this thread (for tests and metrics).
pub fn live_instances() -> usize {
    INSTANCES.with(|m| m.borrow().len())
}

async fn instance(
    rt: &Arc<DurableRuntime>,
    ns: usize,
    id: &str,
    name: Option<&str>,
) -> Result<Rc<Instance>, InvokeError> {
    let key: Key = (rt.uid, ns, id.to_string());
    if let Some(i) = INSTANCES.with(|m| m.borrow().get(&key).cloned()) {
        return Ok(i);
    }
    let creating = CREATING.with(|m| {
        m.borrow_mut()
            .entry(key.clone())
            .or_insert_with(|| {
                let (rt, id, name) = (rt.clone(), id.to_string(), name.map(str::to_string));
                async move { create_instance(&rt, ns, &id, name.as_deref()).await }
                    .boxed_local()
                    .shared()
            })
            .clone()
    });
    let r = creating.await;
    CREATING.with(|m| m.borrow_mut().remove(&key));
    r
}

async fn create_instance(
    rt: &Arc<DurableRuntime>,
    ns: usize,
    id: &str,
    name: Option<&str>,
) -> Result<Rc<Instance>, InvokeError> {
    let key: Key = (rt.uid, ns, id.to_string());
    let spec = rt
        .spec
        .get()
        .and_then(Weak::upgrade)
        .ok_or_else(|| InvokeError::Internal(DurableError::Unloaded.to_string()))?;
    let host = rt
        .host
        .get()
        .cloned()
        .ok_or_else(|| InvokeError::Internal(DurableError::Unloaded.to_string()))?;
    let iso = verge_js::registry::isolate_for(&spec)
        .await
        .map_err(InvokeError::Load)?;
    if let Some(i) = INSTANCES.with(|m| m.borrow().get(&key).cloned()) {
        return Ok(i);
    }
    make_room(rt.options.max_live_per_thread);
    let storage = rt
        .open_storage(ns, id)
        .map_err(|e| InvokeError::Internal(e.to_string()))?;
    let core = Rc::new(ObjectCore::new(storage));
    let js = host
        .construct(rt, &iso, ns, id, name, core.clone())
        .await
        .inspect_err(|_| core.close())?;
    let inst = Rc::new(Instance {
        iso,
        host: js,
        core,
        inflight: Cell::new(0),
        last_used: Cell::new(Instant::now()),
    });
    INSTANCES.with(|m| m.borrow_mut().insert(key, inst.clone()));
    start_sweeper(rt.options.idle);
    Ok(inst)
}

/// Evicts least recently used idle instances until a new one fits under `max`.
fn make_room(max: usize) {
    let evicted: Vec<Rc<Instance>> = INSTANCES.with(|m| {
        let mut m = m.borrow_mut();
        let mut out = Vec::new();
        while m.len() >= max.max(1) {
            let lru = m
                .iter()
                .filter(|(_, i)| i.inflight.get() == 0)
                .min_by_key(|(_, i)| i.last_used.get())
                .map(|(k, _)| k.clone());
            match lru.and_then(|k| m.remove(&k)) {
                Some(i) => out.push(i),
                None => {
                    tracing::warn!(
                        live = m.len(),
                        max,
                        "every live Durable Object on this thread is busy; going over the limit"
                    );
                    break;
                }
            }
        }
        out
    });
    for i in evicted {
        i.close();
    }
}

fn start_sweeper(idle: Duration) {
    if SWEEPER.with(|s| s.replace(true)) {
        return;
    }
    let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    tokio::task::spawn_local(async move {
        loop {
            tokio::time::sleep(every).await;
            let evicted: Vec<Rc<Instance>> = INSTANCES.with(|m| {
                let mut m = m.borrow_mut();
                let stale: Vec<Key> = m
                    .iter()
                    .filter(|(_, i)| i.inflight.get() == 0 && i.last_used.get().elapsed() >= idle)
                    .map(|(k, _)| k.clone())
                    .collect();
                stale.iter().filter_map(|k| m.remove(k)).collect()
            });
            for i in evicted {
                i.close();
            }
        }
    });
}

/// Delivers an event to an object that lives on this thread.
pub(crate) async fn deliver(
    rt: &Arc<DurableRuntime>,
    ns: usize,
    id: &str,
    name: Option<String>,
    event: Event,
) -> Result<Outcome, InvokeError> {
    let inst = instance(rt, ns, id, name.as_deref()).await?;
    let key: Key = (rt.uid, ns, id.to_string());
    inst.inflight.set(inst.inflight.get() + 1);
    let label = verge_js::meter::current_request_id()
        .unwrap_or_else(|| format!("do:{}", &id[..8.min(id.len())]));
    let result = verge_web::invoke::invoke(
        inst.iso.clone(),
        Target::Object(inst.host.clone()),
        event,
        label,
    )
    .await;
    inst.inflight.set(inst.inflight.get() - 1);
    inst.last_used.set(Instant::now());
    if let Err(e) = &result
        && e.resets_object()
    {
        remove_instance(&key, &inst);
    }
    result
}
