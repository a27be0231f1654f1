//! Cloudflare's limits for static assets (workers-shared's constants, as wrangler applies them).

/// Most files in a worker version's assets (a deploy with more fails; verge warns).
pub const MAX_ASSET_COUNT: usize = 100_000;
/// Largest asset file, 25 MiB (a deploy with a larger one fails; verge warns and serves it).
pub const MAX_ASSET_SIZE: u64 = 25 * 1024 * 1024;
/// Longest line of `_headers` or `_redirects`; longer lines are ignored.
pub const MAX_LINE_LENGTH: usize = 2_000;
/// Most rules (paths) in `_headers`; the rest of the file is ignored.
pub const MAX_HEADER_RULES: usize = 100;
/// Most static (no splat, no placeholder) rules in `_redirects`; more are ignored.
pub const MAX_STATIC_REDIRECT_RULES: usize = 2_000;
/// Most dynamic rules in `_redirects`; the rest of the file is ignored.
pub const MAX_DYNAMIC_REDIRECT_RULES: usize = 100;
/// Files up to this size are read whole on the isolate thread; larger ones are streamed.
pub const INLINE_MAX: u64 = 256 * 1024;
/// Chunk size of a streamed file.
pub const STREAM_CHUNK: usize = 64 * 1024;
/// Compressible files up to this size are compressed on the fly (the result is cached);
/// larger ones are sent as they are.
pub const COMPRESS_MAX: u64 = 1024 * 1024;
/// Smallest body worth compressing.
pub const COMPRESS_MIN: u64 = 256;
/// Memory for the content of small files (at most [`INLINE_MAX`] each) kept per worker version.
pub const CONTENT_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Memory for compressed bodies kept per worker version.
pub const COMPRESSED_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Invalid lines of `_headers` / `_redirects` named one by one in warnings; the rest are
/// counted.
pub const MAX_LISTED_PROBLEMS: usize = 10;
