//! Migrations as wrangler runs them: `*.sql` files of a directory, applied in name order,
//! each in its own transaction together with its row in the migrations table.

use std::path::{Path, PathBuf};

use crate::database::{D1Database, D1Value};
use crate::error::D1Error;

/// A migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// File name, e.g. `0001_init.sql`; the key recorded in the table.
    pub name: String,
    /// Full path.
    pub path: PathBuf,
}

/// A migration file and whether it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The file.
    pub migration: Migration,
    /// `applied_at` from the table (SQLite `CURRENT_TIMESTAMP`), if applied.
    pub applied_at: Option<String>,
}

fn quote_table(table: &str) -> Result<String, D1Error> {
    if table.is_empty() || table.contains('\0') {
        return Err(D1Error::InvalidMigrationsTable {
            name: table.to_owned(),
        });
    }
    Ok(format!("\"{}\"", table.replace('"', "\"\"")))
}

fn ensure_table(db: &D1Database, table: &str) -> Result<String, D1Error> {
    let quoted = quote_table(table)?;
    db.backend()
        .execute_script(
            &format!(
                "CREATE TABLE IF NOT EXISTS {quoted} (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    name       TEXT UNIQUE,
                    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );"
            ),
            true,
            db.options().query_timeout,
        )
        .map_err(D1Error::from)?;
    Ok(quoted)
}

/// The `*.sql` files of `dir`, sorted by name. A missing directory has none.
#[allow(
    clippy::disallowed_methods,
    reason = "migration files are the project's source, read as wrangler reads them; no state"
)]
pub fn migration_files(dir: &Path) -> Result<Vec<Migration>, D1Error> {
    let io = |source| D1Error::MigrationIo {
        path: dir.to_owned(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_file() && name.ends_with(".sql") {
            out.push(Migration { name, path });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every migration file of `dir` with its applied state per `table` (created if missing).
pub fn migrations_list(
    db: &D1Database,
    dir: &Path,
    table: &str,
) -> Result<Vec<MigrationStatus>, D1Error> {
    let quoted = ensure_table(db, table)?;
    let applied =
        db.all(&db.prepare(format!("SELECT name, applied_at FROM {quoted} ORDER BY id")))?;
    let applied: Vec<(String, String)> = applied
        .rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [D1Value::Text(name), D1Value::Text(at)] => Some((name.clone(), at.clone())),
            _ => None,
        })
        .collect();
    Ok(migration_files(dir)?
        .into_iter()
        .map(|migration| {
            let applied_at = applied
                .iter()
                .find(|(name, _)| *name == migration.name)
                .map(|(_, at)| at.clone());
            MigrationStatus {
                migration,
                applied_at,
            }
        })
        .collect())
}

/// Applies every unapplied migration of `dir` in name order, each in one transaction with
/// its row in `table`; stops at the first failure (that one rolled back, earlier ones kept).
/// Returns the names applied.
#[allow(
    clippy::disallowed_methods,
    reason = "migration files are the project's source, read as wrangler reads them; no state"
)]
pub fn apply_migrations(db: &D1Database, dir: &Path, table: &str) -> Result<Vec<String>, D1Error> {
    let quoted = quote_table(table)?;
    let mut applied = Vec::new();
    for status in migrations_list(db, dir, table)? {
        if status.applied_at.is_some() {
            continue;
        }
        let Migration { name, path } = status.migration;
        let sql = std::fs::read_to_string(&path)
            .map_err(|source| D1Error::MigrationIo { path, source })?;
        let record = format!(
            "\n;\nINSERT INTO {quoted} (name) VALUES ('{}');",
            name.replace('\'', "''")
        );
        db.backend()
            .execute_script(&format!("{sql}{record}"), true, db.options().query_timeout)
            .map_err(|error| D1Error::Migration {
                name: name.clone(),
                error,
            })?;
        applied.push(name);
    }
    Ok(applied)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods, reason = "tests write migration files")]
mod tests {
    use super::*;
    use crate::limits::DEFAULT_MIGRATIONS_TABLE;
    use std::sync::Arc;
    use verge_store::sqlite::SqliteDatabase;

    fn db() -> D1Database {
        D1Database::new(Arc::new(SqliteDatabase::open_in_memory().expect("open")))
    }

    #[test]
    fn migrations_apply_in_name_order_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("0002_add.sql"),
            "INSERT INTO t VALUES (2);\n-- trailing comment",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("0001_init.sql"),
            "CREATE TABLE t (n INTEGER);\nINSERT INTO t VALUES (1)",
        )
        .expect("write");
        std::fs::write(dir.path().join("README.md"), "not a migration").expect("write");
        let db = db();
        let applied = apply_migrations(&db, dir.path(), DEFAULT_MIGRATIONS_TABLE).expect("apply");
        assert_eq!(applied, vec!["0001_init.sql", "0002_add.sql"]);
        assert!(
            apply_migrations(&db, dir.path(), DEFAULT_MIGRATIONS_TABLE)
                .expect("again")
                .is_empty()
        );
        let list = migrations_list(&db, dir.path(), DEFAULT_MIGRATIONS_TABLE).expect("list");
        assert_eq!(list.len(), 2);
        assert!(list.iter().all(|m| m.applied_at.is_some()));
        let sum = db
            .first_column(&db.prepare("SELECT sum(n) AS s FROM t"), "s")
            .expect("sum");
        assert_eq!(sum, D1Value::Integer(3));
    }

    #[test]
    fn a_failing_migration_is_rolled_back_and_stops_the_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("0001_ok.sql"), "CREATE TABLE a (n);").expect("write");
        std::fs::write(
            dir.path().join("0002_bad.sql"),
            "CREATE TABLE b (n);\nINSERT INTO nope VALUES (1);",
        )
        .expect("write");
        std::fs::write(dir.path().join("0003_never.sql"), "CREATE TABLE c (n);").expect("write");
        let db = db();
        let err = apply_migrations(&db, dir.path(), "custom_migrations").expect_err("fails");
        assert_eq!(
            err.to_string(),
            "migration 0002_bad.sql failed: no such table: nope: SQLITE_ERROR"
        );
        let tables = db
            .raw(&db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a','b','c') ORDER BY name"))
            .expect("tables");
        assert_eq!(tables.rows, vec![vec![D1Value::Text("a".into())]]);
        let list = migrations_list(&db, dir.path(), "custom_migrations").expect("list");
        let applied: Vec<bool> = list.iter().map(|m| m.applied_at.is_some()).collect();
        assert_eq!(applied, vec![true, false, false]);
    }
}
