//! D1 errors, with the message prefixes D1 uses (workers-api.md §6).

use std::path::PathBuf;

use verge_js::JsClass;
use verge_store::SqlError;

/// Everything a D1 operation can fail with. `Display` is the exact JS `message`;
/// [`D1Error::cause_message`] is the message of the JS `cause`.
#[derive(Debug, thiserror::Error)]
pub enum D1Error {
    /// SQLite refused or failed the statement: `D1_ERROR: <message>: <SQLITE_CODE>`.
    #[error("D1_ERROR: {0}")]
    Sql(SqlError),
    /// A JS value of an unsupported type was bound.
    #[error("D1_TYPE_ERROR: Type '{type_name}' not supported for value '{value}'")]
    Type {
        /// The JS type (`undefined`, `object`, `bigint`, …).
        type_name: String,
        /// The value as JS prints it.
        value: String,
    },
    /// `first(column)` named a column the row does not have.
    #[error("D1_COLUMN_NOTFOUND: Column not found ({column})")]
    ColumnNotFound {
        /// The column asked for.
        column: String,
    },
    /// A line of `exec` failed; earlier lines stay applied.
    #[error("D1_EXEC_ERROR: Error in line {line}: {sql}: {error}")]
    Exec {
        /// 1-based line number within the trimmed input.
        line: usize,
        /// The line's text.
        sql: String,
        /// What SQLite said.
        error: SqlError,
    },
    /// A query ran past the query limit and was stopped ([`MAX_QUERY_DURATION`] or the
    /// database's lower limit). D1's message for a storage operation over its time limit
    /// (developers.cloudflare.com/d1/observability/debug-d1, "List of D1_ERRORs"); D1 then
    /// resets the database, verge stops only the query and the database stays usable.
    ///
    /// [`MAX_QUERY_DURATION`]: crate::limits::MAX_QUERY_DURATION
    #[error("D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.")]
    QueryTimeout,
    /// `dump` failed.
    #[error("D1_DUMP_ERROR: {0}")]
    Dump(SqlError),
    /// `withSession` got something that is neither a constraint nor a bookmark.
    #[error("D1_SESSION_ERROR: invalid bookmark or constraint")]
    InvalidSession {
        /// What was passed.
        given: String,
    },
    /// More bound values than D1 allows.
    #[error("D1_ERROR: too many SQL variables: {count} bound, limit is {max}: SQLITE_RANGE")]
    TooManyParams {
        /// Values bound.
        count: usize,
        /// [`MAX_BOUND_PARAMS`](crate::limits::MAX_BOUND_PARAMS).
        max: usize,
    },
    /// A statement longer than D1 allows.
    #[error("D1_ERROR: statement too long: {len} bytes, limit is {max}: SQLITE_TOOBIG")]
    StatementTooLong {
        /// Length in bytes.
        len: usize,
        /// [`MAX_STATEMENT_BYTES`](crate::limits::MAX_STATEMENT_BYTES).
        max: usize,
    },
    /// The migrations directory or a migration file could not be read.
    #[error("cannot read migrations at {path}: {source}")]
    MigrationIo {
        /// The directory or file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A migration failed and was rolled back; later ones were not attempted.
    #[error("migration {name} failed: {error}")]
    Migration {
        /// The migration file name.
        name: String,
        /// What SQLite said.
        error: SqlError,
    },
    /// The migrations table name cannot be used.
    #[error("invalid migrations table name {name:?}")]
    InvalidMigrationsTable {
        /// The name given.
        name: String,
    },
}

impl D1Error {
    /// The binding error the glue raises for a JS value D1 cannot store.
    pub fn type_error(type_name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Type {
            type_name: type_name.into(),
            value: value.into(),
        }
    }

    /// The JS class this error is thrown as (D1 throws plain `Error`s).
    pub fn js_class(&self) -> JsClass {
        match self {
            Self::Sql(_)
            | Self::Type { .. }
            | Self::ColumnNotFound { .. }
            | Self::Exec { .. }
            | Self::QueryTimeout
            | Self::Dump(_)
            | Self::InvalidSession { .. }
            | Self::TooManyParams { .. }
            | Self::StatementTooLong { .. }
            | Self::MigrationIo { .. }
            | Self::Migration { .. }
            | Self::InvalidMigrationsTable { .. } => JsClass::Error,
        }
    }

    /// The message of the `cause` D1 attaches (the inner error without the prefix), if any.
    pub fn cause_message(&self) -> Option<String> {
        match self {
            Self::Sql(e) | Self::Dump(e) => Some(e.to_string()),
            Self::Exec { line, sql, error } => {
                Some(format!("Error in line {line}: {sql}: {error}"))
            }
            _ => None,
        }
    }
}

/// The code a [`verge_store::SqlDatabase`] reports for a query stopped at its timeout.
const INTERRUPTED: &str = "SQLITE_INTERRUPT";

impl From<SqlError> for D1Error {
    fn from(e: SqlError) -> Self {
        if e.code == INTERRUPTED {
            Self::QueryTimeout
        } else {
            Self::Sql(e)
        }
    }
}

impl D1Error {
    /// The error for a failed `exec` line: D1's timeout as it is, anything else as
    /// `D1_EXEC_ERROR` naming the line.
    pub(crate) fn exec_line(line: usize, sql: &str, error: SqlError) -> Self {
        if error.code == INTERRUPTED {
            Self::QueryTimeout
        } else {
            Self::Exec {
                line,
                sql: sql.to_owned(),
                error,
            }
        }
    }
}
