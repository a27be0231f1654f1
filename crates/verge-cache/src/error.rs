//! Cache errors, with the messages workerd throws (`src/workerd/api/cache.c++`).

use verge_js::{JsClass, ToJsClass};

/// Everything a cache operation can fail with. `Display` is the JS `message`;
/// [`CacheError::js_class`] the constructor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// `put` of `Response.error()`.
    #[error("Cache is unable to store an error response")]
    ErrorResponse,
    /// `put` for a request whose method is not GET.
    #[error("Cannot cache response to non-GET request.")]
    NonGet,
    /// `put` of a `206 Partial Content` response.
    #[error("Cannot cache response to a range request (206 Partial Content).")]
    PartialContent,
    /// `put` of a response with `Vary: *`.
    #[error("Cannot cache response with 'Vary: *' header.")]
    VaryStar,
    /// `put` of a WebSocket handshake response.
    #[error("Cannot cache WebSocket upgrade response.")]
    WebSocket,
    /// The key is not an absolute http(s) URL.
    #[error("Invalid URL. Cache API keys must be fully-qualified, valid URLs.")]
    InvalidUrl,
    /// The key's scheme is not http(s) (the message `fetch` gives).
    #[error("Fetch API cannot load: {0}")]
    CannotLoad(String),
    /// `caches.open` with a name of 1,024 characters or more.
    #[error("Cache name is too long.")]
    NameTooLong,
    /// A cache key longer than Cloudflare's URL limit.
    #[error(
        "Cache key is too long: {len} bytes (the limit is {max} bytes, Cloudflare's URL limit)."
    )]
    KeyTooLong {
        /// The key's length.
        len: usize,
        /// [`crate::limits::MAX_KEY_BYTES`].
        max: usize,
    },
    /// A purge request that is not one of Cloudflare's shapes.
    #[error("Invalid purge request: {0}")]
    BadPurge(String),
    /// The store failed (logged; the guest sees a generic message).
    #[error("Unable to reach the cache: internal error.")]
    Storage(String),
}

impl CacheError {
    /// The JS class the error is thrown as.
    pub fn js_class(&self) -> JsClass {
        match self {
            CacheError::ErrorResponse
            | CacheError::NonGet
            | CacheError::PartialContent
            | CacheError::VaryStar
            | CacheError::WebSocket
            | CacheError::InvalidUrl
            | CacheError::CannotLoad(_)
            | CacheError::NameTooLong
            | CacheError::KeyTooLong { .. }
            | CacheError::BadPurge(_) => JsClass::TypeError,
            CacheError::Storage(_) => JsClass::Error,
        }
    }
}

impl ToJsClass for CacheError {
    fn js_class(&self) -> JsClass {
        CacheError::js_class(self)
    }
}

impl From<verge_store::StoreError> for CacheError {
    fn from(e: verge_store::StoreError) -> Self {
        CacheError::Storage(e.to_string())
    }
}
