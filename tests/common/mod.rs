//! Shared helpers for integration tests: start the real `verge` binary on a free port, wait
//! until it serves, kill it on drop.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

pub mod tls;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Path of a fixture project under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture into a fresh temporary directory (for tests that edit files).
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A running `verge dev`.
pub struct Verge {
    child: Child,
    pub base: String,
    pub log: Arc<Mutex<String>>,
    /// What verge wrote to stdout ("serving …", "shutting down").
    pub stdout: Arc<Mutex<String>>,
    _state: Option<tempfile::TempDir>,
}

impl Verge {
    /// Starts `verge dev DIR --port 0 <extra>` with state in a temporary directory.
    pub fn start(dir: &Path, extra: &[&str]) -> Verge {
        let state = tempfile::tempdir().expect("state dir");
        let state_path = state.path().to_path_buf();
        Self::start_with_state(dir, &state_path, extra, Some(state))
    }

    /// Starts `verge dev` with an explicit state directory (kept by the caller).
    pub fn start_with_state(
        dir: &Path,
        state: &Path,
        extra: &[&str],
        keep: Option<tempfile::TempDir>,
    ) -> Verge {
        Self::start_with_env(dir, state, extra, &[], keep)
    }

    /// Like [`Verge::start_with_state`], with extra environment variables for the process
    /// (e.g. the test clock hook `VERGE_TEST_CLOCK_FILE`).
    pub fn start_with_env(
        dir: &Path,
        state: &Path,
        extra: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
        keep: Option<tempfile::TempDir>,
    ) -> Verge {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_verge"));
        cmd.envs(env.iter().copied());
        cmd.arg("dev")
            .arg(dir)
            .args(["--port", "0", "--persist-to"])
            .arg(state)
            .args(extra);
        if !env.iter().any(|(k, _)| *k == "VERGE_LOG") {
            cmd.env("VERGE_LOG", "info");
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        Self::spawn(&mut cmd, keep)
    }

    /// Runs `cmd` (which must start `verge dev`, stdout and stderr piped) and waits until it
    /// announces its address.
    pub fn spawn(cmd: &mut Command, keep: Option<tempfile::TempDir>) -> Verge {
        let mut child = cmd.spawn().expect("spawn verge");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log2.lock().expect("log lock").push_str(&(line + "\n"));
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out = Arc::new(Mutex::new(String::new()));
        let out2 = out.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                out2.lock()
                    .expect("stdout lock")
                    .push_str(&format!("{line}\n"));
                if !sent && let Some(rest) = line.split("on http://").nth(1) {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "verge did not start; log:\n{}",
                    log.lock().expect("log lock")
                );
            }
        };
        Verge {
            child,
            base: format!("http://{addr}"),
            log,
            stdout: out,
            _state: keep,
        }
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// What verge wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Waits until the log contains `needle` (bounded).
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
        false
    }

    /// Waits until stdout contains `needle` (bounded).
    pub fn wait_for_stdout(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.stdout.lock().expect("stdout lock").contains(needle) {
                return true;
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
        false
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit; its status, or `None` if it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
        None
    }

    /// A `/proc/<pid>/status` field in KiB (`VmHWM` is the peak resident set).
    pub fn proc_status_kib(&self, field: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Open file descriptors of the process.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Sends SIGKILL and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Verge {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `verge ARGS` to completion; returns (success, stdout, stderr).
pub fn run_verge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_verge"))
        .args(args)
        .output()
        .expect("run verge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A blocking HTTP client for tests.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}
