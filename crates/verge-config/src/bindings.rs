//! Binding sections (`kv_namespaces`, `d1_databases`, `durable_objects`, ...) and the checks
//! across them: unique, identifier-shaped names and consistent Durable Object migrations.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::ConfigError;
use crate::model::*;
use crate::paths::normalize;
use crate::reader::{Located, Obj, Reader, join, objects};

/// Binding names seen so far, with the fields they came from.
#[derive(Default)]
pub(crate) struct Names(Vec<NameUse>);

impl Names {
    /// Record `name` used at `field`; `identifier` says whether it must be a JS identifier.
    pub fn add(&mut self, name: &str, field: String, identifier: bool) {
        self.0.push(NameUse {
            name: name.to_string(),
            field,
            identifier,
        });
    }
}

/// A binding name and the field it came from.
struct NameUse {
    name: String,
    field: String,
    /// Whether it must be a JS identifier (vars need not be).
    identifier: bool,
}

/// `kv_namespaces`.
pub(crate) fn kv_namespaces(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<KvNamespaceBinding>, ConfigError> {
    let mut kv_namespaces = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(map, &f, &["binding", "id", "preview_id", "remote"]);
            let o = Obj { map, path: &f };
            let binding = o.name(r, "binding")?;
            names.add(&binding, o.field("binding"), true);
            warn_remote(r, &o, &binding)?;
            let id = match (o.opt_string(r, "id")?, o.opt_string(r, "preview_id")?) {
                (Some(id), Some(_)) => {
                    r.warn(
                        o.field("preview_id"),
                        format!(
                            "ignored: verge keeps one local namespace per binding, identified by id (\"{id}\")"
                        ),
                    );
                    id
                }
                (Some(id), None) | (None, Some(id)) => id,
                (None, None) => binding.clone(),
            };
            kv_namespaces.push(KvNamespaceBinding { binding, id });
        }
    }
    Ok(kv_namespaces)
}

/// Warn when a binding verge provides asks to reach Cloudflare (`remote = true`).
fn warn_remote(r: &mut Reader, o: &Obj<'_, '_>, binding: &str) -> Result<(), ConfigError> {
    if o.opt_bool(r, "remote")? == Some(true) {
        r.warn(
            o.field("remote"),
            format!("remote bindings are not supported: env.{binding} uses verge's local state"),
        );
    }
    Ok(())
}

/// `d1_databases`.
pub(crate) fn d1_databases(
    r: &mut Reader,
    at: Located<'_>,
    config_dir: &Path,
    names: &mut Names,
) -> Result<Vec<D1DatabaseBinding>, ConfigError> {
    let mut d1_databases = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(
                map,
                &f,
                &[
                    "binding",
                    "database_name",
                    "database_id",
                    "preview_database_id",
                    "migrations_dir",
                    "migrations_table",
                    "migrations_pattern",
                    "database_internal_env",
                    "remote",
                ],
            );
            let o = Obj { map, path: &f };
            let binding = o.name(r, "binding")?;
            names.add(&binding, o.field("binding"), true);
            warn_remote(r, &o, &binding)?;
            let database_name = o.opt_string(r, "database_name")?;
            let database_id = o
                .opt_string(r, "database_id")?
                .or_else(|| database_name.clone())
                .unwrap_or_else(|| binding.clone());
            if o.opt_string(r, "preview_database_id")?.is_some() {
                r.warn(
                    o.field("preview_database_id"),
                    format!(
                        "ignored: verge keeps one local database per binding, identified by \"{database_id}\""
                    ),
                );
            }
            if o.opt_string(r, "migrations_pattern")?.is_some() {
                r.warn(
                    o.field("migrations_pattern"),
                    "ignored: verge applies every .sql file of migrations_dir, in name order",
                );
            }
            let dir = o
                .opt_string(r, "migrations_dir")?
                .unwrap_or_else(|| "migrations".to_string());
            let migrations_table = o
                .opt_string(r, "migrations_table")?
                .unwrap_or_else(|| "d1_migrations".to_string());
            d1_databases.push(D1DatabaseBinding {
                binding,
                database_name,
                database_id,
                migrations_dir: normalize(&config_dir.join(dir)),
                migrations_table,
            });
        }
    }
    Ok(d1_databases)
}

/// `services`.
pub(crate) fn services(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<ServiceBinding>, ConfigError> {
    let mut services = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(
                map,
                &f,
                &[
                    "binding",
                    "service",
                    "entrypoint",
                    "props",
                    "environment",
                    "remote",
                ],
            );
            let o = Obj { map, path: &f };
            let binding = o.name(r, "binding")?;
            names.add(&binding, o.field("binding"), true);
            let props = match o.get("props") {
                Some(v) => {
                    r.object(v, &o.field("props"))?;
                    Some(v.clone())
                }
                None => None,
            };
            services.push(ServiceBinding {
                binding,
                service: o.name(r, "service")?,
                entrypoint: o.opt_string(r, "entrypoint")?,
                props,
                environment: o.opt_string(r, "environment")?,
            });
        }
    }
    Ok(services)
}

/// `queues`.
pub(crate) fn queues(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Queues, ConfigError> {
    let mut queues = Queues::default();
    if let Some((v, f)) = at {
        let map = r.object(v, &f)?;
        r.check_keys(map, &f, &["producers", "consumers"]);
        if let Some(p) = map.get("producers") {
            for (map, f) in objects(r, p, &join(&f, "producers"))? {
                r.check_keys(map, &f, &["binding", "queue", "delivery_delay", "remote"]);
                let o = Obj { map, path: &f };
                let binding = o.name(r, "binding")?;
                names.add(&binding, o.field("binding"), true);
                queues.producers.push(QueueProducer {
                    binding,
                    queue: o.name(r, "queue")?,
                    delivery_delay: o.opt_int(r, "delivery_delay", 0, 43_200)?,
                });
            }
        }
        if let Some(c) = map.get("consumers") {
            let mut push_consumers: HashMap<String, String> = HashMap::new();
            for (map, f) in objects(r, c, &join(&f, "consumers"))? {
                r.check_keys(
                    map,
                    &f,
                    &[
                        "queue",
                        "max_batch_size",
                        "max_batch_timeout",
                        "max_retries",
                        "dead_letter_queue",
                        "max_concurrency",
                        "retry_delay",
                        "visibility_timeout_ms",
                        "type",
                    ],
                );
                let o = Obj { map, path: &f };
                let queue = o.name(r, "queue")?;
                let kind = match o.opt_string(r, "type")?.as_deref() {
                    None | Some("worker") => ConsumerKind::Worker,
                    Some("http_pull") => ConsumerKind::HttpPull,
                    Some(other) => {
                        return Err(r.invalid(
                            &o.field("type"),
                            format!("unknown consumer type \"{other}\" (expected \"worker\" or \"http_pull\")"),
                        ));
                    }
                };
                if kind == ConsumerKind::Worker
                    && let Some(first) = push_consumers.insert(queue.clone(), f.clone())
                {
                    return Err(r.invalid(
                        &o.field("queue"),
                        format!("queue \"{queue}\" already has a push consumer at \"{first}\""),
                    ));
                }
                let dead_letter_queue = o.opt_string(r, "dead_letter_queue")?;
                if dead_letter_queue.as_deref() == Some("") {
                    return Err(r.invalid(&o.field("dead_letter_queue"), "must not be empty"));
                }
                queues.consumers.push(QueueConsumer {
                    queue,
                    max_batch_size: o.opt_int(r, "max_batch_size", 1, 100)?.unwrap_or(10),
                    max_batch_timeout: o.opt_int(r, "max_batch_timeout", 0, 60)?.unwrap_or(5),
                    max_retries: o.opt_int(r, "max_retries", 0, 100)?.unwrap_or(3),
                    dead_letter_queue,
                    max_concurrency: o.opt_int(r, "max_concurrency", 1, 250)?,
                    retry_delay: o.opt_int(r, "retry_delay", 0, 43_200)?,
                    visibility_timeout_ms: o.opt_int(r, "visibility_timeout_ms", 0, 43_200_000)?,
                    kind,
                });
            }
        }
    }
    Ok(queues)
}

/// `ratelimits`.
pub(crate) fn ratelimits(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<RateLimit>, ConfigError> {
    let mut ratelimits = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(map, &f, &["name", "namespace_id", "simple"]);
            let o = Obj { map, path: &f };
            ratelimits.push(ratelimit(r, &o, names)?);
        }
    }
    Ok(ratelimits)
}

/// One rate limiting binding: `name`, `namespace_id` (an integer string), `simple`.
fn ratelimit(r: &mut Reader, o: &Obj<'_, '_>, names: &mut Names) -> Result<RateLimit, ConfigError> {
    let name = o.name(r, "name")?;
    names.add(&name, o.field("name"), true);
    let ns_text = o.req_string(r, "namespace_id")?;
    let namespace_id = ns_text.parse::<u64>().map_err(|_| {
        r.invalid(
            &o.field("namespace_id"),
            format!("\"{ns_text}\" is not an integer string"),
        )
    })?;
    let simple_field = o.field("simple");
    let simple = o.get("simple").ok_or_else(|| r.missing(&simple_field))?;
    let simple = r.object(simple, &simple_field)?;
    r.check_keys(simple, &simple_field, &["limit", "period"]);
    let so = Obj {
        map: simple,
        path: &simple_field,
    };
    let limit = so
        .opt_int(r, "limit", 1, i64::MAX)?
        .ok_or_else(|| r.missing(&so.field("limit")))?;
    let period = so
        .opt_int(r, "period", 0, i64::MAX)?
        .ok_or_else(|| r.missing(&so.field("period")))?;
    if period != 10 && period != 60 {
        return Err(r.invalid(
            &so.field("period"),
            format!("period {period} is not supported (expected 10 or 60)"),
        ));
    }
    Ok(RateLimit {
        name,
        namespace_id,
        limit,
        period,
    })
}

/// `unsafe`: its `bindings` of type `ratelimit` are rate limiting bindings (the form wrangler
/// accepted before `ratelimits`); every other entry, and `metadata`/`capnp`, is warned about.
pub(crate) fn unsafe_bindings(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<RateLimit>, ConfigError> {
    let mut out = Vec::new();
    let Some((v, f)) = at else {
        return Ok(out);
    };
    let map = r.object(v, &f)?;
    r.check_keys(map, &f, &["bindings", "metadata", "capnp"]);
    for key in ["metadata", "capnp"] {
        if map
            .get(key)
            .is_some_and(|v| !crate::fields::asks_nothing(v))
        {
            r.warn(join(&f, key), "ignored: verge has no unsafe extensions");
        }
    }
    if let Some(list) = map.get("bindings") {
        for (entry, ef) in objects(r, list, &join(&f, "bindings"))? {
            let o = Obj {
                map: entry,
                path: &ef,
            };
            let name = o.name(r, "name")?;
            match o.opt_string(r, "type")?.as_deref() {
                Some("ratelimit") => {
                    r.check_keys(entry, &ef, &["name", "type", "namespace_id", "simple"]);
                    out.push(ratelimit(r, &o, names)?);
                }
                other => r.warn(
                    ef.clone(),
                    format!(
                        "unsafe bindings are not supported{}; env.{name} will be undefined",
                        other
                            .map(|t| format!(" (type \"{t}\")"))
                            .unwrap_or_default()
                    ),
                ),
            }
        }
    }
    Ok(out)
}

/// `version_metadata`: `{ binding }`.
pub(crate) fn version_metadata(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Option<String>, ConfigError> {
    let Some((v, f)) = at else {
        return Ok(None);
    };
    let map = r.object(v, &f)?;
    r.check_keys(map, &f, &["binding"]);
    let o = Obj { map, path: &f };
    let binding = o.name(r, "binding")?;
    names.add(&binding, o.field("binding"), true);
    Ok(Some(binding))
}

/// Most `run_worker_first` rules, and the longest one (wrangler's limits).
const MAX_ROUTE_RULES: usize = 100;
const MAX_ROUTE_RULE_LENGTH: usize = 100;

/// `assets`.
pub(crate) fn assets(
    r: &mut Reader,
    v: &serde_json::Value,
    f: &str,
    config_dir: &Path,
    names: &mut Names,
) -> Result<Assets, ConfigError> {
    let map = r.object(v, f)?;
    r.check_keys(
        map,
        f,
        &[
            "directory",
            "binding",
            "html_handling",
            "not_found_handling",
            "run_worker_first",
            "experimental_serve_directly",
        ],
    );
    let o = Obj { map, path: f };
    let dir_text = o.req_string(r, "directory")?;
    let directory = normalize(&config_dir.join(&dir_text));
    if !directory.is_dir() {
        return Err(r.invalid(
            &o.field("directory"),
            format!("the assets directory \"{dir_text}\" does not exist or is not a directory"),
        ));
    }
    let binding = o.opt_string(r, "binding")?;
    if let Some(b) = &binding {
        if !is_js_identifier(b) {
            return Err(r.invalid(
                &o.field("binding"),
                format!("\"{b}\" is not a valid JavaScript identifier"),
            ));
        }
        names.add(b, o.field("binding"), true);
    }
    let html_handling = match o.opt_string(r, "html_handling")?.as_deref() {
        None | Some("auto-trailing-slash") => HtmlHandling::AutoTrailingSlash,
        Some("force-trailing-slash") => HtmlHandling::ForceTrailingSlash,
        Some("drop-trailing-slash") => HtmlHandling::DropTrailingSlash,
        Some("none") => HtmlHandling::None,
        Some(other) => {
            return Err(r.invalid(
                &o.field("html_handling"),
                format!("\"{other}\" is not one of \"auto-trailing-slash\", \"force-trailing-slash\", \"drop-trailing-slash\", \"none\""),
            ));
        }
    };
    let not_found_handling = match o.opt_string(r, "not_found_handling")?.as_deref() {
        None | Some("none") => NotFoundHandling::None,
        Some("single-page-application") => NotFoundHandling::SinglePageApplication,
        Some("404-page") => NotFoundHandling::NotFoundPage,
        Some(other) => {
            return Err(r.invalid(
                &o.field("not_found_handling"),
                format!(
                    "\"{other}\" is not one of \"single-page-application\", \"404-page\", \"none\""
                ),
            ));
        }
    };
    let serve_directly = o.opt_bool(r, "experimental_serve_directly")?;
    if serve_directly.is_some() {
        r.warn(
            o.field("experimental_serve_directly"),
            "deprecated: use run_worker_first (its opposite)",
        );
    }
    let rwf_field = o.field("run_worker_first");
    let run_worker_first = match o.get("run_worker_first") {
        None => match serve_directly {
            Some(false) => RunWorkerFirst::Always,
            _ => RunWorkerFirst::Never,
        },
        Some(serde_json::Value::Bool(true)) => RunWorkerFirst::Always,
        Some(serde_json::Value::Bool(false)) => RunWorkerFirst::Never,
        Some(v @ serde_json::Value::Array(_)) => {
            let rules = r.strings(v, &rwf_field)?;
            run_worker_first_rules(r, &rwf_field, &rules)?;
            RunWorkerFirst::Patterns(rules)
        }
        Some(other) => return Err(r.wrong_type(&rwf_field, "boolean or array of strings", other)),
    };
    Ok(Assets {
        directory,
        binding,
        html_handling,
        not_found_handling,
        run_worker_first,
    })
}

/// wrangler's checks of `run_worker_first` route rules.
fn run_worker_first_rules(r: &Reader, field: &str, rules: &[String]) -> Result<(), ConfigError> {
    if rules.is_empty() {
        return Err(r.invalid(
            field,
            "no rules were provided; give at least 1, or `true`/`false`",
        ));
    }
    if rules.len() > MAX_ROUTE_RULES {
        return Err(r.invalid(
            field,
            format!("{} rules exceed the most, {MAX_ROUTE_RULES}", rules.len()),
        ));
    }
    let mut problems = Vec::new();
    let (negative, positive): (Vec<&String>, Vec<&String>) =
        rules.iter().partition(|rule| rule.starts_with('!'));
    for rule in rules {
        if rule.starts_with('!') && !rule.starts_with("!/") {
            problems.push(format!("'{rule}': negative rules must start with '!/'"));
        } else if !rule.starts_with('/') && !rule.starts_with('!') {
            problems.push(format!("'{rule}': rules must start with '/' or '!/'"));
        }
        if rule.len() > MAX_ROUTE_RULE_LENGTH {
            problems.push(format!(
                "'{rule}': all rules must be less than {MAX_ROUTE_RULE_LENGTH} characters in length"
            ));
        }
    }
    if !negative.is_empty() && positive.is_empty() {
        problems
            .push("only negative rules were provided; give at least 1 non-negative rule".into());
    }
    for group in [&negative, &positive] {
        for (i, rule) in group.iter().enumerate() {
            if group[..i].contains(rule) {
                problems.push(format!(
                    "'{rule}': rule is a duplicate; rules must be unique"
                ));
            }
            if let Some(prefix) = rule.strip_suffix('*') {
                for other in group.iter().filter(|o| *o != rule) {
                    if other.starts_with(prefix) {
                        problems.push(format!("'{other}': rule '{rule}' makes it redundant"));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(r.invalid(field, problems.join("; ")))
    }
}

/// `r2_buckets`.
pub(crate) fn r2_buckets(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<R2Bucket>, ConfigError> {
    let mut r2_buckets = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(
                map,
                &f,
                &[
                    "binding",
                    "bucket_name",
                    "preview_bucket_name",
                    "jurisdiction",
                    "remote",
                ],
            );
            let o = Obj { map, path: &f };
            let binding = o.name(r, "binding")?;
            names.add(&binding, o.field("binding"), true);
            r2_buckets.push(R2Bucket {
                binding,
                bucket_name: o.opt_string(r, "bucket_name")?,
                preview_bucket_name: o.opt_string(r, "preview_bucket_name")?,
                jurisdiction: o.opt_string(r, "jurisdiction")?,
            });
        }
    }
    Ok(r2_buckets)
}

/// `analytics_engine_datasets`.
pub(crate) fn analytics_engine_datasets(
    r: &mut Reader,
    at: Located<'_>,
    names: &mut Names,
) -> Result<Vec<AnalyticsEngineDataset>, ConfigError> {
    let mut analytics_engine_datasets = Vec::new();
    if let Some((v, f)) = at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(map, &f, &["binding", "dataset"]);
            let o = Obj { map, path: &f };
            let binding = o.name(r, "binding")?;
            names.add(&binding, o.field("binding"), true);
            analytics_engine_datasets.push(AnalyticsEngineDataset {
                binding,
                dataset: o.opt_string(r, "dataset")?,
            });
        }
    }
    Ok(analytics_engine_datasets)
}

/// `durable_objects.bindings` and `migrations`, checked against each other.
pub(crate) fn durable_objects(
    r: &mut Reader,
    bindings_at: Located<'_>,
    migrations_at: Located<'_>,
    names: &mut Names,
) -> Result<(Vec<DurableObjectBinding>, Vec<DoMigration>), ConfigError> {
    let mut durable_objects = Vec::new();
    let mut do_class_fields = Vec::new();
    if let Some((v, f)) = bindings_at {
        let map = r.object(v, &f)?;
        r.check_keys(map, &f, &["bindings"]);
        if let Some(bindings) = map.get("bindings") {
            for (map, f) in objects(r, bindings, &join(&f, "bindings"))? {
                r.check_keys(
                    map,
                    &f,
                    &["name", "class_name", "script_name", "environment"],
                );
                let o = Obj { map, path: &f };
                let name = o.name(r, "name")?;
                names.add(&name, o.field("name"), true);
                let class_name = o.name(r, "class_name")?;
                let script_name = o.opt_string(r, "script_name")?;
                o.opt_string(r, "environment")?;
                do_class_fields.push(o.field("class_name"));
                durable_objects.push(DurableObjectBinding {
                    name,
                    class_name,
                    script_name,
                });
            }
        }
    }

    let mut migrations = Vec::new();
    let mut tag_fields = Vec::new();
    if let Some((v, f)) = migrations_at {
        for (map, f) in objects(r, v, &f)? {
            r.check_keys(
                map,
                &f,
                &[
                    "tag",
                    "new_classes",
                    "new_sqlite_classes",
                    "renamed_classes",
                    "deleted_classes",
                ],
            );
            let o = Obj { map, path: &f };
            let tag = o.name(r, "tag")?;
            tag_fields.push(o.field("tag"));
            let mut renamed_classes = Vec::new();
            if let Some(v) = o.get("renamed_classes") {
                for (map, f) in objects(r, v, &o.field("renamed_classes"))? {
                    r.check_keys(map, &f, &["from", "to"]);
                    let ro = Obj { map, path: &f };
                    renamed_classes.push((ro.name(r, "from")?, ro.name(r, "to")?));
                }
            }
            migrations.push(DoMigration {
                tag,
                new_classes: o.opt_strings(r, "new_classes")?,
                new_sqlite_classes: o.opt_strings(r, "new_sqlite_classes")?,
                renamed_classes,
                deleted_classes: o.opt_strings(r, "deleted_classes")?,
            });
        }
    }
    validate_durable_objects(
        r,
        &durable_objects,
        &do_class_fields,
        &migrations,
        &tag_fields,
    )?;
    Ok((durable_objects, migrations))
}

/// Migration tags unique; bound classes created, not deleted or renamed away.
fn validate_durable_objects(
    r: &Reader,
    bindings: &[DurableObjectBinding],
    class_fields: &[String],
    migrations: &[DoMigration],
    tag_fields: &[String],
) -> Result<(), ConfigError> {
    let mut tags: HashMap<&str, &str> = HashMap::new();
    for (m, field) in migrations.iter().zip(tag_fields) {
        if let Some(first) = tags.insert(&m.tag, field) {
            return Err(ConfigError::DuplicateMigrationTag {
                file: r.label.clone(),
                field: field.clone(),
                tag: m.tag.clone(),
                first: first.to_string(),
            });
        }
    }

    enum State {
        Live,
        Deleted(String),
        RenamedTo(String, String),
    }
    let mut classes: BTreeMap<String, State> = BTreeMap::new();
    for (m, field) in migrations.iter().zip(tag_fields) {
        let at = field.trim_end_matches(".tag");
        for class in m.new_classes.iter().chain(&m.new_sqlite_classes) {
            if matches!(classes.get(class), Some(State::Live)) {
                return Err(r.invalid(
                    at,
                    format!(
                        "migration \"{}\" creates class {class}, which already exists",
                        m.tag
                    ),
                ));
            }
            classes.insert(class.clone(), State::Live);
        }
        for (from, to) in &m.renamed_classes {
            if !matches!(classes.get(from), Some(State::Live)) {
                return Err(r.invalid(
                    at,
                    format!(
                        "migration \"{}\" renames class {from}, which no earlier migration created",
                        m.tag
                    ),
                ));
            }
            classes.insert(from.clone(), State::RenamedTo(to.clone(), m.tag.clone()));
            classes.insert(to.clone(), State::Live);
        }
        for class in &m.deleted_classes {
            if !matches!(classes.get(class), Some(State::Live)) {
                return Err(r.invalid(
                    at,
                    format!("migration \"{}\" deletes class {class}, which no earlier migration created", m.tag),
                ));
            }
            classes.insert(class.clone(), State::Deleted(m.tag.clone()));
        }
    }

    for (b, field) in bindings.iter().zip(class_fields) {
        if b.script_name.is_some() {
            continue;
        }
        let gone = |reason: String| ConfigError::DurableObjectClassGone {
            file: r.label.clone(),
            field: field.clone(),
            class: b.class_name.clone(),
            reason,
        };
        match classes.get(&b.class_name) {
            Some(State::Live) => {}
            Some(State::Deleted(tag)) => {
                return Err(gone(format!("was deleted by migration \"{tag}\"")));
            }
            Some(State::RenamedTo(to, tag)) => {
                return Err(gone(format!(
                    "was renamed to {to} by migration \"{tag}\"; bind to {to}"
                )));
            }
            None => {
                return Err(ConfigError::DurableObjectWithoutMigration {
                    file: r.label.clone(),
                    field: field.clone(),
                    class: b.class_name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Whether `s` is a JavaScript IdentifierName (reserved words are fine as `env` properties).
pub(crate) fn is_js_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '$' || first == '_' || first.is_alphabetic())
        && chars.all(|c| {
            c == '$' || c == '_' || c == '\u{200c}' || c == '\u{200d}' || c.is_alphanumeric()
        })
}

pub(crate) fn validate_binding_names(r: &Reader, names: &Names) -> Result<(), ConfigError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for n in &names.0 {
        if n.identifier && !is_js_identifier(&n.name) {
            return Err(ConfigError::InvalidBindingName {
                file: r.label.clone(),
                field: n.field.clone(),
                name: n.name.clone(),
            });
        }
        if let Some(first) = seen.insert(&n.name, &n.field) {
            return Err(ConfigError::DuplicateBinding {
                file: r.label.clone(),
                name: n.name.clone(),
                first: first.to_string(),
                second: n.field.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_identifiers_allow_dollar_underscore_and_unicode_letters() {
        assert!(is_js_identifier("$_ok1"));
        assert!(is_js_identifier("ünïcode"));
        assert!(is_js_identifier("class"));
    }

    #[test]
    fn js_identifiers_reject_leading_digits_dashes_and_empty_names() {
        assert!(!is_js_identifier("1abc"));
        assert!(!is_js_identifier("MY-KV"));
        assert!(!is_js_identifier("a b"));
        assert!(!is_js_identifier(""));
    }
}
