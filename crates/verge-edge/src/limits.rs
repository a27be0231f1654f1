//! The edge's limits on clients, with the value and where it comes from.

use std::time::Duration;

/// How long a client may take to send a request's headers — counted from when the connection
/// is ready for the next request, so it is also how long an idle HTTP/1.1 keep-alive
/// connection stays open (hyper's default; nginx's `client_header_timeout` is 60 s).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// HTTP/2 keep-alive pings: an unanswered ping this long after it was sent closes the
/// connection (a peer that vanished does not hold a descriptor forever).
pub const H2_KEEP_ALIVE: Duration = Duration::from_secs(20);

/// Most concurrent HTTP/2 streams per connection (Cloudflare and nginx: 128).
pub const H2_MAX_STREAMS: u32 = 128;

/// Largest request head (request line and headers) accepted (Cloudflare: 128 KB of headers).
/// HTTP/1.1 requests may also carry at most 100 headers (hyper's limit: parsing room for more
/// is allocated for every request, ≈4 µs each at 256).
pub const MAX_REQUEST_HEADER_BYTES: usize = 128 * 1024;

/// Longest wait between retries of a failing `accept()` (out of descriptors or memory).
pub const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// At most one log line per this period for a repeating accept failure.
pub const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(5);

/// The default connection limit for a process allowed `nofile` open files: half of them, the
/// rest left for state files, subrequests and Durable Objects (at least 64).
pub fn default_max_connections(nofile: u64) -> usize {
    ((nofile / 2) as usize).max(64)
}

/// What the edge allows a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// Open connections at once, over all threads; past it new ones wait in the backlog.
    pub max_connections: usize,
    /// See [`DEFAULT_HEADER_TIMEOUT`].
    pub header_timeout: Duration,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            max_connections: default_max_connections(1024),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
        }
    }
}
