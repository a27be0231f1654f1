//! D1 limits, with the values Cloudflare documents (workers-api.md §6).

use std::time::Duration;

/// Most bound parameters per statement.
pub const MAX_BOUND_PARAMS: usize = 100;
/// Longest statement, in bytes (100 KB).
pub const MAX_STATEMENT_BYTES: usize = 100_000;
/// Longest a query may run (D1: 30 s). A statement, batch or `exec` line still running then
/// is stopped and fails with [`D1Error::QueryTimeout`](crate::D1Error::QueryTimeout).
/// [`D1Options::query_timeout`](crate::D1Options::query_timeout) may set a lower limit.
pub const MAX_QUERY_DURATION: Duration = Duration::from_secs(30);
/// `meta.served_by` of verge's SQLite backend.
pub const SERVED_BY_SQLITE: &str = "verge-sqlite";
/// The table wrangler records applied migrations in, unless configured otherwise.
pub const DEFAULT_MIGRATIONS_TABLE: &str = "d1_migrations";
