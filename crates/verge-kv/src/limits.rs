//! Workers KV limits, with the values Cloudflare documents (workers-api.md §4).

/// Longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value, in bytes (25 MiB).
pub const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;
/// Largest metadata, as serialized JSON bytes.
pub const MAX_METADATA_BYTES: usize = 1024;
/// Smallest `expirationTtl`, and how far in the future `expiration` must be, in seconds.
pub const MIN_EXPIRATION_TTL_SECS: u64 = 60;
/// Smallest `cacheTtl` in seconds (docs say 60; the runtime and miniflare accept 30).
pub const MIN_CACHE_TTL_SECS: u64 = 30;
/// `cacheTtl` when none is given, in seconds.
pub const DEFAULT_CACHE_TTL_SECS: u64 = 60;
/// Most keys per `list` page, and the default page size.
pub const MAX_LIST_LIMIT: usize = 1000;
/// Most keys per bulk `get`.
pub const MAX_BULK_KEYS: usize = 100;
