//! Errors of the storage layer that are not the guest's fault.

/// A storage backend failed (I/O, corruption, a lost replica). Cores report these as
/// internal errors; they never carry a Workers-API validation message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The underlying SQLite call failed.
    #[error("sqlite error in {context}: {message}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// SQLite's message.
        message: String,
    },
    /// A filesystem operation failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An identifier that becomes part of a file name is not safe to use as one.
    #[error(
        "invalid database id {id:?}: only ASCII letters, digits, '-' and '_' are allowed (1 to {max} characters)"
    )]
    InvalidId {
        /// The rejected id.
        id: String,
        /// Longest accepted id.
        max: usize,
    },
    /// A file the store keeps is not in the format it wrote.
    #[error("{path}: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The store was closed (its owner was evicted or reset) and takes no more calls.
    #[error("the store is closed")]
    Closed,
    /// A mutex guarding a connection was poisoned by a panic in another thread.
    #[error("storage lock poisoned: a thread panicked while holding it")]
    Poisoned,
}

impl StoreError {
    pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |e| Self::Sqlite {
            context,
            message: e.to_string(),
        }
    }
}
