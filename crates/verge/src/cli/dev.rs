//! `verge dev`: serve a project with the embedded defaults and reload it when files change.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use verge_js::IsolateThreads;
use verge_worker::{Deployment, DeploymentOptions, WorkerSource};

use super::watch::FileWatcher;

/// Arguments of `verge dev`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Environment:\n  VERGE_CACHE_PURGE_TOKEN  turns on the cache's admin purge endpoint, \
POST /__verge/cache/purge with `Authorization: Bearer <token>` (off when unset)"
)]
pub struct DevArgs {
    /// Project directory (holds wrangler.toml / wrangler.jsonc). Default: the current directory.
    pub dir: Option<PathBuf>,
    /// Port to listen on (default: `dev.port` from the config, else 8787; 0 picks a free port).
    #[arg(long, short = 'p')]
    pub port: Option<u16>,
    /// Address to listen on (default: `dev.ip` from the config, else 127.0.0.1).
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// Path to a wrangler config file. Repeat to run several workers in one process: the
    /// first serves HTTP, the others are reachable through bindings.
    #[arg(long, short = 'c')]
    pub config: Vec<PathBuf>,
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
    /// Do not compress worker responses for clients that send `Accept-Encoding` (by default
    /// text, JSON, JavaScript and other compressible types are sent gzip or br, as on
    /// Cloudflare).
    #[arg(long)]
    pub no_compress: bool,
    /// Evict Durable Objects idle for this long (ms); their storage stays.
    #[arg(long, default_value_t = 30_000)]
    pub do_idle_ms: u64,
    /// Longest a D1 query may run, in ms (default and most: D1's 30000).
    #[arg(long)]
    pub d1_query_timeout_ms: Option<u64>,
    /// Most open client connections (default: half the open-files limit); more wait in the
    /// listen backlog.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// How long a client may take to send a request's headers, and how long an idle
    /// keep-alive connection stays open, in ms (default 30000).
    #[arg(long)]
    pub header_timeout_ms: Option<u64>,
    /// Serve `GET /__scheduled?cron=…`, which runs the worker's `scheduled()` handler (as
    /// `wrangler dev --test-scheduled`).
    #[arg(long)]
    pub test_scheduled: bool,
    #[command(flatten)]
    pub cache: super::cache::CacheArgs,
    /// The subrequest cache honours `stale-while-revalidate` and `stale-if-error` in origin
    /// responses (beyond Cloudflare).
    #[arg(long)]
    pub cache_stale: bool,
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

/// Raises the soft limit of open files to the hard limit (each live Durable Object holds three
/// files, each connection one); returns the limit now in force.
fn raise_nofile_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::debug!("cannot raise the open-files limit: {e}");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024)
        }
    }
}

/// SIGTERM and SIGINT, registered once (from then on they no longer kill the process: verge
/// stops itself, draining what is in flight).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        Ok(Signals {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?,
        })
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn log_watched(files: &[PathBuf]) {
    tracing::debug!(
        target: "verge::watch",
        "watching for changes: {}",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// How long a stop may wait for in-flight requests before exiting anyway (SIGTERM must end
/// verge within 10 s).
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(8);

/// Runs `verge dev`.
pub fn run(args: DevArgs) -> anyhow::Result<()> {
    let n = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let nofile = raise_nofile_limit();
    let threads = Arc::new(IsolateThreads::start(n).context("starting isolate threads")?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(args, n, nofile, threads))
}

async fn serve(
    args: DevArgs,
    n: usize,
    nofile: u64,
    threads: Arc<IsolateThreads>,
) -> anyhow::Result<()> {
    let mut signals = Signals::new()?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let sources: Vec<WorkerSource> = if args.config.is_empty() {
        vec![WorkerSource {
            dir: dir.clone(),
            config: None,
            env: args.env.clone(),
        }]
    } else {
        args.config
            .iter()
            .map(|c| WorkerSource {
                dir: dir.clone(),
                config: Some(c.clone()),
                env: args.env.clone(),
            })
            .collect()
    };
    let state_dir = args
        .persist_to
        .clone()
        .unwrap_or_else(|| dir.join(".verge"));
    let backends = Arc::new(
        verge_store::sqlite::SqliteBackends::new(&state_dir)
            .with_context(|| format!("creating the state directory {}", state_dir.display()))?
            .with_cache_limits(args.cache.limits()),
    );
    let options = DeploymentOptions {
        cpu_ms: args.cpu_ms,
        do_idle: Duration::from_millis(args.do_idle_ms),
        max_live_objects_per_thread: verge_durable::limits::max_live_per_thread(nofile, n),
        clock: verge_store::clock_from_env(),
        d1_query_timeout: args
            .d1_query_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(verge_d1::limits::MAX_QUERY_DURATION),
        cache: verge_cache::CacheOptions {
            stale: args.cache_stale,
        },
    };
    // The admin purge endpoint, on when a token is configured (an environment variable: a
    // flag's value would show in `ps`).
    let purge_step = match std::env::var_os(super::cache::PURGE_TOKEN_ENV) {
        None => None,
        Some(token) => {
            let token = token.into_string().map_err(|_| {
                anyhow::anyhow!("{} is not valid UTF-8", super::cache::PURGE_TOKEN_ENV)
            })?;
            if token.trim().is_empty() {
                bail!(
                    "{} is set but empty: set a token, or unset it to turn the purge endpoint off",
                    super::cache::PURGE_TOKEN_ENV
                );
            }
            let store = verge_store::Backends::cache(backends.as_ref())
                .with_context(|| format!("opening the cache in {}", state_dir.display()))?;
            Some(verge_edge::purge::CachePurge::new(
                store,
                token.trim().as_bytes(),
            ))
        }
    };
    let deployment = Deployment::new(
        sources,
        backends,
        threads.clone(),
        options,
        Box::new(|w| eprintln!("warning: {w}")),
    )?;
    let http = deployment.http_worker();
    let ip: IpAddr = match (args.ip, http.dev().ip.as_deref()) {
        (Some(ip), _) => ip,
        (None, Some("localhost")) | (None, None) => IpAddr::from([127, 0, 0, 1]),
        (None, Some(s)) => s
            .parse()
            .with_context(|| format!("dev.ip {s:?} is not an IP address"))?,
    };
    let port = args.port.or(http.dev().port).unwrap_or(8787);
    let cf = match &args.cf {
        Some(p) => load_cf(p)?,
        None => default_cf(),
    };
    // Bound before the worker is loaded: a client connecting meanwhile waits in the backlog
    // (answered as soon as the worker is ready) instead of being refused. Nothing is accepted
    // until the worker has loaded, so no request ever sees a worker that fails to start.
    let listeners = verge_edge::Listeners::bind(SocketAddr::new(ip, port), threads.len())
        .with_context(|| format!("listening on {ip}:{port}"))?;
    tokio::select! {
        r = deployment.load() => r.context("loading the worker")?,
        _ = signals.recv() => {
            println!("verge dev: shutting down");
            return Ok(());
        }
    }
    let edge = verge_edge::EdgeConfig {
        addr: SocketAddr::new(ip, port),
        colo: args.colo.clone(),
        cf,
        expose_errors: true,
        compress: !args.no_compress,
        limits: verge_edge::limits::ClientLimits {
            max_connections: args
                .max_connections
                .unwrap_or_else(|| verge_edge::limits::default_max_connections(nofile)),
            header_timeout: args
                .header_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(verge_edge::limits::DEFAULT_HEADER_TIMEOUT),
        },
    };
    let mut steps: Vec<Box<dyn verge_edge::steps::Step>> = Vec::new();
    if args.test_scheduled {
        steps.push(Box::new(verge_edge::steps::TestScheduled));
    }
    if let Some(purge) = purge_step {
        steps.push(Box::new(purge));
    }
    // Costs one check per request when the worker has no assets.
    steps.push(Box::new(verge_edge::assets::StaticAssets));
    let server = verge_edge::serve(&threads, listeners, edge, deployment.clone(), steps);
    // Watch before announcing the address, so no edit made after startup is missed (requests
    // are already being served meanwhile).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<PathBuf>>();
    let state_real = std::fs::canonicalize(&state_dir).unwrap_or_else(|_| state_dir.clone());
    let mut watcher = if args.no_reload {
        None
    } else {
        let files = deployment.watched_files();
        log_watched(&files);
        let mut w = FileWatcher::start(files, tx).context("watching the project")?;
        w.set_trees(deployment.watched_dirs());
        Some(w)
    };
    println!(
        "verge dev: serving {} on http://{} ({n} isolate threads)",
        http.name(),
        server.local_addr()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    loop {
        tokio::select! {
            _ = signals.recv() => break,
            Some(mut changed) = rx.recv() => {
                // Debounce: editors write several events per save.
                tokio::time::sleep(Duration::from_millis(150)).await;
                while let Ok(more) = rx.try_recv() {
                    changed.extend(more);
                }
                // verge's own state (an assets directory may contain it) never reloads.
                changed.retain(|p| !p.starts_with(&state_real));
                if changed.is_empty() {
                    continue;
                }
                let reload = deployment.reload(&changed);
                tokio::select! {
                    _ = reload => {}
                    _ = signals.recv() => break,
                }
                if let Some(w) = &mut watcher {
                    let files = deployment.watched_files();
                    log_watched(&files);
                    w.set_files(files);
                    w.set_trees(deployment.watched_dirs());
                }
            }
        }
    }
    println!("verge dev: shutting down");
    let _ = std::io::stdout().flush();
    if !server.shutdown(DRAIN_DEADLINE).await {
        tracing::warn!("requests still in flight after {DRAIN_DEADLINE:?}; stopping anyway");
    }
    deployment.shutdown();
    Ok(())
}
