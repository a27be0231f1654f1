//! A deployment: one or more workers, each built from its config over the deployment's
//! [`Backends`], with their background tasks; the first worker serves HTTP.
//!
//! A deployment is made in two steps: [`Deployment::new`] reads the configs and configures the
//! bindings, [`Deployment::load`] loads each worker into an isolate and starts the background
//! tasks. Every event enters a worker through [`Deployment::invoke`] (or, on an isolate thread,
//! [`Deployment::invoke_here`]), which finds this thread's isolate of the worker's current
//! version and hands the event to verge-web's one invoke path; a panic in verge while serving
//! is contained there (the isolate is replaced, the event fails as an internal error).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::FutureExt;
use verge_config::{DevSettings, LoadOptions};
use verge_js::{IsolateThreads, LoadError, ModuleConfig, WorkerLimits, WorkerSpec};
use verge_store::{Backends, Clock};
use verge_web::invoke::{
    Entrypoint, Event, IncomingRequest, InvokeError, Outcome, OutgoingResponse, Target, invoke,
};

use crate::parts::{Configure, ConfigureError, PARTS, Task, TaskScope};

/// Deployment-wide settings.
#[derive(Clone)]
pub struct DeploymentOptions {
    /// Per-request CPU limit in ms, over every worker's `limits.cpu_ms`.
    pub cpu_ms: Option<u64>,
    /// Evict Durable Objects idle this long.
    pub do_idle: Duration,
    /// Most live Durable Objects per isolate thread.
    pub max_live_objects_per_thread: usize,
    /// The clock bindings read time from (KV expiry, alarms).
    pub clock: Arc<dyn Clock>,
    /// Longest a D1 query may run (at most D1's 30 s).
    pub d1_query_timeout: Duration,
    /// What the edge cache does beyond Cloudflare's (`stale-while-revalidate`, …).
    pub cache: verge_cache::CacheOptions,
}

impl std::fmt::Debug for DeploymentOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploymentOptions")
            .field("cpu_ms", &self.cpu_ms)
            .field("do_idle", &self.do_idle)
            .field(
                "max_live_objects_per_thread",
                &self.max_live_objects_per_thread,
            )
            .finish_non_exhaustive()
    }
}

/// Where a worker's config is read from (again on every reload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSource {
    /// The project directory.
    pub dir: PathBuf,
    /// An explicit config file (`-c`), relative to `dir` unless absolute.
    pub config: Option<PathBuf>,
    /// The `[env.<name>]` to use.
    pub env: Option<String>,
}

/// Why a worker could not be deployed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The config is missing or invalid. The config error is part of the message, not a
    /// `source`: a chain printer (`{:#}`) would print it twice.
    #[error("loading the config in {dir}: {error}")]
    Config {
        /// The project directory.
        dir: String,
        /// What is wrong.
        error: Box<verge_config::ConfigError>,
    },
    /// The entry module is unusable.
    #[error("{config}: field \"main\": {message}")]
    Main {
        /// The config file's name.
        config: String,
        /// What is wrong.
        message: String,
    },
    /// `rules`, `base_dir` or `find_additional_modules` cannot be applied.
    #[error("{config}: field \"{field}\": {message}")]
    Modules {
        /// The config file's name.
        config: String,
        /// The field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A binding could not be configured.
    #[error("{config}: {source}")]
    Configure {
        /// The config file.
        config: String,
        /// What went wrong.
        #[source]
        source: ConfigureError,
    },
    /// The parts were assembled in an order that cannot work (a verge bug).
    #[error("assembling worker {worker}: {source}")]
    Assembly {
        /// The worker.
        worker: String,
        /// What is wrong.
        #[source]
        source: verge_js::AssemblyError,
    },
    /// The worker's code did not load.
    #[error("{0}")]
    Load(Arc<LoadError>),
    /// Two configs name the same worker.
    #[error(
        "two configs define a worker named {0:?}; each worker of a deployment needs its own `name`"
    )]
    DuplicateName(String),
    /// No config was given.
    #[error("a deployment needs at least one worker")]
    Empty,
    /// The isolate thread that loads workers stopped (a verge bug).
    #[error("the isolate thread stopped while loading the worker")]
    ThreadStopped,
}

/// One version of one worker.
pub struct Version {
    spec: Arc<WorkerSpec>,
    config: PathBuf,
    watch: Vec<PathBuf>,
    dev: DevSettings,
    assets: Option<Arc<verge_assets::Assets>>,
    crons: Vec<(String, saffron::Cron)>,
    consumers: Vec<verge_queues::ConsumerSettings>,
    /// `(binding, service)` of its service bindings.
    services: Vec<(String, String)>,
    /// The runtime of its own Durable Object classes.
    durable: Option<Arc<verge_durable::DurableRuntime>>,
    /// `(binding, script_name, class_name)` of its bindings to other workers' classes.
    remote_classes: Vec<(String, String, String)>,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("spec", &self.spec)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Version {
    /// The worker version.
    pub fn spec(&self) -> &Arc<WorkerSpec> {
        &self.spec
    }

    /// The worker's name.
    pub fn name(&self) -> &str {
        self.spec.name()
    }

    /// The config file it was built from.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// `[dev]` of its config.
    pub fn dev(&self) -> &DevSettings {
        &self.dev
    }

    /// Its static assets, if it has an `assets` directory.
    pub fn assets(&self) -> Option<&Arc<verge_assets::Assets>> {
        self.assets.as_ref()
    }

    /// Its cron triggers (`triggers.crons`), as written and parsed.
    pub fn crons(&self) -> &[(String, saffron::Cron)] {
        &self.crons
    }

    /// Its queue consumers (`queues.consumers` of type `worker`).
    pub fn queue_consumers(&self) -> &[verge_queues::ConsumerSettings] {
        &self.consumers
    }

    /// Directories a change anywhere under which makes a new version (the assets directory).
    pub fn watched_dirs(&self) -> Vec<PathBuf> {
        self.assets
            .iter()
            .map(|a| a.directory().to_path_buf())
            .collect()
    }

    /// Whether a change of `path` makes a new version.
    pub fn is_affected_by(&self, path: &Path) -> bool {
        self.watched_files().iter().any(|w| w == path)
            || self.assets.as_ref().is_some_and(|a| a.watches(path))
    }

    /// The files whose change makes a new version: the config, the secrets files that are or
    /// could be read, and every module loaded so far.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = self.watch.clone();
        files.extend(self.spec.module_files());
        files
    }
}

struct Slot {
    source: WorkerSource,
    current: RwLock<Arc<Version>>,
}

impl Slot {
    fn current(&self) -> Arc<Version> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A running background task: its key, scope, owning worker (version tasks) and handle.
type Running = (String, TaskScope, Option<usize>, tokio::task::AbortHandle);

/// What the deployment needs to build workers.
struct Env {
    backends: Arc<dyn Backends>,
    threads: Arc<IsolateThreads>,
    options: DeploymentOptions,
    warn: Box<dyn Fn(&str) + Send + Sync>,
    directory: Arc<Directory>,
}

/// The deployment's workers as service bindings reach them (set once the deployment exists).
#[derive(Default)]
struct Directory {
    deployment: std::sync::OnceLock<std::sync::Weak<Deployment>>,
}

impl Directory {
    fn deployment(&self) -> Option<Arc<Deployment>> {
        self.deployment.get().and_then(std::sync::Weak::upgrade)
    }
}

impl verge_durable::DurableRouter for Directory {
    fn namespace(
        &self,
        script: &str,
        class: &str,
    ) -> Option<(Arc<verge_durable::DurableRuntime>, usize)> {
        let d = self.deployment()?;
        let version = d.workers.get(d.worker_index(script)?)?.current();
        let rt = version.durable.clone()?;
        let ns = rt.namespaces().position(|n| n.class_name == class)?;
        Some((rt, ns))
    }
}

impl verge_web::service::ServiceRouter for Directory {
    fn is_running(&self, service: &str) -> bool {
        self.deployment()
            .is_some_and(|d| d.worker_index(service).is_some())
    }

    fn call(
        &self,
        service: &str,
        entrypoint: Entrypoint,
        event: Event,
    ) -> futures::future::BoxFuture<'static, Result<Outcome, InvokeError>> {
        let found = self
            .deployment()
            .and_then(|d| d.worker_index(service).map(|i| (d, i)));
        let service = service.to_string();
        async move {
            let Some((d, worker)) = found else {
                return Err(InvokeError::Internal(format!(
                    "no worker named \"{service}\" runs in this deployment"
                )));
            };
            let id = verge_js::meter::current_request_id().unwrap_or_default();
            // The callee runs on the caller's thread when there is one (no hand-off cost).
            let k = verge_js::threads::current_index().unwrap_or(0);
            let (tx, rx) = tokio::sync::oneshot::channel();
            let threads = d.env.threads.clone();
            let sent = threads.spawn_on(k, move || async move {
                let _ = tx.send(
                    d.invoke_target_here(worker, Some(entrypoint), event, id)
                        .await,
                );
            });
            if !sent {
                return Err(InvokeError::Internal("the isolate thread stopped".into()));
            }
            rx.await
                .unwrap_or_else(|_| Err(InvokeError::Internal("the isolate thread stopped".into())))
        }
        .boxed()
    }
}

/// One or more workers serving together; see the module docs.
pub struct Deployment {
    env: Env,
    workers: Vec<Slot>,
    /// Background tasks by key.
    tasks: Mutex<Vec<Running>>,
    /// Tasks of the first versions, started by [`Deployment::load`].
    pending: Mutex<Vec<(usize, Vec<Task>)>>,
    /// The runtime background tasks run on (set by [`Deployment::load`]).
    control: std::sync::OnceLock<tokio::runtime::Handle>,
    reloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field(
                "workers",
                &self
                    .workers
                    .iter()
                    .map(|s| s.current().name().to_string())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A built version and the background work it asks for.
struct Built {
    version: Arc<Version>,
    tasks: Vec<Task>,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.stop_tasks(None);
    }
}

impl Deployment {
    /// Builds every worker of `sources` (the first serves HTTP) over `backends`, for
    /// `threads`: configs read, bindings configured, nothing loaded yet (see
    /// [`Deployment::load`]). `warn` receives each config warning.
    pub fn new(
        sources: Vec<WorkerSource>,
        backends: Arc<dyn Backends>,
        threads: Arc<IsolateThreads>,
        options: DeploymentOptions,
        warn: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Arc<Deployment>, DeployError> {
        if sources.is_empty() {
            return Err(DeployError::Empty);
        }
        let env = Env {
            backends,
            threads,
            options,
            warn,
            directory: Arc::default(),
        };
        let mut workers: Vec<Slot> = Vec::new();
        let mut pending = Vec::new();
        for (i, source) in sources.into_iter().enumerate() {
            let b = build(&env, &source)?;
            if workers
                .iter()
                .any(|s| s.current().name() == b.version.name())
            {
                return Err(DeployError::DuplicateName(b.version.name().to_string()));
            }
            pending.push((i, b.tasks));
            workers.push(Slot {
                source,
                current: RwLock::new(b.version),
            });
        }
        let d = Arc::new(Deployment {
            env,
            workers,
            tasks: Mutex::default(),
            pending: Mutex::new(pending),
            control: std::sync::OnceLock::new(),
            reloading: tokio::sync::Mutex::new(()),
        });
        let _ = d.env.directory.deployment.set(Arc::downgrade(&d));
        for slot in &d.workers {
            d.warn_unbound_services(&slot.current());
        }
        Ok(d)
    }

    /// Warns about `version`'s service bindings and Durable Object bindings to workers that
    /// are not part of the deployment.
    fn warn_unbound_services(&self, version: &Version) {
        let file = version
            .config
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (binding, script, class) in &version.remote_classes {
            let hosted = self.worker_index(script).is_some_and(|i| {
                self.workers[i]
                    .current()
                    .durable
                    .as_ref()
                    .is_some_and(|rt| rt.namespaces().any(|n| n.class_name == *class))
            });
            if !hosted {
                (self.env.warn)(&format!(
                    "{file}: durable_objects binding {binding}: worker \"{script}\" of this verge dev does not bind class {class} (it is not running, or has no durable_objects binding for the class); calls through env.{binding} fail as wrangler's do"
                ));
            }
        }
        for (i, (binding, service)) in version.services.iter().enumerate() {
            if self.worker_index(service).is_none() {
                (self.env.warn)(&format!(
                    "{}: field \"services[{i}]\": worker \"{service}\" is not part of this verge dev (add its config with another -c); calls through env.{binding} fail as wrangler's do when it is not running",
                    version
                        .config
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
            }
        }
    }

    /// Loads every worker (an isolate of each on thread 0, so a worker that cannot start fails
    /// here, not on its first request), then starts the background tasks on the current tokio
    /// runtime, which must outlive the deployment.
    pub async fn load(self: &Arc<Self>) -> Result<(), DeployError> {
        for slot in &self.workers {
            load(&self.env.threads, &slot.current().spec).await?;
        }
        let _ = self.control.set(tokio::runtime::Handle::current());
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        for (i, mut tasks) in pending {
            tasks.extend(self.cron_task(i));
            tasks.extend(self.queue_tasks(i));
            self.start_tasks(i, tasks);
        }
        Ok(())
    }

    /// The node's isolate threads.
    pub fn threads(&self) -> &Arc<IsolateThreads> {
        &self.env.threads
    }

    /// The current version of every worker, the HTTP worker first.
    pub fn versions(&self) -> Vec<Arc<Version>> {
        self.workers.iter().map(Slot::current).collect()
    }

    /// The current version of the worker that serves HTTP.
    pub fn http_worker(&self) -> Arc<Version> {
        self.workers[0].current()
    }

    /// Index of the worker named `name`.
    pub fn worker_index(&self, name: &str) -> Option<usize> {
        self.workers.iter().position(|s| s.current().name() == name)
    }

    /// Every directory a change under which makes a new version of some worker.
    pub fn watched_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .workers
            .iter()
            .flat_map(|s| s.current().watched_dirs())
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Every file a change of which makes a new version of some worker.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .workers
            .iter()
            .flat_map(|s| s.current().watched_files())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Delivers a request to the HTTP worker on this isolate thread.
    pub async fn fetch(&self, req: IncomingRequest) -> Result<OutgoingResponse, InvokeError> {
        let id = req.id.clone();
        match self.invoke_here(0, Event::Fetch(req), id).await? {
            Outcome::Response(r) => Ok(r),
            Outcome::Value(_) | Outcome::Done => Err(InvokeError::Internal(
                "a fetch event produced no response".into(),
            )),
        }
    }

    /// Delivers `event` to worker `worker`'s default export on this isolate thread (which
    /// must be one of the deployment's).
    pub async fn invoke_here(
        &self,
        worker: usize,
        event: Event,
        id: String,
    ) -> Result<Outcome, InvokeError> {
        self.invoke_target_here(worker, None, event, id).await
    }

    /// [`Deployment::invoke_here`] to `entrypoint` (a service binding's), or to the default
    /// export as the edge calls it.
    async fn invoke_target_here(
        &self,
        worker: usize,
        entrypoint: Option<Entrypoint>,
        event: Event,
        id: String,
    ) -> Result<Outcome, InvokeError> {
        let slot = self
            .workers
            .get(worker)
            .ok_or_else(|| InvokeError::Internal(format!("no worker #{worker}")))?;
        let spec = slot.current().spec.clone();
        let iso = verge_js::registry::isolate_for(&spec)
            .await
            .map_err(InvokeError::Load)?;
        let guard = iso.clone();
        let target = match entrypoint {
            Some(e) => Target::Entrypoint(e),
            None => Target::Worker,
        };
        match AssertUnwindSafe(invoke(iso, target, event, id.clone()))
            .catch_unwind()
            .await
        {
            Ok(r) => r,
            Err(_) => {
                guard.poison();
                tracing::error!(request = %id, "verge bug: a panic while serving the event; the isolate was replaced");
                Err(InvokeError::Internal(
                    "Internal error in verge (the panic is in the log).".into(),
                ))
            }
        }
    }

    /// Delivers `event` to worker `worker` from any thread: on an isolate thread chosen by
    /// `id`'s hash.
    pub async fn invoke(
        self: &Arc<Self>,
        worker: usize,
        event: Event,
        id: String,
    ) -> Result<Outcome, InvokeError> {
        let k = id
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let d = self.clone();
        let sent = self.env.threads.spawn_on(k, move || async move {
            let _ = tx.send(d.invoke_here(worker, event, id).await);
        });
        if !sent {
            return Err(InvokeError::Internal("the isolate thread stopped".into()));
        }
        rx.await
            .unwrap_or_else(|_| Err(InvokeError::Internal("the isolate thread stopped".into())))
    }

    /// Makes a new version of every worker that watches one of `changed` (see
    /// [`Version::watched_files`]). A version that fails to build or load is logged and the
    /// previous one keeps serving. Returns the names of the workers reloaded.
    pub async fn reload(self: &Arc<Self>, changed: &[PathBuf]) -> Vec<String> {
        let _one_at_a_time = self.reloading.lock().await;
        let mut reloaded = Vec::new();
        for (i, slot) in self.workers.iter().enumerate() {
            let current = slot.current();
            let Some(cause) = changed.iter().find(|c| current.is_affected_by(c)) else {
                continue;
            };
            tracing::info!("reloading {} ({} changed)", current.name(), cause.display());
            match self.reload_slot(i).await {
                Ok(name) => reloaded.push(name),
                Err(e) => tracing::error!(
                    "reload of {} failed, still serving the previous version: {e}",
                    current.name()
                ),
            }
        }
        reloaded
    }

    async fn reload_slot(self: &Arc<Self>, i: usize) -> Result<String, DeployError> {
        let slot = &self.workers[i];
        let b = build(&self.env, &slot.source)?;
        let old = slot.current();
        if b.version.name() != old.name() && self.worker_index(b.version.name()).is_some() {
            return Err(DeployError::DuplicateName(b.version.name().to_string()));
        }
        load(&self.env.threads, &b.version.spec).await?;
        let previous = std::mem::replace(
            &mut *slot.current.write().unwrap_or_else(|p| p.into_inner()),
            b.version,
        );
        let old_id = previous.spec.id();
        self.env
            .threads
            .broadcast(move || async move { verge_js::registry::evict(old_id) });
        self.stop_tasks(Some(i));
        let mut tasks = b.tasks;
        tasks.extend(self.cron_task(i));
        tasks.extend(self.queue_tasks(i));
        self.start_tasks(i, tasks);
        self.warn_unbound_services(&slot.current());
        tracing::info!("reloaded {}", previous.name());
        Ok(previous.name().to_string())
    }

    /// The cron scheduler of worker `worker`'s current version, if it has cron triggers.
    fn cron_task(self: &Arc<Self>, worker: usize) -> Option<Task> {
        let version = self.workers.get(worker)?.current();
        if version.crons.is_empty() {
            return None;
        }
        Some(Task {
            key: format!("cron:{}", version.name()),
            scope: TaskScope::Version,
            future: Box::pin(crate::cron::run(
                Arc::downgrade(self),
                worker,
                version.crons.clone(),
                self.env.options.clock.clone(),
                self.env.options.clock.now_ms(),
            )),
        })
    }

    /// The queue consumers of worker `worker`'s current version: one driver per consumed queue
    /// (verge-queues `consumer`), delivering batches through [`Deployment::invoke`] with
    /// [`Event::Queue`]. A reload stops them and starts the new version's; a batch in flight
    /// then is delivered again once its lease ends.
    fn queue_tasks(self: &Arc<Self>, worker: usize) -> Vec<Task> {
        let Some(slot) = self.workers.get(worker) else {
            return Vec::new();
        };
        let version = slot.current();
        if version.consumers.is_empty() {
            return Vec::new();
        }
        let backend = match self.env.backends.queues() {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(
                    "{}: opening queue state failed, its queue consumers do not run: {e}",
                    version.name()
                );
                return Vec::new();
            }
        };
        version
            .consumers
            .iter()
            .map(|settings| {
                let weak = Arc::downgrade(self);
                let deliver: verge_queues::consumer::Deliver = Arc::new(move |delivery| {
                    let weak = weak.clone();
                    Box::pin(async move {
                        let Some(d) = weak.upgrade() else {
                            return Err("the deployment stopped".to_string());
                        };
                        let id = format!(
                            "queue-{}-{}",
                            delivery.queue,
                            delivery.messages.first().map_or("", |m| m.id.as_str())
                        );
                        d.invoke(worker, Event::Queue(delivery), id)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    })
                });
                Task {
                    key: format!("queue:{}:{}", version.name(), settings.queue),
                    scope: TaskScope::Version,
                    future: Box::pin(verge_queues::consumer::run(
                        backend.clone(),
                        settings.clone(),
                        self.env.options.clock.clone(),
                        deliver,
                    )),
                }
            })
            .collect()
    }

    fn start_tasks(&self, worker: usize, tasks: Vec<Task>) {
        let Some(control) = self.control.get() else {
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((worker, tasks));
            return;
        };
        let mut running = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for t in tasks {
            if t.scope == TaskScope::Deployment
                && running
                    .iter()
                    .any(|(k, s, _, _)| *k == t.key && *s == t.scope)
            {
                continue;
            }
            let handle = control.spawn(t.future).abort_handle();
            let owner = (t.scope == TaskScope::Version).then_some(worker);
            running.push((t.key, t.scope, owner, handle));
        }
    }

    /// Stops the version tasks of `worker`, or every task with `None`.
    fn stop_tasks(&self, worker: Option<usize>) {
        let mut running = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|(_, _, owner, handle)| {
            let stop = worker.is_none() || (owner.is_some() && *owner == worker);
            if stop {
                handle.abort();
            }
            !stop
        });
    }

    /// Stops every background task (at shutdown).
    pub fn shutdown(&self) {
        self.stop_tasks(None);
    }
}

/// Reads `source`'s config and configures every part: a new version, not yet loaded.
fn build(env: &Env, source: &WorkerSource) -> Result<Built, DeployError> {
    let loaded = verge_config::load(&LoadOptions {
        dir: source.dir.clone(),
        config: source.config.clone(),
        env: source.env.clone(),
        today: None,
    })
    .map_err(|e| DeployError::Config {
        dir: source.dir.display().to_string(),
        error: Box::new(e),
    })?;
    for w in &loaded.warnings {
        (env.warn)(&w.to_string());
    }
    let config = loaded.config;
    let config_path = loaded.path.display().to_string();
    let config_dir = loaded
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    // The project is always the config file's directory: `main` lies below it (verge-config
    // checks that lexically) and must really be inside it, symlinks included.
    let file = loaded
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let main_name = match &config.main {
        // An assets-only worker: the assets answer every request (verge-assets), and the
        // module the version is built around is the built-in one of the assets extension.
        None => verge_assets::ASSETS_ONLY_MAIN.to_string(),
        Some(main) => {
            let name = main
                .strip_prefix(&config_dir)
                .ok()
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .ok_or_else(|| DeployError::Main {
                    config: file.clone(),
                    message: "the entry module is outside the project directory".into(),
                })?;
            verge_js::loader::resolve_within(&config_dir, &name).map_err(|e| {
                DeployError::Main {
                    config: file.clone(),
                    message: e.to_string(),
                }
            })?;
            name
        }
    };
    let root = std::fs::canonicalize(&config_dir).unwrap_or(config_dir);
    let modules = module_config(&config, &main_name, &root, &file, &*env.warn)?;
    let limits = WorkerLimits {
        cpu: Duration::from_millis(
            env.options
                .cpu_ms
                .or(config.limits.cpu_ms)
                .unwrap_or(verge_js::limits::DEFAULT_CPU_MS),
        ),
        memory_bytes: config
            .limits
            .memory_mb
            .map(|mb| (mb as usize) << 20)
            .unwrap_or(verge_js::limits::DEFAULT_MEMORY_BYTES),
        // verge-config accepts 0..=u32::MAX.
        subrequests: config
            .limits
            .subrequests
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        ..WorkerLimits::default()
    };
    let cx = Configure {
        worker: &config.name,
        config: &config,
        backends: env.backends.as_ref(),
        threads: &env.threads,
        options: &env.options,
        services: env.directory.clone(),
        durable: env.directory.clone(),
    };
    let mut extensions = Vec::new();
    let mut tasks = Vec::new();
    let mut on_spec = Vec::new();
    let mut assets = None;
    let mut durable = None;
    for part in PARTS {
        let c = part.configure(&cx).map_err(|e| DeployError::Configure {
            config: config_path.clone(),
            source: e,
        })?;
        for w in &c.warnings {
            (env.warn)(w);
        }
        extensions.extend(c.extension);
        tasks.extend(c.tasks);
        on_spec.extend(c.on_spec);
        assets = assets.or(c.assets);
        durable = durable.or(c.durable);
    }
    let spec = WorkerSpec::with_modules(
        config.name.clone(),
        root,
        main_name,
        modules,
        limits,
        extensions,
    )
    .map_err(|e| DeployError::Assembly {
        worker: config.name.clone(),
        source: e,
    })?;
    for f in on_spec {
        f(&spec);
    }
    // verge-config checked every expression.
    let crons = config
        .triggers
        .iter()
        .filter_map(|c| verge_config::parse_cron(c).ok().map(|p| (c.clone(), p)))
        .collect();
    let consumers = crate::parts::queue_consumers(&config);
    Ok(Built {
        version: Arc::new(Version {
            spec,
            config: loaded.path,
            watch: loaded.watch_paths,
            services: config
                .services
                .iter()
                .map(|s| (s.binding.clone(), s.service.clone()))
                .collect(),
            remote_classes: config
                .durable_objects
                .iter()
                .filter_map(|b| {
                    let script = b.script_name.as_ref().filter(|s| **s != config.name)?;
                    Some((b.name.clone(), script.clone(), b.class_name.clone()))
                })
                .collect(),
            dev: config.dev,
            assets,
            durable,
            crons,
            consumers,
        }),
        tasks,
    })
}

/// Loads an isolate of `spec` on thread 0, to surface load errors before it serves (thread 0
/// then serves with that isolate). Creating an isolate is bounded in time
/// (`verge_js::limits::STARTUP_WALL_LIMIT`), so this ends.
/// The worker's module rules, base directory and additional modules (wrangler's `rules`,
/// `base_dir`, `find_additional_modules`).
fn module_config(
    config: &verge_config::WorkerConfig,
    main: &str,
    root: &Path,
    file: &str,
    warn: &dyn Fn(&str),
) -> Result<ModuleConfig, DeployError> {
    use verge_config::ModuleKind as Config;
    use verge_js::rules::{ModuleKind, ModuleRules, RuleSpec};
    let specs: Vec<RuleSpec> = config
        .rules
        .iter()
        .map(|r| RuleSpec {
            kind: match r.kind {
                Config::ESModule => ModuleKind::EsModule,
                Config::CommonJS => ModuleKind::CommonJs,
                Config::Text => ModuleKind::Text,
                Config::Data => ModuleKind::Data,
                Config::CompiledWasm => ModuleKind::CompiledWasm,
            },
            globs: r.globs.clone(),
            fallthrough: r.fallthrough,
        })
        .collect();
    let rules = ModuleRules::new(&specs).map_err(|e| DeployError::Modules {
        config: file.to_string(),
        field: format!("rules[{}].globs[{}]", e.rule, e.glob_index),
        message: e.to_string(),
    })?;
    for w in rules.warnings() {
        warn(&format!("{file}: field \"rules\": {w}"));
    }
    // wrangler's default: the directory of the entry module.
    let base_dir = match &config.base_dir {
        Some(dir) => dir.clone(),
        None => main
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default(),
    };
    let additional = if config.find_additional_modules {
        verge_js::loader::find_additional_modules(root, &base_dir, &rules, &[file, main]).map_err(
            |message| DeployError::Modules {
                config: file.to_string(),
                field: "find_additional_modules".into(),
                message,
            },
        )?
    } else {
        Vec::new()
    };
    Ok(ModuleConfig {
        rules,
        base_dir,
        additional,
    })
}

async fn load(threads: &IsolateThreads, spec: &Arc<WorkerSpec>) -> Result<(), DeployError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spec2 = spec.clone();
    let sent = threads.spawn_on(0, move || async move {
        let r = verge_js::registry::isolate_for(&spec2).await.map(|_| ());
        let _ = tx.send(r);
    });
    if !sent {
        return Err(DeployError::ThreadStopped);
    }
    match rx.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(DeployError::Load(e)),
        Err(_) => Err(DeployError::ThreadStopped),
    }
}
