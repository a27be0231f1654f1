//! The asset index of one worker version: every file of the assets directory (less what
//! `.assetsignore` and Cloudflare's own files exclude) by its URL path, with its strong ETag
//! (a hash of its content), size and content type. Built once per version; requests only look
//! paths up in it, so no request-made path ever reaches the file system.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::limits::{MAX_ASSET_COUNT, MAX_ASSET_SIZE};

/// `.assetsignore`: gitignore-style patterns of files not to serve.
pub const ASSETS_IGNORE: &str = ".assetsignore";
/// The headers rules file.
pub const HEADERS_FILE: &str = "_headers";
/// The redirects rules file.
pub const REDIRECTS_FILE: &str = "_redirects";
/// `verge dev`'s default state directory, below the project.
pub const VERGE_STATE_DIR: &str = ".verge";

/// One asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path below the assets directory, `/`-separated.
    pub rel: String,
    /// Strong ETag (without quotes): 32 hex digits of the content's SHA-256.
    pub etag: String,
    /// Size in bytes when indexed.
    pub size: u64,
    /// `Content-Type` from the extension (`text/*` with `charset=utf-8`), if known.
    pub content_type: Option<String>,
}

/// Every asset by URL path (`/dir/file.html`, not percent-encoded).
#[derive(Debug, Default)]
pub struct Manifest {
    entries: HashMap<String, Entry>,
}

impl Manifest {
    /// The asset at URL path `path`.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    #[cfg(test)]
    pub(crate) fn insert_for_tests(&mut self, e: Entry) {
        self.entries.insert(format!("/{}", e.rel), e);
    }

    /// How many assets.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Indexes `root` (a canonical directory); returns the index and what the user should
    /// hear about (files left out, limits passed).
    pub fn build(root: &Path) -> std::io::Result<(Manifest, Vec<String>)> {
        let mut warnings = Vec::new();
        let ignore = ignore_matcher(root, &mut warnings);
        let mut entries = HashMap::new();
        let mut pending: Vec<PathBuf> = vec![PathBuf::new()];
        while let Some(dir) = pending.pop() {
            let mut list: Vec<_> = std::fs::read_dir(root.join(&dir))?.collect::<Result<_, _>>()?;
            list.sort_by_key(|e| e.file_name());
            for item in list {
                let name = item.file_name();
                let rel_path = dir.join(&name);
                let Some(rel) = rel_path.to_str().map(|s| s.replace('\\', "/")) else {
                    warnings.push(format!(
                        "assets: {} is left out: its name is not UTF-8",
                        rel_path.display()
                    ));
                    continue;
                };
                let kind = item.file_type()?;
                if ignore
                    .matched_path_or_any_parents(&rel_path, kind.is_dir())
                    .is_ignore()
                {
                    continue;
                }
                if kind.is_dir() {
                    pending.push(rel_path);
                    continue;
                }
                // Files and links to files, only where they really are inside the directory.
                let real = match verge_js::loader::resolve_within(root, &rel) {
                    Ok(p) => p,
                    Err(e) => {
                        warnings.push(format!("assets: {rel} is left out: {e}"));
                        continue;
                    }
                };
                let meta = std::fs::metadata(&real)?;
                if meta.is_dir() {
                    warnings.push(format!(
                        "assets: {rel} is left out: symbolic links to directories are not followed"
                    ));
                    continue;
                }
                if !meta.is_file() {
                    continue;
                }
                if meta.len() > MAX_ASSET_SIZE {
                    warnings.push(format!(
                        "assets: {rel} is {} bytes, over Cloudflare's limit of {MAX_ASSET_SIZE} bytes per asset (verge serves it; a deploy to Cloudflare would fail)",
                        meta.len()
                    ));
                }
                let etag = content_hash(&real)?;
                entries.insert(
                    format!("/{rel}"),
                    Entry {
                        content_type: content_type(&rel),
                        rel,
                        etag,
                        size: meta.len(),
                    },
                );
            }
        }
        if entries.len() > MAX_ASSET_COUNT {
            warnings.push(format!(
                "assets: {} files, over Cloudflare's limit of {MAX_ASSET_COUNT} per worker version (verge serves them; a deploy to Cloudflare would fail)",
                entries.len()
            ));
        }
        Ok((Manifest { entries }, warnings))
    }
}

/// The `.assetsignore` matcher (Cloudflare's own files always excluded).
fn ignore_matcher(root: &Path, warnings: &mut Vec<String>) -> ignore::gitignore::Gitignore {
    let mut b = ignore::gitignore::GitignoreBuilder::new(root);
    for own in [ASSETS_IGNORE, HEADERS_FILE, REDIRECTS_FILE] {
        let _ = b.add_line(None, &format!("/{own}"));
    }
    // The local state of verge and of wrangler, when the assets directory is the project:
    // never served.
    for state in [VERGE_STATE_DIR, ".wrangler"] {
        let _ = b.add_line(None, &format!("/{state}/"));
    }
    if let Ok(text) = std::fs::read_to_string(root.join(ASSETS_IGNORE)) {
        for (i, line) in text.lines().enumerate() {
            if let Err(e) = b.add_line(None, line) {
                warnings.push(format!("assets: {ASSETS_IGNORE}:{}: ignored: {e}", i + 1));
            }
        }
    }
    b.build().unwrap_or_else(|e| {
        warnings.push(format!("assets: {ASSETS_IGNORE}: ignored: {e}"));
        ignore::gitignore::Gitignore::empty()
    })
}

/// 32 hex digits of the SHA-256 of a file's content, read in chunks.
fn content_hash(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let digest = h.finalize();
    Ok(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}

/// 32 hex digits of the SHA-256 of `data` (an [`Entry::etag`]).
pub fn hash_bytes(data: &[u8]) -> String {
    Sha256::digest(data)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Content-Type` by extension, as wrangler sets it: `text/*` types get `charset=utf-8`;
/// unknown extensions get none.
pub fn content_type(rel: &str) -> Option<String> {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    if rel
        .rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with('.') && n.matches('.').count() == 1)
    {
        return None;
    }
    let t = match ext.as_str() {
        // The `mime` package wrangler uses follows IANA: JavaScript is text/javascript.
        "js" | "mjs" | "cjs" => "text/javascript".to_string(),
        _ => mime_guess::from_ext(&ext)
            .first()?
            .essence_str()
            .to_string(),
    };
    Some(if t.starts_with("text/") {
        format!("{t}; charset=utf-8")
    } else {
        t
    })
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "the tests write the asset directories they index"
)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_wrangler() {
        assert_eq!(
            content_type("a.html").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            content_type("a/b.js").as_deref(),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(content_type("d.json").as_deref(), Some("application/json"));
        assert_eq!(content_type("i.svg").as_deref(), Some("image/svg+xml"));
        assert_eq!(
            content_type("s.CSS").as_deref(),
            Some("text/css; charset=utf-8")
        );
        assert_eq!(content_type("noext"), None);
        assert_eq!(content_type("x.unknownext"), None);
    }

    #[test]
    fn the_index_skips_ignored_files_and_links_out_of_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let pub_dir = root.join("public");
        std::fs::create_dir_all(pub_dir.join("sub")).unwrap();
        std::fs::write(pub_dir.join("index.html"), "hi").unwrap();
        std::fs::write(pub_dir.join("sub/a b é.txt"), "x").unwrap();
        std::fs::write(pub_dir.join("_headers"), "/*\n  X: 1\n").unwrap();
        std::fs::write(pub_dir.join("secret.key"), "k").unwrap();
        std::fs::write(pub_dir.join(".assetsignore"), "*.key\n").unwrap();
        std::fs::write(root.join("outside.txt"), "no").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", pub_dir.join("passwd")).unwrap();
            std::os::unix::fs::symlink(root.join("outside.txt"), pub_dir.join("out.txt")).unwrap();
            std::os::unix::fs::symlink("index.html", pub_dir.join("alias.html")).unwrap();
        }
        let (m, warnings) = Manifest::build(&pub_dir).unwrap();
        let mut paths: Vec<&String> = m.entries.keys().collect();
        paths.sort();
        #[cfg(unix)]
        assert_eq!(paths, ["/alias.html", "/index.html", "/sub/a b é.txt"]);
        assert!(m.get("/_headers").is_none() && m.get("/secret.key").is_none());
        assert_eq!(m.get("/index.html").unwrap().etag.len(), 32);
        #[cfg(unix)]
        {
            assert_eq!(
                m.get("/alias.html").unwrap().etag,
                m.get("/index.html").unwrap().etag
            );
            assert!(
                warnings.iter().any(|w| w.contains("passwd is left out")),
                "{warnings:?}"
            );
            assert!(
                warnings.iter().any(|w| w.contains("out.txt is left out")),
                "{warnings:?}"
            );
        }
    }
}
