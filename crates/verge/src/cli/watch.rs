//! Watching a project for edits (`verge dev` reloads on them).
//!
//! Changes under `node_modules`, `.git`, `target`, `.verge`, `.wrangler` and the state directory
//! never reload the worker. On Linux (inotify, one watch per directory) those directories are
//! not watched at all: notify's recursive mode would walk and watch every directory of
//! `node_modules` at startup (thousands in a typical project) and wake up on every SQLite write
//! under `.verge`. Directories created later are watched when they appear. Elsewhere the
//! platform watches recursively by itself, and events under those directories are dropped.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use notify::Watcher as _;

/// Directory names whose contents never reload the worker.
const IGNORED_DIRS: &[&str] = &["node_modules", ".git", "target", ".verge", ".wrangler"];

/// Files whose changes never reload the worker: logs and editors' scratch files. Without this,
/// `verge dev . > dev.log` run inside the project reloads on every line it logs.
fn scratch_file(name: &str) -> bool {
    name.ends_with(".log")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#")
        || name == "4913" // vim's write probe
}

/// A relevant change in the project.
#[derive(Debug, Default)]
pub struct Change {
    /// Paths created or renamed into place; the directories among them get watched too.
    pub appeared: Vec<PathBuf>,
}

/// Which paths matter: under the project root, outside the state directory and the
/// [`IGNORED_DIRS`] (only names below the root count, wherever the project itself lives).
#[derive(Debug, Clone)]
struct Scope {
    root: PathBuf,
    state: PathBuf,
}

impl Scope {
    fn ignored(&self, path: &Path) -> bool {
        if path.starts_with(&self.state)
            || path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(scratch_file)
        {
            return true;
        }
        let below = path.strip_prefix(&self.root).unwrap_or(path);
        below.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|name| IGNORED_DIRS.contains(&name))
        })
    }
}

/// The project's watcher; dropping it stops watching.
pub struct ProjectWatcher {
    watcher: notify::RecommendedWatcher,
    scope: Scope,
}

impl std::fmt::Debug for ProjectWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectWatcher")
            .field("root", &self.scope.root)
            .finish()
    }
}

impl ProjectWatcher {
    /// Watches `dir` (state in `state`); each relevant event is sent on `tx`.
    pub fn start(
        dir: &Path,
        state: &Path,
        tx: tokio::sync::mpsc::UnboundedSender<Change>,
    ) -> anyhow::Result<ProjectWatcher> {
        let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let state = std::fs::canonicalize(state).unwrap_or_else(|_| state.to_path_buf());
        let scope = Scope { root, state };
        let events = scope.clone();
        let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            let Ok(ev) = ev else { return };
            if matches!(ev.kind, notify::EventKind::Access(_)) {
                return;
            }
            let mut paths = ev.paths;
            paths.retain(|p| !events.ignored(p));
            if paths.is_empty() {
                return;
            }
            let appeared = matches!(
                ev.kind,
                notify::EventKind::Create(_)
                    | notify::EventKind::Modify(notify::event::ModifyKind::Name(_))
            );
            let _ = tx.send(Change {
                appeared: if appeared { paths } else { Vec::new() },
            });
        })?;
        let mut w = ProjectWatcher { watcher, scope };
        let root = w.scope.root.clone();
        w.watch_tree(&root)
            .with_context(|| format!("watching {}", root.display()))?;
        Ok(w)
    }

    /// Watches the directories among `paths` (reported by a [`Change`]) and the directories
    /// inside them. Failures are logged: the project stays watched as before.
    pub fn watch_appeared(&mut self, paths: &[PathBuf]) {
        if !cfg!(target_os = "linux") {
            return; // watched recursively by the platform
        }
        for p in paths {
            if p.is_dir()
                && !self.scope.ignored(p)
                && let Err(e) = self.watch_tree(p)
            {
                tracing::warn!("not watching {} for changes: {e:#}", p.display());
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn watch_tree(&mut self, top: &Path) -> anyhow::Result<()> {
        use std::collections::HashSet;
        // Symbolic links to directories are followed (as notify's recursive mode does); the
        // canonical paths seen stop loops.
        let canonical_top = std::fs::canonicalize(top)?;
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut stack = vec![(top.to_path_buf(), canonical_top)];
        while let Some((dir, canonical)) = stack.pop() {
            if !seen.insert(canonical.clone()) {
                continue;
            }
            match self
                .watcher
                .watch(&dir, notify::RecursiveMode::NonRecursive)
            {
                Ok(()) => {}
                // Removed since it was listed: nothing to watch.
                Err(e) if dir != top && matches!(e.kind, notify::ErrorKind::PathNotFound) => {}
                Err(e) => return Err(e).context(format!("watching {}", dir.display())),
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if self.scope.ignored(&path) {
                    continue;
                }
                if kind.is_dir() {
                    let c = canonical.join(entry.file_name());
                    stack.push((path, c));
                } else if kind.is_symlink()
                    && path.is_dir()
                    && let Ok(c) = std::fs::canonicalize(&path)
                {
                    stack.push((path, c));
                }
            }
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn watch_tree(&mut self, top: &Path) -> anyhow::Result<()> {
        self.watcher
            .watch(top, notify::RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", top.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn scope() -> Scope {
        Scope {
            root: PathBuf::from("/p/target/app"),
            state: PathBuf::from("/state"),
        }
    }

    #[test]
    fn ignores_dependency_and_state_directories_below_the_root_only() {
        let s = scope();
        assert!(!s.ignored(Path::new("/p/target/app/src/index.js")));
        assert!(!s.ignored(Path::new("/p/target/app")));
        assert!(s.ignored(Path::new("/p/target/app/node_modules/x/index.js")));
        assert!(s.ignored(Path::new("/p/target/app/.git/HEAD")));
        assert!(s.ignored(Path::new("/p/target/app/.verge/kv.sqlite")));
        assert!(s.ignored(Path::new("/p/target/app/src/target")));
        assert!(s.ignored(Path::new("/state/kv.sqlite")));
        for scratch in [
            "dev.log",
            "index.js~",
            ".index.js.swp",
            ".#index.js",
            "4913",
        ] {
            assert!(
                s.ignored(&Path::new("/p/target/app/src").join(scratch)),
                "{scratch}"
            );
        }
        assert!(!s.ignored(Path::new("/p/target/app/src/log.js")));
        assert!(!s.ignored(Path::new("/p/target/app/wrangler.toml")));
    }

    /// The next change within `limit` (skipping none), or `None`.
    fn next(
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Change>,
        limit: Duration,
    ) -> Option<Change> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(c) = rx.try_recv() {
                return Some(c);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Change>) -> Vec<Change> {
        std::thread::sleep(Duration::from_millis(200));
        let mut out = Vec::new();
        while let Ok(c) = rx.try_recv() {
            out.push(c);
        }
        out
    }

    #[test]
    fn reports_edits_in_new_directories_but_not_in_ignored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/dep")).unwrap();
        std::fs::create_dir_all(root.join(".verge")).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut w = ProjectWatcher::start(root, &root.join(".verge"), tx).unwrap();

        std::fs::write(root.join("src/a.js"), "1").unwrap();
        assert!(
            next(&mut rx, Duration::from_secs(10)).is_some(),
            "edit in src/"
        );
        drain(&mut rx);

        std::fs::write(root.join("node_modules/dep/index.js"), "1").unwrap();
        std::fs::write(root.join(".verge/kv.sqlite"), "1").unwrap();
        std::fs::create_dir_all(root.join("node_modules/new")).unwrap();
        assert!(
            drain(&mut rx).is_empty(),
            "changes under ignored directories"
        );

        // A directory created later (with a subdirectory made before it is watched).
        std::fs::create_dir_all(root.join("lib/deep")).unwrap();
        let appeared: Vec<PathBuf> = [next(&mut rx, Duration::from_secs(10)).expect("mkdir")]
            .into_iter()
            .chain(drain(&mut rx))
            .flat_map(|c| c.appeared)
            .collect();
        w.watch_appeared(&appeared);
        std::fs::write(root.join("lib/deep/b.js"), "1").unwrap();
        assert!(
            next(&mut rx, Duration::from_secs(10)).is_some(),
            "edit in a directory created after startup"
        );
    }
}
