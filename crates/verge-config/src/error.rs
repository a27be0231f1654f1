//! The one error type of this crate.
//!
//! Every variant that comes from a config file carries `file` (the config file's name as the
//! user sees it, e.g. `wrangler.toml`) and, where one exists, the dotted `field` path
//! (`env.staging.kv_namespaces[0].binding`), so the CLI can print it as is.

use std::path::PathBuf;

/// Everything that can stop a config from loading.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No config file in the project directory.
    #[error(
        "no wrangler.json, wrangler.jsonc or wrangler.toml found in {}",
        dir.display()
    )]
    NotFound {
        /// The directory that was searched.
        dir: PathBuf,
    },

    /// A file exists (or was named) but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The config file's extension is none of `.toml`, `.json`, `.jsonc`.
    #[error("{}: unsupported config format (expected .toml, .json or .jsonc)", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },

    /// TOML or JSONC syntax error.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What the parser said.
        message: String,
    },

    /// A known key holds a value of the wrong type.
    #[error("{file}: field \"{field}\": expected {expected}, found {found}")]
    WrongType {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// Expected type, e.g. `string`.
        expected: &'static str,
        /// Type actually found, e.g. `integer`.
        found: &'static str,
    },

    /// A required key is absent.
    #[error("{file}: field \"{field}\" is required")]
    MissingField {
        /// File name.
        file: String,
        /// Field path.
        field: String,
    },

    /// An integer outside its allowed range.
    #[error("{file}: field \"{field}\": {value} is out of range {min}..={max}")]
    OutOfRange {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// The value found.
        value: i64,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },

    /// A value of the right type that is still not acceptable.
    #[error("{file}: field \"{field}\": {message}")]
    InvalidValue {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// Why, including the value.
        message: String,
    },

    /// `"YYYY-MM-DD"` that is malformed or not a calendar date.
    #[error("invalid date \"{value}\": {reason}")]
    InvalidDate {
        /// The text.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// `compatibility_date` after today.
    #[error(
        "{file}: field \"{field}\": compatibility_date {date} is in the future (today is {today} UTC)"
    )]
    FutureCompatDate {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// The configured date.
        date: crate::CompatDate,
        /// The date it was compared with.
        today: crate::CompatDate,
    },

    /// A compatibility flag verge does not know.
    #[error("{file}: field \"{field}\": unknown compatibility flag \"{flag}\"")]
    UnknownCompatFlag {
        /// File name.
        file: String,
        /// Field path of the offending entry.
        field: String,
        /// The flag.
        flag: String,
    },

    /// A flag and its opposite were both set.
    #[error(
        "{file}: field \"{field}\": compatibility flags \"{flag}\" and \"{opposite}\" contradict each other"
    )]
    ConflictingCompatFlags {
        /// File name.
        file: String,
        /// Field path of the list.
        field: String,
        /// One flag.
        flag: String,
        /// Its opposite, also set.
        opposite: String,
    },

    /// `--env NAME` without `[env.NAME]`.
    #[error(
        "{file}: no environment \"{env}\" (no [env.{env}] section); defined: {}",
        if available.is_empty() { "none".to_string() } else { available.join(", ") }
    )]
    UnknownEnv {
        /// File name.
        file: String,
        /// The requested environment.
        env: String,
        /// Environments the file does define.
        available: Vec<String>,
    },

    /// `main` names a file that does not exist.
    #[error(
        "{file}: field \"{field}\": entry module \"{main}\" does not exist in the project directory"
    )]
    MainNotFound {
        /// File name.
        file: String,
        /// Field path (`main` or `env.<e>.main`).
        field: String,
        /// The entry module relative to the project directory, with `/` separators (never the
        /// host path, so the message is the same wherever the project lives).
        main: String,
    },

    /// `main` lies outside the project directory (the directory of the config file).
    #[error(
        "{file}: field \"{field}\": entry module \"{main}\" is outside the project directory (the directory holding {file}); move it below that directory"
    )]
    MainOutsideProject {
        /// File name.
        file: String,
        /// Field path (`main` or `env.<e>.main`).
        field: String,
        /// `main` as written.
        main: String,
    },

    /// Two bindings share a name.
    #[error("{file}: binding name \"{name}\" is used by both \"{first}\" and \"{second}\"")]
    DuplicateBinding {
        /// File name.
        file: String,
        /// The shared name.
        name: String,
        /// Field path of the first use.
        first: String,
        /// Field path of the second use.
        second: String,
    },

    /// A binding name that is not a JavaScript identifier.
    #[error(
        "{file}: field \"{field}\": binding name \"{name}\" is not a valid JavaScript identifier"
    )]
    InvalidBindingName {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// The name.
        name: String,
    },

    /// A local Durable Object binding whose class was never created by a migration.
    #[error(
        "{file}: field \"{field}\": Durable Object class {class} has no migration; add new_sqlite_classes = [\"{class}\"]"
    )]
    DurableObjectWithoutMigration {
        /// File name.
        file: String,
        /// Field path of the binding's `class_name`.
        field: String,
        /// The class.
        class: String,
    },

    /// A Durable Object binding to a class that a migration deleted or renamed away.
    #[error("{file}: field \"{field}\": Durable Object class {class} {reason}")]
    DurableObjectClassGone {
        /// File name.
        file: String,
        /// Field path of the binding's `class_name`.
        field: String,
        /// The class.
        class: String,
        /// E.g. `was deleted by migration "v2"`.
        reason: String,
    },

    /// Two migrations with the same tag.
    #[error("{file}: field \"{field}\": migration tag \"{tag}\" is already used by \"{first}\"")]
    DuplicateMigrationTag {
        /// File name.
        file: String,
        /// Field path of the second tag.
        field: String,
        /// The tag.
        tag: String,
        /// Field path of the first tag.
        first: String,
    },

    /// A cron expression without exactly five fields.
    #[error("{file}: field \"{field}\": cron expression \"{expr}\" {reason}")]
    InvalidCron {
        /// File name.
        file: String,
        /// Field path.
        field: String,
        /// The expression.
        expr: String,
        /// What is wrong with it, e.g. `has 4 fields, expected 5`.
        reason: String,
    },

    /// A `.dev.vars` / `.env` syntax error.
    #[error("{file}:{line}: {message}")]
    Dotenv {
        /// File name (`dotenv` when parsed from a string).
        file: String,
        /// 1-based line where the bad entry starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
}
