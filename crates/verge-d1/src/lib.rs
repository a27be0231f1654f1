//! D1 for verge: the database core, its limits, errors, migrations and CLI table output.
//!
//! This crate owns D1 *semantics*: statement limits, results and `meta`, batches as one
//! transaction, newline-split `exec`, `dump`, Sessions-API bookmarks, `D1_*` error messages,
//! and wrangler-style migrations. It runs SQL through a [`verge_store::SqlDatabase`] and
//! never opens SQLite itself; it contains no JavaScript (the `D1Database` class is glue
//! over [`D1Database`] that converts JS values with [`D1Error::type_error`] for the rest).
//!
//! ```
//! use std::sync::Arc;
//! use verge_d1::{D1Database, D1Value};
//! use verge_store::sqlite::SqliteDatabase;
//!
//! let db = D1Database::new(Arc::new(SqliteDatabase::open_in_memory()?));
//! db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")?;
//! let insert = db.prepare("INSERT INTO users (name) VALUES (?)");
//! db.batch(&[insert.bind(vec!["ada".into()]), insert.bind(vec!["alan".into()])])?;
//! let count = db.first_column(&db.prepare("SELECT count(*) AS n FROM users"), "n")?;
//! assert_eq!(count, D1Value::Integer(2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod database;
pub mod error;
pub mod js;
pub mod limits;
pub mod migrations;
pub mod split;
pub mod table;
pub mod value;

pub use crate::database::{
    D1Database, D1ExecResult, D1Meta, D1Options, D1PreparedStatement, D1RawResult, D1Result, D1Row,
    D1Session, D1Value, format_bookmark, parse_bookmark,
};
pub use crate::error::D1Error;
pub use crate::js::D1Extension;
pub use crate::migrations::{
    Migration, MigrationStatus, apply_migrations, migration_files, migrations_list,
};
pub use crate::split::split_sql;
pub use crate::table::{display_value, format_table};
