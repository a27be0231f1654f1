//! Isolates: one QuickJS runtime + context per worker version per isolate thread.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use rquickjs::{
    AsyncContext, AsyncRuntime, CatchResultExt, CaughtError, Ctx, Object, Persistent, Value,
};

use crate::error::JsException;
use crate::limits;
use crate::loader::{ModuleSource, ProjectLoader};
use crate::meter::{InvocationGuard, Invocations, Metered, RequestMeter};

/// A piece of the platform installed into every isolate: Web APIs, bindings, built-in modules.
///
/// The phases follow Spin's factors: [`Extension::init`] runs once per isolate and defines
/// globals; [`Extension::env`] adds this extension's bindings to the worker's `env`. An
/// extension that uses what another defines (globals, `internal` keys; see `internal.d.ts`
/// in verge-web) names it in [`Extension::requires`], and [`WorkerSpec::new`] refuses an
/// assembly where it is missing or comes later.
pub trait Extension: Send + Sync + 'static {
    /// A short name for errors and logs; unique within a worker.
    fn name(&self) -> &'static str;

    /// Names of the extensions whose `init` must have run before this one's.
    fn requires(&self) -> &'static [&'static str] {
        &[]
    }

    /// Built-in modules `(specifier, ES module source)` this extension provides.
    fn modules(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }

    /// Defines globals. `internal` is a hidden object shared by the platform's own JS.
    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> rquickjs::Result<()> {
        let _ = (ctx, internal);
        Ok(())
    }

    /// Adds bindings to `env`.
    fn env<'js>(
        &self,
        ctx: &Ctx<'js>,
        internal: &Object<'js>,
        env: &Object<'js>,
    ) -> rquickjs::Result<()> {
        let _ = (ctx, internal, env);
        Ok(())
    }
}

/// Per-worker limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerLimits {
    /// CPU time one request may spend running JS.
    pub cpu: Duration,
    /// Memory cap of one isolate.
    pub memory_bytes: usize,
    /// Wall-clock limit for producing a response.
    pub wall: Duration,
    /// Subrequests one invocation may make (`limits.subrequests`); `None`, the default, is no
    /// limit, as in workerd and `wrangler dev` (see [`limits::DEFAULT_SUBREQUESTS`]).
    pub subrequests: Option<u32>,
}

impl Default for WorkerLimits {
    fn default() -> Self {
        WorkerLimits {
            cpu: Duration::from_millis(limits::DEFAULT_CPU_MS),
            memory_bytes: limits::DEFAULT_MEMORY_BYTES,
            wall: limits::DEFAULT_WALL_LIMIT,
            subrequests: limits::DEFAULT_SUBREQUESTS,
        }
    }
}

/// One version of a worker: code, limits and extensions. Immutable; a reload makes a new one.
pub struct WorkerSpec {
    id: u64,
    name: String,
    main: String,
    source: Arc<ModuleSource>,
    limits: WorkerLimits,
    extensions: Vec<Arc<dyn Extension>>,
}

impl std::fmt::Debug for WorkerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerSpec")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("main", &self.main)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

static NEXT_SPEC_ID: AtomicU64 = AtomicU64::new(1);

#[cfg(any(test, feature = "testing"))]
pub(crate) fn next_test_id() -> u64 {
    NEXT_SPEC_ID.fetch_add(1, Ordering::Relaxed)
}

/// Extensions assembled in an order that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssemblyError {
    /// An extension needs one that is not installed, or installed after it.
    #[error("extension `{extension}` requires `{required}`, which {}", if *.installed_later { "is installed after it" } else { "is not installed" })]
    MissingRequirement {
        /// The extension.
        extension: &'static str,
        /// What it requires.
        required: &'static str,
        /// True when `required` is installed, but later.
        installed_later: bool,
    },
    /// Two extensions with one name.
    #[error("extension `{0}` is installed twice")]
    Duplicate(&'static str),
}

/// Checks that every extension's requirements are installed before it, names unique.
pub fn check_assembly(extensions: &[Arc<dyn Extension>]) -> Result<(), AssemblyError> {
    for (i, ext) in extensions.iter().enumerate() {
        if extensions[..i].iter().any(|e| e.name() == ext.name()) {
            return Err(AssemblyError::Duplicate(ext.name()));
        }
        for &required in ext.requires() {
            if !extensions[..i].iter().any(|e| e.name() == required) {
                return Err(AssemblyError::MissingRequirement {
                    extension: ext.name(),
                    required,
                    installed_later: extensions[i..].iter().any(|e| e.name() == required),
                });
            }
        }
    }
    Ok(())
}

/// How a worker's files become modules (wrangler's `rules`, `base_dir`,
/// `find_additional_modules`).
#[derive(Debug, Default)]
pub struct ModuleConfig {
    /// The rules in force.
    pub rules: crate::rules::ModuleRules,
    /// `base_dir` relative to the project root (`""`: the root).
    pub base_dir: String,
    /// Modules found by `find_additional_modules` ([`crate::loader::find_additional_modules`]).
    pub additional: Vec<String>,
}

impl WorkerSpec {
    /// A worker version whose entry module is `main` (relative to `root`), with `extensions`
    /// installed in order (checked by [`check_assembly`]), and the default module rules.
    pub fn new(
        name: impl Into<String>,
        root: PathBuf,
        main: impl Into<String>,
        limits: WorkerLimits,
        extensions: Vec<Arc<dyn Extension>>,
    ) -> Result<Arc<Self>, AssemblyError> {
        Self::with_modules(
            name,
            root,
            main,
            ModuleConfig::default(),
            limits,
            extensions,
        )
    }

    /// [`WorkerSpec::new`] with the project's module configuration.
    pub fn with_modules(
        name: impl Into<String>,
        root: PathBuf,
        main: impl Into<String>,
        modules: ModuleConfig,
        limits: WorkerLimits,
        extensions: Vec<Arc<dyn Extension>>,
    ) -> Result<Arc<Self>, AssemblyError> {
        check_assembly(&extensions)?;
        let builtins: Vec<(&'static str, &'static str)> =
            extensions.iter().flat_map(|e| e.modules()).collect();
        let main: String = main.into();
        let source = ModuleSource::new(root, builtins)
            .with_rules(modules.rules, modules.base_dir)
            .with_main(main.clone())
            .with_additional(modules.additional);
        Ok(Arc::new(WorkerSpec {
            id: NEXT_SPEC_ID.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            main,
            source: Arc::new(source),
            limits,
            extensions,
        }))
    }

    /// Unique id of this version within the process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The worker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The worker's limits.
    pub fn limits(&self) -> WorkerLimits {
        self.limits
    }

    /// The entry module's name.
    pub fn main(&self) -> &str {
        &self.main
    }

    /// The project root modules are loaded from.
    pub fn root(&self) -> &std::path::Path {
        self.source.root()
    }

    /// Every module file of the project loaded so far by any isolate of this version: what a
    /// reload must watch.
    pub fn module_files(&self) -> Vec<PathBuf> {
        self.source.files()
    }
}

/// Why a worker could not be loaded into an isolate.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The engine could not be created.
    #[error("could not create a JS runtime: {0}")]
    Engine(String),
    /// Evaluating the modules threw (syntax error, failed import, top-level exception).
    #[error("{module}: {exception}")]
    Exception {
        /// The entry module.
        module: String,
        /// What was thrown.
        exception: JsException,
    },
    /// Global scope ran past the startup CPU limit.
    #[error(
        "{module}: evaluating the global scope exceeded the startup CPU limit of {limit_ms} ms"
    )]
    StartupCpu {
        /// The entry module.
        module: String,
        /// The limit.
        limit_ms: u128,
    },
    /// Evaluating the modules did not finish (a top-level `await` that never settles).
    #[error(
        "{module}: evaluating the modules did not finish within {limit_ms} ms (a top-level await that never settles?)"
    )]
    StartupHung {
        /// The entry module.
        module: String,
        /// The limit.
        limit_ms: u128,
    },
    /// The entry module has no usable default export.
    #[error(
        "{module}: the module has no default export; verge runs ES module workers (`export default {{ fetch(request, env, ctx) {{ ... }} }}`)"
    )]
    NoDefaultExport {
        /// The entry module.
        module: String,
    },
}

/// A live isolate: a QuickJS runtime and context with the worker's modules evaluated.
///
/// Lives on one isolate thread (`!Send`). Field order matters: persistent handles are dropped
/// before the context and runtime that own their values.
pub struct Isolate {
    exports: Persistent<Object<'static>>,
    namespace: Persistent<Object<'static>>,
    env: Persistent<Object<'static>>,
    internal: Persistent<Object<'static>>,
    ctx: AsyncContext,
    rt: AsyncRuntime,
    spec: Arc<WorkerSpec>,
    poisoned: Cell<bool>,
    requests: Cell<u64>,
    created: Instant,
    driver: Driver,
    rejections: Rejections,
    worker: Rc<str>,
    invocations: Invocations,
}

/// The waker of the task that drives an isolate's spawned futures (timers, host I/O).
///
/// rquickjs's scheduler remembers only the waker of whoever polled the runtime last. When that
/// was a request's task which has since finished, a timer firing later would wake nobody. So
/// after every poll of isolate work, [`Kicked`] wakes the driver, which polls the runtime and
/// registers itself again.
#[derive(Clone, Default)]
struct Driver(Rc<RefCell<Option<Waker>>>);

/// Promises rejected with no handler yet. JS often attaches the handler a moment later (an
/// `await` right after a call that threw), so, as V8 does, a rejection is reported only if it
/// is still unhandled when the poll that ran it ends.
#[derive(Clone, Default)]
struct Rejections(Rc<RefCell<Vec<Rejection>>>);

/// A tracked rejection: promise identity, description, request id.
type Rejection = (usize, String, Option<String>);

impl Rejections {
    fn track(&self, key: usize, handled: bool, describe: impl FnOnce() -> String) {
        let mut list = self.0.borrow_mut();
        if handled {
            list.retain(|(k, _, _)| *k != key);
        } else {
            list.push((key, describe(), crate::meter::current_request_id()));
        }
    }

    fn report(&self, worker: &str) {
        let drained: Vec<_> = self.0.borrow_mut().drain(..).collect();
        for (_, message, request) in drained {
            tracing::warn!(
                worker,
                request = request.unwrap_or_default(),
                "Uncaught (in promise) {message}"
            );
        }
    }
}

impl Driver {
    fn kick(&self) {
        if let Some(w) = self.0.borrow().as_ref() {
            w.wake_by_ref();
        }
    }
}

/// A future that wakes its isolate's driver after each poll, and reports rejections that
/// the poll left unhandled.
struct Kicked<F> {
    inner: Pin<Box<F>>,
    driver: Driver,
    rejections: Rejections,
    worker: Rc<str>,
    /// The invocation this work belongs to, while it runs (see [`Invocations`]).
    _invocation: Option<InvocationGuard>,
}

impl<F: Future> Future for Kicked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let out = self.inner.as_mut().poll(cx);
        self.driver.kick();
        self.rejections.report(&self.worker);
        out
    }
}

/// The driver task: `AsyncRuntime::drive` that records its own waker on every poll.
struct DriverTask<F> {
    inner: Pin<Box<F>>,
    driver: Driver,
    rejections: Rejections,
    worker: Rc<str>,
}

impl<F: Future> Future for DriverTask<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        {
            let mut slot = self.driver.0.borrow_mut();
            if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *slot = Some(cx.waker().clone());
            }
        }
        let out = self.inner.as_mut().poll(cx);
        self.rejections.report(&self.worker);
        out
    }
}

impl std::fmt::Debug for Isolate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Isolate")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl Isolate {
    /// Creates an isolate for `spec`: runtime, limits, globals, env, modules evaluated.
    ///
    /// Must be called on an isolate thread (inside a tokio `LocalSet`): it spawns the task that
    /// drives the runtime's timers and futures.
    pub async fn new(spec: Arc<WorkerSpec>) -> Result<Rc<Isolate>, LoadError> {
        let rt = AsyncRuntime::new().map_err(|e| LoadError::Engine(e.to_string()))?;
        rt.set_memory_limit(spec.limits.memory_bytes).await;
        rt.set_max_stack_size(limits::JS_STACK_BYTES).await;
        rt.set_gc_threshold(4 << 20).await;
        rt.set_interrupt_handler(Some(Box::new(crate::meter::should_interrupt)))
            .await;
        rt.set_loader(
            ProjectLoader(spec.source.clone()),
            ProjectLoader(spec.source.clone()),
        )
        .await;
        let rejections = Rejections::default();
        let tracked = rejections.clone();
        rt.set_host_promise_rejection_tracker(Some(Box::new(
            move |_ctx, promise, reason, is_handled| {
                // SAFETY: reading the pointer of a live promise value; it is used only as an
                // identity key while the promise is tracked, never dereferenced.
                let key = unsafe { rquickjs::qjs::JS_VALUE_GET_PTR(promise.as_raw()) } as usize;
                tracked.track(key, is_handled, || {
                    JsException::from_value(&reason).to_string()
                });
            },
        )))
        .await;
        let ctx = AsyncContext::full(&rt)
            .await
            .map_err(|e| LoadError::Engine(e.to_string()))?;
        ctx.with(|ctx| {
            // SAFETY: `ctx` is a live context of a runtime we hold the lock of (inside `with`);
            // adding an intrinsic only defines the `DOMException` global on it.
            unsafe { rquickjs::qjs::JS_AddIntrinsicDOMException(ctx.as_raw().as_ptr()) }
        })
        .await;

        let driver = Driver::default();
        let drive_meter =
            RequestMeter::per_slice(format!("background:{}", spec.name), spec.limits.cpu);
        let worker: Rc<str> = Rc::from(spec.name.as_str());
        let invocations = Invocations::default();
        tokio::task::spawn_local(DriverTask {
            inner: Box::pin(Metered::background(
                drive_meter,
                invocations.clone(),
                rt.drive(),
            )),
            driver: driver.clone(),
            rejections: rejections.clone(),
            worker: worker.clone(),
        });

        let startup = RequestMeter::new(format!("startup:{}", spec.name), limits::STARTUP_CPU);
        let main = spec.main.clone();
        let spec2 = spec.clone();
        let loaded = tokio::time::timeout(
            limits::STARTUP_WALL_LIMIT,
            Kicked {
                driver: driver.clone(),
                rejections: rejections.clone(),
                worker: worker.clone(),
                _invocation: None,
                inner: Box::pin(Metered::new(
                    startup.clone(),
                    ctx.async_with(async move |ctx| {
                        let r: rquickjs::Result<_> = async {
                            let internal = Object::new(ctx.clone())?;
                            // Names this isolate's worker version (registry::live), e.g. for
                            // what RPC hands out by reference.
                            internal.set("isolateKey", spec2.id().to_string())?;
                            for ext in &spec2.extensions {
                                ext.init(&ctx, &internal)?;
                            }
                            crate::commonjs::prepare(&ctx, &internal, spec2.source.clone())?;
                            let env = Object::new(ctx.clone())?;
                            for ext in &spec2.extensions {
                                ext.env(&ctx, &internal, &env)?;
                            }
                            let module = spec2.source.declare(&ctx, &spec2.main)?;
                            let (module, promise) = module.eval()?;
                            promise.into_future::<Value>().await?;
                            let default: Value = module.get("default")?;
                            let namespace = module.namespace()?;
                            Ok((
                                Persistent::save(&ctx, internal),
                                Persistent::save(&ctx, env),
                                default.into_object().map(|o| Persistent::save(&ctx, o)),
                                Persistent::save(&ctx, namespace),
                            ))
                        }
                        .await;
                        r.catch(&ctx).map_err(|e| caught_to_exception(&ctx, e))
                    }),
                )),
            },
        )
        .await;
        let Ok(loaded) = loaded else {
            return Err(LoadError::StartupHung {
                module: main,
                limit_ms: limits::STARTUP_WALL_LIMIT.as_millis(),
            });
        };
        if startup.exceeded() {
            return Err(LoadError::StartupCpu {
                module: main,
                limit_ms: limits::STARTUP_CPU.as_millis(),
            });
        }
        let (internal, env, exports, namespace) =
            loaded.map_err(|exception| LoadError::Exception {
                module: main.clone(),
                exception,
            })?;
        let exports = exports.ok_or(LoadError::NoDefaultExport { module: main })?;

        Ok(Rc::new(Isolate {
            exports,
            namespace,
            env,
            internal,
            ctx,
            rt,
            spec,
            poisoned: Cell::new(false),
            requests: Cell::new(0),
            created: Instant::now(),
            driver,
            rejections,
            worker,
            invocations,
        }))
    }

    /// Runs isolate work (a future that uses [`Isolate::context`]) charged to `meter`, keeping
    /// the isolate's timers and host futures driven after it ends. All request work goes
    /// through here.
    pub fn run<F: Future>(
        &self,
        meter: Rc<RequestMeter>,
        fut: F,
    ) -> impl Future<Output = F::Output> {
        Kicked {
            _invocation: self.invocations.enter(&meter),
            inner: Box::pin(Metered::new(meter, fut)),
            driver: self.driver.clone(),
            rejections: self.rejections.clone(),
            worker: self.worker.clone(),
        }
    }

    /// The worker version this isolate runs.
    pub fn spec(&self) -> &Arc<WorkerSpec> {
        &self.spec
    }

    /// When the isolate was created.
    pub fn created(&self) -> Instant {
        self.created
    }

    /// The async context, for running JS.
    pub fn context(&self) -> &AsyncContext {
        &self.ctx
    }

    /// The module's default export.
    pub fn exports<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
        self.exports.clone().restore(ctx)
    }

    /// The entry module's namespace object (its named exports).
    pub fn module_namespace<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
        self.namespace.clone().restore(ctx)
    }

    /// The worker's `env` object.
    pub fn env<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
        self.env.clone().restore(ctx)
    }

    /// The platform's hidden internal object.
    pub fn internal<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
        self.internal.clone().restore(ctx)
    }

    /// Marks the isolate as damaged: the thread replaces it for new requests.
    pub fn poison(&self) {
        self.poisoned.set(true);
    }

    /// True when the isolate must not take new requests.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.get()
    }

    /// Counts a finished request; after a failed one, and every 1024 requests, checks memory and
    /// poisons the isolate when it is close to its cap (the guest may have caught an
    /// out-of-memory error). A worker that leaks faster than ≈12 KiB per request reaches the
    /// engine's cap between checks: that request fails with an out-of-memory error, which
    /// replaces the isolate.
    pub async fn after_request(&self, failed: bool) {
        let n = self.requests.get() + 1;
        self.requests.set(n);
        // JS_ComputeMemoryUsage walks the whole heap (≈1.5 % of a hello request when it ran at
        // every 256th request, ≈0.4 % now).
        if failed || n.is_multiple_of(1024) {
            let usage = self.rt.memory_usage().await;
            let used = usage.malloc_size.max(0) as usize;
            if used > self.spec.limits.memory_bytes / 10 * 9 {
                tracing::warn!(worker = %self.spec.name, used, "isolate near its memory cap; replacing it");
                self.poison();
            }
        }
    }

    /// Bytes QuickJS has allocated for this isolate.
    pub async fn memory_used(&self) -> usize {
        self.rt.memory_usage().await.malloc_size.max(0) as usize
    }

    /// QuickJS's heap accounting for this isolate (`JS_ComputeMemoryUsage`): objects, shapes,
    /// atoms, strings and function bytecode, for memory benchmarks.
    pub async fn memory_usage(&self) -> rquickjs::qjs::JSMemoryUsage {
        self.rt.memory_usage().await
    }

    /// Runs a full garbage collection.
    pub async fn collect_garbage(&self) {
        self.rt.run_gc().await;
    }
}

/// Turns a caught JS error into [`JsException`].
pub fn caught_to_exception(ctx: &Ctx<'_>, e: CaughtError<'_>) -> JsException {
    match e {
        CaughtError::Exception(ex) => JsException::from_value(&ex.into_value()),
        CaughtError::Value(v) => JsException::from_value(&v),
        CaughtError::Error(err) => JsException::from_error(ctx, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::RequestMeter;
    use rquickjs::{Function, Promise};

    fn project(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "verge-js-iso-{}-{}",
            std::process::id(),
            next_test_id()
        ));
        for (name, src) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, src).unwrap();
        }
        dir
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tokio::task::LocalSet::new().block_on(&rt, f)
    }

    #[test]
    fn modules_with_relative_imports_load_and_export_a_default() {
        let dir = project(&[
            (
                "src/index.js",
                "import { greet } from './lib/greet.js'; export default { hi: greet('x') };",
            ),
            (
                "src/lib/greet.js",
                "export function greet(n) { return 'hello ' + n; }",
            ),
        ]);
        let spec =
            WorkerSpec::new("w", dir, "src/index.js", WorkerLimits::default(), vec![]).unwrap();
        block_on(async {
            let iso = Isolate::new(spec).await.unwrap();
            let hi: String = iso
                .context()
                .with(|ctx| iso.exports(&ctx).unwrap().get("hi").unwrap())
                .await;
            assert_eq!(hi, "hello x");
        });
    }

    #[test]
    fn a_commonjs_entry_module_exports_the_worker_and_patched_builtins_do_not_reach_require() {
        let dir = project(&[
            (
                "index.js",
                // Guest code replaces built-ins before the first CommonJS module loads.
                "JSON.parse = () => 'patched'; Object.create = () => { throw 1; };\n\
                 const m = await import('./worker.cjs'); export default m.default;",
            ),
            (
                "worker.cjs",
                "const data = require('./data.json');\n\
                 module.exports = { hi: 'hello ' + data.who, again: require('./data.json') === data };",
            ),
            ("data.json", "{\"who\": \"cjs\"}"),
        ]);
        let spec = WorkerSpec::new("w", dir, "index.js", WorkerLimits::default(), vec![]).unwrap();
        block_on(async {
            let iso = Isolate::new(spec).await.unwrap();
            let (hi, again): (String, bool) = iso
                .context()
                .with(|ctx| {
                    let e = iso.exports(&ctx).unwrap();
                    (e.get("hi").unwrap(), e.get("again").unwrap())
                })
                .await;
            assert_eq!((hi.as_str(), again), ("hello cjs", true));
        });
    }

    #[test]
    fn a_syntax_error_names_the_module_and_line() {
        let dir = project(&[("index.js", "export default {\n  fetch( {\n};")]);
        let spec = WorkerSpec::new("w", dir, "index.js", WorkerLimits::default(), vec![]).unwrap();
        let err = block_on(Isolate::new(spec)).unwrap_err().to_string();
        assert!(err.contains("index.js"), "{err}");
        assert!(err.contains("SyntaxError"), "{err}");
    }

    #[test]
    fn a_symlink_out_of_the_project_is_neither_imported_nor_the_main_module() {
        let outside = project(&[("secret.txt", "host secret"), ("worker.js", "")]);
        let dir = project(&[
            (
                "index.js",
                "import s from './secret.txt'; export default { s };",
            ),
            (
                "missing.js",
                "import s from './gone.txt'; export default { s };",
            ),
        ]);
        std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("secret.txt")).unwrap();
        std::os::unix::fs::symlink(outside.join("gone.txt"), dir.join("gone.txt")).unwrap();
        std::os::unix::fs::symlink(outside.join("worker.js"), dir.join("main.js")).unwrap();
        let load = |main: &str| {
            let spec =
                WorkerSpec::new("w", dir.clone(), main, WorkerLimits::default(), vec![]).unwrap();
            let err = block_on(Isolate::new(spec)).unwrap_err().to_string();
            let host = dir.parent().unwrap().to_string_lossy().into_owned();
            assert!(!err.contains(&host), "{err}");
            err
        };
        let existing = load("index.js");
        assert!(
            existing.contains(
                "\"secret.txt\" leads outside the project directory through a symbolic link"
            ),
            "{existing}"
        );
        // A link to a file that does not exist reads the same as one to a file that does.
        let missing = load("missing.js");
        assert_eq!(
            missing
                .replace("missing.js", "index.js")
                .replace("gone", "secret"),
            existing
        );
        let main = load("main.js");
        assert!(
            main.contains("\"main.js\" leads outside the project directory"),
            "{main}"
        );
    }

    #[test]
    fn a_missing_import_names_it_relative_to_the_project() {
        let dir = project(&[("index.js", "import './lib/gone.js'; export default {};")]);
        let spec = WorkerSpec::new(
            "w",
            dir.clone(),
            "index.js",
            WorkerLimits::default(),
            vec![],
        )
        .unwrap();
        let err = block_on(Isolate::new(spec)).unwrap_err().to_string();
        assert!(
            err.contains("\"lib/gone.js\" does not exist in the project directory"),
            "{err}"
        );
        assert!(!err.contains(&*dir.to_string_lossy()), "{err}");
    }

    #[test]
    fn a_missing_default_export_is_a_load_error() {
        let dir = project(&[("index.js", "export const x = 1;")]);
        let spec = WorkerSpec::new("w", dir, "index.js", WorkerLimits::default(), vec![]).unwrap();
        let err = block_on(Isolate::new(spec)).unwrap_err();
        assert!(matches!(err, LoadError::NoDefaultExport { .. }), "{err}");
    }

    #[test]
    fn an_infinite_loop_is_interrupted_at_the_cpu_budget_and_the_isolate_still_works() {
        let dir = project(&[(
            "index.js",
            "export default { spin() { while (true) {} }, ok() { return 2; } };",
        )]);
        let limits = WorkerLimits {
            cpu: Duration::from_millis(30),
            ..WorkerLimits::default()
        };
        let spec = WorkerSpec::new("w", dir, "index.js", limits, vec![]).unwrap();
        block_on(async {
            let iso = Isolate::new(spec).await.unwrap();
            let meter = RequestMeter::new("r", Duration::from_millis(30));
            let res = Metered::new(
                meter.clone(),
                iso.context().async_with(async |ctx| {
                    let f: Function = iso.exports(&ctx).unwrap().get("spin").unwrap();
                    let r: rquickjs::Result<Value> = f.call(());
                    r.catch(&ctx)
                        .map_err(|e| caught_to_exception(&ctx, e))
                        .map(|_| ())
                }),
            )
            .await;
            let ex = res.unwrap_err();
            assert!(ex.is_interrupt(), "{ex}");
            assert!(meter.exceeded());
            let two: i32 = iso
                .context()
                .with(|ctx| {
                    iso.exports(&ctx)
                        .unwrap()
                        .get::<_, Function>("ok")
                        .unwrap()
                        .call(())
                        .unwrap()
                })
                .await;
            assert_eq!(two, 2);
        });
    }

    #[test]
    fn top_level_await_is_driven_before_exports_are_read() {
        let dir = project(&[(
            "index.js",
            "const v = await Promise.resolve(41); export default { v: v + 1 };",
        )]);
        let spec = WorkerSpec::new("w", dir, "index.js", WorkerLimits::default(), vec![]).unwrap();
        block_on(async {
            let iso = Isolate::new(spec).await.unwrap();
            let v: i32 = iso
                .context()
                .with(|ctx| iso.exports(&ctx).unwrap().get("v").unwrap())
                .await;
            assert_eq!(v, 42);
            let p: i32 = iso
                .context()
                .async_with(async |ctx| {
                    let p: Promise = ctx.eval("Promise.resolve(5)").unwrap();
                    p.into_future().await.unwrap()
                })
                .await;
            assert_eq!(p, 5);
        });
    }

    struct Named(&'static str, &'static [&'static str]);
    impl Extension for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        fn requires(&self) -> &'static [&'static str] {
            self.1
        }
    }

    #[test]
    fn extensions_must_follow_what_they_require() {
        let web: Arc<dyn Extension> = Arc::new(Named("web", &[]));
        let kv: Arc<dyn Extension> = Arc::new(Named("kv", &["web"]));
        assert_eq!(check_assembly(&[web.clone(), kv.clone()]), Ok(()));
        let e = check_assembly(&[kv.clone(), web.clone()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "extension `kv` requires `web`, which is installed after it"
        );
        let e = check_assembly(std::slice::from_ref(&kv)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "extension `kv` requires `web`, which is not installed"
        );
        assert_eq!(
            check_assembly(&[web.clone(), web]),
            Err(AssemblyError::Duplicate("web"))
        );
        let dir = project(&[("index.js", "export default {};")]);
        assert!(WorkerSpec::new("w", dir, "index.js", WorkerLimits::default(), vec![kv]).is_err());
    }

    #[test]
    fn dom_exception_is_a_global() {
        let out = crate::testing::run_js(vec![], "const e = new DOMException('m', 'DataError'); return [e.name, e.message, e instanceof Error];").unwrap();
        assert_eq!(out, r#"["DataError","m",true]"#);
    }
}
