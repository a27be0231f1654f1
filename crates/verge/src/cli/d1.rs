//! `verge d1 …`: local D1 databases, modeled on `wrangler d1`.
//!
//! Works on the same files `verge dev` uses (`SqliteDatabase::open_in(state dir, database_id)`),
//! through the D1 core.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use verge_d1::{
    D1Database, D1Result, D1Value, apply_migrations, format_table, migration_files,
    migrations_list, split_sql,
};
use verge_store::sqlite::SqliteDatabase;

use super::ProjectArgs;

/// `verge d1 …`
#[derive(clap::Subcommand, Debug)]
pub enum D1Command {
    /// Run SQL against a local database (all statements in one transaction).
    Execute {
        /// The database: its binding, `database_name` or `database_id`.
        name: String,
        /// SQL to run.
        #[arg(long, conflicts_with = "file", required_unless_present = "file")]
        command: Option<String>,
        /// A file of SQL to run.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print results as JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Accepted for wrangler compatibility: verge's databases are always local.
        #[arg(long)]
        local: bool,
    },
    /// Export a database as SQL text (schema and INSERTs), or as a SQLite file.
    Export {
        /// The database: its binding, `database_name` or `database_id`.
        name: String,
        /// Where to write.
        #[arg(long)]
        output: PathBuf,
        /// Write the SQLite file instead of SQL text.
        #[arg(long)]
        sqlite: bool,
        /// Accepted for wrangler compatibility.
        #[arg(long)]
        local: bool,
    },
    /// Migrations from the database's `migrations_dir`.
    #[command(subcommand)]
    Migrations(MigrationsCommand),
}

/// `verge d1 migrations …`
#[derive(clap::Subcommand, Debug)]
pub enum MigrationsCommand {
    /// List migrations and whether each was applied.
    List {
        /// The database: its binding, `database_name` or `database_id`.
        name: String,
        /// Accepted for wrangler compatibility.
        #[arg(long)]
        local: bool,
    },
    /// Apply every unapplied migration, in name order, each in its own transaction.
    Apply {
        /// The database: its binding, `database_name` or `database_id`.
        name: String,
        /// Accepted for wrangler compatibility.
        #[arg(long)]
        local: bool,
    },
    /// Create the next migration file, `NNNN_<message>.sql`.
    Create {
        /// The database: its binding, `database_name` or `database_id`.
        name: String,
        /// What the migration does; becomes part of the file name.
        message: String,
    },
}

/// Runs `verge d1 …`.
pub fn run(cmd: D1Command, project: &ProjectArgs) -> anyhow::Result<()> {
    match cmd {
        D1Command::Execute {
            name,
            command,
            file,
            json,
            local: _,
        } => {
            let sql = match (command, &file) {
                (Some(sql), _) => sql,
                (None, Some(file)) => std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?,
                (None, None) => bail!("give --command SQL or --file FILE"),
            };
            let (config, db) = open(project, &name)?;
            let statements = split_sql(&sql);
            if statements.is_empty() {
                bail!("no SQL statements to run");
            }
            let started = Instant::now();
            let stmts: Vec<_> = statements.iter().map(|s| db.prepare(s.as_str())).collect();
            let results = db
                .batch(&stmts)
                .with_context(|| format!("executing SQL on database {}", config.database_id))?;
            let mut out = std::io::stdout().lock();
            if json {
                let all: Vec<serde_json::Value> = results.iter().map(result_json).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
            } else {
                eprintln!(
                    "Executed {} command{} in {:.2}ms",
                    results.len(),
                    if results.len() == 1 { "" } else { "s" },
                    started.elapsed().as_secs_f64() * 1000.0
                );
                for r in &results {
                    if !r.columns.is_empty() {
                        write!(out, "{}", format_table(&r.columns, &r.rows))?;
                    }
                }
            }
        }
        D1Command::Export {
            name,
            output,
            sqlite,
            local: _,
        } => {
            let (config, db) = open(project, &name)?;
            let bytes = if sqlite {
                db.dump()
                    .with_context(|| format!("dumping database {}", config.database_id))?
            } else {
                sql_dump(&db)
                    .with_context(|| format!("exporting database {}", config.database_id))?
                    .into_bytes()
            };
            std::fs::write(&output, bytes)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "Exported database {} to {}",
                config.database_id,
                output.display()
            );
        }
        D1Command::Migrations(MigrationsCommand::List { name, local: _ }) => {
            let (config, db) = open(project, &name)?;
            let list = migrations_list(&db, &config.migrations_dir, &config.migrations_table)
                .with_context(|| {
                    format!("listing migrations in {}", config.migrations_dir.display())
                })?;
            if list.is_empty() {
                println!("No migrations in {}", config.migrations_dir.display());
                return Ok(());
            }
            let columns = vec!["name".to_owned(), "applied_at".to_owned()];
            let rows: Vec<Vec<D1Value>> = list
                .into_iter()
                .map(|m| {
                    vec![
                        D1Value::Text(m.migration.name),
                        m.applied_at
                            .map_or(D1Value::Text("(not applied)".into()), D1Value::Text),
                    ]
                })
                .collect();
            print!("{}", format_table(&columns, &rows));
        }
        D1Command::Migrations(MigrationsCommand::Apply { name, local: _ }) => {
            let (config, db) = open(project, &name)?;
            let applied = apply_migrations(&db, &config.migrations_dir, &config.migrations_table)
                .with_context(|| {
                format!(
                    "applying migrations from {}",
                    config.migrations_dir.display()
                )
            })?;
            if applied.is_empty() {
                println!("No migrations to apply.");
            }
            for name in applied {
                println!("Applied {name}");
            }
        }
        D1Command::Migrations(MigrationsCommand::Create { name, message }) => {
            let config = find(project, &name)?;
            let path = create_migration(&config.migrations_dir, &message)?;
            println!("Created migration {}", path.display());
        }
    }
    Ok(())
}

/// The configured database named `name` (binding, `database_name` or `database_id`).
fn find(project: &ProjectArgs, name: &str) -> anyhow::Result<verge_config::D1DatabaseBinding> {
    let loaded = project.load()?;
    let dbs = &loaded.config.d1_databases;
    if let Some(db) = dbs.iter().find(|db| {
        db.binding == name || db.database_name.as_deref() == Some(name) || db.database_id == name
    }) {
        return Ok(db.clone());
    }
    if dbs.is_empty() {
        bail!(
            "no D1 database {name:?} in {}: it configures no d1_databases",
            loaded.path.display()
        );
    }
    let names: Vec<String> = dbs
        .iter()
        .map(|db| match &db.database_name {
            Some(n) => format!("{} ({n})", db.binding),
            None => db.binding.clone(),
        })
        .collect();
    bail!(
        "no D1 database {name:?} in {} (looked at binding, database_name and database_id); configured: {}",
        loaded.path.display(),
        names.join(", ")
    )
}

fn open(
    project: &ProjectArgs,
    name: &str,
) -> anyhow::Result<(verge_config::D1DatabaseBinding, D1Database)> {
    let config = find(project, name)?;
    let state = project.state_dir();
    let backend = SqliteDatabase::open_in(&state, &config.database_id).with_context(|| {
        format!(
            "opening database {} in {}",
            config.database_id,
            state.display()
        )
    })?;
    Ok((config, D1Database::new(Arc::new(backend))))
}

fn value_json(v: &D1Value) -> serde_json::Value {
    match v {
        D1Value::Null => serde_json::Value::Null,
        D1Value::Integer(i) => (*i).into(),
        D1Value::Real(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        D1Value::Text(s) => s.clone().into(),
        D1Value::Blob(b) => b.iter().map(|&x| serde_json::Value::from(x)).collect(),
    }
}

/// A result as wrangler's `--json` prints it: `{results, success, meta}`.
fn result_json(r: &D1Result) -> serde_json::Value {
    let results: Vec<serde_json::Value> = r
        .rows
        .iter()
        .map(|row| {
            let mut obj = serde_json::Map::new();
            for (c, v) in r.columns.iter().zip(row) {
                obj.insert(c.clone(), value_json(v));
            }
            serde_json::Value::Object(obj)
        })
        .collect();
    let m = &r.meta;
    serde_json::json!({
        "results": results,
        "success": true,
        "meta": {
            "duration": m.duration,
            "changes": m.changes,
            "last_row_id": m.last_row_id,
            "changed_db": m.changed_db,
            "size_after": m.size_after,
            "rows_read": m.rows_read,
            "rows_written": m.rows_written,
            "served_by": m.served_by,
        }
    })
}

/// A SQL literal for `v`.
fn sql_literal(v: &D1Value) -> String {
    match v {
        D1Value::Null => "NULL".to_owned(),
        D1Value::Integer(i) => i.to_string(),
        D1Value::Real(f) if f.is_nan() => "NULL".to_owned(),
        D1Value::Real(f) if f.is_infinite() => if *f > 0.0 { "1e999" } else { "-1e999" }.to_owned(),
        // `{:?}` keeps a `.0` on whole numbers, so the value stays REAL when re-imported.
        D1Value::Real(f) => format!("{f:?}"),
        D1Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
        D1Value::Blob(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("X'{hex}'")
        }
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Schema and data as SQL text, like `wrangler d1 export`: tables with their rows first,
/// then indexes, views and triggers. Internal tables (`sqlite_*`, `_cf_*`) are left out.
fn sql_dump(db: &D1Database) -> anyhow::Result<String> {
    let objects = db.raw(&db.prepare(
        "SELECT type, name, sql FROM sqlite_master \
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
    ))?;
    let mut out = String::from("PRAGMA defer_foreign_keys=TRUE;\n");
    for row in &objects.rows {
        let [D1Value::Text(kind), D1Value::Text(name), D1Value::Text(sql)] = row.as_slice() else {
            continue;
        };
        out.push_str(sql);
        out.push_str(";\n");
        if kind == "table" && !sql.to_ascii_uppercase().starts_with("CREATE VIRTUAL") {
            let data = db.raw(&db.prepare(format!("SELECT * FROM {}", quote_ident(name))))?;
            let columns: Vec<String> = data.columns.iter().map(|c| quote_ident(c)).collect();
            for values in &data.rows {
                let literals: Vec<String> = values.iter().map(sql_literal).collect();
                out.push_str(&format!(
                    "INSERT INTO {} ({}) VALUES({});\n",
                    quote_ident(name),
                    columns.join(","),
                    literals.join(",")
                ));
            }
        }
    }
    Ok(out)
}

/// Creates `NNNN_<message>.sql` in `dir` (created if missing), numbered after the highest
/// existing migration.
fn create_migration(dir: &Path, message: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let existing = migration_files(dir).with_context(|| format!("reading {}", dir.display()))?;
    let next = existing
        .iter()
        .filter_map(|m| m.name.split('_').next().and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    let slug: String = message
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if slug.is_empty() {
        bail!("the migration message is empty");
    }
    let path = dir.join(format!("{next:04}_{slug}.sql"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "-- Migration number: {next:04}")
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
