//! The JS glue: the `caches` global (`js/cache.js`, loaded on first use) over the host
//! operations of [`CacheHost`], and `internal.cachedFetch`, through which `fetch()` with `cf`
//! cache options goes (the subrequest cache, [`crate::subrequest`]).
//!
//! Lookups of the memory tier run inline on the isolate thread (a hash lookup); a miss there
//! reads the disk tier's index inline too (one SQLite row, as KV reads do). Bodies stream in
//! and out off the isolate thread ([`EdgeCache::fill`], [`body_stream`]).

use bytes::Bytes;
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Array, Class, Ctx, Function, JsLifetime, Object, Promise, Result, Value};
use verge_js::{Extension, JsClass, throw, throw_as};
use verge_store::cache::{CacheKey, CacheMeta, Purge};
use verge_web::body::BodyReader;

use crate::core::{DEFAULT_NAMESPACE, EdgeCache, body_stream, named_namespace};
use crate::error::CacheError;
use crate::limits::{MAX_CACHE_NAME_LEN, MAX_KEY_BYTES, MAX_PURGE_ITEMS};
use crate::policy::{self, Answer, Storable};

/// The platform file of the Cache API.
const CACHE_JS: (&str, &str) = ("verge:cache/cache.js", include_str!("../js/cache.js"));

/// The lazy stand-ins `js/lazy.js` puts in place: `file|globals|internal keys`.
const LAZY_SPEC: &str = "verge:cache/cache.js|caches,Cache,CacheStorage|executionCache";

/// The cache of a worker version: the `caches` global and the subrequest cache.
#[derive(Debug, Clone)]
pub struct CacheExtension {
    cache: EdgeCache,
}

impl CacheExtension {
    /// The extension over `cache`.
    pub fn new(cache: EdgeCache) -> Self {
        CacheExtension { cache }
    }
}

impl Extension for CacheExtension {
    fn name(&self) -> &'static str {
        "cache"
    }

    fn requires(&self) -> &'static [&'static str] {
        // internal.defineGlobal, installLazy, loadPlatformFile (js/lazy.js, lib.rs), Request,
        // Response, requestHead, responseHead, hostBody, hostResponse, headersToFlat,
        // headersFromFlat, fetch's cachedFetch hook (js/fetch.js).
        &["web"]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        let host = Class::instance(
            ctx.clone(),
            CacheHost {
                cache: self.cache.clone(),
            },
        )?;
        internal.set("cacheOps", host.clone())?;
        let fetch_host = host.clone();
        internal.set(
            "cachedFetch",
            Func::from(
                move |ctx: Ctx<'js>,
                      method: String,
                      url: String,
                      headers: Vec<String>,
                      body: Value<'js>,
                      manual: bool,
                      cf: Object<'js>| {
                    let cache = fetch_host.borrow().cache.clone();
                    crate::subrequest::cached_fetch(
                        ctx, cache, method, url, headers, body, manual, cf,
                    )
                },
            ),
        )?;
        // Our file loads through verge-web's lazy loader: wrap its loader to know our name.
        let load: Function = internal.get("loadPlatformFile")?;
        internal.set(
            "loadPlatformFile",
            Func::from(move |ctx: Ctx<'js>, internal: Object<'js>, name: String| {
                if name == CACHE_JS.0 {
                    verge_web::eval_platform_js(&ctx, &internal, CACHE_JS.0, CACHE_JS.1)
                } else {
                    load.call::<_, ()>((internal, name))
                }
            }),
        )?;
        let install: Function = internal.get("installLazy")?;
        install.call((LAZY_SPEC,))
    }
}

/// The host side of `js/cache.js` (hidden: only `internal.cacheOps` reaches it).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub(crate) struct CacheHost {
    #[qjs(skip_trace)]
    cache: EdgeCache,
}

/// Counts a Cache API call as a subrequest (Workers: "Cache API calls count toward
/// subrequests").
fn charge(ctx: &Ctx<'_>) -> Result<()> {
    if let Some(m) = verge_js::meter::current_invocation()
        && !m.charge_subrequest()
    {
        return Err(throw_as(
            ctx,
            JsClass::Error,
            verge_js::meter::TOO_MANY_SUBREQUESTS,
        ));
    }
    Ok(())
}

/// A promise already settled with `r` (rejected with the exception an `Err` stands for).
fn settled<'js>(ctx: &Ctx<'js>, r: Result<Value<'js>>) -> Result<Promise<'js>> {
    match r {
        Ok(v) => {
            let (promise, resolve, _) = ctx.promise()?;
            resolve.call::<_, ()>((v,))?;
            Ok(promise)
        }
        Err(e) => verge_js::promise::rejected(ctx, e),
    }
}

fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(n), Some(v)) = (it.next(), it.next()) {
        out.push((n.to_ascii_lowercase(), v));
    }
    out
}

fn throw_cache(ctx: &Ctx<'_>, e: &CacheError) -> rquickjs::Error {
    if let CacheError::Storage(detail) = e {
        tracing::error!("cache: storage failure: {detail}");
    }
    throw(ctx, e)
}

/// A cache key must be an absolute http(s) URL (what workerd checks; its message for another
/// scheme is `fetch`'s). The `Request` it came from has parsed it already.
fn check_url(ctx: &Ctx<'_>, url: &str) -> Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else if url.contains(':') {
        Err(throw_cache(ctx, &CacheError::CannotLoad(url.to_string())))
    } else {
        Err(throw_cache(ctx, &CacheError::InvalidUrl))
    }
}

/// The headers a hit is served with: the stored ones, `cf-cache-status` and `age` replaced.
pub fn hit_headers(meta: &CacheMeta, status: &str, now_ms: u64) -> Vec<(String, String)> {
    let initial_age = policy::header(&meta.headers, "age")
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let age = initial_age + now_ms.saturating_sub(meta.stored_ms) / 1000;
    let mut headers: Vec<(String, String)> = meta
        .headers
        .iter()
        .filter(|(n, _)| n != "cf-cache-status" && n != "age")
        .cloned()
        .collect();
    headers.push(("age".into(), age.to_string()));
    headers.push(("cf-cache-status".into(), status.into()));
    headers
}

/// How a stored response answers: `(status, headers, body)`, the body `None` for a 304 or
/// 416, else the byte range served (`None` inside: all of it).
pub type Served = (u16, Vec<(String, String)>, Option<Option<(u64, u64)>>);

/// A stored response as it answers `request_headers` ([`Served`]).
pub fn answer_from(
    meta: &CacheMeta,
    size: u64,
    request_headers: &[(String, String)],
    status: &str,
    now_ms: u64,
) -> Served {
    let mut headers = hit_headers(meta, status, now_ms);
    match policy::answer(request_headers, meta.status, &meta.headers, size) {
        Answer::Full => {
            headers.retain(|(n, _)| n != "content-length");
            headers.push(("content-length".into(), size.to_string()));
            (meta.status, headers, Some(None))
        }
        Answer::NotModified => {
            headers.retain(|(n, _)| n != "content-length");
            (304, headers, None)
        }
        Answer::Partial { start, end } => {
            headers.retain(|(n, _)| n != "content-length" && n != "content-range");
            headers.push((
                "content-range".into(),
                format!("bytes {start}-{end}/{size}"),
            ));
            headers.push(("content-length".into(), (end - start + 1).to_string()));
            (206, headers, Some(Some((start, end))))
        }
        Answer::Unsatisfiable => {
            headers.retain(|(n, _)| n != "content-length" && n != "content-range");
            headers.push(("content-range".into(), format!("bytes */{size}")));
            (416, headers, None)
        }
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl CacheHost {
    /// The namespace of `caches.default`.
    #[qjs(get)]
    pub fn default_namespace(&self) -> &'static str {
        DEFAULT_NAMESPACE
    }

    /// The namespace of `caches.open(name)`; throws for a name too long.
    pub fn open(&self, ctx: Ctx<'_>, name: String) -> Result<String> {
        if name.len() >= MAX_CACHE_NAME_LEN {
            return Err(throw_cache(&ctx, &CacheError::NameTooLong));
        }
        Ok(named_namespace(&name))
    }

    /// `cache.match`: `[status, flatHeaders, body]` or `undefined`.
    #[qjs(rename = "match")]
    pub fn match_<'js>(
        &self,
        ctx: Ctx<'js>,
        ns: String,
        method: String,
        ignore_method: bool,
        url: String,
        headers: Vec<String>,
    ) -> Result<Promise<'js>> {
        let r = (|| -> Result<Value<'js>> {
            charge(&ctx)?;
            let undefined = Value::new_undefined(ctx.clone());
            if method != "GET" && !ignore_method {
                return Ok(undefined);
            }
            check_url(&ctx, &url)?;
            if url.len() > MAX_KEY_BYTES {
                return Ok(undefined);
            }
            let request_headers = pairs(headers);
            let found = self
                .cache
                .lookup(&ns, &url, &request_headers)
                .map_err(|e| throw_cache(&ctx, &e))?;
            let now = self.cache.now_ms();
            let Some(entry) = found.filter(|e| e.meta.fresh_until_ms > now) else {
                return Ok(undefined);
            };
            let (status, headers, body) =
                answer_from(&entry.meta, entry.body.len(), &request_headers, "HIT", now);
            let out = Array::new(ctx.clone())?;
            out.set(0, status)?;
            out.set(
                1,
                headers
                    .into_iter()
                    .flat_map(|(n, v)| [n, v])
                    .collect::<Vec<_>>(),
            )?;
            match body {
                Some(range) => out.set(
                    2,
                    Class::instance(ctx.clone(), BodyReader::new(body_stream(entry.body, range)))?,
                )?,
                None => out.set(2, Value::new_null(ctx.clone()))?,
            }
            Ok(out.into_value())
        })();
        settled(&ctx, r)
    }

    /// Throws (synchronously, as workerd) for `Response.error()`.
    pub fn check_response(&self, ctx: Ctx<'_>, kind: String) -> Result<()> {
        if kind == "error" {
            return Err(throw_cache(&ctx, &CacheError::ErrorResponse));
        }
        Ok(())
    }

    /// The checks `put` makes before it takes the body (rejecting its promise).
    pub fn check_put(
        &self,
        ctx: Ctx<'_>,
        method: String,
        status: u16,
        headers: Vec<String>,
        web_socket: bool,
    ) -> Result<()> {
        let e = if method != "GET" {
            Some(CacheError::NonGet)
        } else if status == 206 {
            Some(CacheError::PartialContent)
        } else if policy::vary_names(&pairs(headers)).is_none() {
            Some(CacheError::VaryStar)
        } else if web_socket {
            Some(CacheError::WebSocket)
        } else {
            None
        };
        match e {
            Some(e) => Err(throw_cache(&ctx, &e)),
            None => Ok(()),
        }
    }

    /// `cache.put`: stores the response (streaming its body) when it may be stored; resolves
    /// either way, as on Cloudflare. `then` is the captured `Promise.prototype.then` a JS
    /// body's pump waits with.
    #[allow(
        clippy::too_many_arguments,
        reason = "the parts of a request and a response, as js/cache.js passes them"
    )]
    pub fn put<'js>(
        &self,
        ctx: Ctx<'js>,
        ns: String,
        url: String,
        request_headers: Vec<String>,
        status: u16,
        headers: Vec<String>,
        body: Value<'js>,
        then: Function<'js>,
    ) -> Result<Promise<'js>> {
        let prepared = (|| {
            charge(&ctx)?;
            check_url(&ctx, &url)?;
            if url.len() > MAX_KEY_BYTES {
                return Err(throw_cache(
                    &ctx,
                    &CacheError::KeyTooLong {
                        len: url.len(),
                        max: MAX_KEY_BYTES,
                    },
                ));
            }
            let stream = verge_web::body::outgoing_stream(&ctx, body, then)?;
            Ok((stream, pairs(request_headers), pairs(headers)))
        })();
        let (stream, request_headers, headers) = match prepared {
            Ok(p) => p,
            Err(e) => return verge_js::promise::rejected(&ctx, e),
        };
        let cache = self.cache.clone();
        let ctx2 = ctx.clone();
        verge_js::promise::wrap_future(&ctx, async move {
            let stream = stream.unwrap_or_else(|| verge_web::fetch::once(Bytes::new()));
            let now = cache.now_ms();
            let meta = match policy::storable(status, &headers, now, false, None) {
                // Never served by match (no revalidation in the Cache API): not stored.
                Storable::Yes { freshness, .. } if freshness.ttl == 0 => None,
                Storable::Yes { headers, freshness } => {
                    let (fresh, keep) = freshness.times(now);
                    let vary = policy::vary_names(&headers).unwrap_or_default();
                    let (tags, ignored) = policy::cache_tags(&headers);
                    if ignored > 0 {
                        tracing::warn!(
                            url,
                            ignored,
                            "cache: Cache-Tag values over Cloudflare's limits were ignored"
                        );
                    }
                    Some((
                        CacheKey::new(&ns, &url, policy::variant(&vary, &request_headers)),
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
                    ))
                }
                Storable::No(_) => None,
            };
            match meta {
                Some((key, meta)) => {
                    cache.fill(key, meta, stream).await;
                }
                None => {
                    // Consumed all the same: put reads its body.
                    use futures::StreamExt;
                    let mut s = stream;
                    while let Some(Ok(_)) = s.next().await {}
                }
            }
            Ok::<_, rquickjs::Error>(Value::new_undefined(ctx2.clone()))
        })
    }

    /// `cache.delete`: whether an entry was removed.
    pub fn delete<'js>(
        &self,
        ctx: Ctx<'js>,
        ns: String,
        method: String,
        ignore_method: bool,
        url: String,
    ) -> Result<Promise<'js>> {
        let r = (|| -> Result<Value<'js>> {
            charge(&ctx)?;
            if method != "GET" && !ignore_method {
                return Ok(Value::new_bool(ctx.clone(), false));
            }
            check_url(&ctx, &url)?;
            if url.len() > MAX_KEY_BYTES {
                return Ok(Value::new_bool(ctx.clone(), false));
            }
            let removed = self
                .cache
                .delete(&ns, &url)
                .map_err(|e| throw_cache(&ctx, &e))?;
            Ok(Value::new_bool(ctx.clone(), removed))
        })();
        settled(&ctx, r)
    }

    /// `ctx.cache.purge(...)`: `{success, errors}`.
    pub fn purge<'js>(
        &self,
        ctx: Ctx<'js>,
        tags: Option<Vec<String>>,
        prefixes: Option<Vec<String>>,
        hosts: Option<Vec<String>>,
        urls: Option<Vec<String>>,
        everything: bool,
    ) -> Result<Promise<'js>> {
        let r = (|| -> Result<Value<'js>> {
            charge(&ctx)?;
            let mut purges = Vec::new();
            if everything {
                purges.push(Purge::Everything);
            }
            for (list, make) in [
                (tags, Purge::Tags as fn(Vec<String>) -> Purge),
                (prefixes, Purge::Prefixes),
                (hosts, Purge::Hosts),
                (urls, Purge::Urls),
            ] {
                if let Some(l) = list {
                    if l.len() > MAX_PURGE_ITEMS {
                        return Err(throw_cache(
                            &ctx,
                            &CacheError::BadPurge(format!(
                                "{} items (at most {MAX_PURGE_ITEMS})",
                                l.len()
                            )),
                        ));
                    }
                    purges.push(make(l));
                }
            }
            if purges.is_empty() {
                return Err(throw_cache(
                    &ctx,
                    &CacheError::BadPurge(
                        "name tags, pathPrefixes, hosts, urls or purgeEverything".into(),
                    ),
                ));
            }
            let out = Object::new(ctx.clone())?;
            let errors = Array::new(ctx.clone())?;
            for p in &purges {
                if let Err(e) = self.cache.purge(p) {
                    tracing::error!("cache: purge failed: {e}");
                    let err = Object::new(ctx.clone())?;
                    err.set("code", 10_000)?;
                    err.set("message", "purge failed")?;
                    errors.set(errors.len(), err)?;
                }
            }
            out.set("success", errors.is_empty())?;
            out.set("errors", errors)?;
            Ok(out.into_value())
        })();
        settled(&ctx, r)
    }
}
