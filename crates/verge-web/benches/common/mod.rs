//! Shared helpers for the verge-web benchmarks (included with `#[path]`/`mod common`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use verge_js::{Extension, Isolate, WorkerLimits, WorkerSpec};
use verge_web::WebExtension;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A scratch project directory holding `files`.
pub fn project(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "verge-web-bench-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    for (name, src) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, src).expect("write");
    }
    dir
}

/// The full Web platform, as the edge installs it.
pub fn web() -> Vec<Arc<dyn Extension>> {
    vec![Arc::new(WebExtension::new("b"))]
}

/// The extensions every `verge dev` isolate has: the Web platform and Web Crypto.
#[allow(dead_code)] // not every bench uses it
pub fn platform() -> Vec<Arc<dyn Extension>> {
    vec![
        Arc::new(WebExtension::new("b")),
        Arc::new(verge_crypto::CryptoExtension::new()),
    ]
}

/// A new worker version (fresh spec id: an unseen worker) for `main` in `dir`.
pub fn spec(dir: &std::path::Path, main: &str, ext: Vec<Arc<dyn Extension>>) -> Arc<WorkerSpec> {
    WorkerSpec::new("b", dir.to_path_buf(), main, WorkerLimits::default(), ext)
        .expect("extensions in order")
}

/// Creates an isolate (must run inside a `LocalSet`).
pub async fn isolate(spec: Arc<WorkerSpec>) -> Rc<Isolate> {
    Isolate::new(spec).await.expect("isolate")
}

/// An isolate thread: current-thread tokio runtime plus a `LocalSet`.
pub fn thread() -> (tokio::runtime::Runtime, tokio::task::LocalSet) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    (rt, tokio::task::LocalSet::new())
}

/// The bench/workloads `hello` worker (the same file the HTTP benchmark serves).
pub const HELLO: &str = include_str!("../../../../bench/workloads/hello/worker.js");

/// The bench/workloads `json` worker (~1 KB JSON built from the URL).
pub const JSON: &str = include_str!("../../../../bench/workloads/json/worker.js");

/// Percentile (nearest rank) of sorted samples.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `VmRSS` of this process in KiB.
pub fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
