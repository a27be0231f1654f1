//! The SQL sandbox: what SQL written by a worker may do, decided where SQLite decides.
//!
//! Every connection that runs a worker's SQL (D1 databases, SQLite-backed Durable Objects) is
//! a [`SandboxedConnection`]. It installs an **authorizer** (`sqlite3_set_authorizer`), which
//! SQLite consults for every action of every statement while compiling it: however the text
//! is written (comments, a leading `;`, several statements, mixed case), and including the
//! bodies of triggers and views when a statement that uses them is compiled. Nothing here
//! looks at keywords. The rules follow workerd's `SqliteDatabase::isAuthorized`
//! (`src/workerd/util/sqlite.c++`), which both Durable Object SQL and D1 run on, and are
//! allow-lists: an action, PRAGMA or function not listed is refused.
//!
//! - Only the `main` database: `ATTACH`, `DETACH` (and so `VACUUM INTO`, which attaches its
//!   target) and `TEMP` objects are refused; `SQLITE_LIMIT_ATTACHED` is 0 as well.
//! - No transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`): verge
//!   owns transactions (D1 batches, Durable Object turns and `transactionSync`).
//! - Tables, indexes, triggers and views named `_cf_*` (any case) are verge's: reading,
//!   writing, creating or dropping them is refused.
//! - PRAGMAs: the read-only and harmless ones Workers allow ([`PRAGMAS`]), with their
//!   argument checked.
//! - Functions: the core, date, aggregate, window, math, JSON and FTS5 functions Workers
//!   allow ([`FUNCTIONS`]); `load_extension`, `sqlite_version`, … are refused.
//! - Virtual tables: FTS5 only.
//!
//! The connection also runs in `SQLITE_DBCONFIG_DEFENSIVE` mode (no `writable_schema`, no
//! shadow-table writes) and with run-time limits ([`D1_LIMITS`], [`DURABLE_OBJECT_LIMITS`]).
//! `SQLITE_DBCONFIG_TRUSTED_SCHEMA` stays on, as in workerd (see [`SandboxedConnection::new`]).
//!
//! **verge's own statements** (commits, savepoints for `transactionSync`, schema setup, the
//! D1 commit sequence) run inside [`SandboxedConnection::trusted`], which lets every action
//! through except other databases, and except the bodies of triggers and views (those are
//! a worker's SQL wherever they run). The flag is set only for the duration of the closure;
//! a worker's statement is always compiled and stepped outside it (statements verge caches
//! are verge's own, and SQLite re-compiles a cached statement only while it is stepped).
//!
//! **Runaway SQL.** [`SandboxedConnection::watch`] installs a progress handler that SQLite
//! calls every [`PROGRESS_OPS`] virtual-machine steps while statements run; when it says
//! stop, the statement fails with `SQLITE_INTERRUPT` ("interrupted").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, InterruptHandle};

use super::codes::to_sql_error;
use crate::StoreError;
use crate::sql::SqlError;

/// Whose rules a connection follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// A D1 database.
    D1,
    /// A SQLite-backed Durable Object.
    DurableObject,
}

/// The message Workers give for `BEGIN`, `COMMIT`, `SAVEPOINT`, … in Durable Object SQL and
/// in D1 (workerd's text, as `miniflare` 4.20260730 prints it for both).
pub const TRANSACTION_DENIED: &str = "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.";

/// Virtual-machine steps between two checks of whether a running statement must stop.
pub const PROGRESS_OPS: i32 = 1_000;

/// SQLite run-time limits of a D1 connection: D1's documented limits (workers-api.md §6) where
/// D1 documents one, workerd's `setupSecurity` values otherwise. A statement over a limit fails
/// with SQLite's own message (`string or blob too big`, `too many columns in result set`, …).
/// The statement length and the bound-parameter count are also checked by the D1 core;
/// `SQLITE_LIMIT_SQL_LENGTH` is higher than D1's 100 KB statement limit because a script
/// (a migration file) is compiled as one text.
pub const D1_LIMITS: &[(Limit, i32)] = &[
    // Largest string, BLOB or row: 2,000,000 bytes.
    (Limit::SQLITE_LIMIT_LENGTH, 2_000_000),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000_000),
    // Columns in a table, index, view or result set.
    (Limit::SQLITE_LIMIT_COLUMN, 100),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 5),
    // Arguments of an SQL function.
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 32),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    // Length of a LIKE or GLOB pattern, in bytes.
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    // Bound parameters (`?NNN` up to 100).
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 10),
    (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
];

/// SQLite run-time limits of a Durable Object connection: workerd's `setupSecurity` values
/// (workers-api.md §5: 100 KB statement, 100 columns, 100 bound parameters; the row limit
/// leaves room for a 2 MB KV value and its key).
pub const DURABLE_OBJECT_LIMITS: &[(Limit, i32)] = &[
    (Limit::SQLITE_LIMIT_LENGTH, 2_200_000),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
    (Limit::SQLITE_LIMIT_COLUMN, 100),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 5),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 127),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 10),
    (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
];

/// The functions a worker's SQL may call (workerd's `ALLOWED_SQLITE_FUNCTIONS`, without
/// `load_extension`: Workers let the name through and rely on extension loading being off,
/// verge refuses it outright). SQLite reports function names in lower case.
pub const FUNCTIONS: &[&str] = &[
    // https://www.sqlite.org/lang_corefunc.html
    "abs",
    "changes",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "format",
    "glob",
    "hex",
    "ifnull",
    "iif",
    "instr",
    "last_insert_rowid",
    "length",
    "like",
    "likelihood",
    "likely",
    "lower",
    "ltrim",
    "max_scalar",
    "min_scalar",
    "nullif",
    "octet_length",
    "printf",
    "quote",
    "random",
    "randomblob",
    "replace",
    "round",
    "rtrim",
    "sign",
    "soundex",
    "substr",
    "substring",
    "total_changes",
    "trim",
    "typeof",
    "unhex",
    "unicode",
    "unlikely",
    "upper",
    "zeroblob",
    // https://www.sqlite.org/lang_datefunc.html
    "date",
    "time",
    "datetime",
    "julianday",
    "unixepoch",
    "strftime",
    "timediff",
    "current_date",
    "current_time",
    "current_timestamp",
    // https://www.sqlite.org/lang_aggfunc.html
    "avg",
    "count",
    "group_concat",
    "max",
    "min",
    "string_agg",
    "sum",
    "total",
    // https://www.sqlite.org/windowfunctions.html#biwinfunc
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    // https://www.sqlite.org/lang_mathfunc.html
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "cos",
    "cosh",
    "degrees",
    "exp",
    "floor",
    "ln",
    "log",
    "log2",
    "mod",
    "pi",
    "pow",
    "radians",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "trunc",
    // https://www.sqlite.org/json1.html
    "json",
    "json_array",
    "json_array_length",
    "json_extract",
    "->",
    "->>",
    "json_insert",
    "json_object",
    "json_patch",
    "json_remove",
    "json_replace",
    "json_set",
    "json_type",
    "json_valid",
    "json_quote",
    "json_group_array",
    "json_group_object",
    "json_each",
    "json_tree",
    // https://www.sqlite.org/fts5.html
    "match",
    "highlight",
    "bm25",
    "snippet",
    // Run by ALTER TABLE (https://sqlite.org/src/file?name=src/alter.c).
    "sqlite_rename_column",
    "sqlite_rename_table",
    "sqlite_rename_test",
    "sqlite_drop_column",
    "sqlite_rename_quotefix",
];

/// What a PRAGMA's argument may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PragmaArg {
    /// No argument (a read).
    None,
    /// Absent (a read) or a boolean.
    Boolean,
    /// The name of a table or index the worker may use.
    Object,
    /// Absent, or the name of a table or index the worker may use.
    OptionalObject,
    /// Absent or an integer.
    OptionalNumber,
    /// Absent, an integer, or the name of a table or index the worker may use.
    OptionalNumberOrObject,
    /// Anything (`table_list` lists internal tables' names, which are no secret).
    Any,
}

/// The PRAGMAs a worker's SQL may run (workerd's `ALLOWED_PRAGMAS` plus `table_list`,
/// `table_info` and `table_xinfo`, which it special-cases; D1 documents the same set).
const PRAGMAS: &[(&str, PragmaArg)] = &[
    ("data_version", PragmaArg::None),
    ("case_sensitive_like", PragmaArg::Boolean),
    ("foreign_keys", PragmaArg::Boolean),
    ("defer_foreign_keys", PragmaArg::Boolean),
    ("ignore_check_constraints", PragmaArg::Boolean),
    ("legacy_alter_table", PragmaArg::Boolean),
    ("recursive_triggers", PragmaArg::Boolean),
    ("reverse_unordered_selects", PragmaArg::Boolean),
    ("foreign_key_check", PragmaArg::OptionalObject),
    ("foreign_key_list", PragmaArg::Object),
    ("index_info", PragmaArg::Object),
    ("index_list", PragmaArg::Object),
    ("index_xinfo", PragmaArg::Object),
    ("table_info", PragmaArg::Object),
    ("table_xinfo", PragmaArg::Object),
    ("table_list", PragmaArg::Any),
    ("quick_check", PragmaArg::OptionalNumberOrObject),
    ("optimize", PragmaArg::OptionalNumber),
];

/// Eponymous virtual tables verge's SQLite build has and Workers' does not: `dbstat` reports
/// the pages of every table, verge's included.
const HIDDEN_TABLES: &[&str] = &["dbstat"];

/// The authorizer's answer, with the reason when it matters for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Allow,
    Deny,
    /// Refused transaction control: the error becomes [`TRANSACTION_DENIED`].
    DenyTransaction,
}

/// Whether a worker may name this table, index, trigger or view.
fn allowed_name(name: &str) -> bool {
    let reserved = name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("_cf_"));
    !reserved
        && !HIDDEN_TABLES
            .iter()
            .any(|hidden| name.eq_ignore_ascii_case(hidden))
}

fn unquote(value: &str) -> &str {
    let b = value.as_bytes();
    match (b.first(), b.last()) {
        (Some(q @ (b'\'' | b'"')), Some(e)) if b.len() >= 2 && q == e => &value[1..value.len() - 1],
        _ => value,
    }
}

fn is_boolean(value: &str) -> bool {
    ["1", "0", "true", "false", "yes", "no", "on", "off"]
        .iter()
        .any(|b| unquote(value).eq_ignore_ascii_case(b))
}

fn is_integer(value: &str) -> bool {
    let v = unquote(value);
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let hex = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .map(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex.unwrap_or_else(|| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

fn pragma_allowed(name: &str, value: Option<&str>) -> bool {
    let Some(&(_, arg)) = PRAGMAS.iter().find(|(p, _)| name.eq_ignore_ascii_case(p)) else {
        return false;
    };
    match (arg, value) {
        (PragmaArg::Any, _) => true,
        (PragmaArg::None, v) => v.is_none(),
        (
            PragmaArg::Boolean
            | PragmaArg::OptionalObject
            | PragmaArg::OptionalNumber
            | PragmaArg::OptionalNumberOrObject,
            None,
        ) => true,
        (PragmaArg::Object, None) => false,
        (PragmaArg::Boolean, Some(v)) => is_boolean(v),
        (PragmaArg::Object | PragmaArg::OptionalObject, Some(v)) => allowed_name(unquote(v)),
        (PragmaArg::OptionalNumber, Some(v)) => is_integer(v),
        (PragmaArg::OptionalNumberOrObject, Some(v)) => is_integer(v) || allowed_name(unquote(v)),
    }
}

fn verdict(allowed: bool) -> Verdict {
    if allowed {
        Verdict::Allow
    } else {
        Verdict::Deny
    }
}

/// The rules: one action of a statement being compiled, in trusted mode (verge's own SQL)
/// or not.
fn authorize(trusted: bool, ctx: &AuthContext<'_>) -> Verdict {
    let action = &ctx.action;
    // One database file, whoever asks.
    if matches!(
        action,
        AuthAction::Attach { .. } | AuthAction::Detach { .. }
    ) {
        return Verdict::Deny;
    }
    match ctx.database_name {
        None | Some("main") => {}
        // Only reads and updates of what the statement itself compiled there (SQLite's own
        // bookkeeping); no temporary objects can be made in the first place.
        Some("temp") => {
            return match action {
                AuthAction::Read { table_name, .. } | AuthAction::Update { table_name, .. } => {
                    verdict(allowed_name(table_name))
                }
                _ => Verdict::Deny,
            };
        }
        Some(_) => return Verdict::Deny,
    }
    // A trigger or view body is a worker's SQL even inside one of verge's statements.
    if trusted && ctx.accessor.is_none() {
        return Verdict::Allow;
    }
    match *action {
        AuthAction::Select | AuthAction::Recursive => Verdict::Allow,
        // `PRAGMA optimize` runs ANALYZE over every table; the statistics it writes hold no
        // data (workerd allows it for the same reason).
        AuthAction::Analyze { .. } => Verdict::Allow,
        AuthAction::Read { table_name, .. }
        | AuthAction::Update { table_name, .. }
        | AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::CreateTable { table_name }
        | AuthAction::DropTable { table_name }
        | AuthAction::AlterTable { table_name, .. } => verdict(allowed_name(table_name)),
        AuthAction::CreateView { view_name } | AuthAction::DropView { view_name } => {
            verdict(allowed_name(view_name))
        }
        AuthAction::Reindex { index_name } => verdict(allowed_name(index_name)),
        AuthAction::CreateIndex {
            index_name,
            table_name,
        }
        | AuthAction::DropIndex {
            index_name,
            table_name,
        } => verdict(allowed_name(index_name) && allowed_name(table_name)),
        AuthAction::CreateTrigger {
            trigger_name,
            table_name,
        }
        | AuthAction::DropTrigger {
            trigger_name,
            table_name,
        } => verdict(allowed_name(trigger_name) && allowed_name(table_name)),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Verdict::DenyTransaction,
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => verdict(pragma_allowed(pragma_name, pragma_value)),
        AuthAction::Function { function_name } => verdict(
            FUNCTIONS
                .iter()
                .any(|f| function_name.eq_ignore_ascii_case(f)),
        ),
        AuthAction::CreateVtable {
            table_name,
            module_name,
        }
        | AuthAction::DropVtable {
            table_name,
            module_name,
        } => verdict(
            allowed_name(table_name)
                && ["fts5", "fts5vocab"]
                    .iter()
                    .any(|m| module_name.eq_ignore_ascii_case(m)),
        ),
        // Temporary objects, attached databases and anything this list does not know.
        _ => Verdict::Deny,
    }
}

/// State shared between a connection's authorizer and the code running statements on it.
#[derive(Debug, Default)]
struct Flags {
    /// verge's own SQL is being compiled: see [`SandboxedConnection::trusted`].
    trusted: AtomicBool,
    /// The last worker statement compiled asked for transaction control.
    transaction_denied: AtomicBool,
    /// The last worker statement compiled runs a PRAGMA (it changes or reads per-connection
    /// state, so D1 runs it on its one writer connection).
    pragma_seen: AtomicBool,
}

/// A connection that runs a worker's SQL under the sandbox described in the module docs.
pub(crate) struct SandboxedConnection {
    conn: Connection,
    flags: Arc<Flags>,
}

impl std::fmt::Debug for SandboxedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxedConnection")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

impl SandboxedConnection {
    /// Puts `conn` under the sandbox with `profile`'s limits. Configure it (journal mode,
    /// pragmas) before; create verge's schema after, inside [`Self::trusted`].
    pub(crate) fn new(conn: Connection, profile: Profile) -> Result<Self, StoreError> {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
            .map_err(StoreError::sqlite("sandbox: defensive mode"))?;
        // `SQLITE_DBCONFIG_TRUSTED_SCHEMA` stays on, as in workerd: off, it refuses FTS5's
        // MATCH, highlight() and bm25() inside views and triggers, which Workers run. It would
        // add nothing here: a view or trigger body is compiled into the statement that uses it,
        // where the authorizer checks its functions like any other, and verge's own statements
        // touch no table a worker can attach an expression to (only `_cf_*` ones).
        let limits = match profile {
            Profile::D1 => D1_LIMITS,
            Profile::DurableObject => DURABLE_OBJECT_LIMITS,
        };
        for &(limit, value) in limits {
            conn.set_limit(limit, value)
                .map_err(StoreError::sqlite("sandbox limits"))?;
        }
        let flags = Arc::new(Flags::default());
        let shared = flags.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            let trusted = shared.trusted.load(Ordering::Relaxed);
            if !trusted && matches!(ctx.action, AuthAction::Pragma { .. }) {
                shared.pragma_seen.store(true, Ordering::Relaxed);
            }
            match authorize(trusted, &ctx) {
                Verdict::Allow => Authorization::Allow,
                Verdict::Deny => Authorization::Deny,
                Verdict::DenyTransaction => {
                    shared.transaction_denied.store(true, Ordering::Relaxed);
                    Authorization::Deny
                }
            }
        }));
        Ok(Self { conn, flags })
    }

    /// The connection, for a worker's SQL: everything compiled through it is checked.
    pub(crate) fn user(&self) -> &Connection {
        &self.conn
    }

    /// Runs verge's own SQL: every action is allowed (except other databases, and trigger
    /// and view bodies) while `f` runs. `f` must not compile or step a worker's statement.
    pub(crate) fn trusted<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        struct Reset<'a>(&'a AtomicBool, bool);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.store(self.1, Ordering::Relaxed);
            }
        }
        let previous = self.flags.trusted.swap(true, Ordering::Relaxed);
        let _reset = Reset(&self.flags.trusted, previous);
        f(&self.conn)
    }

    /// Forgets what earlier worker statements asked for; call before compiling one.
    pub(crate) fn begin_user(&self) {
        self.flags
            .transaction_denied
            .store(false, Ordering::Relaxed);
        self.flags.pragma_seen.store(false, Ordering::Relaxed);
    }

    /// Whether a worker statement compiled since [`Self::begin_user`] runs a PRAGMA.
    pub(crate) fn pragma_seen(&self) -> bool {
        self.flags.pragma_seen.load(Ordering::Relaxed)
    }

    /// The error a worker sees for `err`: SQLite's message and code, or Workers' message
    /// for transaction control.
    pub(crate) fn user_error(&self, err: rusqlite::Error) -> SqlError {
        let mut out = to_sql_error(err);
        if out.code == "SQLITE_AUTH" && self.flags.transaction_denied.swap(false, Ordering::Relaxed)
        {
            out.message = TRANSACTION_DENIED.to_owned();
        }
        out
    }

    /// Stops statements run while the returned guard lives as soon as `stop()` returns true
    /// (they fail with `SQLITE_INTERRUPT`). `stop` runs on the thread stepping the statement.
    pub(crate) fn watch(&self, stop: impl FnMut() -> bool + Send + 'static) -> Watch<'_> {
        self.conn.progress_handler(PROGRESS_OPS, Some(stop));
        Watch { conn: &self.conn }
    }

    /// A handle that interrupts whatever runs on this connection, from any thread.
    pub(crate) fn interrupt_handle(&self) -> InterruptHandle {
        self.conn.get_interrupt_handle()
    }
}

/// Removes a [`SandboxedConnection::watch`] progress handler when dropped.
pub(crate) struct Watch<'c> {
    conn: &'c Connection,
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        self.conn.progress_handler(0, None::<fn() -> bool>);
    }
}

#[cfg(test)]
mod tests {
    //! The sandbox through both stores' entry points: every way of writing a refused
    //! statement is refused, nothing outside the database file is created or opened, and
    //! what Workers allow still works.

    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;
    use crate::durable::{ObjectBatch, ObjectStorage, ObjectWrite};
    use crate::sql::{Consistency, SqlDatabase, SqlStatement, SqlValue};
    use crate::sqlite::{SqliteDatabase, SqliteObjectStore};

    const T: Duration = Duration::from_secs(30);

    /// A D1 database and a Durable Object store side by side, and a directory a worker
    /// would like to reach: it holds `secret.sqlite` and must hold nothing else.
    struct Fixture {
        _dir: tempfile::TempDir,
        attack: PathBuf,
        secret: Vec<u8>,
        d1: SqliteDatabase,
        object: SqliteObjectStore,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let attack = dir.path().join("attack");
            std::fs::create_dir(&attack).expect("mkdir");
            {
                let c = Connection::open(attack.join("secret.sqlite")).expect("secret");
                c.execute_batch("CREATE TABLE secret (v); INSERT INTO secret VALUES ('xyz');")
                    .expect("seed");
            }
            let secret = std::fs::read(attack.join("secret.sqlite")).expect("read");
            let d1 = SqliteDatabase::open_in(dir.path(), "db").expect("d1");
            d1.execute_script("CREATE TABLE t (a INTEGER PRIMARY KEY, b)", true, T)
                .expect("d1 table");
            let object = SqliteObjectStore::open(&dir.path().join("object.sqlite")).expect("do");
            object
                .sql_exec("CREATE TABLE t (a INTEGER PRIMARY KEY, b)", &[])
                .expect("do table");
            object
                .commit(&ObjectBatch {
                    writes: vec![ObjectWrite::Put("k".into(), b"v".to_vec())],
                    alarm: Some(Some(7)),
                })
                .expect("commit");
            Self {
                _dir: dir,
                attack,
                secret,
                d1,
                object,
            }
        }

        /// `path` inside the attack directory, as an SQL string literal.
        fn target(&self, name: &str) -> String {
            format!("'{}'", self.attack.join(name).display())
        }

        fn assert_untouched(&self) {
            let mut names: Vec<String> = std::fs::read_dir(&self.attack)
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(
                names,
                ["secret.sqlite"],
                "files appeared next to the secret"
            );
            assert_eq!(
                std::fs::read(self.attack.join("secret.sqlite")).expect("read"),
                self.secret,
                "the secret file changed"
            );
        }

        fn d1_run(&self, sql: &str) -> Result<crate::sql::SqlOutput, SqlError> {
            self.d1
                .execute(&SqlStatement::new(sql, vec![]), Consistency::default(), T)
        }

        fn d1_script(&self, sql: &str) -> Result<(), SqlError> {
            self.d1.execute_script(sql, true, T).map(|_| ())
        }

        fn d1_batch(&self, sql: &str) -> Result<(), SqlError> {
            self.d1
                .batch(
                    &[
                        SqlStatement::new("SELECT 1", vec![]),
                        SqlStatement::new(sql, vec![]),
                    ],
                    Consistency::default(),
                    T,
                )
                .map(|_| ())
        }

        fn do_exec(&self, sql: &str) -> Result<crate::durable::SqlCursorData, SqlError> {
            self.object.sql_exec(sql, &[])
        }

        /// Every entry point refuses `sql` (D1 `prepare` only sees single statements).
        fn refused_everywhere(&self, sql: &str) -> Vec<SqlError> {
            let mut errors = vec![
                self.d1_script(sql)
                    .expect_err(&format!("D1 exec ran {sql:?}")),
                self.d1_batch(sql)
                    .expect_err(&format!("D1 batch ran {sql:?}")),
                self.do_exec(sql)
                    .expect_err(&format!("DO exec ran {sql:?}")),
            ];
            if let Err(e) = self.d1_run(sql) {
                errors.push(e);
            } else {
                panic!("D1 prepare ran {sql:?}");
            }
            self.assert_untouched();
            errors
        }
    }

    fn assert_not_authorized(errors: &[SqlError], sql: &str) {
        for e in errors {
            assert_eq!(
                (e.message.as_str(), e.code.as_str()),
                ("not authorized", "SQLITE_AUTH"),
                "{sql}"
            );
        }
    }

    #[test]
    fn attach_is_refused_however_it_is_written() {
        let f = Fixture::new();
        for target in [f.target("new.sqlite"), f.target("secret.sqlite")] {
            for sql in [
                format!("ATTACH DATABASE {target} AS x"),
                format!("; ATTACH DATABASE {target} AS x"),
                format!(";;\n ;ATTACH {target} AS x"),
                format!("/* c */ ATTACH DATABASE {target} AS x"),
                format!("-- c\nATTACH {target} AS x"),
                format!("aTtAcH dAtAbAsE {target} aS x"),
                format!("ATTACH 'file:' || {target} || '?mode=rwc' AS x"),
            ] {
                let errors = f.refused_everywhere(&sql);
                assert_not_authorized(&errors, &sql);
            }
            // A second statement (D1 `exec` runs a line's statements; DO `exec` runs all).
            let sql = format!("SELECT 1; ATTACH DATABASE {target} AS x");
            let err = f.d1_script(&sql).expect_err("second statement");
            assert_eq!(err.to_string(), "not authorized: SQLITE_AUTH");
            let err = f.do_exec(&sql).expect_err("second statement");
            assert_eq!(err.to_string(), "not authorized: SQLITE_AUTH");
            // A bound path.
            let err = f
                .object
                .sql_exec("ATTACH ?1 AS x", &[SqlValue::Text(target.clone())])
                .expect_err("bound");
            assert_eq!(err.code, "SQLITE_AUTH");
            f.assert_untouched();
        }
        assert_not_authorized(&f.refused_everywhere("DETACH x"), "DETACH");
    }

    #[test]
    fn vacuum_into_cannot_write_a_file() {
        let f = Fixture::new();
        for sql in [
            format!("VACUUM INTO {}", f.target("copy.sqlite")),
            format!("/**/vacuum main INTO {}", f.target("copy.sqlite")),
            "VACUUM".to_owned(),
        ] {
            f.refused_everywhere(&sql);
        }
    }

    #[test]
    fn transaction_control_is_refused_with_the_workers_message() {
        let f = Fixture::new();
        for sql in [
            "BEGIN",
            "begin immediate transaction",
            "/* x */ COMMIT",
            "-- x\nEND",
            "; ROLLBACK",
            "SAVEPOINT s",
            "RELEASE s",
            "ROLLBACK TO s",
        ] {
            for e in f.refused_everywhere(sql) {
                assert_eq!(e.message, TRANSACTION_DENIED, "{sql}");
            }
        }
        let err = f.do_exec("SELECT 1; BEGIN").expect_err("second statement");
        assert_eq!(err.message, TRANSACTION_DENIED);
    }

    #[test]
    fn dangerous_pragmas_are_refused_and_change_nothing() {
        let f = Fixture::new();
        for sql in [
            "PRAGMA writable_schema=ON",
            "pragma WRITABLE_SCHEMA = 1",
            "PRAGMA synchronous=OFF",
            "/* */ PRAGMA main.synchronous = 0",
            "PRAGMA journal_mode=DELETE",
            "PRAGMA journal_mode",
            "PRAGMA database_list",
            "PRAGMA temp_store_directory = '/tmp'",
            "PRAGMA schema_version = 1",
            "PRAGMA user_version = 1",
            "PRAGMA query_only = 1",
            "PRAGMA trusted_schema = 1",
            "PRAGMA cell_size_check = 0",
            "PRAGMA mmap_size = 1000000",
            "PRAGMA wal_checkpoint",
            "PRAGMA integrity_check",
            "PRAGMA compile_options",
            "PRAGMA foreign_keys = maybe",
            "PRAGMA table_info(_cf_KV)",
            "PRAGMA table_info(_cf_verge_meta)",
            "SELECT * FROM pragma_database_list",
            "SELECT * FROM pragma_compile_options",
        ] {
            assert_not_authorized(&f.refused_everywhere(sql), sql);
        }
        let sync = |c: &Connection| c.query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0));
        assert_eq!(
            f.d1.on_writer(sync).expect("read"),
            2,
            "D1 still synchronous=FULL"
        );
        assert_eq!(
            f.object.on_connection(sync).expect("read"),
            2,
            "DO still FULL"
        );
    }

    #[test]
    fn the_allowed_pragmas_still_work() {
        let f = Fixture::new();
        f.d1_script("CREATE INDEX t_b ON t (b)").expect("index");
        f.do_exec("CREATE INDEX t_b ON t (b)").expect("index");
        for sql in [
            "PRAGMA table_list",
            "PRAGMA table_info(t)",
            "PRAGMA table_xinfo('t')",
            "PRAGMA index_list(t)",
            "PRAGMA index_info(t_b)",
            "PRAGMA index_xinfo(t_b)",
            "PRAGMA foreign_key_list(t)",
            "PRAGMA foreign_key_check",
            "PRAGMA foreign_key_check(t)",
            "PRAGMA foreign_keys",
            "PRAGMA foreign_keys = ON",
            "PRAGMA defer_foreign_keys = true",
            "PRAGMA case_sensitive_like = 0",
            "PRAGMA recursive_triggers = off",
            "PRAGMA data_version",
            "PRAGMA quick_check",
            "PRAGMA quick_check(t)",
            "PRAGMA optimize",
            "PRAGMA optimize(0x10002)",
            "SELECT name FROM pragma_table_list WHERE name = 't'",
            "SELECT name FROM pragma_table_info('t')",
        ] {
            f.d1_run(sql).unwrap_or_else(|e| panic!("D1 {sql}: {e}"));
            f.d1_script(sql)
                .unwrap_or_else(|e| panic!("D1 exec {sql}: {e}"));
            f.do_exec(sql).unwrap_or_else(|e| panic!("DO {sql}: {e}"));
        }
        let cols = f.d1_run("PRAGMA table_info(t)").expect("table_info");
        assert_eq!(cols.rows.len(), 2);
        let ok = f.do_exec("PRAGMA quick_check").expect("quick_check");
        assert_eq!(ok.rows, vec![vec![SqlValue::Text("ok".into())]]);
    }

    #[test]
    fn extension_loading_and_internal_functions_are_refused() {
        let f = Fixture::new();
        let lib = f.target("evil.so");
        for sql in [
            format!("SELECT load_extension({lib})"),
            format!("select LOAD_EXTENSION({lib}, 'entry')"),
            format!("WITH x AS (SELECT load_extension({lib})) SELECT * FROM x"),
            "SELECT sqlite_version()".to_owned(),
            "SELECT sqlite_compileoption_used('THREADSAFE')".to_owned(),
            "SELECT fts3_tokenizer('simple')".to_owned(),
        ] {
            for e in f.refused_everywhere(&sql) {
                assert!(
                    e.message.starts_with("not authorized to use function: "),
                    "{sql}: {e}"
                );
            }
        }
        let ok = f
            .d1_run("SELECT abs(-1) AS a, json_extract('{\"x\":2}', '$.x') AS j, '{\"y\":3}' ->> '$.y' AS k, count(*) OVER () AS w")
            .expect("allowed functions");
        assert_eq!(
            ok.rows,
            vec![vec![
                SqlValue::Integer(1),
                SqlValue::Integer(2),
                SqlValue::Integer(3),
                SqlValue::Integer(1)
            ]]
        );
    }

    #[test]
    fn internal_tables_are_out_of_reach_directly_and_through_ctes_views_and_triggers() {
        let f = Fixture::new();
        for (table, column) in [("_cf_KV", "key"), ("_cf_METADATA", "name")] {
            for sql in [
                format!("SELECT * FROM {table}"),
                format!("SELECT {column} FROM {}", table.to_ascii_uppercase()),
                format!("WITH x AS (SELECT * FROM {table}) SELECT * FROM x"),
                format!("SELECT (SELECT {column} FROM \"{table}\" LIMIT 1)"),
            ] {
                let err = f.do_exec(&sql).expect_err(&sql);
                assert_eq!(err.code, "SQLITE_AUTH", "{sql}");
                assert!(err.message.ends_with("is prohibited"), "{sql}: {err}");
            }
            for sql in [
                format!("INSERT INTO {table} VALUES ('a', 'b')"),
                format!("UPDATE {table} SET value = 1"),
                format!("DELETE FROM {table}"),
                format!("DROP TABLE {table}"),
                format!("ALTER TABLE {table} RENAME TO mine"),
                format!("ALTER TABLE {table} ADD COLUMN c"),
                format!("CREATE INDEX i ON {table} (value)"),
                format!("CREATE TRIGGER tr AFTER INSERT ON {table} BEGIN SELECT 1; END"),
                "CREATE TABLE _cf_mine (x)".to_owned(),
                "CREATE TABLE _Cf_Mine (x)".to_owned(),
                "CREATE VIEW _cf_v AS SELECT 1".to_owned(),
                "CREATE INDEX _cf_i ON t (b)".to_owned(),
            ] {
                let err = f.do_exec(&sql).expect_err(&sql);
                assert_eq!(err.code, "SQLITE_AUTH", "{sql}: {err}");
            }
        }
        // A view or a trigger can be made; using it to reach verge's tables cannot.
        f.do_exec("CREATE VIEW v AS SELECT key, value FROM _cf_KV")
            .expect("a view is only text until used");
        let err = f.do_exec("SELECT * FROM v").expect_err("through a view");
        assert_eq!(
            err.to_string(),
            "access to _cf_KV.key is prohibited: SQLITE_AUTH"
        );
        f.do_exec("CREATE TRIGGER steal AFTER INSERT ON t BEGIN DELETE FROM _cf_KV; INSERT INTO _cf_METADATA VALUES ('alarm', 1); END")
            .expect("a trigger is only text until it fires");
        let err = f
            .do_exec("INSERT INTO t VALUES (1, 2)")
            .expect_err("firing it");
        assert_eq!(err.to_string(), "not authorized: SQLITE_AUTH");
        f.object.commit(&ObjectBatch::default()).expect("commit");
        assert_eq!(f.object.kv_get("k").expect("get"), Some(b"v".to_vec()));
        assert_eq!(f.object.alarm().expect("alarm"), Some(7));
        // verge's own writes still work with the trigger and view in place.
        f.object
            .commit(&ObjectBatch {
                writes: vec![ObjectWrite::Put("k2".into(), b"w".to_vec())],
                alarm: None,
            })
            .expect("verge's commit");
        assert_eq!(f.object.kv_get("k2").expect("get"), Some(b"w".to_vec()));

        // D1: the commit sequence table.
        let seq = f.d1.commit_seq().expect("seq");
        for sql in [
            "SELECT * FROM _cf_verge_meta",
            "UPDATE _cf_verge_meta SET commit_seq = 0",
            "DELETE FROM _CF_VERGE_META",
            "DROP TABLE _cf_verge_meta",
            "WITH m AS (SELECT commit_seq FROM _cf_verge_meta) SELECT * FROM m",
        ] {
            let err = f.d1_run(sql).expect_err(sql);
            assert_eq!(err.code, "SQLITE_AUTH", "{sql}");
        }
        f.d1_script("CREATE TRIGGER reset AFTER INSERT ON t BEGIN UPDATE _cf_verge_meta SET commit_seq = 0; END")
            .expect("trigger text");
        let err = f
            .d1_run("INSERT INTO t VALUES (1, 2)")
            .expect_err("firing it");
        assert_eq!(err.to_string(), "not authorized: SQLITE_AUTH");
        assert_eq!(
            f.d1.commit_seq().expect("seq"),
            seq + 1,
            "only the trigger's creation"
        );
    }

    #[test]
    fn fts5_search_works_in_views_and_triggers_as_on_workers() {
        let f = Fixture::new();
        let sql = "CREATE VIRTUAL TABLE f USING fts5(body); INSERT INTO f VALUES ('hello world'); \
                   CREATE VIEW hits AS SELECT rowid, highlight(f, 0, '[', ']') AS h, bm25(f) AS r FROM f WHERE f MATCH 'hello'; \
                   CREATE TABLE log (h); \
                   CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log SELECT h FROM hits; END; \
                   INSERT INTO t VALUES (1, 2); SELECT h FROM log";
        let out = f.do_exec(sql).expect("Durable Object");
        assert_eq!(out.rows, vec![vec![SqlValue::Text("[hello] world".into())]]);
        f.d1_script(sql).expect("D1");
        let out = f.d1_run("SELECT h FROM log").expect("read");
        assert_eq!(out.rows, vec![vec![SqlValue::Text("[hello] world".into())]]);
    }

    #[test]
    fn temporary_objects_are_refused() {
        let f = Fixture::new();
        for sql in [
            "CREATE TEMP TABLE x (a)",
            "CREATE TEMPORARY VIEW v AS SELECT 1",
            "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
            "CREATE TABLE temp.x (a)",
        ] {
            assert_not_authorized(&f.refused_everywhere(sql), sql);
        }
    }

    #[test]
    fn verges_own_commits_and_savepoints_still_work() {
        let f = Fixture::new();
        // Durable Object: SQL writes join the implicit transaction; savepoints nest in it.
        f.do_exec("INSERT INTO t VALUES (1, 'a')").expect("insert");
        f.object.savepoint("verge_txn_1").expect("savepoint");
        f.do_exec("INSERT INTO t VALUES (2, 'b')").expect("insert");
        f.object
            .savepoint("we\"ird")
            .expect("a name needing quotes");
        f.do_exec("INSERT INTO t VALUES (3, 'c')").expect("insert");
        f.object.end_savepoint("we\"ird", false).expect("roll back");
        f.object
            .end_savepoint("verge_txn_1", true)
            .expect("release");
        f.object.commit(&ObjectBatch::default()).expect("commit");
        let rows = f.do_exec("SELECT a FROM t ORDER BY a").expect("select");
        assert_eq!(
            rows.rows,
            vec![vec![SqlValue::Integer(1)], vec![SqlValue::Integer(2)]]
        );
        // D1: writes, batches, scripts, dump.
        let seq = f.d1.commit_seq().expect("seq");
        f.d1_run("INSERT INTO t VALUES (1, 'a')").expect("insert");
        f.d1_batch("INSERT INTO t VALUES (2, 'b')").expect("batch");
        f.d1_script("INSERT INTO t VALUES (3, 'c'); INSERT INTO t VALUES (4, 'd')")
            .expect("script");
        assert_eq!(f.d1.commit_seq().expect("seq"), seq + 3);
        assert!(f.d1.dump().expect("dump").starts_with(b"SQLite format 3\0"));
        f.assert_untouched();
    }

    fn keyword_case() -> impl Strategy<Value = Vec<bool>> {
        proptest::collection::vec(any::<bool>(), 32)
    }

    fn recase(word: &str, upper: &[bool]) -> String {
        word.chars()
            .zip(upper.iter().cycle())
            .map(|(c, &u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// Text SQLite skips between statements: whitespace, `;` and comments.
    fn filler() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(" ".to_owned()),
                Just("\n".to_owned()),
                Just("\t".to_owned()),
                Just(";".to_owned()),
                Just("-- note; ATTACH\n".to_owned()),
                Just("/* ; */".to_owned()),
                Just("/*\nBEGIN;\n*/".to_owned()),
            ],
            0..4,
        )
        .prop_map(|parts| parts.concat())
    }

    /// A statement the sandbox must refuse, as a template: `{p}` is a path in the attack
    /// directory.
    fn refused() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("attach database '{p}' as x"),
            Just("attach '{p}' as \"main2\""),
            Just("vacuum into '{p}'"),
            Just("vacuum main into '{p}'"),
            Just("detach database x"),
            Just("pragma writable_schema = on"),
            Just("pragma synchronous = off"),
            Just("pragma main.journal_mode = delete"),
            Just("pragma temp_store_directory = '{p}'"),
            Just("select * from pragma_database_list"),
            Just("begin"),
            Just("begin exclusive transaction"),
            Just("commit"),
            Just("end transaction"),
            Just("rollback"),
            Just("savepoint sp"),
            Just("release sp"),
            Just("select load_extension('{p}')"),
            Just("select * from _cf_kv"),
            Just("with c as (select value from _cf_KV) select * from c"),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// However a refused statement is dressed (comments, separators, case, an allowed
        /// statement before it), every entry point refuses it and no file appears or is
        /// opened outside the database.
        #[test]
        fn refused_statements_stay_refused_in_any_dress(
            before in filler(),
            lead in prop_oneof![Just(""), Just("select 1;"), Just("create table if not exists u (x);")],
            template in refused(),
            case in keyword_case(),
            after in filler(),
        ) {
            let f = Fixture::new();
            let path = f.attack.join("p.sqlite");
            let statement = recase(template, &case).replace("{P}", "{p}").replace("{p}", &path.display().to_string());
            let sql = format!("{before}{lead}{before}{statement}{after}");
            prop_assert!(f.d1_script(&sql).is_err(), "D1 exec ran {:?}", sql);
            prop_assert!(f.d1_batch(&sql).is_err(), "D1 batch ran {:?}", sql);
            prop_assert!(f.d1_run(&sql).is_err(), "D1 prepare ran {:?}", sql);
            prop_assert!(f.do_exec(&sql).is_err(), "DO exec ran {:?}", sql);
            f.assert_untouched();
            let attached = |c: &Connection| {
                c.query_row("SELECT group_concat(name) FROM pragma_database_list", [], |r| {
                    r.get::<_, String>(0)
                })
            };
            prop_assert_eq!(f.d1.on_writer(attached).expect("list"), "main");
            prop_assert_eq!(f.object.on_connection(attached).expect("list"), "main");
            prop_assert!(!Path::new(&path).exists());
        }
    }

    #[test]
    fn pragma_arguments_are_checked() {
        assert!(pragma_allowed("foreign_keys", None));
        assert!(pragma_allowed("FOREIGN_KEYS", Some("'off'")));
        assert!(!pragma_allowed("foreign_keys", Some("maybe")));
        assert!(pragma_allowed("table_info", Some("t")));
        assert!(!pragma_allowed("table_info", Some("_CF_kv")));
        assert!(!pragma_allowed("table_info", None));
        assert!(pragma_allowed("optimize", Some("0x10002")));
        assert!(!pragma_allowed("optimize", Some("t")));
        assert!(pragma_allowed("quick_check", Some("10")));
        assert!(!pragma_allowed("data_version", Some("1")));
        assert!(!pragma_allowed("writable_schema", None));
        assert!(!pragma_allowed("synchronous", None));
    }

    fn sandboxed() -> SandboxedConnection {
        let conn = Connection::open_in_memory().expect("open");
        let c = SandboxedConnection::new(conn, Profile::DurableObject).expect("sandbox");
        c.trusted(|c| c.execute_batch("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB)"))
            .expect("schema");
        c
    }

    #[test]
    fn trusted_mode_ends_with_its_closure_even_on_panic() {
        let c = sandboxed();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.trusted(|_| panic!("boom"));
        }));
        assert!(caught.is_err());
        c.begin_user();
        let err = c
            .user()
            .execute_batch("SELECT * FROM _cf_KV")
            .expect_err("user mode again");
        assert_eq!(
            c.user_error(err).message,
            "access to _cf_KV.key is prohibited"
        );
    }

    #[test]
    fn a_watch_interrupts_and_goes_away() {
        let c = sandboxed();
        let forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
        {
            let _watch = c.watch(|| true);
            let err = c.user_error(
                c.user()
                    .query_row(forever, [], |r| r.get::<_, i64>(0))
                    .expect_err("interrupted"),
            );
            assert_eq!(
                (err.message.as_str(), err.code.as_str()),
                ("interrupted", "SQLITE_INTERRUPT")
            );
        }
        let n: i64 = c
            .user()
            .query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000) SELECT count(*) FROM c",
                [],
                |r| r.get(0),
            )
            .expect("no watch any more");
        assert_eq!(n, 10_000);
    }
}
