//! The subrequest cache: `fetch(url, { cf: { cacheTtl, cacheTtlByStatus, cacheEverything,
//! cacheKey, cacheTags } })` answered from the edge cache and filled from the origin by
//! Cloudflare's rules (workers-api.md §3.3), in `caches.default`'s namespace (as on
//! Cloudflare, where `fetch` and `caches.default` share the zone's cache).
//!
//! **Which responses.** A GET with any of the options above is cacheable; `cacheTtlByStatus`
//! (the first matching `"200-299"`/`"404"` entry) or `cacheTtl` force a TTL for the statuses
//! Cloudflare caches by default (a negative TTL: not cached; 0: stored expired, so every use
//! revalidates), overriding what the origin says except `Set-Cookie`; otherwise (e.g.
//! `cacheEverything`) the origin's headers decide, with Cloudflare's default TTLs. `cacheKey`
//! replaces the URL as the key; `cacheTags` add to the origin's `Cache-Tag` for purge.
//!
//! **What the response says.** `cf-cache-status`: `HIT` (fresh), `MISS` (fetched and stored),
//! `EXPIRED` (a stale copy existed; fetched and stored), `REVALIDATED` (the origin answered a
//! conditional request for the stale copy with 304), `UPDATING` (served stale while one
//! request refreshes it: `stale-while-revalidate`), `STALE` (served stale because the origin
//! failed: `stale-if-error`), `BYPASS` (the origin's response may not be stored), `DYNAMIC`
//! (not eligible: another method, or no cache option).
//!
//! **Beyond Cloudflare** (`CacheOptions::stale`, `verge dev --cache-stale`): the response's
//! own `stale-while-revalidate` and `stale-if-error` are honoured. Always: concurrent misses
//! for one key make one origin request ([`Coalescer`]); the others wait for it and read the
//! stored response, or get the stale copy at once when one may be served.

use std::rc::Rc;

use bytes::Bytes;
use futures::StreamExt;
use rquickjs::{Ctx, Object, Promise, Result, Value};
use verge_js::meter::RequestMeter;
use verge_store::cache::{CacheEntry, CacheKey, CacheMeta};
use verge_web::body::ByteStream;
use verge_web::fetch::{FetchFailure, OriginResponse, Outbound};

use crate::core::{Coalescer, DEFAULT_NAMESPACE, EdgeCache, Turn, body_stream, wait};
use crate::js::answer_from;
use crate::limits::{COALESCE_WAIT, MAX_CACHE_TAG_BYTES, MAX_KEY_BYTES};

use crate::policy::{self, Storable};

/// The cache options of a request's `cf`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CfCacheOptions {
    /// `cacheTtl` seconds.
    pub cache_ttl: Option<i64>,
    /// `cacheTtlByStatus`: `(from, to, seconds)`.
    pub ttl_by_status: Vec<(u16, u16, i64)>,
    /// `cacheEverything`.
    pub cache_everything: bool,
    /// `cacheKey`.
    pub cache_key: Option<String>,
    /// `cacheTags`.
    pub cache_tags: Vec<String>,
}

impl CfCacheOptions {
    /// Reads the options from a request's `cf` object; `None` when it has none of them.
    pub fn from_cf(cf: &Object<'_>) -> Result<Option<Self>> {
        let mut o = CfCacheOptions::default();
        let mut any = false;
        let ttl: Value = cf.get("cacheTtl")?;
        if let Some(n) = ttl.as_number() {
            any = true;
            o.cache_ttl = Some(n as i64);
        }
        let by: Value = cf.get("cacheTtlByStatus")?;
        if let Some(obj) = by.as_object() {
            any = true;
            for key in obj.keys::<String>() {
                let key = key?;
                let secs: Value = obj.get(key.as_str())?;
                let Some(secs) = secs.as_number() else {
                    continue;
                };
                let (a, b) = key.split_once('-').unwrap_or((&key, &key));
                if let (Ok(a), Ok(b)) = (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
                    o.ttl_by_status.push((a, b, secs as i64));
                }
            }
        }
        let everything: Value = cf.get("cacheEverything")?;
        if let Some(b) = everything.as_bool() {
            any = true;
            o.cache_everything = b;
        }
        let key: Value = cf.get("cacheKey")?;
        if let Some(s) = key.as_string() {
            any = true;
            o.cache_key = Some(s.to_string()?);
        }
        let tags: Value = cf.get("cacheTags")?;
        if let Some(arr) = tags.as_array() {
            any = true;
            // Read no further than the tags a response may carry (the rest would be ignored).
            let mut total = 0usize;
            for t in arr.iter::<Value>() {
                if total > MAX_CACHE_TAG_BYTES {
                    break;
                }
                if let Some(s) = t?.as_string() {
                    let s = s.to_string()?;
                    total += s.len() + 1;
                    o.cache_tags.push(s);
                }
            }
        }
        Ok(any.then_some(o))
    }

    /// The TTL forced for `status`: `Some(None)` means "do not cache", `None` that the
    /// origin's headers decide.
    pub fn forced_ttl(&self, status: u16) -> Option<Option<u64>> {
        if let Some(&(_, _, secs)) = self
            .ttl_by_status
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&status))
        {
            return Some(u64::try_from(secs).ok());
        }
        match self.cache_ttl {
            Some(secs) if policy::forced_ttl_applies(status) => Some(u64::try_from(secs).ok()),
            _ => None,
        }
    }
}

/// A response for JS (`verge_web::fetch::response_object`'s shape) with `cf-cache-status`.
fn with_status(mut r: OriginResponse, status: &str) -> OriginResponse {
    r.headers.retain(|(n, _)| n != "cf-cache-status");
    r.headers.push(("cf-cache-status".into(), status.into()));
    r
}

/// A stored entry answering the subrequest.
fn from_entry(
    entry: CacheEntry,
    url: &str,
    request_headers: &[(String, String)],
    status: &str,
    now_ms: u64,
) -> OriginResponse {
    let (code, headers, range) = answer_from(
        &entry.meta,
        entry.body.len(),
        request_headers,
        status,
        now_ms,
    );
    OriginResponse {
        status: code,
        headers,
        url: url.to_string(),
        redirected: false,
        body: match range {
            Some(r) => body_stream(entry.body, r),
            None => verge_web::fetch::once(Bytes::new()),
        },
    }
}

/// `internal.cachedFetch(method, url, flatHeaders, body, manualRedirect, cf)`.
#[allow(
    clippy::too_many_arguments,
    reason = "internal.fetch's arguments plus the cache and cf"
)]
pub fn cached_fetch<'js>(
    ctx: Ctx<'js>,
    cache: EdgeCache,
    method: String,
    url: String,
    headers: Vec<String>,
    body: Value<'js>,
    manual: bool,
    cf: Object<'js>,
) -> Result<Promise<'js>> {
    let options = match CfCacheOptions::from_cf(&cf) {
        Ok(o) => o,
        Err(e) => return verge_js::promise::rejected(&ctx, e),
    };
    let (out, invocation) =
        match verge_web::fetch::prepare(&ctx, &method, url, headers, body, manual) {
            Ok(p) => p,
            Err(e) => return verge_js::promise::rejected(&ctx, e),
        };
    let ctx2 = ctx.clone();
    verge_js::promise::wrap_future(&ctx, async move {
        let r = match options {
            Some(o) if out.method == reqwest_get() => {
                through_cache(cache, out, invocation, o).await
            }
            Some(_) => verge_web::fetch::send(out, invocation)
                .await
                .map(|r| with_status(r, "DYNAMIC")),
            None => verge_web::fetch::send(out, invocation).await,
        };
        let r = r.map_err(|e| e.throw(&ctx2))?;
        verge_web::fetch::response_object(&ctx2, r)
    })
}

fn reqwest_get() -> http::Method {
    http::Method::GET
}

/// Adds validators of `stale` to a request (a conditional request to revalidate it).
fn conditional(mut out: Outbound, stale: Option<&CacheEntry>) -> Outbound {
    let Some(e) = stale else {
        return out;
    };
    if let Some(etag) = policy::header(&e.meta.headers, "etag") {
        out.headers.push(("if-none-match".into(), etag.to_string()));
    } else if let Some(lm) = policy::header(&e.meta.headers, "last-modified") {
        out.headers
            .push(("if-modified-since".into(), lm.to_string()));
    }
    out
}

async fn through_cache(
    cache: EdgeCache,
    out: Outbound,
    invocation: Option<Rc<RequestMeter>>,
    options: CfCacheOptions,
) -> std::result::Result<OriginResponse, FetchFailure> {
    let key = options.cache_key.clone().unwrap_or_else(|| out.url.clone());
    if key.len() > MAX_KEY_BYTES {
        return verge_web::fetch::send(out, invocation)
            .await
            .map(|r| with_status(r, "DYNAMIC"));
    }
    let ns = DEFAULT_NAMESPACE;
    let request_headers: Vec<(String, String)> = out
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    let found = cache
        .lookup(ns, &key, &request_headers)
        .unwrap_or_else(|e| {
            tracing::warn!("cache: lookup failed: {e}");
            None
        });
    let now = cache.now_ms();
    let stale = match found {
        Some(e) if e.meta.fresh_until_ms > now => {
            return Ok(from_entry(e, &out.url, &request_headers, "HIT", now));
        }
        other => other,
    };
    // How long the stale copy may still be served while it is refreshed / when the origin
    // fails (its keep_until covers both windows; which applies is read from its headers).
    let (swr_until, sie_until) = stale.as_ref().map_or((0, 0), |e| stale_windows(&cache, e));
    if let Some(e) = &stale
        && now < swr_until
    {
        // Serve stale, refresh once in the background.
        if let Turn::Lead(lead) = Coalescer::global().join(cache.store(), ns, &key) {
            let (cache2, out2, stale2, key2) = (cache.clone(), out.clone(), e.clone(), key.clone());
            tokio::task::spawn_local(async move {
                let fill = Fill {
                    cache: &cache2,
                    options: &options,
                    key: &key2,
                    stale: Some(&stale2),
                    stale_if_error_until: 0,
                };
                let _ = fill.refresh(out2, None, lead).await;
            });
        }
        return Ok(from_entry(
            e.clone(),
            &out.url,
            &request_headers,
            "UPDATING",
            now,
        ));
    }
    match Coalescer::global().join(cache.store(), ns, &key) {
        Turn::Lead(lead) => {
            let fill = Fill {
                cache: &cache,
                options: &options,
                key: &key,
                stale: stale.as_ref(),
                stale_if_error_until: sie_until,
            };
            fill.refresh(out, invocation, lead).await
        }
        Turn::Wait(flight) => {
            if let Some(s) = &stale
                && now < sie_until.max(swr_until)
            {
                return Ok(from_entry(
                    s.clone(),
                    &out.url,
                    &request_headers,
                    "UPDATING",
                    now,
                ));
            }
            tracing::debug!(key, "cache: waiting for the request filling this key");
            if wait(flight, COALESCE_WAIT).await == Some(true)
                && let Ok(Some(e)) = cache.lookup(ns, &key, &request_headers)
            {
                let now = cache.now_ms();
                if e.meta.fresh_until_ms > now {
                    return Ok(from_entry(e, &out.url, &request_headers, "HIT", now));
                }
            }
            // The leader stored nothing usable: go to the origin alone.
            verge_web::fetch::send(out, invocation)
                .await
                .map(|r| with_status(r, "MISS"))
        }
    }
}

/// One refresh of a key from the origin, by the request that leads it.
struct Fill<'a> {
    cache: &'a EdgeCache,
    options: &'a CfCacheOptions,
    key: &'a str,
    /// The stale copy, if one is kept.
    stale: Option<&'a CacheEntry>,
    /// Until when the stale copy may stand in for a failing origin.
    stale_if_error_until: u64,
}

/// Headers a 304 does not update on the stored response (RFC 9111 §4.3.4; what
/// http-cache-semantics leaves alone).
const NOT_UPDATED_BY_304: &[&str] = &[
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "content-range",
];

impl Fill<'_> {
    /// Fetches from the origin (conditionally when the stale copy has a validator), stores
    /// what may be stored, and answers with its `cf-cache-status`. Finishes `lead` once the
    /// outcome is known (after the body is stored, for a stored response).
    async fn refresh(
        &self,
        out: Outbound,
        invocation: Option<Rc<RequestMeter>>,
        lead: crate::core::Lead,
    ) -> std::result::Result<OriginResponse, FetchFailure> {
        let request_headers: Vec<(String, String)> = out
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        let url = out.url.clone();
        let origin = verge_web::fetch::send(conditional(out, self.stale), invocation).await;
        let now = self.cache.now_ms();
        let origin = match origin {
            Ok(r) if r.status < 500 => r,
            failed => {
                if let Some(s) = self.stale
                    && now < self.stale_if_error_until
                {
                    lead.finish(false);
                    return Ok(from_entry(s.clone(), &url, &request_headers, "STALE", now));
                }
                lead.finish(false);
                return failed.map(|r| with_status(r, "MISS"));
            }
        };
        if origin.status == 304
            && let Some(s) = self.stale
        {
            return Ok(self
                .revalidated(s, origin, &url, &request_headers, lead)
                .await);
        }
        let status_word = if self.stale.is_some() {
            "EXPIRED"
        } else {
            "MISS"
        };
        if origin.redirected {
            lead.finish(false);
            return Ok(with_status(origin, "DYNAMIC"));
        }
        let Some(meta) = self.meta_for(origin.status, &origin.headers, &request_headers, now)
        else {
            lead.finish(false);
            return Ok(with_status(origin, "BYPASS"));
        };
        let (meta, variant) = meta;
        let (client, fill) = tee(origin.body);
        let cache = self.cache.clone();
        let key = CacheKey::new(DEFAULT_NAMESPACE, self.key, variant);
        tokio::spawn(async move {
            let stored = cache.fill(key, meta, fill).await;
            lead.finish(stored);
        });
        Ok(with_status(
            OriginResponse {
                body: client,
                ..origin
            },
            status_word,
        ))
    }

    /// What to store a response as: its metadata and variant, or `None` (not stored).
    fn meta_for(
        &self,
        status: u16,
        headers: &[(String, String)],
        request_headers: &[(String, String)],
        now: u64,
    ) -> Option<(CacheMeta, String)> {
        let forced = match self.options.forced_ttl(status) {
            Some(None) => return None,
            Some(Some(ttl)) => Some(ttl),
            None => None,
        };
        let stale = self.cache.options().stale;
        let Storable::Yes { headers, freshness } =
            policy::storable(status, headers, now, stale, forced)
        else {
            return None;
        };
        let vary = policy::vary_names(&headers)?;
        let (mut tags, ignored) = policy::cache_tags(&headers);
        if ignored > 0 {
            tracing::warn!(
                key = self.key,
                ignored,
                "cache: Cache-Tag values over Cloudflare's limits were ignored"
            );
        }
        let ignored_cf = policy::add_tags(
            &mut tags,
            self.options.cache_tags.iter().map(String::as_str),
        );
        if ignored_cf > 0 {
            tracing::warn!(
                key = self.key,
                ignored = ignored_cf,
                "cache: cf.cacheTags over Cloudflare's limits were ignored"
            );
        }
        let (fresh, keep) = freshness.times(now);
        let variant = policy::variant(&vary, request_headers);
        Some((
            CacheMeta {
                status,
                headers,
                vary,
                tags,
                stored_ms: now,
                fresh_until_ms: fresh,
                keep_until_ms: keep,
                size: 0,
            },
            variant,
        ))
    }

    /// The origin confirmed the stale copy (304): it is stored again with the 304's headers
    /// merged in and fresh again, and served.
    async fn revalidated(
        &self,
        stale: &CacheEntry,
        not_modified: OriginResponse,
        url: &str,
        request_headers: &[(String, String)],
        lead: crate::core::Lead,
    ) -> OriginResponse {
        let mut headers = stale.meta.headers.clone();
        for (n, _) in &not_modified.headers {
            if NOT_UPDATED_BY_304.contains(&n.as_str()) {
                continue;
            }
            headers.retain(|(m, _)| m != n);
        }
        for (n, v) in not_modified.headers {
            if !NOT_UPDATED_BY_304.contains(&n.as_str()) {
                headers.push((n, v));
            }
        }
        let now = self.cache.now_ms();
        let Some((meta, _)) = self.meta_for(stale.meta.status, &headers, request_headers, now)
        else {
            lead.finish(false);
            return from_entry(stale.clone(), url, request_headers, "REVALIDATED", now);
        };
        let stored = self
            .cache
            .fill(
                stale.key.clone(),
                meta.clone(),
                body_stream(stale.body.clone(), None),
            )
            .await;
        lead.finish(stored);
        let entry = CacheEntry {
            key: stale.key.clone(),
            meta: CacheMeta {
                size: stale.body.len(),
                ..meta
            },
            body: stale.body.clone(),
        };
        from_entry(entry, url, request_headers, "REVALIDATED", now)
    }
}

/// Splits a body in two: the client's half and the cache's half. The pump keeps filling the
/// cache when the client goes away, and keeps serving the client when the cache gives up.
fn tee(mut src: ByteStream) -> (ByteStream, ByteStream) {
    let (client_tx, client_rx) = tokio::sync::mpsc::channel(4);
    let (fill_tx, fill_rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut client = Some(client_tx);
        let mut fill = Some(fill_tx);
        while let Some(item) = src.next().await {
            let failed = item.is_err();
            if let Some(c) = &client
                && c.send(item.clone()).await.is_err()
            {
                client = None;
            }
            if let Some(f) = &fill
                && f.send(item).await.is_err()
            {
                fill = None;
            }
            if failed || (client.is_none() && fill.is_none()) {
                return;
            }
        }
    });
    (
        verge_web::body::channel_stream(client_rx),
        verge_web::body::channel_stream(fill_rx),
    )
}

/// `(serve stale while revalidating until, serve stale on error until)` for a stored entry,
/// both 0 unless the deployment honours them.
fn stale_windows(cache: &EdgeCache, e: &CacheEntry) -> (u64, u64) {
    if !cache.options().stale {
        return (0, 0);
    }
    let d = policy::parse_cache_control(policy::header_all(&e.meta.headers, "cache-control"));
    if d.must_revalidate {
        return (0, 0);
    }
    let at = e.meta.fresh_until_ms;
    let until = |secs: Option<u64>| {
        secs.map_or(0, |s| at.saturating_add(s.saturating_mul(1000)))
            .min(e.meta.keep_until_ms)
    };
    (until(d.stale_while_revalidate), until(d.stale_if_error))
}
