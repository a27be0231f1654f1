//! The parts a worker is assembled from, in install order: the Web platform first, then one
//! entry per binding kind — the single list [`PARTS`], as Spin lists its factors.
//!
//! A part's *configure* phase runs once per worker version: it reads its section of the
//! config, asks the deployment's [`Backends`] for the state it needs, and returns the
//! [`Extension`] that *inits* every isolate (defines classes) and *prepares* `env`, plus the
//! background [`Task`]s it needs. Adding a binding kind is one `impl Part` and one line in
//! [`PARTS`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use verge_config::WorkerConfig;
use verge_js::{Extension, IsolateThreads, WorkerSpec};
use verge_store::Backends;

use crate::deployment::DeploymentOptions;

/// How often expired KV keys are purged from disk (reads never return them regardless).
pub const KV_EXPIRY_SWEEP: Duration = Duration::from_secs(60);

/// Every part, in install order.
pub static PARTS: &[&dyn Part] = &[
    &Web,
    &Crypto,
    &Cache,
    &HtmlRewriter,
    &Vars,
    &VersionMetadata,
    &Kv,
    &D1,
    &DurableObjects,
    &RateLimits,
    &Queues,
    &Services,
    &StaticAssets,
];

/// What a part may use while configuring one worker version.
pub struct Configure<'a> {
    /// The worker's name.
    pub worker: &'a str,
    /// The worker's validated config.
    pub config: &'a WorkerConfig,
    /// Where state lives.
    pub backends: &'a dyn Backends,
    /// The node's isolate threads.
    pub threads: &'a Arc<IsolateThreads>,
    /// Deployment-wide settings.
    pub options: &'a DeploymentOptions,
    /// The deployment's workers, as service bindings reach them.
    pub services: Arc<dyn verge_web::service::ServiceRouter>,
    /// The deployment's Durable Object classes, as `script_name` bindings reach them.
    pub durable: Arc<dyn verge_durable::DurableRouter>,
}

/// A part configured for one worker version.
#[derive(Default)]
pub struct Configured {
    /// The extension to install, if the worker uses this part.
    pub extension: Option<Arc<dyn Extension>>,
    /// Background work.
    pub tasks: Vec<Task>,
    /// Called once the worker version exists (a part that must know its spec).
    pub on_spec: Vec<OnSpec>,
    /// What the part leaves out, for the user (each names the config field).
    pub warnings: Vec<String>,
    /// The version's static assets (served by the edge in front of the worker).
    pub assets: Option<Arc<verge_assets::Assets>>,
    /// The runtime of the version's own Durable Object classes (other workers reach them).
    pub durable: Option<Arc<verge_durable::DurableRuntime>>,
}

/// A callback given the worker version once it exists.
pub type OnSpec = Box<dyn FnOnce(&Arc<WorkerSpec>) + Send>;

/// How long a background task lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskScope {
    /// As long as the worker version that made it serves (stopped on reload).
    Version,
    /// As long as the deployment: started once per key, kept across reloads.
    Deployment,
}

/// Background work a part needs (an alarm scheduler, an expiry sweep).
pub struct Task {
    /// Names the task in logs; a [`TaskScope::Deployment`] task runs once per key.
    pub key: String,
    /// Its lifetime.
    pub scope: TaskScope,
    /// The work.
    pub future: BoxFuture<'static, ()>,
}

/// A part failed to configure.
#[derive(Debug, thiserror::Error)]
#[error("{part}: {message}")]
pub struct ConfigureError {
    /// The part (and binding) at fault, e.g. `d1_databases (DB)`.
    pub part: String,
    /// What went wrong.
    pub message: String,
}

/// One piece of a worker: the Web platform or a binding kind.
pub trait Part: Sync {
    /// The config section or platform piece it covers (for errors).
    fn name(&self) -> &'static str;
    /// The configure phase (see the module docs).
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError>;
}

fn installed(extension: impl Extension) -> Result<Configured, ConfigureError> {
    Ok(Configured {
        extension: Some(Arc::new(extension)),
        ..Configured::default()
    })
}

struct Web;
impl Part for Web {
    fn name(&self) -> &'static str {
        "web"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        installed(
            verge_web::WebExtension::new(cx.worker).websocket_standard_binary_type(
                cx.config.compat.enabled("websocket_standard_binary_type"),
            ),
        )
    }
}

struct Crypto;
impl Part for Crypto {
    fn name(&self) -> &'static str {
        "crypto"
    }
    fn configure(&self, _cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        installed(verge_crypto::CryptoExtension::new())
    }
}

/// The edge cache: the `caches` global and the subrequest cache, over the deployment's one
/// cache store (shared by its workers, as Cloudflare's cache is per zone), and its
/// maintenance (expiry, purges made by `verge cache purge`).
struct Cache;
impl Part for Cache {
    fn name(&self) -> &'static str {
        "cache"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        let store = cx.backends.cache().map_err(|e| ConfigureError {
            part: self.name().into(),
            message: format!("opening the cache: {e}"),
        })?;
        let clock = cx.options.clock.clone();
        let cache = verge_cache::EdgeCache::new(store.clone(), clock.clone(), cx.options.cache);
        Ok(Configured {
            extension: Some(Arc::new(verge_cache::CacheExtension::new(cache))),
            tasks: vec![Task {
                key: "cache-maintenance".into(),
                scope: TaskScope::Deployment,
                future: Box::pin(verge_cache::purge::maintain(store, clock)),
            }],
            ..Configured::default()
        })
    }
}

/// `HTMLRewriter` (lol_html): a global of every worker, as on Workers.
struct HtmlRewriter;
impl Part for HtmlRewriter {
    fn name(&self) -> &'static str {
        "htmlrewriter"
    }
    fn configure(&self, _cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        installed(verge_htmlrewriter::HtmlRewriterExtension)
    }
}

struct Vars;
impl Part for Vars {
    fn name(&self) -> &'static str {
        "vars"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        installed(verge_web::VarsExtension::new(cx.config.vars.clone()))
    }
}

struct Kv;
impl Part for Kv {
    fn name(&self) -> &'static str {
        "kv_namespaces"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        if cx.config.kv_namespaces.is_empty() {
            return Ok(Configured::default());
        }
        let store = cx.backends.kv().map_err(|e| ConfigureError {
            part: self.name().into(),
            message: format!("opening KV state: {e}"),
        })?;
        let bindings: Vec<_> = cx
            .config
            .kv_namespaces
            .iter()
            .map(|ns| {
                (
                    ns.binding.clone(),
                    Arc::new(verge_kv::KvNamespace::new(
                        store.clone(),
                        ns.id.clone(),
                        cx.options.clock.clone(),
                    )),
                )
            })
            .collect();
        // One purge covers every namespace of the store.
        let sweep = verge_kv::expiry_sweep(vec![bindings[0].1.clone()], KV_EXPIRY_SWEEP);
        Ok(Configured {
            extension: Some(Arc::new(verge_kv::KvExtension::new(bindings))),
            tasks: vec![Task {
                key: "kv-expiry".into(),
                scope: TaskScope::Deployment,
                future: Box::pin(sweep),
            }],
            ..Configured::default()
        })
    }
}

struct D1;
impl Part for D1 {
    fn name(&self) -> &'static str {
        "d1_databases"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        if cx.config.d1_databases.is_empty() {
            return Ok(Configured::default());
        }
        let mut bindings = Vec::new();
        for db in &cx.config.d1_databases {
            let sql = cx
                .backends
                .d1(&db.database_id)
                .map_err(|e| ConfigureError {
                    part: format!("{} ({})", self.name(), db.binding),
                    message: format!("opening D1 database {}: {e}", db.database_id),
                })?;
            let options = verge_d1::D1Options {
                query_timeout: cx.options.d1_query_timeout,
            };
            bindings.push((
                db.binding.clone(),
                Arc::new(verge_d1::D1Database::with_options(sql, options)),
            ));
        }
        installed(verge_d1::D1Extension::new(bindings))
    }
}

struct DurableObjects;
impl Part for DurableObjects {
    fn name(&self) -> &'static str {
        "durable_objects"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        let config = cx.config;
        // A script_name naming this worker is one of its own classes.
        let local: Vec<_> = config
            .durable_objects
            .iter()
            .filter(|b| b.script_name.as_ref().is_none_or(|s| *s == config.name))
            .collect();
        let remote: Vec<verge_durable::RemoteNamespace> = config
            .durable_objects
            .iter()
            .filter_map(|b| {
                let script = b.script_name.as_ref().filter(|s| **s != config.name)?;
                Some(verge_durable::RemoteNamespace {
                    binding: b.name.clone(),
                    script: script.clone(),
                    class: b.class_name.clone(),
                })
            })
            .collect();
        if local.is_empty() {
            if remote.is_empty() {
                return Ok(Configured::default());
            }
            return Ok(Configured {
                extension: Some(Arc::new(verge_durable::DurableExtension::with_remote(
                    None,
                    remote,
                    cx.durable.clone(),
                ))),
                ..Configured::default()
            });
        }
        let err = |message: String| ConfigureError {
            part: self.name().into(),
            message,
        };
        let migrations: Vec<verge_durable::Migration> = config
            .migrations
            .iter()
            .map(|m| verge_durable::Migration {
                tag: m.tag.clone(),
                new_sqlite_classes: m.new_sqlite_classes.clone(),
                renamed_classes: m.renamed_classes.clone(),
                deleted_classes: m.deleted_classes.clone(),
            })
            .collect();
        let backend = cx
            .backends
            .durable(cx.worker)
            .map_err(|e| err(format!("opening Durable Object state: {e}")))?;
        verge_durable::migrations::apply(backend.as_ref(), &migrations)
            .map_err(|e| err(format!("migrations: {e}")))?;
        let namespaces = local
            .iter()
            .map(|b| verge_durable::NamespaceConfig {
                binding: b.name.clone(),
                class_name: b.class_name.clone(),
                storage_class: verge_durable::migrations::storage_class(&migrations, &b.class_name),
                sqlite: verge_durable::migrations::is_sqlite_class(&migrations, &b.class_name),
            })
            .collect();
        let rt = verge_durable::DurableRuntime::new(
            cx.worker,
            namespaces,
            backend,
            cx.threads.clone(),
            verge_durable::RuntimeOptions {
                idle: cx.options.do_idle,
                max_live_per_thread: cx.options.max_live_objects_per_thread,
                clock: cx.options.clock.clone(),
            },
        );
        let ext = verge_durable::DurableExtension::with_remote(
            Some(rt.clone()),
            remote,
            cx.durable.clone(),
        );
        let bind = ext.clone();
        Ok(Configured {
            extension: Some(Arc::new(ext)),
            tasks: vec![Task {
                key: format!("alarms:{}", cx.worker),
                scope: TaskScope::Version,
                future: Box::pin(verge_durable::alarms::run(Arc::downgrade(&rt))),
            }],
            on_spec: vec![Box::new(move |spec| bind.bind(spec))],
            durable: Some(rt),
            ..Configured::default()
        })
    }
}

struct VersionMetadata;
impl Part for VersionMetadata {
    fn name(&self) -> &'static str {
        "version_metadata"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        let Some(binding) = &cx.config.version_metadata else {
            return Ok(Configured::default());
        };
        let now = cx.options.clock.now_ms();
        let timestamp = chrono::DateTime::from_timestamp_millis(now as i64)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let value = serde_json::json!({
            "id": version_id(cx.config),
            "tag": "",
            "timestamp": timestamp,
        });
        installed(verge_web::VarsExtension::named(
            "version_metadata",
            vec![(binding.clone(), value)],
        ))
    }
}

/// Module files hashed into a version id, at most.
const VERSION_ID_MAX_FILES: usize = 2_000;

/// A stable id of a worker version: a UUID-shaped hash of its validated config and of the
/// module files next to `main` (`.js .mjs .cjs .ts .wasm .txt .html .sql .bin .json`, outside
/// `node_modules` and hidden directories) — the same code and config give the same id.
pub fn version_id(config: &WorkerConfig) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(format!("{config:?}").as_bytes());
    let mut files = Vec::new();
    if let Some(dir) = config.main.as_deref().and_then(Path::parent) {
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            let Ok(list) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in list.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() {
                    if !name.starts_with('.') && name != "node_modules" {
                        pending.push(e.path());
                    }
                } else if kind.is_file()
                    && [
                        ".js", ".mjs", ".cjs", ".ts", ".wasm", ".txt", ".html", ".sql", ".bin",
                        ".json",
                    ]
                    .iter()
                    .any(|x| name.ends_with(x))
                {
                    files.push(e.path());
                }
            }
            if files.len() > VERSION_ID_MAX_FILES {
                break;
            }
        }
    }
    files.sort();
    for f in files.iter().take(VERSION_ID_MAX_FILES) {
        h.update(f.to_string_lossy().as_bytes());
        if let Ok(bytes) = std::fs::read(f) {
            h.update(&bytes);
        }
    }
    let d = h.finalize();
    let hex: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Service bindings to the other workers of the deployment (a service that is not one of
/// them fails its calls as wrangler's do; the deployment warns about it).
struct Services;
impl Part for Services {
    fn name(&self) -> &'static str {
        "services"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        if cx.config.services.is_empty() {
            return Ok(Configured::default());
        }
        let bindings = cx
            .config
            .services
            .iter()
            .map(|s| verge_web::service::ServiceBinding {
                binding: s.binding.clone(),
                service: s.service.clone(),
                entrypoint: s.entrypoint.clone(),
                props: s.props.as_ref().map(|p| p.to_string()),
            })
            .collect();
        let warnings = cx
            .config
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.environment.is_some())
            .map(|(i, s)| format!("services[{i}] ({}): \"environment\" is ignored; env.{} reaches the worker named \"{}\" of this verge dev", s.binding, s.binding, s.service))
            .collect();
        Ok(Configured {
            extension: Some(Arc::new(verge_web::service::ServiceExtension::new(
                bindings,
                cx.services.clone(),
            ))),
            warnings,
            ..Configured::default()
        })
    }
}

struct RateLimits;
impl Part for RateLimits {
    fn name(&self) -> &'static str {
        "ratelimits"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        if cx.config.ratelimits.is_empty() {
            return Ok(Configured::default());
        }
        installed(verge_ratelimit::RateLimitExtension::new(
            cx.config
                .ratelimits
                .iter()
                .map(|r| (r.name.clone(), r.namespace_id, r.limit, r.period)),
            cx.options.clock.clone(),
        ))
    }
}

/// Queue producers (`env.<binding>`), and what verge leaves out of `queues.consumers`. The push
/// consumers themselves are driven by the deployment (`Deployment::queue_tasks`), which can
/// invoke the worker.
struct Queues;
impl Part for Queues {
    fn name(&self) -> &'static str {
        "queues"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        let queues = &cx.config.queues;
        let warnings = consumer_warnings(queues);
        if queues.producers.is_empty() {
            return Ok(Configured {
                warnings,
                ..Configured::default()
            });
        }
        let backend = cx.backends.queues().map_err(|e| ConfigureError {
            part: self.name().into(),
            message: format!("opening queue state: {e}"),
        })?;
        let bindings = queues
            .producers
            .iter()
            .map(|p| {
                let delay = p
                    .delivery_delay
                    .and_then(|d| u32::try_from(d).ok())
                    .unwrap_or(0);
                (
                    p.binding.clone(),
                    Arc::new(verge_queues::Producer::new(
                        backend.clone(),
                        p.queue.clone(),
                        delay,
                        cx.options.clock.clone(),
                    )),
                )
            })
            .collect();
        Ok(Configured {
            extension: Some(Arc::new(verge_queues::QueuesExtension::new(
                bindings,
                cx.config.compat.enabled("queues_json_messages"),
            ))),
            warnings,
            ..Configured::default()
        })
    }
}

/// What `queues.consumers` asks that verge does not do, by field.
fn consumer_warnings(queues: &verge_config::Queues) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in queues.consumers.iter().enumerate() {
        if c.kind == verge_config::ConsumerKind::HttpPull {
            out.push(format!(
                "queues.consumers[{i}]: pull consumers (type = \"http_pull\") are not supported yet; nothing pulls messages from queue \"{}\"",
                c.queue
            ));
        } else if c.visibility_timeout_ms.is_some() {
            out.push(format!(
                "queues.consumers[{i}]: visibility_timeout_ms applies to pull consumers only and is ignored for the push consumer of queue \"{}\"",
                c.queue
            ));
        }
    }
    out
}

/// The push consumers (`type = "worker"`) of `config`, as the consumer driver takes them.
pub fn queue_consumers(config: &WorkerConfig) -> Vec<verge_queues::ConsumerSettings> {
    config
        .queues
        .consumers
        .iter()
        .filter(|c| c.kind == verge_config::ConsumerKind::Worker)
        .map(|c| verge_queues::ConsumerSettings {
            queue: c.queue.clone(),
            max_batch_size: usize::try_from(c.max_batch_size).unwrap_or(usize::MAX),
            max_batch_timeout_ms: c.max_batch_timeout.saturating_mul(1000),
            max_retries: u32::try_from(c.max_retries).unwrap_or(u32::MAX),
            dead_letter_queue: c.dead_letter_queue.clone(),
            retry_delay: c
                .retry_delay
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(0),
        })
        .collect()
}

struct StaticAssets;
impl Part for StaticAssets {
    fn name(&self) -> &'static str {
        "assets"
    }
    fn configure(&self, cx: &Configure<'_>) -> Result<Configured, ConfigureError> {
        let Some(config) = &cx.config.assets else {
            return Ok(Configured::default());
        };
        let (assets, warnings) =
            verge_assets::Assets::build(config, navigation_prefers_assets(cx.config)).map_err(
                |e| ConfigureError {
                    part: self.name().into(),
                    message: e.to_string(),
                },
            )?;
        let assets = Arc::new(if cx.config.main.is_none() {
            assets.without_worker()
        } else {
            assets
        });
        Ok(Configured {
            extension: Some(Arc::new(verge_assets::AssetsExtension::new(
                config.binding.clone(),
                assets.clone(),
            ))),
            warnings,
            assets: Some(assets),
            ..Configured::default()
        })
    }
}

/// The asset worker's `assets_navigation_prefers_asset_serving`: on from 2025-04-01 unless
/// `assets_navigation_has_no_effect` turns it off.
fn navigation_prefers_assets(config: &WorkerConfig) -> bool {
    let flags = &config.compatibility_flags;
    if flags
        .iter()
        .any(|f| f == "assets_navigation_prefers_asset_serving")
    {
        return true;
    }
    if flags.iter().any(|f| f == "assets_navigation_has_no_effect") {
        return false;
    }
    config.compatibility_date.to_string().as_str() >= "2025-04-01"
}
