//! The crate's error type: every variant names the JavaScript class it becomes.

/// An error from a `crypto.subtle` operation.
///
/// Each variant maps to exactly one JavaScript class through [`CryptoError::dom_name`]:
/// a `DOMException` name, or `None` for a plain `TypeError` (what WebIDL conversion and
/// missing required dictionary members throw).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A WebIDL-level problem: a required member is missing, a value has the wrong type, or an
    /// enum string (key usage, key format) is not one the spec defines.
    #[error("{0}")]
    Type(String),
    /// The algorithm (or curve, hash, tag length, ...) is not implemented for this operation.
    #[error("{0}")]
    NotSupported(String),
    /// Usages are invalid for the algorithm, or empty where the spec requires some.
    #[error("{0}")]
    Syntax(String),
    /// The key cannot be used this way: wrong algorithm, missing usage, not extractable.
    #[error("{0}")]
    InvalidAccess(String),
    /// The key material or JWK is malformed or inconsistent with the requested algorithm.
    #[error("{0}")]
    Data(String),
    /// The operation itself failed: authentication failed, bad padding, invalid lengths.
    #[error("{0}")]
    Operation(String),
    /// The request this operation runs for has spent its CPU budget, so the operation was not
    /// started or was stopped part-way (RSA prime search, PBKDF2 rounds). Not an exception the
    /// guest sees: the JS layer ends the request as a CPU overrun instead.
    #[error("Worker exceeded CPU time limit.")]
    CpuExceeded,
}

impl CryptoError {
    /// The `DOMException` name this error is thrown as, or `None` for a `TypeError` (and for
    /// [`CryptoError::CpuExceeded`], which ends the request rather than being thrown).
    pub fn dom_name(&self) -> Option<&'static str> {
        match self {
            CryptoError::Type(_) | CryptoError::CpuExceeded => None,
            CryptoError::NotSupported(_) => Some("NotSupportedError"),
            CryptoError::Syntax(_) => Some("SyntaxError"),
            CryptoError::InvalidAccess(_) => Some("InvalidAccessError"),
            CryptoError::Data(_) => Some("DataError"),
            CryptoError::Operation(_) => Some("OperationError"),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

pub(crate) fn type_err(msg: impl Into<String>) -> CryptoError {
    CryptoError::Type(msg.into())
}
pub(crate) fn not_supported(msg: impl Into<String>) -> CryptoError {
    CryptoError::NotSupported(msg.into())
}
pub(crate) fn syntax(msg: impl Into<String>) -> CryptoError {
    CryptoError::Syntax(msg.into())
}
pub(crate) fn invalid_access(msg: impl Into<String>) -> CryptoError {
    CryptoError::InvalidAccess(msg.into())
}
pub(crate) fn data(msg: impl Into<String>) -> CryptoError {
    CryptoError::Data(msg.into())
}
pub(crate) fn operation(msg: impl Into<String>) -> CryptoError {
    CryptoError::Operation(msg.into())
}
