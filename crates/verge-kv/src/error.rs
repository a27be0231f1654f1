//! KV errors, with the exact messages the Workers runtime produces (workers-api.md §4).

use verge_js::JsClass;
use verge_store::StoreError;

use crate::limits::{MAX_BULK_KEYS, MAX_LIST_LIMIT};

/// The operation named in `KV <OP> failed: …` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvOp {
    /// `get` / `getWithMetadata` of one key.
    Get,
    /// `get` / `getWithMetadata` of an array of keys.
    GetBulk,
    /// `put`.
    Put,
    /// `delete`.
    Delete,
    /// `list`. The runtime reports list failures as `KV GET failed` (list is a GET of the
    /// keys endpoint; miniflare's tests pin `KV GET failed: 400 Invalid key_count_limit …`),
    /// so this prints as `GET`.
    List,
}

impl KvOp {
    /// The name as it appears in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get | Self::List => "GET",
            Self::GetBulk => "GET_BULK",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for KvOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a KV operation can fail with. `Display` is the exact JS `message`;
/// [`KvError::js_class`] is the constructor.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The key is the empty string.
    #[error("Key name cannot be empty.")]
    EmptyKey,
    /// The key is `.` or `..`.
    #[error("\"{key}\" is not allowed as a key name.")]
    DotKey {
        /// `.` or `..`.
        key: String,
    },
    /// The key is longer than the limit in UTF-8 bytes.
    #[error("KV {op} failed: 414 UTF-8 encoded length of {len} exceeds key length limit of {max}.")]
    KeyTooLong {
        /// The operation.
        op: KvOp,
        /// The key's length in UTF-8 bytes.
        len: usize,
        /// [`MAX_KEY_BYTES`](crate::limits::MAX_KEY_BYTES).
        max: usize,
    },
    /// The key is not valid Unicode (a lone surrogate); the glue detects this.
    #[error("KV {op} failed: 400 Could not URL-decode key name")]
    KeyNotDecodable {
        /// The operation.
        op: KvOp,
    },
    /// A bulk key is empty, `.` or `..`.
    #[error("KV GET_BULK failed: 400 Key name {key} is not legal")]
    BulkKeyIllegal {
        /// The key.
        key: String,
    },
    /// A bulk get asked for no keys.
    #[error("KV GET_BULK failed: 400 You must request a minimum of 1 key")]
    BulkEmpty,
    /// A bulk get asked for too many keys.
    #[error("KV GET_BULK failed: 400 You can request a maximum of {max} keys")]
    BulkTooMany {
        /// Keys asked for.
        count: usize,
        /// [`MAX_BULK_KEYS`].
        max: usize,
    },
    /// `type` is not one of the four known names.
    #[error(
        "Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\"."
    )]
    UnknownType {
        /// The name given.
        given: String,
    },
    /// A bulk get asked for a type other than text or json.
    #[error("KV GET_BULK failed: 400 \"{given}\" is not a valid type. Use \"json\" or \"text\"")]
    BulkInvalidType {
        /// The name given.
        given: String,
    },
    /// `cacheTtl` below the minimum (or not a number).
    #[error("KV {op} failed: 400 Invalid cache_ttl of {ttl}. Cache TTL must be at least {min}.")]
    CacheTtlTooSmall {
        /// The operation.
        op: KvOp,
        /// The value as JS prints it.
        ttl: String,
        /// [`MIN_CACHE_TTL_SECS`](crate::limits::MIN_CACHE_TTL_SECS).
        min: u64,
    },
    /// `expirationTtl` is not a positive number.
    #[error(
        "KV PUT failed: 400 Invalid expiration_ttl of {ttl}. Please specify integer greater than 0."
    )]
    ExpirationTtlNotPositive {
        /// The value as JS prints it.
        ttl: String,
    },
    /// `expirationTtl` below the minimum.
    #[error(
        "KV PUT failed: 400 Invalid expiration_ttl of {ttl}. Expiration TTL must be at least {min}."
    )]
    ExpirationTtlTooSmall {
        /// The value as JS prints it.
        ttl: String,
        /// [`MIN_EXPIRATION_TTL_SECS`](crate::limits::MIN_EXPIRATION_TTL_SECS).
        min: u64,
    },
    /// `expiration` is not after now.
    #[error(
        "KV PUT failed: 400 Invalid expiration of {expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch."
    )]
    ExpirationInPast {
        /// The value as JS prints it.
        expiration: String,
    },
    /// `expiration` is less than the minimum ahead of now.
    #[error(
        "KV PUT failed: 400 Invalid expiration of {expiration}. Expiration times must be at least {min} seconds in the future."
    )]
    ExpirationTooSoon {
        /// The value as JS prints it.
        expiration: String,
        /// [`MIN_EXPIRATION_TTL_SECS`](crate::limits::MIN_EXPIRATION_TTL_SECS).
        min: u64,
    },
    /// Serialized metadata is too large.
    #[error("KV PUT failed: 413 Metadata length of {len} exceeds limit of {max}.")]
    MetadataTooLarge {
        /// Serialized length in bytes.
        len: usize,
        /// [`MAX_METADATA_BYTES`](crate::limits::MAX_METADATA_BYTES).
        max: usize,
    },
    /// The value is too large.
    #[error("KV PUT failed: 413 Value length of {len} exceeds limit of {max}.")]
    ValueTooLarge {
        /// Length in bytes.
        len: usize,
        /// [`MAX_VALUE_BYTES`](crate::limits::MAX_VALUE_BYTES).
        max: usize,
    },
    /// `list` limit below 1 (or not a number).
    #[error(
        "KV GET failed: 400 Invalid key_count_limit of {limit}. Please specify an integer greater than 0."
    )]
    ListLimitTooSmall {
        /// The value as JS prints it.
        limit: String,
    },
    /// `list` limit above the maximum.
    #[error(
        "KV GET failed: 400 Invalid key_count_limit of {limit}. Please specify an integer less than {max}."
    )]
    ListLimitTooLarge {
        /// The value as JS prints it.
        limit: String,
        /// [`MAX_LIST_LIMIT`].
        max: usize,
    },
    /// A `list` cursor this namespace did not produce.
    #[error("KV GET failed: 400 Invalid cursor")]
    InvalidCursor,
    /// The backend failed; the guest sees a generic 500.
    #[error("KV {op} failed: 500 Internal Server Error")]
    Backend {
        /// The operation.
        op: KvOp,
        /// What went wrong (logged, not shown to the guest).
        #[source]
        source: StoreError,
    },
    /// Stored metadata is not valid JSON (the file was edited or corrupted).
    #[error("KV {op} failed: 500 Internal Server Error")]
    CorruptMetadata {
        /// The operation.
        op: KvOp,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl KvError {
    /// The JS class this error is thrown as.
    pub fn js_class(&self) -> JsClass {
        match self {
            Self::EmptyKey | Self::DotKey { .. } | Self::UnknownType { .. } => JsClass::TypeError,
            Self::KeyTooLong { .. }
            | Self::KeyNotDecodable { .. }
            | Self::BulkKeyIllegal { .. }
            | Self::BulkEmpty
            | Self::BulkTooMany { .. }
            | Self::BulkInvalidType { .. }
            | Self::CacheTtlTooSmall { .. }
            | Self::ExpirationTtlNotPositive { .. }
            | Self::ExpirationTtlTooSmall { .. }
            | Self::ExpirationInPast { .. }
            | Self::ExpirationTooSoon { .. }
            | Self::MetadataTooLarge { .. }
            | Self::ValueTooLarge { .. }
            | Self::ListLimitTooSmall { .. }
            | Self::ListLimitTooLarge { .. }
            | Self::InvalidCursor
            | Self::Backend { .. }
            | Self::CorruptMetadata { .. } => JsClass::Error,
        }
    }

    /// Whether the guest is to blame (a validation failure) rather than verge's storage.
    pub fn is_guest_error(&self) -> bool {
        !matches!(self, Self::Backend { .. } | Self::CorruptMetadata { .. })
    }

    /// A bulk get asked for `count` keys: the right error, if any.
    pub(crate) fn check_bulk_count(count: usize) -> Result<(), Self> {
        match count {
            0 => Err(Self::BulkEmpty),
            n if n > MAX_BULK_KEYS => Err(Self::BulkTooMany {
                count: n,
                max: MAX_BULK_KEYS,
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn list_limit_too_large(limit: f64) -> Self {
        Self::ListLimitTooLarge {
            limit: js_number(limit),
            max: MAX_LIST_LIMIT,
        }
    }
}

/// Formats a number as JavaScript's `String(n)` does for the values that reach messages:
/// integers without a fraction, `NaN`, `Infinity`.
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "checked: integral and < 1e21"
        )]
        let i = n as i128;
        i.to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_prints_like_javascript() {
        assert_eq!(js_number(60.0), "60");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(59.5), "59.5");
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::INFINITY), "Infinity");
    }

    #[test]
    fn validation_errors_map_to_the_documented_classes() {
        assert_eq!(KvError::EmptyKey.js_class(), JsClass::TypeError);
        assert_eq!(
            KvError::DotKey { key: ".".into() }.js_class(),
            JsClass::TypeError
        );
        assert_eq!(KvError::InvalidCursor.js_class(), JsClass::Error);
    }
}
