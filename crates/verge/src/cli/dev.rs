//! `verge dev`: serve a project with the embedded defaults and reload it when files change.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use verge_js::{Extension, IsolateThreads, WorkerLimits, WorkerSpec};

use super::ProjectArgs;
use super::watch::{Change, ProjectWatcher};

/// Arguments of `verge dev`.
#[derive(clap::Args, Debug, Clone)]
pub struct DevArgs {
    /// Project directory (holds wrangler.toml / wrangler.jsonc). Default: the current directory.
    pub dir: Option<PathBuf>,
    /// Port to listen on (default: `dev.port` from the config, else 8787; 0 picks a free port).
    #[arg(long, short = 'p')]
    pub port: Option<u16>,
    /// Address to listen on (default: `dev.ip` from the config, else 127.0.0.1).
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// Path to the wrangler config file.
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Environment from `[env.<name>]` to use.
    #[arg(long, short = 'e')]
    pub env: Option<String>,
    /// Directory for local state (default: `<project>/.verge`).
    #[arg(long)]
    pub persist_to: Option<PathBuf>,
    /// Isolate threads (default: one per available core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Per-request CPU limit in ms (default: `limits.cpu_ms`, else 50).
    #[arg(long)]
    pub cpu_ms: Option<u64>,
    /// This node's PoP code, shown as `request.cf.colo` and in `cf-ray`.
    #[arg(long, default_value = "DEV")]
    pub colo: String,
    /// JSON file with the `request.cf` fields to use for every request (country, city, ...).
    #[arg(long)]
    pub cf: Option<PathBuf>,
    /// Do not watch files for changes.
    #[arg(long)]
    pub no_reload: bool,
    /// Evict Durable Objects idle for this long (ms); their storage stays.
    #[arg(long, default_value_t = 30_000)]
    pub do_idle_ms: u64,
}

impl DevArgs {
    fn project(&self) -> ProjectArgs {
        ProjectArgs {
            dir: self.dir.clone().unwrap_or_else(|| PathBuf::from(".")),
            config: self.config.clone(),
            env: self.env.clone(),
            persist_to: self.persist_to.clone(),
        }
    }
}

fn default_cf() -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({
        "asn": 395747,
        "asOrganization": "verge local",
        "city": "San Francisco",
        "clientTcpRtt": 1,
        "continent": "NA",
        "country": "US",
        "latitude": "37.78040",
        "longitude": "-122.39070",
        "metroCode": "807",
        "postalCode": "94107",
        "region": "California",
        "regionCode": "CA",
        "timezone": "America/Los_Angeles",
        "tlsVersion": "",
        "tlsCipher": "",
    });
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

fn load_cf(path: &Path) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    match serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?
    {
        serde_json::Value::Object(m) => Ok(m),
        _ => bail!(
            "{}: expected a JSON object of request.cf fields",
            path.display()
        ),
    }
}

/// Everything built from one read of the project: the worker version to serve.
struct Build {
    spec: Arc<WorkerSpec>,
    port: Option<u16>,
    ip: Option<String>,
    kv_sweep: Vec<Arc<verge_kv::KvNamespace>>,
    durable: Option<Arc<verge_durable::DurableRuntime>>,
}

fn build(
    args: &DevArgs,
    project: &ProjectArgs,
    threads: &Arc<IsolateThreads>,
) -> anyhow::Result<Build> {
    let loaded = project.load()?;
    let config = loaded.config;
    let config_dir = loaded
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let config_dir = std::fs::canonicalize(&config_dir).unwrap_or(config_dir);
    let main = std::fs::canonicalize(&config.main)
        .with_context(|| format!("main module {}", config.main.display()))?;
    let root = if main.starts_with(&config_dir) {
        config_dir
    } else {
        main.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let main_name = main
        .strip_prefix(&root)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|_| main.to_string_lossy().into_owned());

    let cpu_ms = args
        .cpu_ms
        .or(config.limits.cpu_ms)
        .unwrap_or(verge_js::limits::DEFAULT_CPU_MS);
    let memory_bytes = config
        .limits
        .memory_mb
        .map(|mb| (mb as usize) << 20)
        .unwrap_or(verge_js::limits::DEFAULT_MEMORY_BYTES);
    let limits = WorkerLimits {
        cpu: Duration::from_millis(cpu_ms),
        memory_bytes,
        // verge-config accepts 0..=u32::MAX.
        subrequests: config
            .limits
            .subrequests
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        ..WorkerLimits::default()
    };

    let state_dir = project.state_dir();
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("creating the state directory {}", state_dir.display()))?;
    let mut extensions: Vec<Arc<dyn Extension>> = vec![
        Arc::new(
            verge_web::WebExtension::new(config.name.clone()).websocket_standard_binary_type(
                config.compat.enabled("websocket_standard_binary_type"),
            ),
        ),
        Arc::new(verge_crypto::CryptoExtension::new()),
        Arc::new(verge_web::VarsExtension::new(config.vars.clone())),
    ];
    let idle = Duration::from_millis(args.do_idle_ms);
    let bindings = super::bindings::build(&config, &state_dir, threads, idle)?;
    extensions.extend(bindings.extensions);
    let spec = WorkerSpec::new(config.name.clone(), root, main_name, limits, extensions);
    if let Some(d) = &bindings.durable {
        d.bind_spec(&spec);
    }
    Ok(Build {
        spec,
        port: config.dev.port,
        ip: config.dev.ip,
        kv_sweep: bindings.kv_sweep,
        durable: bindings.durable,
    })
}

/// Loads an isolate for `spec` on thread 0 to surface load errors before serving it (thread 0
/// then serves with that isolate).
fn validate(threads: &IsolateThreads, spec: &Arc<WorkerSpec>) -> anyhow::Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spec2 = spec.clone();
    threads.spawn_on(0, move || async move {
        let r = verge_js::registry::isolate_for(&spec2)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        let _ = tx.send(r);
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => bail!("{e}"),
        Err(_) => bail!("loading the worker timed out"),
    }
}

/// Runs `verge dev`.
pub fn run(args: DevArgs) -> anyhow::Result<()> {
    let project = args.project();
    let n = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let threads = Arc::new(IsolateThreads::start(n).context("starting isolate threads")?);
    let first = build(&args, &project, &threads)?;

    let ip: IpAddr = match (args.ip, first.ip.as_deref()) {
        (Some(ip), _) => ip,
        (None, Some("localhost")) | (None, None) => IpAddr::from([127, 0, 0, 1]),
        (None, Some(s)) => s
            .parse()
            .with_context(|| format!("dev.ip {s:?} is not an IP address"))?,
    };
    let port = args.port.or(first.port).unwrap_or(8787);
    let cf = match &args.cf {
        Some(p) => load_cf(p)?,
        None => default_cf(),
    };
    // Bound before the worker is loaded: a client connecting meanwhile waits in the backlog
    // (answered as soon as the worker is ready) instead of being refused. Nothing is accepted
    // until the worker has loaded, so no request ever sees a worker that fails to start.
    let listeners = verge_edge::Listeners::bind(SocketAddr::new(ip, port), threads.len())
        .with_context(|| format!("listening on {ip}:{port}"))?;
    validate(&threads, &first.spec).context("loading the worker")?;

    let router = Arc::new(verge_edge::Router::new(first.spec.clone()));
    let edge = verge_edge::EdgeConfig {
        addr: SocketAddr::new(ip, port),
        colo: args.colo.clone(),
        cf,
        expose_errors: true,
    };
    let addr = verge_edge::serve(&threads, listeners, edge, router.clone());
    // Watch before announcing the address, so no edit made after startup is missed (requests
    // are already being served meanwhile).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Change>();
    let mut watcher = if args.no_reload {
        None
    } else {
        Some(ProjectWatcher::start(
            &project.dir,
            &project.state_dir(),
            tx,
        )?)
    };
    println!(
        "verge dev: serving {} on http://{addr} ({n} isolate threads)",
        first.spec.name()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let kv_sweep = first.kv_sweep;
    let durable = first.durable;
    rt.block_on(async move {
        if let Some(d) = durable {
            tokio::spawn(verge_durable::DurableRuntime::run_alarms(Arc::downgrade(
                &d,
            )));
        }
        let _sweep = (!kv_sweep.is_empty())
            .then(|| verge_kv::spawn_expiry(kv_sweep, super::bindings::KV_EXPIRY_SWEEP));
        loop {
            tokio::select! {
                _ = shutdown_signal() => break,
                Some(change) = rx.recv() => {
                    // Debounce: editors write several events per save.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    let mut appeared = change.appeared;
                    while let Ok(c) = rx.try_recv() {
                        appeared.extend(c.appeared);
                    }
                    if let Some(w) = &mut watcher {
                        w.watch_appeared(&appeared);
                    }
                    reload(&args, &project, &threads, &router);
                }
            }
        }
        println!("verge dev: shutting down");
        anyhow::Ok(())
    })
}

fn reload(
    args: &DevArgs,
    project: &ProjectArgs,
    threads: &Arc<IsolateThreads>,
    router: &verge_edge::Router,
) {
    let next = match build(args, project, threads) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("reload failed, still serving the previous version: {e:#}");
            return;
        }
    };
    if let Err(e) = validate(threads, &next.spec) {
        tracing::error!("reload failed, still serving the previous version: {e:#}");
        return;
    }
    if let Some(d) = &next.durable {
        tokio::spawn(verge_durable::DurableRuntime::run_alarms(Arc::downgrade(d)));
    }
    let old = router.replace(next.spec);
    let old_id = old.id();
    threads.broadcast(move || async move { verge_js::registry::evict(old_id) });
    tracing::info!("reloaded {}", old.name());
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
