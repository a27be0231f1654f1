//! Every top-level field of a wrangler config and what verge does with it: the one table that
//! decides which fields are accepted silently and which are warned about, and with what words.
//!
//! The list is wrangler 4.86's `config-schema.json` (`RawConfig`, `RawEnvironment`) plus the
//! legacy fields it dropped; the scopes follow workers-sdk's `normalizeAndValidateEnvironment`
//! (`inheritable` / `notInheritable`) and `shared/spec/wrangler-config.md`. A field missing here
//! is warned about as unknown.
//!
//! The rule for warnings: a field verge does not act on is named in a warning that says what
//! happens instead ("env.SVC will be undefined"), never what might happen. Fields that only
//! matter when deploying to Cloudflare (account, dashboards, placement) have no effect on a
//! running Worker and are accepted silently. When verge starts to implement a field, its entry
//! here changes to [`Support::Used`] in the same change.

use serde_json::Value;

use crate::reader::{Reader, index, join};

/// Where a field may appear and how `[env.<name>]` treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Top level or env; an env's value replaces the top level's.
    Inherited,
    /// Top level or env; an env starts without it (bindings).
    Binding,
    /// Top level only.
    TopOnly,
    /// Wrangler v1 fields wrangler no longer reads.
    Legacy,
}

/// What verge does with a field.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Support {
    /// verge acts on it; its parser warns about any part it ignores.
    Used,
    /// Only matters when deploying to Cloudflare; nothing about running the Worker depends on
    /// it. Accepted silently.
    DeployOnly,
    /// verge does not do what it asks: warned once, at the field, with this text, whenever
    /// the value asks for anything (see [`asks_nothing`]).
    Ignored(&'static str),
    /// Bindings verge does not provide: one warning per binding, naming it.
    Absent(&'static [Absent]),
}

/// A kind of binding verge does not provide, and where its bindings are in the field's value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Absent {
    /// Where the entries are.
    pub at: Shape,
    /// The key of an entry that names it (`binding`, `name`, `queue`, ...).
    pub key: &'static str,
    /// The warning, e.g. `service bindings are not supported yet`.
    pub what: &'static str,
    /// What follows for one named entry; `{}` is the name.
    pub effect: &'static str,
}

/// Where the entries of an [`Absent`] field are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The value is an array of entries.
    List,
    /// The value is one entry.
    One,
    /// The entries are the array under this key of the value.
    ListAt(&'static str),
    /// The value is a table whose keys are the names.
    Names,
}

/// A field of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// Top-level key.
    pub name: &'static str,
    /// Where it may appear.
    pub scope: Scope,
    /// What verge does with it.
    pub support: Support,
}

const ENV_UNDEFINED: &str = "env.{} will be undefined";

/// Bindings listed as `[{ binding = "X", ... }]` that verge does not provide.
macro_rules! absent_list {
    ($what:expr) => {
        Support::Absent(&[Absent {
            at: Shape::List,
            key: "binding",
            what: $what,
            effect: ENV_UNDEFINED,
        }])
    };
}

/// One binding written as `{ binding = "X" }` that verge does not provide.
macro_rules! absent_one {
    ($what:expr) => {
        Support::Absent(&[Absent {
            at: Shape::One,
            key: "binding",
            what: $what,
            effect: ENV_UNDEFINED,
        }])
    };
}

const NOT_BUNDLED: &str = "verge does not bundle: `main` and the files it imports are loaded as they are, so this has no effect";

const fn field(name: &'static str, scope: Scope, support: Support) -> Field {
    Field {
        name,
        scope,
        support,
    }
}

use Scope::{Binding, Inherited, Legacy, TopOnly};
use Support::{DeployOnly, Ignored, Used};

/// Every field verge knows, in wrangler's schema order.
pub(crate) const FIELDS: &[Field] = &[
    // ---- inheritable ----
    field("name", Inherited, Used),
    field("account_id", Inherited, DeployOnly),
    field("compatibility_date", Inherited, Used),
    // Each explicit flag is warned about by the loader: verge does not switch behaviour by flag.
    field("compatibility_flags", Inherited, Used),
    field("main", Inherited, Used),
    // Module rules are applied to the files verge loads (verge-js `rules`); verge names
    // modules by their path, which is what `preserve_file_names = true` asks for, and with
    // `preserve_file_names = false` wrangler renames only the non-JS modules it bundles, a
    // name the worker never sees.
    field("find_additional_modules", Inherited, Used),
    field("preserve_file_names", Inherited, Used),
    field("base_dir", Inherited, Used),
    field("workers_dev", Inherited, DeployOnly),
    field("preview_urls", Inherited, DeployOnly),
    field(
        "routes",
        Inherited,
        Ignored(
            "verge does not route by pattern yet: every request verge receives goes to this worker",
        ),
    ),
    field(
        "route",
        Inherited,
        Ignored(
            "verge does not route by pattern yet: every request verge receives goes to this worker",
        ),
    ),
    field("tsconfig", Inherited, Ignored(NOT_BUNDLED)),
    field("jsx_factory", Inherited, Ignored(NOT_BUNDLED)),
    field("jsx_fragment", Inherited, Ignored(NOT_BUNDLED)),
    field("migrations", Inherited, Used),
    field("triggers", Inherited, Used),
    field("limits", Inherited, Used),
    field("rules", Inherited, Used),
    field(
        "build",
        Inherited,
        Ignored(
            "verge does not run build commands: run it yourself before starting verge; `main` is loaded as it is on disk",
        ),
    ),
    // verge never bundles, which is what `no_bundle = true` asks for.
    field("no_bundle", Inherited, Used),
    field("minify", Inherited, Ignored(NOT_BUNDLED)),
    field("keep_names", Inherited, Ignored(NOT_BUNDLED)),
    field("first_party_worker", Inherited, DeployOnly),
    field(
        "logfwdr",
        Inherited,
        Support::Absent(&[Absent {
            at: Shape::ListAt("bindings"),
            key: "name",
            what: "logfwdr bindings are not supported",
            effect: ENV_UNDEFINED,
        }]),
    ),
    field("logpush", Inherited, DeployOnly),
    field("upload_source_maps", Inherited, DeployOnly),
    field("placement", Inherited, DeployOnly),
    field("assets", Inherited, Used),
    field("observability", Inherited, DeployOnly),
    field("compliance_region", Inherited, DeployOnly),
    field(
        "python_modules",
        Inherited,
        Ignored("Python Workers are not supported"),
    ),
    field("previews", Inherited, DeployOnly),
    // ---- bindings (not inherited) ----
    field(
        "define",
        Binding,
        Ignored("verge does not bundle, so these substitutions are not applied"),
    ),
    field("vars", Binding, Used),
    field("secrets", Binding, Used),
    field("durable_objects", Binding, Used),
    field(
        "workflows",
        Binding,
        absent_list!("Workflows are not supported yet"),
    ),
    field(
        "cloudchamber",
        Binding,
        Ignored("containers are not supported: no container is started"),
    ),
    field(
        "containers",
        Binding,
        Ignored("containers are not supported: no container is started"),
    ),
    field("kv_namespaces", Binding, Used),
    field(
        "send_email",
        Binding,
        Support::Absent(&[Absent {
            at: Shape::List,
            key: "name",
            what: "email bindings are not supported",
            effect: ENV_UNDEFINED,
        }]),
    ),
    field("queues", Binding, Used),
    field(
        "r2_buckets",
        Binding,
        absent_list!("R2 buckets are not supported yet"),
    ),
    field("d1_databases", Binding, Used),
    field(
        "vectorize",
        Binding,
        absent_list!("Vectorize indexes are not supported"),
    ),
    field(
        "ai_search_namespaces",
        Binding,
        absent_list!("AI Search bindings are not supported"),
    ),
    field(
        "ai_search",
        Binding,
        absent_list!("AI Search bindings are not supported"),
    ),
    field(
        "hyperdrive",
        Binding,
        absent_list!("Hyperdrive bindings are not supported"),
    ),
    field("services", Binding, Used),
    field(
        "analytics_engine_datasets",
        Binding,
        absent_list!("Analytics Engine datasets are not supported yet"),
    ),
    field(
        "browser",
        Binding,
        absent_one!("Browser Rendering is not supported"),
    ),
    field("ai", Binding, absent_one!("Workers AI is not supported")),
    field(
        "images",
        Binding,
        absent_one!("Images bindings are not supported"),
    ),
    field(
        "media",
        Binding,
        absent_one!("Media Transformations bindings are not supported"),
    ),
    field(
        "stream",
        Binding,
        absent_one!("Stream bindings are not supported"),
    ),
    field("version_metadata", Binding, Used),
    // Bindings of type "ratelimit" are used; its parser warns about every other entry.
    field("unsafe", Binding, Used),
    field(
        "mtls_certificates",
        Binding,
        absent_list!("mTLS certificate bindings are not supported"),
    ),
    field(
        "tail_consumers",
        Binding,
        Support::Absent(&[Absent {
            at: Shape::List,
            key: "service",
            what: "tail workers are not supported yet",
            effect: "\"{}\" receives no events from this worker",
        }]),
    ),
    field(
        "streaming_tail_consumers",
        Binding,
        Support::Absent(&[Absent {
            at: Shape::List,
            key: "service",
            what: "tail workers are not supported yet",
            effect: "\"{}\" receives no events from this worker",
        }]),
    ),
    field(
        "dispatch_namespaces",
        Binding,
        absent_list!("dispatch namespaces are not supported"),
    ),
    field(
        "pipelines",
        Binding,
        absent_list!("Pipelines bindings are not supported"),
    ),
    field(
        "secrets_store_secrets",
        Binding,
        absent_list!("Secrets Store bindings are not supported yet"),
    ),
    field(
        "artifacts",
        Binding,
        absent_list!("Artifacts bindings are not supported"),
    ),
    field(
        "unsafe_hello_world",
        Binding,
        absent_list!("unsafe_hello_world bindings are not supported"),
    ),
    field(
        "flagship",
        Binding,
        absent_list!("Flagship bindings are not supported"),
    ),
    field("ratelimits", Binding, Used),
    field(
        "worker_loaders",
        Binding,
        absent_list!("Worker Loader bindings are not supported"),
    ),
    field(
        "vpc_services",
        Binding,
        absent_list!("VPC service bindings are not supported"),
    ),
    field(
        "vpc_networks",
        Binding,
        absent_list!("VPC network bindings are not supported"),
    ),
    // ---- top level only ----
    field("$schema", TopOnly, Used),
    field("env", TopOnly, Used),
    field(
        "pages_build_output_dir",
        TopOnly,
        Ignored("Pages projects are not supported; verge runs the worker in `main`"),
    ),
    field("legacy_env", TopOnly, DeployOnly),
    field("send_metrics", TopOnly, DeployOnly),
    field("dev", TopOnly, Used),
    field(
        "site",
        TopOnly,
        Ignored(
            "Workers Sites are not supported: the bucket is not served and __STATIC_CONTENT is undefined",
        ),
    ),
    field(
        "wasm_modules",
        TopOnly,
        Support::Absent(&[Absent {
            at: Shape::Names,
            key: "",
            what: "service-worker globals are not supported (verge runs ES module workers)",
            effect: "the global {} will be undefined",
        }]),
    ),
    field(
        "text_blobs",
        TopOnly,
        Support::Absent(&[Absent {
            at: Shape::Names,
            key: "",
            what: "service-worker globals are not supported (verge runs ES module workers)",
            effect: "the global {} will be undefined",
        }]),
    ),
    field(
        "data_blobs",
        TopOnly,
        Support::Absent(&[Absent {
            at: Shape::Names,
            key: "",
            what: "service-worker globals are not supported (verge runs ES module workers)",
            effect: "the global {} will be undefined",
        }]),
    ),
    field(
        "alias",
        TopOnly,
        Ignored("verge does not bundle, so module aliases are not applied"),
    ),
    field("keep_vars", TopOnly, DeployOnly),
    // ---- wrangler v1 ----
    field("usage_model", Legacy, Ignored("deprecated field, ignored")),
    field("node_compat", Legacy, Ignored("deprecated field, ignored")),
    field("type", Legacy, Ignored("deprecated field, ignored")),
    field(
        "webpack_config",
        Legacy,
        Ignored("deprecated field, ignored"),
    ),
];

/// The entry for top-level key `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Whether a value asks for nothing: `null`, `false`, or an array or table of such values
/// (`triggers = { crons = [] }`, `minify = false`).
pub(crate) fn asks_nothing(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.iter().all(asks_nothing),
        Value::Object(m) => m.values().all(asks_nothing),
        _ => false,
    }
}

/// Warns about `value` (found at `path`) if `field` is one verge does not act on.
pub(crate) fn warn_unsupported(r: &mut Reader, field: &Field, value: &Value, path: &str) {
    if asks_nothing(value) {
        return;
    }
    match field.support {
        Support::Used | Support::DeployOnly => {}
        // Legacy fields are warned about wherever they appear, by the key check.
        Support::Ignored(_) if field.scope == Scope::Legacy => {}
        Support::Ignored(message) => r.warn(path, message),
        Support::Absent(kinds) => {
            let before = r.warnings.len();
            for kind in kinds {
                warn_absent(r, kind, value, path);
            }
            if r.warnings.len() == before {
                // Not shaped as expected (or no entries): still say it is not there.
                if let Some(kind) = kinds.first() {
                    r.warn(path, kind.what);
                }
            }
        }
    }
}

/// One warning per entry of an absent binding kind.
fn warn_absent(r: &mut Reader, kind: &Absent, value: &Value, path: &str) {
    let message = |name: Option<&str>| match name {
        Some(name) => format!("{}; {}", kind.what, kind.effect.replace("{}", name)),
        None => kind.what.to_string(),
    };
    let name_of = |entry: &Value| {
        entry
            .get(kind.key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match kind.at {
        Shape::One => {
            if value.is_object() {
                r.warn(path, message(name_of(value).as_deref()));
            }
        }
        Shape::List | Shape::ListAt(_) => {
            let (list, path) = match kind.at {
                Shape::ListAt(key) => (value.get(key), join(path, key)),
                _ => (Some(value), path.to_string()),
            };
            let Some(Value::Array(entries)) = list else {
                return;
            };
            for (i, entry) in entries.iter().enumerate() {
                r.warn(index(&path, i), message(name_of(entry).as_deref()));
            }
        }
        Shape::Names => {
            if let Value::Object(map) = value {
                for name in map.keys() {
                    r.warn(join(path, name), message(Some(name)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn warnings(key: &str, value: Value) -> Vec<String> {
        let mut r = Reader::new(std::path::Path::new("/p/wrangler.toml"), true);
        let field = lookup(key).expect("known field");
        warn_unsupported(&mut r, field, &value, key);
        r.warnings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn field_names_are_unique() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[i + 1..].iter().all(|g| g.name != f.name),
                "{} twice",
                f.name
            );
        }
    }

    #[test]
    fn absent_bindings_are_named_one_warning_each() {
        assert_eq!(
            warnings(
                "analytics_engine_datasets",
                json!([{"binding": "AUTH", "dataset": "a"}, {"binding": "PAY", "dataset": "p"}])
            ),
            [
                "wrangler.toml: field \"analytics_engine_datasets[0]\": Analytics Engine datasets are not supported yet; env.AUTH will be undefined",
                "wrangler.toml: field \"analytics_engine_datasets[1]\": Analytics Engine datasets are not supported yet; env.PAY will be undefined",
            ]
        );
        assert_eq!(
            warnings("browser", json!({"binding": "BROWSER"})),
            [
                "wrangler.toml: field \"browser\": Browser Rendering is not supported; env.BROWSER will be undefined"
            ]
        );
        assert_eq!(
            warnings("wasm_modules", json!({"MOD": "m.wasm"})),
            [
                "wrangler.toml: field \"wasm_modules.MOD\": service-worker globals are not supported (verge runs ES module workers); the global MOD will be undefined"
            ]
        );
    }

    #[test]
    fn an_unexpected_shape_still_warns_once_without_a_name() {
        assert_eq!(
            warnings("hyperdrive", json!({"binding": "HD"})),
            ["wrangler.toml: field \"hyperdrive\": Hyperdrive bindings are not supported"]
        );
        assert_eq!(
            warnings("workflows", json!({"binding": "WF"})),
            ["wrangler.toml: field \"workflows\": Workflows are not supported yet"]
        );
    }

    #[test]
    fn values_that_ask_for_nothing_and_deploy_only_fields_are_silent() {
        assert!(warnings("triggers", json!({"crons": []})).is_empty());
        assert!(warnings("minify", json!(false)).is_empty());
        assert!(warnings("services", json!([])).is_empty());
        assert!(warnings("account_id", json!("abc")).is_empty());
        assert!(warnings("observability", json!({"enabled": true})).is_empty());
        // Implemented fields are silent here (their parsers warn about parts they ignore).
        for used in [
            "triggers",
            "assets",
            "ratelimits",
            "version_metadata",
            "unsafe",
        ] {
            assert!(
                warnings(used, json!({"crons": ["* * * * *"]})).is_empty(),
                "{used}"
            );
        }
    }

    #[test]
    fn the_table_covers_wranglers_schema() {
        // wrangler 4.86 config-schema.json, RawConfig properties.
        let schema = "$schema env name account_id compatibility_date compatibility_flags main \
            find_additional_modules preserve_file_names base_dir workers_dev preview_urls routes \
            route tsconfig jsx_factory jsx_fragment migrations triggers limits rules build \
            no_bundle minify keep_names first_party_worker logfwdr logpush upload_source_maps \
            placement assets observability compliance_region python_modules previews define vars \
            secrets durable_objects workflows cloudchamber containers kv_namespaces send_email \
            queues r2_buckets d1_databases vectorize ai_search_namespaces ai_search hyperdrive \
            services analytics_engine_datasets browser ai images media stream version_metadata \
            unsafe mtls_certificates tail_consumers streaming_tail_consumers dispatch_namespaces \
            pipelines secrets_store_secrets artifacts unsafe_hello_world flagship ratelimits \
            worker_loaders vpc_services vpc_networks pages_build_output_dir legacy_env \
            send_metrics dev site wasm_modules text_blobs data_blobs alias keep_vars";
        for key in schema.split_whitespace() {
            assert!(lookup(key).is_some(), "{key} is missing from FIELDS");
        }
    }
}
