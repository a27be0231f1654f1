//! The cache core: finding the variant a request selects, storing a streamed body, serving a
//! stored body by range, purging, and coalescing concurrent misses. No JS here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::watch;
use verge_store::cache::{CacheBody, CacheEntry, CacheKey, CacheMeta, CacheStore, Purge};
use verge_store::{Clock, StoreError};
use verge_web::body::ByteStream;

use crate::error::CacheError;
use crate::limits::{MAX_OBJECT_BYTES, READ_CHUNK_BYTES};
use crate::policy;

/// What the cache does beyond Cloudflare's Cache API, per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheOptions {
    /// The subrequest cache honours `stale-while-revalidate` and `stale-if-error`.
    pub stale: bool,
}

/// The namespace of `caches.default` (also the subrequest cache's, as on Cloudflare).
pub const DEFAULT_NAMESPACE: &str = "default";

/// The namespace of `caches.open(name)`.
pub fn named_namespace(name: &str) -> String {
    format!("named:{name}")
}

/// The edge cache of a deployment: a store, a clock and options.
#[derive(Clone)]
pub struct EdgeCache {
    store: Arc<dyn CacheStore>,
    clock: Arc<dyn Clock>,
    options: CacheOptions,
}

impl std::fmt::Debug for EdgeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeCache")
            .field("store", &self.store)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl EdgeCache {
    /// A cache over `store`.
    pub fn new(store: Arc<dyn CacheStore>, clock: Arc<dyn Clock>, options: CacheOptions) -> Self {
        EdgeCache {
            store,
            clock,
            options,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn CacheStore> {
        &self.store
    }

    /// The options.
    pub fn options(&self) -> CacheOptions {
        self.options
    }

    /// Now, by the cache's clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The stored entry `request_headers` select under `(namespace, key)`, fresh or not (the
    /// caller looks at `meta.fresh_until_ms`).
    pub fn lookup(
        &self,
        namespace: &str,
        key: &str,
        request_headers: &[(String, String)],
    ) -> Result<Option<CacheEntry>, CacheError> {
        let now = self.now_ms();
        let found = self.store.get(namespace, key, now)?;
        Ok(found
            .into_iter()
            .filter(|e| policy::variant(&e.meta.vary, request_headers) == e.key.variant)
            .max_by_key(|e| e.meta.stored_ms))
    }

    /// Removes every variant under `(namespace, key)`.
    pub fn delete(&self, namespace: &str, key: &str) -> Result<bool, CacheError> {
        Ok(self.store.delete(namespace, key)?)
    }

    /// Purges, in every namespace.
    pub fn purge(&self, purge: &Purge) -> Result<u64, CacheError> {
        Ok(self.store.purge(purge)?)
    }

    /// Stores `body` under `key` with `meta` (its size set from the body), streaming it into
    /// the store off the calling thread. Resolves to whether it was stored: a body over
    /// [`MAX_OBJECT_BYTES`] or a failing stream stores nothing (the stream is still read to
    /// its end, so a `put` consumes its body). Failures of the store are logged.
    pub async fn fill(&self, key: CacheKey, meta: CacheMeta, mut body: ByteStream) -> bool {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let store = self.store.clone();
        // Set once the whole body arrived: the writer commits only then. The channel closing
        // alone does not say the body ended well (a failed body closes it too).
        let complete = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = complete.clone();
        let writer = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
            let mut w = store.writer(key)?;
            while let Some(chunk) = rx.blocking_recv() {
                if w.written() + chunk.len() as u64 > MAX_OBJECT_BYTES {
                    return Ok(false);
                }
                w.write(&chunk)?;
            }
            if !done.load(std::sync::atomic::Ordering::Acquire) {
                // Dropping the writer without a commit stores nothing.
                return Ok(false);
            }
            w.commit(meta)?;
            Ok(true)
        });
        let mut failed = false;
        let mut open = true;
        while let Some(item) = body.next().await {
            match item {
                Ok(chunk) => {
                    if open && tx.send(chunk).await.is_err() {
                        // The writer gave up (too large, a store failure): drain the rest.
                        open = false;
                    }
                }
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            drop(tx);
            let _ = writer.await;
            return false;
        }
        complete.store(true, std::sync::atomic::Ordering::Release);
        drop(tx);
        match writer.await {
            Ok(Ok(stored)) => stored,
            Ok(Err(e)) => {
                tracing::warn!("cache: storing a response failed: {e}");
                false
            }
            Err(e) => {
                tracing::warn!("cache: the cache writer failed: {e}");
                false
            }
        }
    }
}

/// A stored body (or bytes `start..=end` of it) as a stream: one chunk from memory, chunks of
/// [`READ_CHUNK_BYTES`] read off the isolate thread from a file.
pub fn body_stream(body: CacheBody, range: Option<(u64, u64)>) -> ByteStream {
    let (start, end) = range.unwrap_or((0, body.len().saturating_sub(1)));
    let len = if body.is_empty() {
        0
    } else {
        end.saturating_sub(start) + 1
    };
    if let CacheBody::Memory(b) = &body {
        let s = usize::try_from(start).unwrap_or(usize::MAX).min(b.len());
        let e = usize::try_from(start + len)
            .unwrap_or(usize::MAX)
            .min(b.len());
        let chunk = b.slice(s..e);
        return Box::pin(futures::stream::once(async move { Ok(chunk) }));
    }
    Box::pin(futures::stream::unfold(
        (body, start, start + len),
        |(body, at, stop)| async move {
            if at >= stop {
                return None;
            }
            let want = usize::try_from(stop - at)
                .unwrap_or(usize::MAX)
                .min(READ_CHUNK_BYTES);
            let b = body.clone();
            let read = tokio::task::spawn_blocking(move || b.read(at, want)).await;
            match read {
                Ok(Ok(chunk)) if !chunk.is_empty() => {
                    let n = chunk.len() as u64;
                    Some((Ok(chunk), (body, at + n, stop)))
                }
                Ok(Ok(_)) => Some((
                    Err("the cached body ended early".to_string()),
                    (body, stop, stop),
                )),
                Ok(Err(e)) => Some((Err(e.to_string()), (body, stop, stop))),
                Err(e) => Some((Err(e.to_string()), (body, stop, stop))),
            }
        },
    ))
}

/// The result of a fill others wait for: `true` when the entry was stored.
type Flight = watch::Receiver<Option<bool>>;

/// Concurrent misses for one key share one origin request: the first caller *leads* (fetches
/// and fills), the others wait for its outcome and then read the stored entry. Process-wide,
/// so every worker and isolate thread of a deployment takes part.
#[derive(Default)]
pub struct Coalescer {
    flights: Mutex<HashMap<(usize, String, String), Flight>>,
}

/// The leader's handle: [`Lead::finish`] wakes the waiters; dropping it unfinished tells
/// them nothing was stored.
pub struct Lead {
    key: (usize, String, String),
    tx: watch::Sender<Option<bool>>,
    coalescer: &'static Coalescer,
}

impl Lead {
    /// Reports the outcome and releases the key.
    pub fn finish(self, stored: bool) {
        let _ = self.tx.send(Some(stored));
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        if let Ok(mut f) = self.coalescer.flights.lock() {
            f.remove(&self.key);
        }
        self.tx.send_if_modified(|v| {
            if v.is_none() {
                *v = Some(false);
                true
            } else {
                false
            }
        });
    }
}

/// Whether the caller leads a fill or waits for one.
pub enum Turn {
    /// Fetch and fill, then [`Lead::finish`].
    Lead(Lead),
    /// Wait for the leader ([`wait`]).
    Wait(Flight),
}

impl Coalescer {
    /// The process's coalescer.
    pub fn global() -> &'static Coalescer {
        static C: std::sync::OnceLock<Coalescer> = std::sync::OnceLock::new();
        C.get_or_init(Coalescer::default)
    }

    /// Leads or joins the fill of `(namespace, key)` in `store`.
    pub fn join(&'static self, store: &Arc<dyn CacheStore>, namespace: &str, key: &str) -> Turn {
        let id = (
            Arc::as_ptr(store).cast::<()>() as usize,
            namespace.to_string(),
            key.to_string(),
        );
        let Ok(mut flights) = self.flights.lock() else {
            // A poisoned map: everyone leads (no coalescing, still correct).
            let (tx, _) = watch::channel(None);
            return Turn::Lead(Lead {
                key: id,
                tx,
                coalescer: self,
            });
        };
        if let Some(rx) = flights.get(&id) {
            return Turn::Wait(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        flights.insert(id.clone(), rx);
        Turn::Lead(Lead {
            key: id,
            tx,
            coalescer: self,
        })
    }

    /// Whether a fill of `(namespace, key)` is under way.
    pub fn in_flight(&self, store: &Arc<dyn CacheStore>, namespace: &str, key: &str) -> bool {
        let id = (
            Arc::as_ptr(store).cast::<()>() as usize,
            namespace.to_string(),
            key.to_string(),
        );
        self.flights.lock().is_ok_and(|f| f.contains_key(&id))
    }
}

/// Waits (at most `limit`) for a leader's outcome: `Some(stored)`, or `None` on time-out.
pub async fn wait(mut flight: Flight, limit: std::time::Duration) -> Option<bool> {
    let r = tokio::time::timeout(limit, flight.wait_for(Option::is_some)).await;
    match r {
        Ok(Ok(v)) => *v,
        Ok(Err(_)) => Some(false),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::ManualClock;
    use verge_store::cache::memory::MemoryCacheStore;

    fn cache() -> EdgeCache {
        EdgeCache::new(
            Arc::new(MemoryCacheStore::new(1 << 30, 1 << 30)),
            Arc::new(ManualClock::new(1_000)),
            CacheOptions::default(),
        )
    }

    fn meta(vary: &[&str]) -> CacheMeta {
        CacheMeta {
            status: 200,
            vary: vary.iter().map(|v| v.to_string()).collect(),
            fresh_until_ms: 10_000,
            keep_until_ms: 20_000,
            ..CacheMeta::default()
        }
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn stream(chunks: Vec<&'static [u8]>) -> ByteStream {
        Box::pin(futures::stream::iter(
            chunks.into_iter().map(|c| Ok(Bytes::from_static(c))),
        ))
    }

    #[tokio::test]
    async fn variants_are_selected_by_the_vary_headers() {
        let c = cache();
        let names = vec!["x-lang".to_string()];
        for lang in ["en", "fr"] {
            let variant = policy::variant(&names, &h(&[("x-lang", lang)]));
            let key = CacheKey::new("default", "https://a.test/", variant);
            assert!(
                c.fill(key, meta(&["x-lang"]), stream(vec![lang.as_bytes()]))
                    .await
            );
        }
        let en = c
            .lookup("default", "https://a.test/", &h(&[("x-lang", "en")]))
            .expect("lookup")
            .expect("en");
        assert_eq!(en.body.read_all().expect("read").as_ref(), b"en");
        assert!(
            c.lookup("default", "https://a.test/", &h(&[("x-lang", "de")]))
                .expect("lookup")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_failing_body_stores_nothing() {
        let c = cache();
        let body: ByteStream = Box::pin(futures::stream::iter(vec![
            Ok(Bytes::from_static(b"a")),
            Err("cut".to_string()),
        ]));
        assert!(
            !c.fill(CacheKey::new("default", "u", ""), meta(&[]), body)
                .await
        );
        assert!(c.lookup("default", "u", &[]).expect("lookup").is_none());
    }

    #[tokio::test]
    async fn bodies_stream_out_by_range() {
        let body = CacheBody::Memory(Bytes::from_static(b"0123456789"));
        let all: Vec<_> = body_stream(body.clone(), Some((2, 5))).collect().await;
        assert_eq!(all, vec![Ok(Bytes::from_static(b"2345"))]);
        let empty = CacheBody::Memory(Bytes::new());
        let none: Vec<_> = body_stream(empty, None).collect().await;
        assert_eq!(none, vec![Ok(Bytes::new())]);
    }

    #[tokio::test]
    async fn concurrent_fills_of_one_key_have_one_leader() {
        let store: Arc<dyn CacheStore> = Arc::new(MemoryCacheStore::new(1 << 20, 1 << 20));
        let c = Coalescer::global();
        let Turn::Lead(lead) = c.join(&store, "n", "k") else {
            panic!("the first leads")
        };
        let waiters: Vec<_> = (0..10)
            .map(|_| match c.join(&store, "n", "k") {
                Turn::Wait(f) => f,
                Turn::Lead(_) => panic!("only one leads"),
            })
            .collect();
        lead.finish(true);
        for w in waiters {
            assert_eq!(wait(w, std::time::Duration::from_secs(5)).await, Some(true));
        }
        assert!(
            matches!(c.join(&store, "n", "k"), Turn::Lead(_)),
            "released"
        );
    }
}
