//! Lexical path handling for paths written in a config file (relative to the config file).

use std::path::{Component, Path, PathBuf};

/// Resolve `.` and `..` lexically, like Node's `path.resolve` (which wrangler uses):
/// `/a/./b/../c` → `/a/c`. Symlinks are not resolved.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped && !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `dir`, with `/` separators, if it lies lexically below `dir` (both
/// normalized). `None` for a path outside `dir`.
pub(crate) fn relative_below(dir: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(dir).ok()?;
    Some(
        rest.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Whether `relative` (lexically below `dir`) is a regular file, judged without following
/// symbolic links: `Some(true)` or `Some(false)`, or `None` when a link is on the way.
///
/// A link is not judged here because where it leads is the runtime's to decide
/// (`verge_js::loader::resolve_within`: links may not leave the project, and a link to a
/// missing file outside must read like one to an existing file). Following it here would make
/// "does not exist" reveal whether some host path exists.
pub(crate) fn is_file_unfollowed(dir: &Path, relative: &str) -> Option<bool> {
    let mut path = dir.to_path_buf();
    let mut is_file = false;
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Err(_) => return Some(false),
            Ok(m) if m.file_type().is_symlink() => return None,
            Ok(m) => is_file = m.is_file(),
        }
    }
    Some(is_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_below_strips_the_dir_or_says_outside() {
        let dir = Path::new("/p/proj");
        assert_eq!(
            relative_below(dir, Path::new("/p/proj/src/index.js")).as_deref(),
            Some("src/index.js")
        );
        assert_eq!(
            relative_below(dir, Path::new("/p/proj")).as_deref(),
            Some("")
        );
        assert_eq!(relative_below(dir, Path::new("/p/other/index.js")), None);
        assert_eq!(relative_below(dir, Path::new("/p/projx/index.js")), None);
    }

    #[test]
    fn existence_is_judged_without_following_links() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("src")).expect("mkdir");
        std::fs::write(dir.join("src/index.js"), "").expect("write");
        std::os::unix::fs::symlink("/nonexistent/x.js", dir.join("link.js")).expect("link");
        std::os::unix::fs::symlink("/nonexistent", dir.join("linkdir")).expect("link");
        assert_eq!(is_file_unfollowed(dir, "src/index.js"), Some(true));
        assert_eq!(is_file_unfollowed(dir, "src"), Some(false));
        assert_eq!(is_file_unfollowed(dir, "src/nope.js"), Some(false));
        assert_eq!(is_file_unfollowed(dir, "link.js"), None);
        assert_eq!(is_file_unfollowed(dir, "linkdir/x.js"), None);
    }

    #[test]
    fn paths_normalize_dot_and_dot_dot_lexically() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }
}
