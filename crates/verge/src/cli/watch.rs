//! Watching what the workers load (`verge dev` reloads when it changes).
//!
//! Only the files a worker version depends on are watched: its config, the secrets files that
//! are or could be read (`.dev.vars`, `.env`, …) and every module it loaded (see
//! `verge_worker::Version::watched_files`). Their directories are watched one level deep
//! (editors save by renaming a new file into place, which a watch on the file itself would
//! miss) and events for any other file are dropped: a log file that verge writes into the
//! project, or anything under `node_modules`, never reloads the worker. Directories whose whole
//! content counts (a worker's static assets) are watched recursively, and any change below
//! one is reported.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use notify::Watcher as _;

/// Watches a set of files; reports the ones that changed.
pub struct FileWatcher {
    watcher: notify::RecommendedWatcher,
    files: Arc<RwLock<HashSet<PathBuf>>>,
    dirs: BTreeSet<PathBuf>,
    trees: Arc<RwLock<BTreeSet<PathBuf>>>,
}

impl std::fmt::Debug for FileWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileWatcher")
            .field("dirs", &self.dirs)
            .finish_non_exhaustive()
    }
}

/// `path` with its directory resolved (the file itself may not exist yet), so it matches the
/// paths the platform reports.
fn normal(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

impl FileWatcher {
    /// Watches `files`; every event touching one of them sends the changed paths on `tx`.
    pub fn start(
        files: Vec<PathBuf>,
        tx: tokio::sync::mpsc::UnboundedSender<Vec<PathBuf>>,
    ) -> notify::Result<FileWatcher> {
        let set: Arc<RwLock<HashSet<PathBuf>>> = Arc::default();
        let trees: Arc<RwLock<BTreeSet<PathBuf>>> = Arc::default();
        let events = set.clone();
        let tree_events = trees.clone();
        let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            let Ok(ev) = ev else { return };
            if matches!(ev.kind, notify::EventKind::Access(_)) {
                return;
            }
            let files = events.read().unwrap_or_else(|p| p.into_inner());
            let trees = tree_events.read().unwrap_or_else(|p| p.into_inner());
            let hit: Vec<PathBuf> = ev
                .paths
                .into_iter()
                .filter(|p| files.contains(p) || trees.iter().any(|t| p.starts_with(t)))
                .collect();
            if !hit.is_empty() {
                let _ = tx.send(hit);
            }
        })?;
        let mut w = FileWatcher {
            watcher,
            files: set,
            dirs: BTreeSet::new(),
            trees,
        };
        w.set_files(files);
        Ok(w)
    }

    /// Replaces the watched set (after a reload: a new version may load other modules).
    pub fn set_files(&mut self, files: Vec<PathBuf>) {
        let files: HashSet<PathBuf> = files.iter().map(|f| normal(f)).collect();
        let dirs: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in self.dirs.difference(&dirs) {
            let _ = self.watcher.unwatch(gone);
        }
        for dir in dirs.difference(&self.dirs) {
            if let Err(e) = self.watcher.watch(dir, notify::RecursiveMode::NonRecursive) {
                tracing::warn!("cannot watch {}: {e}", dir.display());
            }
        }
        self.dirs = dirs;
        *self.files.write().unwrap_or_else(|p| p.into_inner()) = files;
    }

    /// Replaces the directories watched recursively (every change below one is reported).
    pub fn set_trees(&mut self, trees: Vec<PathBuf>) {
        let trees: BTreeSet<PathBuf> = trees.iter().map(|t| normal(t)).collect();
        let mut current = self.trees.write().unwrap_or_else(|p| p.into_inner());
        for gone in current.difference(&trees) {
            let _ = self.watcher.unwatch(gone);
        }
        for dir in trees.difference(&current) {
            if let Err(e) = self.watcher.watch(dir, notify::RecursiveMode::Recursive) {
                tracing::warn!("cannot watch {}: {e}", dir.display());
            }
        }
        *current = trees;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Vec<PathBuf>>) -> Vec<PathBuf> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), rx.recv()).await })
            .expect("an event within 10 s")
            .expect("channel open")
    }

    #[test]
    fn only_watched_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("index.js"), "1").unwrap();
        std::fs::create_dir(root.join("node_modules")).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _w =
            FileWatcher::start(vec![root.join("index.js"), root.join(".dev.vars")], tx).unwrap();
        // Noise first: a log file next to the module and a file in a directory not watched.
        std::fs::write(root.join("dev.log"), "line").unwrap();
        std::fs::write(root.join("node_modules/x.js"), "x").unwrap();
        std::fs::write(root.join("index.js"), "2").unwrap();
        // Events arrive in order: the first reported one is the module's, never the noise.
        assert_eq!(next(&mut rx), vec![root.join("index.js")]);
        // A secrets file that did not exist is watched too.
        std::fs::write(root.join(".dev.vars"), "A=1").unwrap();
        let mut got = next(&mut rx);
        while got == vec![root.join("index.js")] {
            got = next(&mut rx);
        }
        assert_eq!(got, vec![root.join(".dev.vars")]);
    }

    #[test]
    fn a_change_anywhere_below_a_watched_tree_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("public/deep")).unwrap();
        std::fs::write(root.join("other.txt"), "x").unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut w = FileWatcher::start(vec![root.join("index.js")], tx).unwrap();
        w.set_trees(vec![root.join("public")]);
        std::fs::write(root.join("other.txt"), "y").unwrap();
        std::fs::write(root.join("public/deep/new.css"), "a{}").unwrap();
        assert!(next(&mut rx).contains(&root.join("public/deep/new.css")));
    }

    #[test]
    fn a_file_saved_by_rename_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("index.js"), "1").unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _w = FileWatcher::start(vec![root.join("index.js")], tx).unwrap();
        std::fs::write(root.join(".index.js.swp"), "2").unwrap();
        std::fs::rename(root.join(".index.js.swp"), root.join("index.js")).unwrap();
        assert!(next(&mut rx).contains(&root.join("index.js")));
    }
}
