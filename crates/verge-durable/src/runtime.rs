//! Placement and delivery: one live instance per object id, on the isolate thread chosen by
//! hashing the id; idle eviction; the alarm scheduler.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use rquickjs::{CatchResultExt, Class, Function, Object, Persistent, Promise, Value};
use sha2::{Digest, Sha256};
use verge_js::meter::RequestMeter;
use verge_js::{Isolate, IsolateThreads, WorkerSpec};
use verge_store::sqlite::{SqliteAlarmIndex, SqliteObjectStore};

use crate::core::ObjectCore;
use crate::id::NamespaceKey;
use crate::js::StorageHandle;

/// Retries of a failing alarm handler (Workers: 6, backoff from 2 s).
pub const MAX_ALARM_RETRIES: u32 = 6;

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

/// An event delivered to an object.
#[derive(Debug)]
pub enum Event {
    /// `stub.fetch(request)`.
    Fetch {
        /// Method.
        method: String,
        /// Absolute URL.
        url: String,
        /// Header pairs.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Option<Vec<u8>>,
    },
    /// `stub.method(...args)`.
    Rpc {
        /// Method name.
        method: String,
        /// Serialized argument array.
        args: String,
    },
    /// The alarm fired.
    Alarm {
        /// Retries so far.
        retry_count: u32,
    },
    /// A message on a hibernatable WebSocket.
    WsMessage {
        /// Socket id within the object.
        socket: u64,
        /// Text frame.
        text: Option<String>,
        /// Binary frame.
        binary: Option<Vec<u8>>,
    },
    /// A hibernatable WebSocket closed.
    WsClose {
        /// Socket id within the object.
        socket: u64,
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
        /// False when the connection dropped without a close frame.
        clean: bool,
    },
}

/// What an event produced.
#[derive(Debug)]
pub enum Outcome {
    /// A response.
    Fetch {
        /// Status.
        status: u16,
        /// Header pairs.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
        /// The client end of a WebSocket accepted by the object (`101` responses).
        websocket: Option<verge_web::websocket::WsEndpoint>,
    },
    /// A serialized RPC result.
    Rpc(String),
    /// The alarm handler finished.
    Alarm,
}

/// Why an event failed.
#[derive(Debug, Clone)]
pub struct CallError {
    /// The message.
    pub message: String,
    /// The serialized JS error, when the object's code threw.
    pub serialized: Option<String>,
    /// True when thrown by the object's code.
    pub remote: bool,
}

impl CallError {
    fn infra(message: impl Into<String>) -> Self {
        CallError {
            message: message.into(),
            serialized: None,
            remote: false,
        }
    }
}

static NEXT_RUNTIME: AtomicU64 = AtomicU64::new(1);

/// The Durable Objects of one worker version.
pub struct DurableRuntime {
    uid: u64,
    worker: String,
    threads: Arc<IsolateThreads>,
    dir: PathBuf,
    pub(crate) namespaces: Vec<Namespace>,
    spec: OnceLock<Weak<WorkerSpec>>,
    idle: Duration,
    alarms: SqliteAlarmIndex,
    alarm_wake: tokio::sync::Notify,
}

impl std::fmt::Debug for DurableRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableRuntime")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// Errors opening Durable Object state.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The state directory or alarm index could not be opened.
    #[error("Durable Object state in {path}: {message}")]
    State {
        /// Where.
        path: String,
        /// What.
        message: String,
    },
}

impl DurableRuntime {
    /// The Durable Objects of worker `worker`, with state under `<state_dir>/do/<worker>/`.
    pub fn new(
        worker: &str,
        namespaces: Vec<NamespaceConfig>,
        state_dir: PathBuf,
        threads: Arc<IsolateThreads>,
        idle: Duration,
    ) -> Result<Arc<Self>, SetupError> {
        let dir = state_dir.join("do").join(sanitize(worker));
        std::fs::create_dir_all(&dir).map_err(|e| SetupError::State {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let alarms =
            SqliteAlarmIndex::open(&dir.join("alarms.sqlite")).map_err(|e| SetupError::State {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        let namespaces = namespaces
            .into_iter()
            .map(|c| Namespace {
                key: NamespaceKey::new(worker, &c.storage_class),
                config: c,
            })
            .collect();
        Ok(Arc::new(DurableRuntime {
            uid: NEXT_RUNTIME.fetch_add(1, Ordering::Relaxed),
            worker: worker.to_string(),
            threads,
            dir,
            namespaces,
            spec: OnceLock::new(),
            idle,
            alarms,
            alarm_wake: tokio::sync::Notify::new(),
        }))
    }

    /// This runtime's process-unique number.
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// Tells the runtime which worker version hosts its classes (once, after the spec exists).
    pub fn bind_spec(&self, spec: &Arc<WorkerSpec>) {
        let _ = self.spec.set(Arc::downgrade(spec));
    }

    /// Deletes all objects of a class (a `deleted_classes` migration).
    pub fn delete_class_storage(&self, storage_class: &str) -> std::io::Result<()> {
        let d = self.dir.join(sanitize(storage_class));
        if d.exists() {
            std::fs::remove_dir_all(d)?;
        }
        Ok(())
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
    ) -> Result<Outcome, CallError> {
        let k = self.thread_for(&id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let rt = self.clone();
        let sent = self.threads.spawn_on(k, move || async move {
            let r = deliver(rt, ns, id, name, event).await;
            let _ = tx.send(r);
        });
        if !sent {
            return Err(CallError::infra(
                "the Durable Object's isolate thread has stopped",
            ));
        }
        rx.await.unwrap_or_else(|_| {
            Err(CallError::infra(
                "the Durable Object was reset while handling the call",
            ))
        })
    }

    /// Records a committed alarm change in the node's index and wakes the scheduler.
    pub(crate) fn alarm_changed(&self, ns: usize, id: &str, name: Option<&str>, time: Option<i64>) {
        let Some(n) = self.namespace(ns) else { return };
        if let Err(e) = self.alarms.set(&n.config.storage_class, id, name, time, 0) {
            tracing::error!("alarm index: {e}");
        }
        self.alarm_wake.notify_one();
    }

    /// Runs the alarm scheduler until the runtime is dropped. Spawn it on any tokio runtime.
    pub async fn run_alarms(weak: Weak<DurableRuntime>) {
        loop {
            let Some(rt) = weak.upgrade() else { return };
            let now = now_ms();
            let (due, next) = match rt.alarms.due(now) {
                Ok(x) => x,
                Err(e) => {
                    tracing::error!("alarm index: {e}");
                    (Vec::new(), None)
                }
            };
            for entry in due {
                let Some(ns) = rt
                    .namespaces
                    .iter()
                    .position(|n| n.config.storage_class == entry.class)
                else {
                    let _ = rt.alarms.set(&entry.class, &entry.id, None, None, 0);
                    continue;
                };
                // Moved forward now so the scheduler does not fire it twice while it runs.
                let _ = rt.alarms.set(
                    &entry.class,
                    &entry.id,
                    entry.name.as_deref(),
                    Some(i64::MAX),
                    entry.retry,
                );
                let rt2 = rt.clone();
                tokio::spawn(async move {
                    let r = rt2
                        .call(
                            ns,
                            entry.id.clone(),
                            entry.name.clone(),
                            Event::Alarm {
                                retry_count: entry.retry,
                            },
                        )
                        .await;
                    match r {
                        Ok(_) => {
                            let _ = rt2.alarms.clear_if(&entry.class, &entry.id, i64::MAX);
                        }
                        Err(e) if entry.retry < MAX_ALARM_RETRIES => {
                            let delay = 2_000i64 << entry.retry;
                            tracing::warn!(id = %entry.id, retry = entry.retry + 1, "alarm() failed, retrying in {delay} ms: {}", e.message);
                            let _ = rt2.alarms.set(
                                &entry.class,
                                &entry.id,
                                entry.name.as_deref(),
                                Some(now_ms() + delay),
                                entry.retry + 1,
                            );
                            rt2.alarm_wake.notify_one();
                        }
                        Err(e) => {
                            tracing::error!(id = %entry.id, "alarm() failed {} times, giving up: {}", MAX_ALARM_RETRIES + 1, e.message);
                            let _ = rt2.alarms.clear_if(&entry.class, &entry.id, i64::MAX);
                        }
                    }
                });
            }
            let wait = next
                .map(|t| Duration::from_millis((t - now_ms()).clamp(1, 1000) as u64))
                .unwrap_or(Duration::from_secs(1));
            // Holding `rt` for at most a second: once the version is replaced it drops here.
            let wake = rt.alarm_wake.notified();
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Wall-clock milliseconds (shifted by the test clock hook when set).
pub fn now_ms() -> i64 {
    verge_store::clock_from_env().now_ms() as i64
}

/// A live object on this thread.
pub(crate) struct Instance {
    iso: Rc<Isolate>,
    host: Persistent<Object<'static>>,
    inflight: Cell<u32>,
    last_used: Cell<Instant>,
}

type Key = (u64, usize, String);

type Creating = Shared<LocalBoxFuture<'static, Result<Rc<Instance>, CallError>>>;

thread_local! {
    static INSTANCES: RefCell<HashMap<Key, Rc<Instance>>> = RefCell::new(HashMap::new());
    /// Instances being constructed: concurrent first calls share one construction.
    static CREATING: RefCell<HashMap<Key, Creating>> = RefCell::new(HashMap::new());
    static SWEEPER: Cell<bool> = const { Cell::new(false) };
}

fn remove_instance(key: &Key, inst: &Rc<Instance>) {
    INSTANCES.with(|m| {
        let mut m = m.borrow_mut();
        if m.get(key).is_some_and(|cur| Rc::ptr_eq(cur, inst)) {
            m.remove(key);
        }
    });
}

async fn instance(
    rt: &Arc<DurableRuntime>,
    ns: usize,
    id: &str,
    name: Option<&str>,
) -> Result<Rc<Instance>, CallError> {
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
) -> Result<Rc<Instance>, CallError> {
    let key: Key = (rt.uid, ns, id.to_string());
    let spec =
        rt.spec.get().and_then(Weak::upgrade).ok_or_else(|| {
            CallError::infra("the worker hosting this Durable Object was unloaded")
        })?;
    let iso = verge_js::registry::isolate_for(&spec)
        .await
        .map_err(|e| CallError::infra(e.to_string()))?;
    if let Some(i) = INSTANCES.with(|m| m.borrow().get(&key).cloned()) {
        return Ok(i);
    }
    let n = rt
        .namespace(ns)
        .ok_or_else(|| CallError::infra("unknown Durable Object namespace"))?;
    let path = rt
        .dir
        .join(sanitize(&n.config.storage_class))
        .join(format!("{id}.sqlite"));
    let store = SqliteObjectStore::open(&path)
        .map_err(|e| CallError::infra(format!("opening Durable Object storage: {e}")))?;
    let core = Rc::new(ObjectCore::new(Arc::new(store)));
    let handle = StorageHandle::new(
        core,
        Arc::downgrade(rt),
        ns,
        id.to_string(),
        name.map(str::to_string),
    );
    let class_name = n.config.class_name.clone();
    let sqlite = n.config.sqlite;
    let (id_s, name_s) = (id.to_string(), name.map(str::to_string));
    let iso2 = iso.clone();
    let meter = RequestMeter::new(
        format!("do-ctor:{}", &id[..8.min(id.len())]),
        spec.limits().cpu,
    );
    let host = iso
        .run(
            meter,
            iso.context().async_with(async move |ctx| -> Result<Persistent<Object<'static>>, CallError> {
                let r: rquickjs::Result<Object> = (|| {
                    let ns_obj = iso2.module_namespace(&ctx)?;
                    let class: Value = ns_obj.get(class_name.as_str())?;
                    if !class.is_constructor() {
                        return Err(rquickjs::Exception::throw_type(
                            &ctx,
                            &format!("Durable Object class {class_name} is not exported by the worker's main module"),
                        ));
                    }
                    let internal = iso2.internal(&ctx)?;
                    let durable: Object = internal.get("durable")?;
                    let create: Function = durable.get("create")?;
                    let env = iso2.env(&ctx)?;
                    let handle = Class::instance(ctx.clone(), handle)?;
                    create.call((class, id_s, name_s, handle, env, sqlite))
                })();
                match r.catch(&ctx) {
                    Ok(o) => Ok(Persistent::save(&ctx, o)),
                    Err(e) => {
                        let ex = verge_js::isolate::caught_to_exception(&ctx, e);
                        Err(CallError { message: ex.to_string(), serialized: None, remote: true })
                    }
                }
            }),
        )
        .await?;
    let inst = Rc::new(Instance {
        iso,
        host,
        inflight: Cell::new(0),
        last_used: Cell::new(Instant::now()),
    });
    INSTANCES.with(|m| m.borrow_mut().insert(key, inst.clone()));
    start_sweeper(rt.idle);
    Ok(inst)
}

fn start_sweeper(idle: Duration) {
    if SWEEPER.with(|s| s.replace(true)) {
        return;
    }
    let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    tokio::task::spawn_local(async move {
        loop {
            tokio::time::sleep(every).await;
            INSTANCES.with(|m| {
                m.borrow_mut().retain(|_, inst| {
                    inst.inflight.get() > 0 || inst.last_used.get().elapsed() < idle
                });
            });
        }
    });
}

/// Delivers an event to an object that lives on this thread.
pub(crate) async fn deliver_local(
    rt: &Arc<DurableRuntime>,
    ns: usize,
    id: &str,
    name: Option<String>,
    event: Event,
) -> Result<Outcome, CallError> {
    deliver(rt.clone(), ns, id.to_string(), name, event).await
}

async fn deliver(
    rt: Arc<DurableRuntime>,
    ns: usize,
    id: String,
    name: Option<String>,
    event: Event,
) -> Result<Outcome, CallError> {
    let inst = instance(&rt, ns, &id, name.as_deref()).await?;
    let key: Key = (rt.uid, ns, id.clone());
    inst.inflight.set(inst.inflight.get() + 1);
    let cpu = inst.iso.spec().limits().cpu;
    let meter = RequestMeter::new(format!("do:{}", &id[..8.min(id.len())]), cpu);
    let iso2 = inst.iso.clone();
    let host = inst.host.clone();
    let result = inst
        .iso
        .run(
            meter.clone(),
            inst.iso.context().async_with(
                async move |ctx| -> Result<(Result<Outcome, CallError>, bool), CallError> {
                    let r: rquickjs::Result<(Result<Outcome, CallError>, bool)> = async {
                        let internal = iso2.internal(&ctx)?;
                        let durable: Object = internal.get("durable")?;
                        let deliver: Function = durable.get("deliver")?;
                        let host = host.restore(&ctx)?;
                        let (kind, payload): (&str, Value) = match event {
                            Event::Fetch {
                                method,
                                url,
                                headers,
                                body,
                            } => {
                                let flat: Vec<String> =
                                    headers.into_iter().flat_map(|(k, v)| [k, v]).collect();
                                let arr = rquickjs::Array::new(ctx.clone())?;
                                arr.set(0, method)?;
                                arr.set(1, url)?;
                                arr.set(2, flat)?;
                                match body {
                                    Some(b) => {
                                        arr.set(3, verge_js::bytes::new_u8_array(&ctx, b)?)?
                                    }
                                    None => arr.set(3, Value::new_null(ctx.clone()))?,
                                }
                                ("fetch", arr.into_value())
                            }
                            Event::Rpc { method, args } => {
                                let arr = rquickjs::Array::new(ctx.clone())?;
                                arr.set(0, method)?;
                                arr.set(1, args)?;
                                ("rpc", arr.into_value())
                            }
                            Event::Alarm { retry_count } => (
                                "alarm",
                                Value::new_number(ctx.clone(), f64::from(retry_count)),
                            ),
                            Event::WsMessage {
                                socket,
                                text,
                                binary,
                            } => {
                                let arr = rquickjs::Array::new(ctx.clone())?;
                                arr.set(0, socket as f64)?;
                                match (text, binary) {
                                    (Some(t), _) => arr.set(1, t)?,
                                    (None, Some(b)) => {
                                        arr.set(1, verge_js::bytes::new_array_buffer(&ctx, b)?)?
                                    }
                                    (None, None) => arr.set(1, "")?,
                                }
                                ("ws-message", arr.into_value())
                            }
                            Event::WsClose {
                                socket,
                                code,
                                reason,
                                clean,
                            } => {
                                let arr = rquickjs::Array::new(ctx.clone())?;
                                arr.set(0, socket as f64)?;
                                arr.set(1, code)?;
                                arr.set(2, reason)?;
                                arr.set(3, clean)?;
                                ("ws-close", arr.into_value())
                            }
                        };
                        let p: Promise = deliver.call((host, kind, payload))?;
                        let res: rquickjs::Array = p.into_future().await?;
                        let ok: bool = res.get(0)?;
                        let reset: bool = res.get(2)?;
                        if !ok {
                            let serialized: String = res.get(1)?;
                            let message: String = res.get(3)?;
                            return Ok((
                                Err(CallError {
                                    message,
                                    serialized: Some(serialized),
                                    remote: true,
                                }),
                                reset,
                            ));
                        }
                        let out = match kind {
                            "fetch" => {
                                let v: rquickjs::Array = res.get(1)?;
                                let status: u16 = v.get(0)?;
                                let flat: Vec<String> = v.get(1)?;
                                let body: Value = v.get(2)?;
                                let headers = flat.chunks(2).filter_map(|c| match c {
                                    [k, v] => Some((k.clone(), v.clone())),
                                    _ => None,
                                });
                                let ticket: Option<f64> = v.get(3)?;
                                Outcome::Fetch {
                                    status,
                                    headers: headers.collect(),
                                    body: verge_js::bytes::copy_bytes(&body).unwrap_or_default(),
                                    websocket: ticket
                                        .and_then(|t| verge_web::websocket::take_ticket(t as u64)),
                                }
                            }
                            "rpc" => Outcome::Rpc(res.get(1)?),
                            _ => Outcome::Alarm,
                        };
                        Ok((Ok(out), reset))
                    }
                    .await;
                    match r.catch(&ctx) {
                        Ok(x) => Ok(x),
                        Err(e) => {
                            let ex = verge_js::isolate::caught_to_exception(&ctx, e);
                            Err(CallError::infra(ex.to_string()))
                        }
                    }
                },
            ),
        )
        .await;
    inst.inflight.set(inst.inflight.get() - 1);
    inst.last_used.set(Instant::now());
    if meter.exceeded() {
        inst.iso.poison();
        remove_instance(&key, &inst);
        return Err(CallError::infra(
            "Durable Object exceeded its CPU time limit and was reset.",
        ));
    }
    match result {
        Ok((r, reset)) => {
            if reset {
                remove_instance(&key, &inst);
            }
            r
        }
        Err(e) => {
            remove_instance(&key, &inst);
            Err(e)
        }
    }
}
