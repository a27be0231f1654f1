//! The typed, validated configuration that [`crate::load`] produces.

use std::fmt;
use std::path::PathBuf;

use crate::{CompatDate, CompatFlags};

/// One Worker's configuration after env selection, validation and secrets merging.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Worker name. With an env: the env's `name`, else `<name>-<env>`; with no name at all,
    /// the config directory's name.
    pub name: String,
    /// Absolute path of the entry module, lexically below the config file's directory (the
    /// project directory). It is a file, unless a symbolic link is on the way: where a link
    /// leads is for the runtime to check (`verge_js::loader::resolve_within`). `None` for an
    /// assets-only worker (no `main`, `assets` set), as Cloudflare allows.
    pub main: Option<PathBuf>,
    /// `compatibility_date`, not in the future.
    pub compatibility_date: CompatDate,
    /// `compatibility_flags` as written (all known to verge).
    pub compatibility_flags: Vec<String>,
    /// Date defaults combined with the explicit flags. (verge's runtime does not switch
    /// behaviour by flag yet; the loader warns about each explicit flag.)
    pub compat: CompatFlags,
    /// `vars` in file order, then secrets (as JSON strings) replacing same-named vars in place
    /// or appended.
    pub vars: Vec<(String, serde_json::Value)>,
    /// Names of the entries of `vars` that came from `.dev.vars` / `.env`.
    pub secret_names: Vec<String>,
    /// `limits`.
    pub limits: Limits,
    /// `route` / `routes` (validated; verge does not route by them yet and warns).
    pub routes: Vec<Route>,
    /// `kv_namespaces`.
    pub kv_namespaces: Vec<KvNamespaceBinding>,
    /// `d1_databases`.
    pub d1_databases: Vec<D1DatabaseBinding>,
    /// `durable_objects.bindings`.
    pub durable_objects: Vec<DurableObjectBinding>,
    /// `migrations` (Durable Object class migrations), in file order.
    pub migrations: Vec<DoMigration>,
    /// `triggers.crons`, each a valid cron expression (five fields, UTC, Cloudflare's syntax).
    pub triggers: Vec<String>,
    /// `rules`, in order (verge-js adds the defaults and prunes them as wrangler does).
    pub rules: Vec<ModuleRule>,
    /// `base_dir`: the directory rule globs are matched against, relative to the project
    /// directory (`/` separators, lexically inside it; `""` is the project directory itself).
    /// `None`: the entry module's directory, as wrangler.
    pub base_dir: Option<String>,
    /// `find_additional_modules`: check every file below `base_dir` against the rules when the
    /// worker loads (a file matching a rule that was pruned is an error) and watch them.
    pub find_additional_modules: bool,
    /// `preserve_file_names` (verge always names modules by their path, as this asks).
    pub preserve_file_names: bool,
    /// `dev` (top level only).
    pub dev: DevSettings,
    /// `services` (validated; verge does not provide them yet and warns).
    pub services: Vec<ServiceBinding>,
    /// `queues` (validated; verge does not provide them yet and warns).
    pub queues: Queues,
    /// `ratelimits`, then the `unsafe.bindings` of type `ratelimit`.
    pub ratelimits: Vec<RateLimit>,
    /// `assets`.
    pub assets: Option<Assets>,
    /// `version_metadata.binding`.
    pub version_metadata: Option<String>,
    /// `r2_buckets` (validated; verge has no R2 and warns that the bindings are undefined).
    pub r2_buckets: Vec<R2Bucket>,
    /// `analytics_engine_datasets` (validated; verge does not provide them yet and warns).
    pub analytics_engine_datasets: Vec<AnalyticsEngineDataset>,
}

impl WorkerConfig {
    /// The value of var (or secret) `name`.
    pub fn var(&self, name: &str) -> Option<&serde_json::Value> {
        self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// `limits`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU budget per invocation in ms, 1..=300000.
    pub cpu_ms: Option<u64>,
    /// Maximum subrequests per invocation.
    pub subrequests: Option<u64>,
    /// Isolate memory cap in MiB (verge extension).
    pub memory_mb: Option<u64>,
}

/// One `route` / `routes` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Host/path pattern, e.g. `example.com/api/*`.
    pub pattern: String,
    /// `zone_name`, if given.
    pub zone_name: Option<String>,
    /// `zone_id`, if given.
    pub zone_id: Option<String>,
    /// `custom_domain = true`.
    pub custom_domain: bool,
}

/// `kv_namespaces[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvNamespaceBinding {
    /// `env.<binding>`.
    pub binding: String,
    /// Local namespace identity: `id`, else `preview_id`, else `binding`.
    pub id: String,
}

/// `d1_databases[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct D1DatabaseBinding {
    /// `env.<binding>`.
    pub binding: String,
    /// `database_name`.
    pub database_name: Option<String>,
    /// Local database identity: `database_id`, else `database_name`, else `binding`.
    pub database_id: String,
    /// Absolute migrations directory (default `migrations` next to the config file).
    pub migrations_dir: PathBuf,
    /// Migrations bookkeeping table (default `d1_migrations`).
    pub migrations_table: String,
}

/// `durable_objects.bindings[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableObjectBinding {
    /// `env.<name>`.
    pub name: String,
    /// Exported class.
    pub class_name: String,
    /// Worker that defines the class, when not this one.
    pub script_name: Option<String>,
}

/// `migrations[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoMigration {
    /// Unique tag.
    pub tag: String,
    /// Classes created with the legacy KV storage backend.
    pub new_classes: Vec<String>,
    /// Classes created with the SQLite storage backend.
    pub new_sqlite_classes: Vec<String>,
    /// `(from, to)` renames.
    pub renamed_classes: Vec<(String, String)>,
    /// Classes whose objects and storage are deleted.
    pub deleted_classes: Vec<String>,
}

/// The `type` of a module rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleKind {
    /// `ESModule`.
    ESModule,
    /// `CommonJS`.
    CommonJS,
    /// `Text`: imported as a string.
    Text,
    /// `Data`: imported as an `ArrayBuffer`.
    Data,
    /// `CompiledWasm`: imported as a `WebAssembly.Module`.
    CompiledWasm,
}

impl ModuleKind {
    /// Parse the wrangler spelling.
    pub fn from_wrangler(s: &str) -> Option<ModuleKind> {
        Some(match s {
            "ESModule" => ModuleKind::ESModule,
            "CommonJS" => ModuleKind::CommonJS,
            "Text" => ModuleKind::Text,
            "Data" => ModuleKind::Data,
            "CompiledWasm" => ModuleKind::CompiledWasm,
            _ => return None,
        })
    }
}

/// `rules[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRule {
    /// How matching files are imported.
    pub kind: ModuleKind,
    /// Glob patterns.
    pub globs: Vec<String>,
    /// `fallthrough`: `Some(true)` lets later rules of the same kind apply; `Some(false)`
    /// silences wrangler's warning about the rules this one hides.
    pub fallthrough: Option<bool>,
}

/// `dev`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevSettings {
    /// Listen address.
    pub ip: Option<String>,
    /// Listen port.
    pub port: Option<u16>,
}

/// `services[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceBinding {
    /// `env.<binding>`.
    pub binding: String,
    /// Target Worker name.
    pub service: String,
    /// Named entrypoint (exported class) of the target.
    pub entrypoint: Option<String>,
    /// `props` passed to the entrypoint as `ctx.props`.
    pub props: Option<serde_json::Value>,
    /// Target environment.
    pub environment: Option<String>,
}

/// `queues`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queues {
    /// `queues.producers[]`.
    pub producers: Vec<QueueProducer>,
    /// `queues.consumers[]`.
    pub consumers: Vec<QueueConsumer>,
}

/// `queues.producers[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueProducer {
    /// `env.<binding>`.
    pub binding: String,
    /// Queue name.
    pub queue: String,
    /// Default delay in seconds, 0..=43200.
    pub delivery_delay: Option<u64>,
}

/// `queues.consumers[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerKind {
    /// `"worker"`: push consumer (default).
    Worker,
    /// `"http_pull"`: pull consumer.
    HttpPull,
}

/// `queues.consumers[]`, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConsumer {
    /// Queue name.
    pub queue: String,
    /// 1..=100, default 10.
    pub max_batch_size: u64,
    /// Seconds, 0..=60, default 5.
    pub max_batch_timeout: u64,
    /// 0..=100, default 3.
    pub max_retries: u64,
    /// Where messages go after the last retry.
    pub dead_letter_queue: Option<String>,
    /// Concurrent batches, 1..=250.
    pub max_concurrency: Option<u64>,
    /// Seconds before a retried message is redelivered, 0..=43200.
    pub retry_delay: Option<u64>,
    /// Pull consumers: lease length in ms.
    pub visibility_timeout_ms: Option<u64>,
    /// Push or pull.
    pub kind: ConsumerKind,
}

/// `ratelimits[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// `env.<name>`.
    pub name: String,
    /// Namespace (an integer written as a string).
    pub namespace_id: u64,
    /// `simple.limit`: requests per period.
    pub limit: u64,
    /// `simple.period`: 10 or 60 seconds.
    pub period: u64,
}

/// `assets`: static assets served in front of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assets {
    /// Absolute directory, lexically below the config file's directory or anywhere else the
    /// config names (it must exist).
    pub directory: PathBuf,
    /// `env.<binding>` (`env.ASSETS.fetch()`), if any.
    pub binding: Option<String>,
    /// `html_handling` (default `auto-trailing-slash`).
    pub html_handling: HtmlHandling,
    /// `not_found_handling` (default `none`).
    pub not_found_handling: NotFoundHandling,
    /// `run_worker_first` (default `false`).
    pub run_worker_first: RunWorkerFirst,
}

/// `assets.html_handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HtmlHandling {
    /// `auto-trailing-slash`: files without, folder indexes with a trailing slash.
    #[default]
    AutoTrailingSlash,
    /// `force-trailing-slash`.
    ForceTrailingSlash,
    /// `drop-trailing-slash`.
    DropTrailingSlash,
    /// `none`: exact file names only.
    None,
}

/// `assets.not_found_handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotFoundHandling {
    /// `none`: a 404 (or the worker, when there is one).
    #[default]
    None,
    /// `single-page-application`: `/index.html` with 200.
    SinglePageApplication,
    /// `404-page`: the nearest `404.html` up the path, with 404.
    NotFoundPage,
}

/// `assets.run_worker_first`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RunWorkerFirst {
    /// `false`: assets first, the worker for what no asset answers.
    #[default]
    Never,
    /// `true`: the worker gets every request.
    Always,
    /// Route patterns (`/api/*`; `!/api/docs/*` excludes): the worker first for those.
    Patterns(Vec<String>),
}

/// `r2_buckets[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R2Bucket {
    /// `env.<binding>`.
    pub binding: String,
    /// Bucket name.
    pub bucket_name: Option<String>,
    /// Bucket used in dev.
    pub preview_bucket_name: Option<String>,
    /// Jurisdiction, e.g. `eu`.
    pub jurisdiction: Option<String>,
}

/// `analytics_engine_datasets[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsEngineDataset {
    /// `env.<binding>`.
    pub binding: String,
    /// Dataset name.
    pub dataset: Option<String>,
}

/// Something in the config that verge accepted but the user should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file concerned (the config file, or a secrets file).
    pub file: PathBuf,
    /// Field path, e.g. `env.staging.foo` or `kv_namespaces[0].bogus`.
    pub field: String,
    /// What happened, e.g. `unknown field, ignored`.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_else(|| self.file.to_string_lossy());
        write!(f, "{name}: field \"{}\": {}", self.field, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_displays_file_name_field_and_message() {
        let w = Warning {
            file: PathBuf::from("/tmp/project/wrangler.toml"),
            field: "foo.bar".into(),
            message: "unknown field, ignored".into(),
        };
        assert_eq!(
            w.to_string(),
            "wrangler.toml: field \"foo.bar\": unknown field, ignored"
        );
    }

    #[test]
    fn module_kinds_parse_from_wrangler_spelling() {
        assert_eq!(
            ModuleKind::from_wrangler("CompiledWasm"),
            Some(ModuleKind::CompiledWasm)
        );
        assert_eq!(ModuleKind::from_wrangler("esmodule"), None);
    }
}
