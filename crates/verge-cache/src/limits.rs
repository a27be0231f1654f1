//! Cloudflare's cache limits, as named constants with their documented values.

/// The largest object the cache stores (Cloudflare: 512 MB on Free, Pro and Business plans).
/// A larger body is not stored; `cache.put` still resolves, as on Cloudflare (the cache
/// answers such a put with 413, which the runtime does not surface).
pub const MAX_OBJECT_BYTES: u64 = 512 << 20;

/// A cache name given to `caches.open` must be shorter than this (workerd:
/// `Cache name is too long.`).
pub const MAX_CACHE_NAME_LEN: usize = 1024;

/// The longest cache key (URL or `cf.cacheKey`) in bytes: Cloudflare's URL limit (16 KB).
pub const MAX_KEY_BYTES: usize = 16 << 10;

/// The aggregate length of a response's `Cache-Tag` values (Cloudflare: 16 KB after the field
/// name, about 1,000 tags); tags past it are ignored.
pub const MAX_CACHE_TAG_BYTES: usize = 16 << 10;

/// The longest single tag, in bytes (Cloudflare: 1,024); longer tags are ignored.
pub const MAX_TAG_BYTES: usize = 1024;

/// Items (URLs, tags, prefixes, hosts) one purge request may name.
pub const MAX_PURGE_ITEMS: usize = 10_000;

/// The largest purge request body the admin endpoint reads.
pub const MAX_PURGE_BODY_BYTES: usize = 1 << 20;

/// Default edge TTLs when a response says nothing (Cloudflare's defaults): 200, 206, 301.
pub const DEFAULT_TTL_OK_SECS: u64 = 120 * 60;
/// 302, 303.
pub const DEFAULT_TTL_REDIRECT_SECS: u64 = 20 * 60;
/// 404, 410.
pub const DEFAULT_TTL_GONE_SECS: u64 = 3 * 60;

/// How long concurrent misses for one key wait for the request that is filling it before
/// going to the origin themselves.
pub const COALESCE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Bytes read from a body file per chunk when serving from disk.
pub const READ_CHUNK_BYTES: usize = 256 << 10;
