//! Durable Object errors and the JS class each becomes.

use verge_js::{JsClass, ToJsClass};

/// A Durable Object operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DurableError {
    /// The storage backend failed.
    #[error("Durable Object storage: {0}")]
    Storage(String),
    /// The object was evicted or reset; its storage handle is closed.
    #[error("Durable Object storage: the object was evicted or reset; its storage is closed")]
    Closed,
    /// A storage commit failed.
    #[error("Durable Object storage commit failed: {0}")]
    Commit(String),
    /// A SQL statement failed (`message: CODE`, as `ctx.storage.sql` reports it).
    #[error("{message}: {code}")]
    Sql {
        /// SQLite's message.
        message: String,
        /// The result code name.
        code: String,
    },
    /// A `transactionSync` savepoint failed.
    #[error("{0}")]
    Savepoint(String),
    /// The worker version hosting the classes was replaced.
    #[error("the worker hosting this Durable Object was unloaded")]
    Unloaded,
    /// A namespace index the glue does not know (a verge bug).
    #[error("unknown Durable Object namespace {0}")]
    UnknownNamespace(usize),
    /// An id that is not a valid id of the namespace.
    #[error("{0}")]
    InvalidId(String),
    /// Too many tags on a hibernatable WebSocket.
    #[error("A WebSocket can have at most {max} tags; got {got}.")]
    TooManyTags {
        /// Tags given.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// A tag over the length limit.
    #[error("WebSocket tags must be at most {max} characters; got {got}.")]
    TagTooLong {
        /// Its length.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// An attachment over the size limit.
    #[error("A WebSocket attachment may be at most {max} bytes serialized; got {got}.")]
    AttachmentTooLarge {
        /// Its size.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The socket was already handed to a client or accepted.
    #[error("This WebSocket is already connected.")]
    AlreadyConnected,
    /// `send()` with something other than a string or bytes.
    #[error("WebSocket send() expects a string or bytes")]
    BadMessage,
    /// A SQL binding of a type SQL cannot store.
    #[error("Unsupported SQL binding type: {0}")]
    BadBinding(String),
}

impl ToJsClass for DurableError {
    fn js_class(&self) -> JsClass {
        match self {
            DurableError::Storage(_)
            | DurableError::Closed
            | DurableError::Commit(_)
            | DurableError::Sql { .. }
            | DurableError::Savepoint(_)
            | DurableError::Unloaded => JsClass::Error,
            DurableError::UnknownNamespace(_)
            | DurableError::InvalidId(_)
            | DurableError::AlreadyConnected
            | DurableError::BadMessage
            | DurableError::BadBinding(_) => JsClass::TypeError,
            DurableError::TooManyTags { .. }
            | DurableError::TagTooLong { .. }
            | DurableError::AttachmentTooLarge { .. } => JsClass::RangeError,
        }
    }
}
