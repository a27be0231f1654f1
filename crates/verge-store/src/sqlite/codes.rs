//! SQLite primary result code names (`SQLITE_ERROR`, ...), as D1 prints them after the message.

use crate::sql::SqlError;

/// The name of a primary result code (the low 8 bits of an extended code).
pub(crate) fn primary_code_name(extended_code: i32) -> &'static str {
    match extended_code & 0xff {
        0 => "SQLITE_OK",
        1 => "SQLITE_ERROR",
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        12 => "SQLITE_NOTFOUND",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        15 => "SQLITE_PROTOCOL",
        16 => "SQLITE_EMPTY",
        17 => "SQLITE_SCHEMA",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        22 => "SQLITE_NOLFS",
        23 => "SQLITE_AUTH",
        24 => "SQLITE_FORMAT",
        25 => "SQLITE_RANGE",
        26 => "SQLITE_NOTADB",
        27 => "SQLITE_NOTICE",
        28 => "SQLITE_WARNING",
        100 => "SQLITE_ROW",
        101 => "SQLITE_DONE",
        _ => "SQLITE_ERROR",
    }
}

/// Converts a rusqlite error into the message/code pair D1 reports.
pub(crate) fn to_sql_error(err: rusqlite::Error) -> SqlError {
    match err {
        rusqlite::Error::SqliteFailure(inner, message) => {
            let message = message.unwrap_or_else(|| inner.to_string());
            SqlError::new(message, primary_code_name(inner.extended_code))
        }
        // rusqlite's Display adds the whole statement (`… in <sql> at offset N`); D1 reports
        // only the position: `near "SELEC": syntax error at offset 0`.
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => SqlError::new(
            format!("{msg} at offset {offset}"),
            primary_code_name(error.extended_code),
        ),
        rusqlite::Error::MultipleStatement => SqlError::new(
            "A prepared SQL statement must contain only one statement.",
            "SQLITE_ERROR",
        ),
        rusqlite::Error::InvalidParameterCount(given, expected) => SqlError::new(
            format!(
                "Wrong number of parameter bindings for SQL query (got {given}, expected {expected})."
            ),
            "SQLITE_RANGE",
        ),
        rusqlite::Error::Utf8Error(_) | rusqlite::Error::FromSqlConversionFailure(..) => {
            SqlError::new(err.to_string(), "SQLITE_MISMATCH")
        }
        rusqlite::Error::ToSqlConversionFailure(_) => {
            SqlError::new(err.to_string(), "SQLITE_TOOBIG")
        }
        other => SqlError::new(other.to_string(), "SQLITE_ERROR"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_codes_map_to_their_primary_name() {
        // SQLITE_CONSTRAINT_PRIMARYKEY = 19 | (6 << 8)
        assert_eq!(primary_code_name(19 | (6 << 8)), "SQLITE_CONSTRAINT");
        assert_eq!(primary_code_name(1), "SQLITE_ERROR");
    }

    #[test]
    fn syntax_errors_name_the_offset_but_not_the_statement() {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        let err = to_sql_error(conn.prepare("SELEC 1").expect_err("syntax error"));
        assert_eq!(err.message, "near \"SELEC\": syntax error at offset 0");
        assert_eq!(err.code, "SQLITE_ERROR");
    }
}
