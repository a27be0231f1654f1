//! Limits of the rewriter, with the values workerd uses (`src/workerd/api/html-rewriter.c++`).

/// Memory lol_html may use for one transform (its parsing buffers): workerd's 3 MiB. A
/// document that needs more (a start tag split over a huge buffer) fails with a parser error.
pub const MAX_MEMORY: usize = 3 * 1024 * 1024;

/// What lol_html preallocates for its parsing buffer (workerd's value).
pub const PREALLOCATED_BUFFER: usize = 1024;

/// The stack the rewriter runs on (workerd's fiber stack is 64 KiB; lol_html is not
/// recursive, and no JS ever runs on this stack). Pages are touched only as used.
pub const STACK_SIZE: usize = 256 * 1024;
