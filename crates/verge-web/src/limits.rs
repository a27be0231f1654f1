//! Limits of the Web platform layer: named constants with the documented Workers value where
//! one exists.

/// Most bytes of response headers a worker may send, counted as on the wire
/// (`name: value\r\n`). Workers documents 128 KB for request headers
/// (<https://developers.cloudflare.com/workers/platform/limits/>, mirrored in verge's spec §14);
/// verge applies the same bound to what a worker answers.
pub const MAX_RESPONSE_HEADER_BYTES: usize = 128 * 1024;

/// Most header lines a worker's response may have (each `set-cookie` counts; other repeated
/// names are combined into one line first). Workers documents no count; this is verge's own
/// bound, far above real responses and well below the 32,768 entries past which the HTTP layer
/// (`http::HeaderMap`, used by hyper) panics, whatever the edge adds.
pub const MAX_RESPONSE_HEADERS: usize = 10_000;

/// Most bytes of a serialized RPC message (a service binding call's arguments). Workers
/// documents 32 MiB (<https://developers.cloudflare.com/workers/runtime-apis/rpc/>, verge's
/// spec §10).
pub const MAX_RPC_MESSAGE: usize = 32 << 20;
