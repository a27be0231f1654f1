//! Queues errors, with the messages workerd and miniflare give (workers-api.md §8).

use verge_js::JsClass;
use verge_store::StoreError;

use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, MAX_DELAY_SECONDS, MAX_MESSAGE_BYTES};

/// Which producer call failed (it prefixes some messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOp {
    /// `send`.
    Send,
    /// `sendBatch`.
    SendBatch,
    /// `metrics`.
    Metrics,
}

impl std::fmt::Display for SendOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SendOp::Send => "send",
            SendOp::SendBatch => "sendBatch",
            SendOp::Metrics => "metrics",
        })
    }
}

/// Everything a producer call can fail with. `Display` is the JS `message`;
/// [`QueueError::js_class`] the constructor.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The body is `undefined`.
    #[error("Message body cannot be undefined")]
    UndefinedBody,
    /// `contentType` is not one of `json`, `text`, `bytes`, `v8`.
    #[error("Unsupported queue message content type: {0}")]
    UnsupportedContentType(String),
    /// The body does not fit the content type.
    #[error(
        "Content Type \"{content_type}\" requires a value of type {expected}, but received: {got}"
    )]
    WrongBodyType {
        /// `text` or `bytes`.
        content_type: &'static str,
        /// `string` or `ArrayBufferView`.
        expected: &'static str,
        /// `typeof` the body.
        got: String,
    },
    /// `JSON.stringify` gave nothing (a function, a symbol, `undefined` inside).
    #[error("Message body could not be serialized as JSON (JSON.stringify returned undefined)")]
    NotJson,
    /// `delaySeconds` is not a whole number of seconds in range.
    #[error(
        "Queue {op} failed: delaySeconds must be an integer from 0 to {MAX_DELAY_SECONDS}, got {got}"
    )]
    BadDelay {
        /// The call.
        op: SendOp,
        /// What was given.
        got: String,
    },
    /// `sendBatch([])`.
    #[error("sendBatch() requires at least one message")]
    EmptyBatch,
    /// A `send` body over the limit.
    #[error(
        "Queue send failed: message length of {len} bytes exceeds limit of {MAX_MESSAGE_BYTES}"
    )]
    MessageTooLarge {
        /// Encoded size.
        len: usize,
    },
    /// More than 100 messages in a batch.
    #[error(
        "Queue sendBatch failed: batch message count of {count} exceeds limit of {MAX_BATCH_MESSAGES}"
    )]
    TooManyMessages {
        /// Messages given.
        count: usize,
    },
    /// One message of a batch over the limit.
    #[error(
        "Queue sendBatch failed: message in batch has length {len} bytes which exceeds single message size limit of {MAX_MESSAGE_BYTES}"
    )]
    BatchMessageTooLarge {
        /// Its encoded size.
        len: usize,
    },
    /// A batch over 256 KB.
    #[error("Queue sendBatch failed: batch size of {len} bytes exceeds limit of {MAX_BATCH_BYTES}")]
    BatchTooLarge {
        /// Encoded size of all bodies.
        len: usize,
    },
    /// The store failed (not the worker's fault; logged, the worker sees a generic error).
    #[error("Queue {op} failed: Internal Server Error")]
    Store {
        /// The call.
        op: SendOp,
        /// What failed.
        #[source]
        source: StoreError,
    },
}

impl QueueError {
    /// The JS class the error becomes.
    pub fn js_class(&self) -> JsClass {
        match self {
            QueueError::UndefinedBody
            | QueueError::UnsupportedContentType(_)
            | QueueError::WrongBodyType { .. }
            | QueueError::NotJson
            | QueueError::BadDelay { .. }
            | QueueError::EmptyBatch => JsClass::TypeError,
            QueueError::MessageTooLarge { .. }
            | QueueError::TooManyMessages { .. }
            | QueueError::BatchMessageTooLarge { .. }
            | QueueError::BatchTooLarge { .. }
            | QueueError::Store { .. } => JsClass::Error,
        }
    }
}

impl verge_js::ToJsClass for QueueError {
    fn js_class(&self) -> JsClass {
        QueueError::js_class(self)
    }
}
