//! Runs Web Platform Tests files inside a Workers `fetch` handler and compares the results with
//! the expectations in `tests/wpt/expectations/`.
//!
//! Each entry of `wpt-manifest.json` (one file and, when it has variants, one of them) becomes a
//! worker project in a temporary directory: one module made of `harness.js`, the JSON resources
//! the file fetches, and the file with its META scripts wrapped in one function. The runtime
//! (the `verge` binary, or workerd for the reference counts) serves it on a free port; one
//! `GET /` runs the file and streams a JSON line per subtest. Files run a few at a time, each
//! bounded by its harness timeout (10 s, 60 s for long files, as WPT's) plus a margin after
//! which the process is killed and the subtests not reported count as not run.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::common::Verge;

const HARNESS: &str = include_str!("harness.js");

/// The compatibility date of the generated workers (the same on verge and on workerd).
const COMPATIBILITY_DATE: &str = "2026-04-01";

/// WPT's harness timeouts.
const TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT_LONG: Duration = Duration::from_secs(60);
/// How long after its harness timeout a file's process is killed.
const MARGIN: Duration = Duration::from_secs(20);

/// Where the conformance data is: `$VERGE_CONFORMANCE_DIR`, else `../shared/conformance`
/// next to the repository (where CI puts it).
pub fn conformance_dir() -> PathBuf {
    let dir = match std::env::var_os("VERGE_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    };
    assert!(
        dir.join("wpt-manifest.json").is_file(),
        "the Web Platform Tests are not at {} (set VERGE_CONFORMANCE_DIR to the directory holding \
         wpt-manifest.json and wpt/)",
        dir.display()
    );
    dir
}

/// One run of one file: the file with one of its variants.
#[derive(Debug, Clone)]
pub struct Job {
    pub file: String,
    pub variant: String,
    pub scripts: Vec<String>,
    pub resources: Vec<String>,
    pub long: bool,
}

impl Job {
    /// `file` + `variant`: the key in the expectations and in reports.
    pub fn key(&self) -> String {
        format!("{}{}", self.file, self.variant)
    }
}

/// Every job of the manifest whose file is under one of `dirs` and not under one of `except`.
pub fn jobs(dirs: &[&str], except: &[&str]) -> Vec<Job> {
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(conformance_dir().join("wpt-manifest.json"))
            .expect("read wpt-manifest.json"),
    )
    .expect("wpt-manifest.json is JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for f in manifest["files"].as_array().expect("manifest files") {
        let file = f["file"].as_str().expect("file").to_string();
        let under = |d: &&str| file.starts_with(&format!("{d}/"));
        if !dirs.iter().any(under) || except.iter().any(under) {
            continue;
        }
        let mut variants = strings(&f["variants"]);
        if variants.is_empty() {
            variants.push(String::new());
        }
        for variant in variants {
            out.push(Job {
                file: file.clone(),
                variant,
                scripts: strings(&f["scripts"]),
                resources: strings(&f["resources"]),
                long: f["timeoutLong"].as_bool().unwrap_or(false),
            });
        }
    }
    out
}

/// The worker module that runs `job`.
pub fn module_source(runtime: &Runtime, job: &Job, timeout: Duration) -> String {
    let wpt = conformance_dir().join("wpt");
    let read = |p: &str| {
        std::fs::read_to_string(wpt.join(p)).unwrap_or_else(|e| panic!("read wpt/{p}: {e}"))
    };
    // Text as text; anything else (a WebM file, UTF-16 JSON) as base64 the harness decodes.
    let mut resources = Map::new();
    for r in &job.resources {
        let bytes = std::fs::read(wpt.join(r)).unwrap_or_else(|e| panic!("read wpt/{r}: {e}"));
        let value = match String::from_utf8(bytes) {
            Ok(text) => json!({ "text": text }),
            Err(e) => {
                use base64::Engine;
                json!({ "base64": base64::engine::general_purpose::STANDARD.encode(e.into_bytes()) })
            }
        };
        resources.insert(r.clone(), value);
    }
    let config = json!({
        "file": job.file,
        "variant": job.variant,
        "timeoutMs": u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        "resources": resources,
    });
    let scripts: Vec<(String, String)> = job
        .scripts
        .iter()
        .chain(std::iter::once(&job.file))
        .map(|p| (format!("wpt/{p}"), read(p)))
        .collect();
    let mut src = String::with_capacity(64 * 1024);
    src.push_str(HARNESS);
    src.push_str(&format!("\nconst __wptConfig = {config};\n"));
    match runtime {
        // The scripts are evaluated together, in order, by one indirect `eval` in the global
        // scope, as `importScripts` runs them in a dedicated worker: sloppy unless one says
        // "use strict" (`void 0` first so that none is a directive for all), `var` and function
        // declarations global, and `let`/`const`/`class` of a helper seen by the file (separate
        // `eval`s would each keep their own lexical declarations).
        Runtime::Verge => {
            let mut body = String::from("void 0;\n");
            for (name, text) in &scripts {
                body.push_str(&format!("// ---- {name}\n{text}\n"));
            }
            body.push_str("//# sourceURL=wpt-scripts.js\n");
            src.push_str(&format!(
                "const __wptScripts = {};\n\
                 function __wptLoad() {{ (0, eval)(__wptScripts); }}\n\
                 export default {{ fetch() {{ return __wpt.serve(__wptLoad, __wptConfig); }} }};\n",
                Value::String(body)
            ));
        }
        // workerd allows no `eval`: the scripts are the body of one function of a
        // service-worker script (sloppy; `void 0` first so no "use strict" is a directive).
        Runtime::Workerd(_) => {
            src.push_str("function __wptLoad() {\nvoid 0;\n");
            for (name, text) in &scripts {
                src.push_str(&format!("// ---- {name}\n{text}\n"));
            }
            src.push_str(
                "}\naddEventListener(\"fetch\", (event) => event.respondWith(__wpt.serve(__wptLoad, __wptConfig)));\n",
            );
        }
    }
    src
}

/// A runtime that serves a worker project.
#[derive(Debug, Clone)]
pub enum Runtime {
    /// The `verge` binary under test.
    Verge,
    /// workerd (`workerd serve`), for reference counts.
    Workerd(PathBuf),
}

/// What one job reported.
#[derive(Debug, Clone, Default)]
pub struct JobResult {
    /// `(name, status, message)` in the order the subtests finished.
    pub subtests: Vec<(String, String, Option<String>)>,
    /// The harness status (`OK`, `ERROR`, `TIMEOUT`) and message; `None` when the file never
    /// finished (the process was killed, or the response broke off).
    pub harness: Option<(String, Option<String>)>,
    /// Why the job gave no complete answer (start failure, HTTP error, deadline).
    pub problem: Option<String>,
    /// How long the job took, start to finish.
    pub elapsed: Duration,
}

impl JobResult {
    pub fn passed(&self) -> usize {
        self.subtests.iter().filter(|t| t.1 == "PASS").count()
    }
}

/// A served project; the process is killed on drop.
enum Server {
    Verge(Verge),
    Workerd(Child),
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Workerd(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(runtime: &Runtime, dir: &Path, module: &str) -> Result<(Server, String), String> {
    std::fs::write(dir.join("index.js"), module).map_err(|e| e.to_string())?;
    match runtime {
        Runtime::Verge => {
            std::fs::write(
                dir.join("wrangler.toml"),
                format!(
                    "name = \"wpt\"\nmain = \"index.js\"\ncompatibility_date = \"{COMPATIBILITY_DATE}\"\n"
                ),
            )
            .map_err(|e| e.to_string())?;
            let v = std::panic::catch_unwind(|| {
                Verge::start(
                    dir,
                    &[
                        "--no-reload",
                        "--threads",
                        "1",
                        // The whole file runs in one request: Workers' largest CPU limit.
                        "--cpu-ms",
                        "300000",
                    ],
                )
            })
            .map_err(|_| "verge did not start".to_string())?;
            let base = v.base.clone();
            Ok((Server::Verge(v), base))
        }
        Runtime::Workerd(bin) => {
            let port = free_port();
            std::fs::write(
                dir.join("config.capnp"),
                format!(
                    r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  serviceWorkerScript = embed "index.js",
  compatibilityDate = "{COMPATIBILITY_DATE}",
);
"#
                ),
            )
            .map_err(|e| e.to_string())?;
            let child = Command::new(bin)
                .arg("serve")
                .arg(dir.join("config.capnp"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("spawn workerd: {e}"))?;
            let server = Server::Workerd(child);
            let deadline = Instant::now() + Duration::from_secs(30);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    return Err("workerd did not listen".into());
                }
                std::thread::park_timeout(Duration::from_millis(20));
            }
            Ok((server, format!("http://127.0.0.1:{port}")))
        }
    }
}

/// Runs one job on `runtime`.
pub fn run_job(runtime: &Runtime, job: &Job) -> JobResult {
    let started = Instant::now();
    let timeout = if job.long { TIMEOUT_LONG } else { TIMEOUT };
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, base) = match start(runtime, dir.path(), &module_source(runtime, job, timeout)) {
        Ok(s) => s,
        Err(e) => {
            return JobResult {
                problem: Some(e),
                ..JobResult::default()
            };
        }
    };
    let (tx, rx) = std::sync::mpsc::channel::<Result<String, String>>();
    let url = format!("{base}/");
    std::thread::spawn(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(None)
            .build()
            .expect("client");
        let resp = match client.get(&url).send() {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(format!("request failed: {e}")));
                return;
            }
        };
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().unwrap_or_default();
            let _ = tx.send(Err(format!("HTTP {status}: {}", first_line(&body))));
            return;
        }
        for line in BufReader::new(resp).lines() {
            match line {
                Ok(l) => {
                    if tx.send(Ok(l)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("response broke off: {e}")));
                    return;
                }
            }
        }
    });
    let deadline = Instant::now() + timeout + MARGIN;
    let mut result = JobResult::default();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(line)) => {
                let v: Value = match serde_json::from_str(&line) {
                    Ok(v) => v,
                    Err(e) => {
                        result.problem = Some(format!("bad result line ({e}): {line}"));
                        break;
                    }
                };
                if v["done"] == true {
                    result.harness = Some((
                        v["harness"].as_str().unwrap_or("?").to_string(),
                        v["message"].as_str().map(str::to_string),
                    ));
                } else {
                    result.subtests.push((
                        v["name"].as_str().unwrap_or("?").to_string(),
                        v["status"].as_str().unwrap_or("?").to_string(),
                        v["message"].as_str().map(str::to_string),
                    ));
                }
            }
            Ok(Err(e)) => {
                result.problem = Some(e);
                break;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                result.problem = Some(format!(
                    "no end after {} s: killed",
                    (timeout + MARGIN).as_secs()
                ));
                break;
            }
        }
    }
    if result.harness.is_none() && result.problem.is_none() {
        result.problem = Some("the response ended before the harness finished".into());
    }
    if result.problem.is_some()
        && let Server::Verge(v) = &server
    {
        let log = v.log();
        let tail: Vec<&str> = log.lines().rev().take(6).collect();
        if !tail.is_empty() {
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            result.problem = result
                .problem
                .map(|p| format!("{p}; verge log: {}", tail.join(" | ")));
        }
    }
    drop(server);
    result.elapsed = started.elapsed();
    result
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Runs `jobs` on `runtime`, `parallel` at a time; results in the jobs' order.
pub fn run_jobs(runtime: &Runtime, jobs: &[Job], parallel: usize) -> Vec<JobResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<JobResult>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|s| {
        for _ in 0..parallel.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let r =
                        std::panic::catch_unwind(|| run_job(runtime, job)).unwrap_or_else(|_| {
                            JobResult {
                                problem: Some("the runner panicked".into()),
                                ..JobResult::default()
                            }
                        });
                    results.lock().expect("results lock")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("results lock")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Files run at once: `$VERGE_WPT_JOBS`, else the number of cores.
pub fn parallelism() -> usize {
    std::env::var("VERGE_WPT_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
}

/// The directory a file is counted under in reports (`fetch/api`, `dom/events`,
/// `html/webappapis/atob`, `url`, …).
pub fn directory(file: &str) -> String {
    let parts: Vec<&str> = file.split('/').collect();
    let depth = match parts[0] {
        "dom" | "fetch" => 2,
        "html" => 3,
        _ => 1,
    };
    parts[..depth.min(parts.len() - 1)].join("/")
}

/// `(passed, total)` per directory.
pub fn counts(jobs: &[Job], results: &[JobResult]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (job, r) in jobs.iter().zip(results) {
        let e = out.entry(directory(&job.file)).or_default();
        e.0 += r.passed();
        e.1 += r.subtests.len();
    }
    out
}

/// Writes every subtest's status to `$VERGE_WPT_RESULTS` when it is set (for comparing runs).
pub fn dump_results(label: &str, jobs: &[Job], results: &[JobResult]) {
    let Some(dir) = std::env::var_os("VERGE_WPT_RESULTS") else {
        return;
    };
    let mut out = Map::new();
    for (job, r) in jobs.iter().zip(results) {
        let tests: Vec<Value> = r
            .subtests
            .iter()
            .map(|(n, s, m)| json!([n, s, m]))
            .collect();
        out.insert(
            job.key(),
            json!({"harness": r.harness, "problem": r.problem, "subtests": tests}),
        );
    }
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("results dir");
    std::fs::write(
        dir.join(format!("{label}.json")),
        serde_json::to_string_pretty(&Value::Object(out)).expect("json"),
    )
    .expect("write results");
}

// ---- expectations ----

/// Expected failures of one job.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    /// How many subtests the file reports.
    pub subtests: usize,
    /// Why the harness does not end `OK` (a timeout, an error while loading the file), if so.
    pub harness: Option<String>,
    /// Subtests that do not pass, each with the reason.
    pub fail: HashMap<String, String>,
    /// The reasons in file order, with their subtests in file order (kept when rewriting).
    pub order: Vec<(String, Vec<String>)>,
}

fn expectations_path(suite: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wpt/expectations")
        .join(format!("{suite}.json"))
}

/// The expectations file of `suite`, by job key.
pub fn load_expectations(suite: &str) -> BTreeMap<String, Expected> {
    let path = expectations_path(suite);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return BTreeMap::new();
    };
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (key, entry) in v.as_object().expect("expectations are an object") {
        let mut e = Expected {
            subtests: entry["subtests"].as_u64().unwrap_or(0) as usize,
            harness: entry["harness"].as_str().map(str::to_string),
            ..Expected::default()
        };
        if let Some(fail) = entry["fail"].as_object() {
            for (reason, names) in fail {
                let names: Vec<String> = names
                    .as_array()
                    .unwrap_or_else(|| panic!("{key}: {reason:?} must list subtest names"))
                    .iter()
                    .map(|n| n.as_str().expect("subtest name").to_string())
                    .collect();
                for n in &names {
                    e.fail.insert(n.clone(), reason.clone());
                }
                e.order.push((reason.clone(), names));
            }
        }
        out.insert(key.clone(), e);
    }
    out
}

/// The reason given to failures that have none yet when the expectations are rewritten.
const UNEXPLAINED: &str = "TODO: explain";

/// Rewrites the entries of `jobs` in `suite`'s expectations from `results`, keeping the reasons
/// of failures that were already listed and the entries of other jobs (`VERGE_WPT_UPDATE=1`).
pub fn write_expectations(
    suite: &str,
    old: &BTreeMap<String, Expected>,
    jobs: &[Job],
    results: &[JobResult],
) {
    let path = expectations_path(suite);
    let mut out = match std::fs::read_to_string(&path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        },
        Err(_) => Map::new(),
    };
    for (job, r) in jobs.iter().zip(results) {
        let key = job.key();
        let prev = old.get(&key).cloned().unwrap_or_default();
        let mut entry = Map::new();
        entry.insert("subtests".into(), json!(r.subtests.len()));
        let harness_ok = r.harness.as_ref().is_some_and(|h| h.0 == "OK") && r.problem.is_none();
        if !harness_ok {
            let what = describe_harness(r);
            let reason = prev
                .harness
                .clone()
                .unwrap_or_else(|| format!("{UNEXPLAINED} ({what})"));
            entry.insert("harness".into(), json!(reason));
        }
        // Reasons in their old order, new ones after.
        let mut groups: Vec<(String, Vec<String>)> = prev
            .order
            .iter()
            .map(|(reason, _)| (reason.clone(), Vec::new()))
            .collect();
        for (name, status, _) in &r.subtests {
            if status == "PASS" {
                continue;
            }
            let reason = prev
                .fail
                .get(name)
                .cloned()
                .unwrap_or_else(|| UNEXPLAINED.to_string());
            match groups.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, names)) => names.push(name.clone()),
                None => groups.push((reason, vec![name.clone()])),
            }
        }
        let mut fail = Map::new();
        for (reason, names) in groups {
            if !names.is_empty() {
                fail.insert(reason, json!(names));
            }
        }
        if !fail.is_empty() {
            entry.insert("fail".into(), Value::Object(fail));
        }
        out.insert(key, Value::Object(entry));
    }
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&Value::Object(out)).expect("json") + "\n",
    )
    .expect("write expectations");
}

fn describe_harness(r: &JobResult) -> String {
    match (&r.harness, &r.problem) {
        (_, Some(p)) => p.clone(),
        (Some((status, Some(m))), None) => format!("{status}: {}", first_line(m)),
        (Some((status, None)), None) => status.clone(),
        (None, None) => "no result".into(),
    }
}

/// What differs from the expectations, one line each.
pub fn compare(
    expected: &BTreeMap<String, Expected>,
    jobs: &[Job],
    results: &[JobResult],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (job, r) in jobs.iter().zip(results) {
        let key = job.key();
        let Some(e) = expected.get(&key) else {
            problems.push(format!(
                "{key}: no expectations (run with VERGE_WPT_UPDATE=1)"
            ));
            continue;
        };
        for (reason, _) in &e.order {
            if reason.trim().is_empty() || reason.starts_with("TODO") {
                problems.push(format!("{key}: a failure reason is missing ({reason:?})"));
            }
        }
        let harness_ok = r.harness.as_ref().is_some_and(|h| h.0 == "OK") && r.problem.is_none();
        match (&e.harness, harness_ok) {
            (None, false) => problems.push(format!("{key}: the file did not finish: {}", describe_harness(r))),
            (Some(reason), true) => problems.push(format!(
                "{key}: the file now finishes, but is expected not to ({reason}): update the expectations"
            )),
            _ => {}
        }
        if r.subtests.len() != e.subtests {
            problems.push(format!(
                "{key}: {} subtests reported, {} expected",
                r.subtests.len(),
                e.subtests
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (name, status, message) in &r.subtests {
            seen.insert(name.as_str());
            match (status == "PASS", e.fail.get(name)) {
                (false, None) => problems.push(format!(
                    "{key}: REGRESSION {name:?}: {status}: {}",
                    message.as_deref().unwrap_or("")
                )),
                (true, Some(reason)) => problems.push(format!(
                    "{key}: UNEXPECTED PASS {name:?} (listed as failing: {reason}): remove it from the expectations"
                )),
                _ => {}
            }
        }
        if harness_ok {
            for name in e.fail.keys() {
                if !seen.contains(name.as_str()) {
                    problems.push(format!("{key}: {name:?} is listed but did not run"));
                }
            }
        }
    }
    problems
}

/// Runs the files under `dirs` (but not under `except`) on verge and checks them against
/// `tests/wpt/expectations/<suite>.json`.
pub fn check_suite(suite: &str, dirs: &[&str], except: &[&str]) {
    let jobs = jobs(dirs, except);
    assert!(!jobs.is_empty(), "no WPT files under {dirs:?}");
    let started = Instant::now();
    let results = run_jobs(&Runtime::Verge, &jobs, parallelism());
    dump_results(&dirs.join("+").replace('/', "_"), &jobs, &results);
    let expected = load_expectations(suite);
    for (dir, (pass, total)) in counts(&jobs, &results) {
        println!("wpt {dir}: {pass} of {total} subtests pass");
    }
    println!(
        "wpt {suite}: {} files in {:.1} s",
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    let mut slowest: Vec<(Duration, String)> = jobs
        .iter()
        .zip(&results)
        .map(|(j, r)| (r.elapsed, j.key()))
        .collect();
    slowest.sort();
    for (elapsed, key) in slowest.iter().rev().take(5) {
        println!("wpt {suite}: {:.1} s {key}", elapsed.as_secs_f64());
    }
    if std::env::var_os("VERGE_WPT_UPDATE").is_some() {
        write_expectations(suite, &expected, &jobs, &results);
        println!("wpt {suite}: expectations rewritten");
        return;
    }
    let problems = compare(&expected, &jobs, &results);
    assert!(
        problems.is_empty(),
        "{} differences from tests/wpt/expectations/{suite}.json (VERGE_WPT_UPDATE=1 rewrites it):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
