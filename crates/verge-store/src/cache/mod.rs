//! The edge cache's store: what the Cache API, the subrequest cache and purge need from
//! storage (DESIGN's "Cache API" row: an in-memory and an on-disk store per PoP, a tag index,
//! purge).
//!
//! An entry is a response stored under a [`CacheKey`] — a namespace (`caches.default`, a
//! `caches.open(name)` cache), the URL (or a custom cache key) and a *variant* (the request
//! header values a `Vary` response was stored for, as the core serializes them) — with its
//! [`CacheMeta`] (status, headers, times, tags) and its body. The core (`verge-cache`) owns
//! every HTTP rule: which responses are stored, for how long, how variants are told apart,
//! conditional and range requests. A store only keeps, finds, evicts and purges.
//!
//! Implementations: [`memory::MemoryCacheStore`] (a bounded LRU in memory),
//! [`crate::sqlite::SqliteCacheStore`] (files under `.verge/cache/`, surviving a restart),
//! and [`tiered::TieredCacheStore`], the memory store in front of a disk store, which is what
//! a deployment uses. A cluster node keeps its own store and receives purges.
//!
//! **Bodies stream in and out**: a [`CacheWriter`] takes the body chunk by chunk and a
//! [`CacheBody`] is read by range, so an object larger than memory is never held whole.
//!
//! **Times** are passed in (`now_ms`), never read from a clock here (see `Clock`).

pub mod memory;
pub mod tiered;

use std::sync::Arc;

use bytes::Bytes;

use crate::StoreError;

/// Where an entry lives: namespace, URL (or custom key) and variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The cache it belongs to (`caches.default` and each `caches.open(name)` are apart).
    pub namespace: String,
    /// The URL it was stored for, or the custom cache key (`cf.cacheKey`).
    pub url: String,
    /// The request header values a `Vary` response was stored for (empty without `Vary`).
    pub variant: String,
}

impl CacheKey {
    /// A key.
    pub fn new(
        namespace: impl Into<String>,
        url: impl Into<String>,
        variant: impl Into<String>,
    ) -> Self {
        CacheKey {
            namespace: namespace.into(),
            url: url.into(),
            variant: variant.into(),
        }
    }

    /// Bytes the key takes (for memory accounting).
    pub fn weight(&self) -> u64 {
        (self.namespace.len() + self.url.len() + self.variant.len()) as u64
    }
}

/// What is stored with a body.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CacheMeta {
    /// The response status.
    pub status: u16,
    /// The response headers, names lower-case, in order.
    pub headers: Vec<(String, String)>,
    /// The request header names (lower-case) the response varies on.
    pub vary: Vec<String>,
    /// Tags for purge, lower-case.
    pub tags: Vec<String>,
    /// When it was stored (ms since the epoch).
    pub stored_ms: u64,
    /// When it stops being fresh.
    pub fresh_until_ms: u64,
    /// When it may no longer be served even stale (`stale-while-revalidate`,
    /// `stale-if-error`): the store may drop it from then on, and never returns it after.
    pub keep_until_ms: u64,
    /// Body length in bytes.
    pub size: u64,
}

impl CacheMeta {
    /// Bytes the metadata takes (for memory accounting).
    pub fn weight(&self) -> u64 {
        let h: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 16)
            .sum();
        let t: usize = self.tags.iter().map(|t| t.len() + 8).sum();
        let v: usize = self.vary.iter().map(|t| t.len() + 8).sum();
        (h + t + v + 96) as u64
    }
}

/// A body read by position from a file (the on-disk tier).
pub trait BodyFile: Send + Sync + std::fmt::Debug {
    /// Reads up to `buf.len()` bytes at `offset`; 0 at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize>;
}

/// A stored body: bytes in memory, or a file read by range (blocking reads: run them off the
/// isolate thread).
#[derive(Debug, Clone)]
pub enum CacheBody {
    /// The whole body in memory.
    Memory(Bytes),
    /// A file of `len` bytes.
    File {
        /// The open file.
        file: Arc<dyn BodyFile>,
        /// Its length.
        len: u64,
    },
}

impl CacheBody {
    /// The body's length.
    pub fn len(&self) -> u64 {
        match self {
            CacheBody::Memory(b) => b.len() as u64,
            CacheBody::File { len, .. } => *len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `max` bytes at `offset` (blocking for a file).
    pub fn read(&self, offset: u64, max: usize) -> Result<Bytes, StoreError> {
        match self {
            CacheBody::Memory(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = start.saturating_add(max).min(b.len());
                Ok(b.slice(start..end))
            }
            CacheBody::File { file, len } => {
                let want = usize::try_from(len.saturating_sub(offset))
                    .unwrap_or(usize::MAX)
                    .min(max);
                let mut buf = vec![0; want];
                let mut filled = 0;
                while filled < want {
                    let n = file
                        .read_at(offset + filled as u64, &mut buf[filled..])
                        .map_err(|source| StoreError::Io {
                            path: "cache body".into(),
                            source,
                        })?;
                    if n == 0 {
                        return Err(StoreError::Corrupt {
                            path: "cache body".into(),
                            message: format!(
                                "the body file ended at {} of its {len} bytes",
                                offset + filled as u64
                            ),
                        });
                    }
                    filled += n;
                }
                Ok(Bytes::from(buf))
            }
        }
    }

    /// The whole body (blocking for a file).
    pub fn read_all(&self) -> Result<Bytes, StoreError> {
        match self {
            CacheBody::Memory(b) => Ok(b.clone()),
            CacheBody::File { len, .. } => {
                self.read(0, usize::try_from(*len).unwrap_or(usize::MAX))
            }
        }
    }
}

/// An entry as a lookup returns it.
#[derive(Debug, Clone)]
pub struct CacheEntry {
    /// Where it lives.
    pub key: CacheKey,
    /// Status, headers, times, tags.
    pub meta: CacheMeta,
    /// The body.
    pub body: CacheBody,
}

/// Writes one entry's body; [`CacheWriter::commit`] makes it visible (replacing an entry
/// under the same key). Dropped without a commit, nothing is stored.
pub trait CacheWriter: Send {
    /// Appends body bytes.
    fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError>;
    /// Bytes written so far.
    fn written(&self) -> u64;
    /// Stores the entry (`meta.size` is set from what was written).
    fn commit(self: Box<Self>, meta: CacheMeta) -> Result<(), StoreError>;
}

/// What to remove from the cache, in Cloudflare's purge shapes (`purge_cache` API body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purge {
    /// Everything, in every namespace.
    Everything,
    /// Exact URLs (or custom keys), every variant, every namespace.
    Urls(Vec<String>),
    /// Entries carrying any of these tags (compared case-insensitively).
    Tags(Vec<String>),
    /// `host/path` prefixes (no scheme): the path itself and what is under it.
    Prefixes(Vec<String>),
    /// Every URL of these hosts.
    Hosts(Vec<String>),
}

impl Purge {
    /// Whether an entry stored under `url` with `tags` (lower-case) is purged.
    pub fn matches(&self, url: &str, tags: &[String]) -> bool {
        match self {
            Purge::Everything => true,
            Purge::Urls(urls) => urls.iter().any(|u| u == url),
            Purge::Tags(wanted) => wanted
                .iter()
                .any(|w| tags.iter().any(|t| t.eq_ignore_ascii_case(w))),
            Purge::Prefixes(prefixes) => {
                let rest = without_scheme(url);
                prefixes.iter().any(|p| prefix_matches(rest, p))
            }
            Purge::Hosts(hosts) => {
                let host = host_of(url);
                hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            }
        }
    }
}

/// `url` without `scheme://`.
pub fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// The host of `url`, without user info or port (the whole string when it has no scheme).
pub fn host_of(url: &str) -> &str {
    let rest = without_scheme(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Whether `rest` (a URL without its scheme) is `prefix` or lies under it: the prefix ends
/// where a path segment or the query begins (`example.com/a` covers `example.com/a/b` and
/// `example.com/a?x`, not `example.com/ab`), or itself ends with `/`.
pub fn prefix_matches(rest: &str, prefix: &str) -> bool {
    let prefix = without_scheme(prefix);
    let Some(after) = rest.strip_prefix(prefix) else {
        return false;
    };
    after.is_empty()
        || prefix.ends_with('/')
        || after.starts_with('/')
        || after.starts_with('?')
        || after.starts_with('#')
}

/// How much a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUsage {
    /// Entries.
    pub entries: u64,
    /// Bytes (bodies plus metadata estimates).
    pub bytes: u64,
}

/// Storage for the edge cache. Every method is blocking; call it off the isolate thread
/// unless the implementation is in memory.
///
/// A lookup never returns an entry whose `keep_until_ms` has passed, whether or not
/// [`CacheStore::evict_expired`] has run.
pub trait CacheStore: Send + Sync + std::fmt::Debug {
    /// The variants stored under `(namespace, url)` still kept at `now_ms`.
    fn get(&self, namespace: &str, url: &str, now_ms: u64) -> Result<Vec<CacheEntry>, StoreError>;

    /// Starts storing an entry under `key`.
    fn writer(&self, key: CacheKey) -> Result<Box<dyn CacheWriter>, StoreError>;

    /// Stores a whole entry (a writer written once and committed).
    fn insert(&self, key: CacheKey, meta: CacheMeta, body: &[u8]) -> Result<(), StoreError> {
        let mut w = self.writer(key)?;
        w.write(body)?;
        w.commit(meta)
    }

    /// Removes every variant under `(namespace, url)`; whether anything was removed.
    fn delete(&self, namespace: &str, url: &str) -> Result<bool, StoreError>;

    /// Removes what `purge` names, in every namespace; how many entries.
    fn purge(&self, purge: &Purge) -> Result<u64, StoreError>;

    /// Drops entries past their `keep_until_ms`; how many.
    fn evict_expired(&self, now_ms: u64) -> Result<u64, StoreError>;

    /// What the store holds.
    fn usage(&self) -> Result<CacheUsage, StoreError>;

    /// Purges made by other processes (`verge cache purge` while `verge dev` runs) recorded
    /// after `after`: the last record's number and the purges. Stores without a shared log
    /// have none.
    fn foreign_purges(&self, after: u64) -> Result<(u64, Vec<Purge>), StoreError> {
        Ok((after, Vec::new()))
    }

    /// Applies purges other processes made to this store's faster tiers (a no-op where
    /// there are none). The runtime calls it periodically.
    fn sync(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_prefixes_are_read_from_urls() {
        assert_eq!(host_of("https://Example.com:8443/a?b"), "Example.com");
        assert_eq!(host_of("http://u:p@h.test/x"), "h.test");
        assert_eq!(host_of("http://[::1]:80/"), "::1");
        assert_eq!(host_of("custom-key"), "custom-key");
        assert!(prefix_matches("example.com/a/b", "example.com/a"));
        assert!(prefix_matches("example.com/a?x=1", "example.com/a"));
        assert!(prefix_matches("example.com/a", "https://example.com/a"));
        assert!(!prefix_matches("example.com/ab", "example.com/a"));
        assert!(prefix_matches("example.com/ab", "example.com/"));
    }

    #[test]
    fn purges_match_urls_tags_prefixes_and_hosts() {
        let tags = vec!["blog".to_string(), "post-1".to_string()];
        let url = "https://example.com/blog/1";
        assert!(Purge::Everything.matches(url, &[]));
        assert!(Purge::Urls(vec![url.into()]).matches(url, &[]));
        assert!(!Purge::Urls(vec!["https://example.com/blog".into()]).matches(url, &[]));
        assert!(Purge::Tags(vec!["BLOG".into()]).matches(url, &tags));
        assert!(!Purge::Tags(vec!["news".into()]).matches(url, &tags));
        assert!(Purge::Prefixes(vec!["example.com/blog".into()]).matches(url, &[]));
        assert!(Purge::Hosts(vec!["EXAMPLE.com".into()]).matches(url, &[]));
        assert!(!Purge::Hosts(vec!["other.com".into()]).matches(url, &[]));
    }

    #[test]
    fn bodies_read_by_range() {
        let b = CacheBody::Memory(Bytes::from_static(b"0123456789"));
        assert_eq!(b.read(2, 3).expect("read"), Bytes::from_static(b"234"));
        assert_eq!(b.read(8, 10).expect("read"), Bytes::from_static(b"89"));
        assert!(b.read(20, 10).expect("read").is_empty());
    }
}
