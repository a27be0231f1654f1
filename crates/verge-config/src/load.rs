//! Finding, parsing, env-merging and validating a config file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::bindings::{self, Names};
use crate::compat::FlagProblem;
use crate::dotenv::{parse_named, secret_files};
use crate::fields::{self, FIELDS, Scope};
use crate::model::*;
use crate::paths::{is_file_unfollowed, normalize, relative_below};
use crate::reader::{Located, Obj, Reader, index, join, objects};
use crate::{CompatDate, CompatFlags, ConfigError};

/// Config file names looked for, in order.
pub const CONFIG_FILE_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// What to load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Project directory searched for a config file.
    pub dir: PathBuf,
    /// Explicit config file (`--config`); relative paths are taken relative to `dir`.
    pub config: Option<PathBuf>,
    /// Environment to select (`--env`).
    pub env: Option<String>,
    /// "Today" for the future-date check; `None` = the system clock's date in UTC.
    pub today: Option<CompatDate>,
}

impl LoadOptions {
    /// Options for the project in `dir`, with no explicit file or env.
    pub fn new(dir: impl Into<PathBuf>) -> LoadOptions {
        LoadOptions {
            dir: dir.into(),
            ..LoadOptions::default()
        }
    }
}

/// A loaded config and what was learned along the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The validated config.
    pub config: WorkerConfig,
    /// Non-fatal findings, in the order they were made.
    pub warnings: Vec<Warning>,
    /// Absolute path of the config file.
    pub path: PathBuf,
    /// The config file and every secrets file that exists or could exist next to it.
    pub watch_paths: Vec<PathBuf>,
}

/// Load the config for `opts`: discover, parse, select the env, validate, merge secrets.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let path = discover(opts)?;
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let is_toml = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => true,
        Some("json" | "jsonc") => false,
        _ => return Err(ConfigError::UnsupportedFormat { path }),
    };
    let mut r = Reader::new(&path, is_toml);
    let root_value = if is_toml {
        parse_toml(&text, &r.label)?
    } else {
        parse_jsonc(&text, &r.label)?
    };
    let root = r.object(&root_value, "(root)")?;
    let config_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();

    check_env_keys(&mut r, root, "", true);
    let mut env_names = Vec::new();
    if let Some(envs) = root.get("env") {
        for (name, env) in r.object(envs, "env")? {
            let prefix = join("env", name);
            let map = r.object(env, &prefix)?;
            check_env_keys(&mut r, map, &prefix, false);
            env_names.push(name.clone());
        }
    }
    let env = match opts.env.as_deref() {
        None => None,
        Some(e) => {
            let map = root
                .get("env")
                .and_then(|envs| envs.get(e))
                .and_then(Value::as_object)
                .ok_or_else(|| ConfigError::UnknownEnv {
                    file: r.label.clone(),
                    env: e.to_string(),
                    available: env_names.clone(),
                })?;
            Some((e, map))
        }
    };
    let view = View { root, env };
    if let Some((e, env_map)) = env {
        for key in FIELDS
            .iter()
            .filter(|f| f.scope == Scope::Binding)
            .map(|f| f.name)
        {
            let top_has = root.get(key).is_some_and(|v| !is_empty(v));
            if top_has && !env_map.contains_key(key) {
                r.warn(
                    format!("env.{e}.{key}"),
                    format!(
                        "\"{key}\" exists at the top level but not in \"env.{e}\"; it is not \
                         inherited, so this environment has none (repeat it under [env.{e}])"
                    ),
                );
            }
        }
    }

    let today = opts.today.unwrap_or_else(CompatDate::today_utc);
    let config = build(&mut r, &view, &config_dir, today)?;
    let mut config = config;

    // Secrets.
    let files = secret_files(&config_dir, opts.env.as_deref());
    let required = match view.binding("secrets") {
        Some((v, field)) => {
            let obj = Obj {
                map: r.object(v, &field)?,
                path: &field,
            };
            r.check_keys(obj.map, &field, &["required"]);
            obj.get("required")
                .map(|v| {
                    r.strings(v, &obj.field("required"))
                        .map(|list| (list, obj.field("required")))
                })
                .transpose()?
        }
        None => None,
    };
    let mut secrets: Vec<(String, String)> = Vec::new();
    for file in &files.read {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            path: file.clone(),
            source,
        })?;
        let label = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (k, v) in parse_named(&text, &label)? {
            match secrets.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => secrets.push((k, v)),
            }
        }
    }
    if let Some((required, field)) = required {
        secrets.retain(|(k, _)| required.contains(k));
        let sources = if files.read.is_empty() {
            ".dev.vars or .env".to_string()
        } else {
            files
                .read
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for name in &required {
            if !secrets.iter().any(|(k, _)| k == name) {
                r.warn(
                    field.clone(),
                    format!("required secret \"{name}\" is not set in {sources}"),
                );
            }
        }
    }
    for (k, v) in secrets {
        config.secret_names.push(k.clone());
        let v = Value::String(v);
        match config.vars.iter_mut().find(|(name, _)| *name == k) {
            Some(slot) => slot.1 = v,
            None => config.vars.push((k, v)),
        }
    }

    let mut watch_paths = vec![path.clone()];
    watch_paths.extend(files.candidates);
    Ok(Loaded {
        config,
        warnings: r.warnings,
        path,
        watch_paths,
    })
}

/// The config file for `opts`, as an absolute path.
fn discover(opts: &LoadOptions) -> Result<PathBuf, ConfigError> {
    let dir = std::path::absolute(&opts.dir).map_err(|source| ConfigError::Read {
        path: opts.dir.clone(),
        source,
    })?;
    let dir = normalize(&dir);
    if let Some(config) = &opts.config {
        return Ok(normalize(&dir.join(config)));
    }
    CONFIG_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .ok_or(ConfigError::NotFound { dir })
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// 1-based (line, column) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn parse_toml(text: &str, label: &str) -> Result<Value, ConfigError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ConfigError::Parse {
            file: label.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    toml_to_json(toml::Value::Table(table), "", label)
}

fn toml_to_json(v: toml::Value, field: &str, label: &str) -> Result<Value, ConfigError> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => {
                return Err(ConfigError::InvalidValue {
                    file: label.to_string(),
                    field: field.to_string(),
                    message: format!("{f} cannot be represented in JSON"),
                });
            }
        },
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| toml_to_json(item, &index(field, i), label))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => {
            let mut map = Map::new();
            for (k, item) in t {
                let child = toml_to_json(item, &join(field, &k), label)?;
                map.insert(k, child);
            }
            Value::Object(map)
        }
    })
}

fn parse_jsonc(text: &str, label: &str) -> Result<Value, ConfigError> {
    let options = jsonc_parser::ParseOptions::default();
    match jsonc_parser::parse_to_serde_value(text, &options) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(ConfigError::Parse {
            file: label.to_string(),
            line: 1,
            column: 1,
            message: "file is empty; expected a JSON object".to_string(),
        }),
        Err(e) => Err(ConfigError::Parse {
            file: label.to_string(),
            line: e.line_display(),
            column: e.column_display(),
            message: e.kind().to_string(),
        }),
    }
}

/// Warn about unknown, deprecated and misplaced keys of the top level or an env.
fn check_env_keys(r: &mut Reader, map: &Map<String, Value>, prefix: &str, top: bool) {
    for key in map.keys() {
        let field = join(prefix, key);
        match fields::lookup(key) {
            None => r.warn(field, "unknown field, ignored"),
            Some(f) if f.scope == Scope::Legacy => r.warn(field, "deprecated field, ignored"),
            Some(f) if f.scope == Scope::TopOnly && !top => {
                r.warn(field, "only allowed at the top level, ignored");
            }
            Some(_) => {}
        }
    }
}

/// Warn about every field of the selected config that verge does not act on (the table in
/// [`fields`]).
fn warn_unsupported(r: &mut Reader, view: &View<'_>) {
    let (route, routes) = view.routes();
    for field in FIELDS {
        let at = match (field.scope, field.name) {
            (Scope::Inherited, "route") => route.clone(),
            (Scope::Inherited, "routes") => routes.clone(),
            (Scope::Inherited, name) => view.inherited(name),
            (Scope::Binding, name) => view.binding(name),
            (Scope::TopOnly, name) => view.top(name),
            (Scope::Legacy, _) => None,
        };
        if let Some((v, path)) = at {
            fields::warn_unsupported(r, field, v, &path);
        }
    }
}

/// The top level with the selected env laid over it.
struct View<'v> {
    root: &'v Map<String, Value>,
    env: Option<(&'v str, &'v Map<String, Value>)>,
}

impl<'v> View<'v> {
    /// An inheritable key: the env's value if present, else the top level's.
    fn inherited(&self, key: &str) -> Located<'v> {
        if let Some((name, env)) = self.env
            && let Some(v) = env.get(key)
        {
            return Some((v, format!("env.{name}.{key}")));
        }
        self.top(key)
    }

    /// A non-inheritable key: only the env's value when an env is selected.
    fn binding(&self, key: &str) -> Located<'v> {
        match self.env {
            Some((name, env)) => env.get(key).map(|v| (v, format!("env.{name}.{key}"))),
            None => self.top(key),
        }
    }

    /// A top-level-only key.
    fn top(&self, key: &str) -> Located<'v> {
        self.root.get(key).map(|v| (v, key.to_string()))
    }

    /// Where `route`/`routes` come from: they are inherited as a pair.
    fn routes(&self) -> (Located<'v>, Located<'v>) {
        if let Some((name, env)) = self.env
            && (env.contains_key("route") || env.contains_key("routes"))
        {
            let at = |k: &str| env.get(k).map(|v| (v, format!("env.{name}.{k}")));
            return (at("route"), at("routes"));
        }
        (self.top("route"), self.top("routes"))
    }
}

fn build(
    r: &mut Reader,
    view: &View<'_>,
    config_dir: &Path,
    today: CompatDate,
) -> Result<WorkerConfig, ConfigError> {
    let env_name = view.env.map(|(e, _)| e);
    let mut names = Names::default();

    // name
    let top_name = match view.top("name") {
        Some((v, f)) => Some(r.string(v, &f)?),
        None => None,
    };
    let env_own_name = match view
        .env
        .and_then(|(e, m)| m.get("name").map(|v| (v, format!("env.{e}.name"))))
    {
        Some((v, f)) => Some(r.string(v, &f)?),
        None => None,
    };
    let base = top_name.unwrap_or_else(|| {
        config_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "worker".to_string())
    });
    let name = match (env_own_name, env_name) {
        (Some(n), _) => n,
        (None, Some(e)) => format!("{base}-{e}"),
        (None, None) => base,
    };

    // compatibility_date and flags
    let (v, date_field) = view
        .inherited("compatibility_date")
        .ok_or_else(|| r.missing("compatibility_date"))?;
    let date_text = r.string(v, &date_field)?;
    let compatibility_date: CompatDate = date_text
        .parse()
        .map_err(|e: ConfigError| r.invalid(&date_field, e.to_string()))?;
    if compatibility_date > today {
        return Err(ConfigError::FutureCompatDate {
            file: r.label.clone(),
            field: date_field,
            date: compatibility_date,
            today,
        });
    }
    let (compatibility_flags, flags_field) = match view.inherited("compatibility_flags") {
        Some((v, f)) => (r.strings(v, &f)?, f),
        None => (Vec::new(), "compatibility_flags".to_string()),
    };
    let compat =
        CompatFlags::resolve(compatibility_date, &compatibility_flags).map_err(|p| match p {
            FlagProblem::Unknown(i) => ConfigError::UnknownCompatFlag {
                file: r.label.clone(),
                field: index(&flags_field, i),
                flag: compatibility_flags[i].clone(),
            },
            FlagProblem::Conflict(a, b) => ConfigError::ConflictingCompatFlags {
                file: r.label.clone(),
                field: flags_field.clone(),
                flag: compatibility_flags[a].clone(),
                opposite: compatibility_flags[b].clone(),
            },
        })?;
    for (i, flag) in compatibility_flags.iter().enumerate() {
        let node = if flag.starts_with("nodejs_") {
            " (verge has no Node.js compatibility layer: no node:* modules, Buffer or process)"
        } else {
            ""
        };
        r.warn(
            index(&flags_field, i),
            format!(
                "verge does not switch behaviour by compatibility flag yet; \"{flag}\" has no effect{node}"
            ),
        );
    }

    // main: required, unless the worker is assets only.
    let main = match view.inherited("main") {
        None if view.inherited("assets").is_some() => None,
        None => return Err(r.missing("main")),
        Some((v, main_field)) => {
            let main_text = r.string(v, &main_field)?;
            let main = normalize(&config_dir.join(&main_text));
            let Some(main_relative) = relative_below(config_dir, &main) else {
                return Err(ConfigError::MainOutsideProject {
                    file: r.label.clone(),
                    field: main_field,
                    main: main_text,
                });
            };
            if is_file_unfollowed(config_dir, &main_relative) == Some(false) {
                return Err(ConfigError::MainNotFound {
                    file: r.label.clone(),
                    field: main_field,
                    main: main_relative,
                });
            }
            Some(main)
        }
    };

    // vars
    let mut vars = Vec::new();
    if let Some((v, f)) = view.binding("vars") {
        for (k, val) in r.object(v, &f)? {
            names.add(k, join(&f, k), false);
            vars.push((k.clone(), val.clone()));
        }
    }

    let limits = match view.inherited("limits") {
        Some((v, f)) => parse_limits(r, v, &f)?,
        None => Limits::default(),
    };
    let routes = parse_routes(r, view)?;
    let triggers = match view.inherited("triggers") {
        Some((v, f)) => parse_triggers(r, v, &f)?,
        None => Vec::new(),
    };
    let rules = match view.inherited("rules") {
        Some((v, f)) => parse_rules(r, v, &f)?,
        None => Vec::new(),
    };
    let base_dir = match view.inherited("base_dir") {
        None => None,
        Some((v, field)) => {
            let text = r.string(v, &field)?;
            let Some(relative) = relative_below(config_dir, &normalize(&config_dir.join(&text)))
            else {
                return Err(r.invalid(
                    &field,
                    format!(
                        "\"{text}\" is outside the project directory (the directory holding the config file)"
                    ),
                ));
            };
            if is_file_unfollowed(config_dir, &relative) == Some(true) {
                return Err(r.invalid(&field, format!("\"{text}\" is a file, not a directory")));
            }
            Some(relative)
        }
    };
    let find_additional_modules = match view.inherited("find_additional_modules") {
        Some((v, f)) => r.boolean(v, &f)?,
        None => false,
    };
    let preserve_file_names = match view.inherited("preserve_file_names") {
        Some((v, f)) => r.boolean(v, &f)?,
        None => false,
    };
    let dev = match view.top("dev") {
        Some((v, f)) => parse_dev(r, v, &f)?,
        None => DevSettings::default(),
    };

    let kv_namespaces = bindings::kv_namespaces(r, view.binding("kv_namespaces"), &mut names)?;
    let d1_databases =
        bindings::d1_databases(r, view.binding("d1_databases"), config_dir, &mut names)?;
    let (durable_objects, migrations) = bindings::durable_objects(
        r,
        view.binding("durable_objects"),
        view.inherited("migrations"),
        &mut names,
    )?;
    let services = bindings::services(r, view.binding("services"), &mut names)?;
    let queues = bindings::queues(r, view.binding("queues"), &mut names)?;
    let mut ratelimits = bindings::ratelimits(r, view.binding("ratelimits"), &mut names)?;
    ratelimits.extend(bindings::unsafe_bindings(
        r,
        view.binding("unsafe"),
        &mut names,
    )?);
    let assets = match view.inherited("assets") {
        Some((v, f)) => Some(bindings::assets(r, v, &f, config_dir, &mut names)?),
        None => None,
    };
    let version_metadata =
        bindings::version_metadata(r, view.binding("version_metadata"), &mut names)?;
    let r2_buckets = bindings::r2_buckets(r, view.binding("r2_buckets"), &mut names)?;
    let analytics_engine_datasets = bindings::analytics_engine_datasets(
        r,
        view.binding("analytics_engine_datasets"),
        &mut names,
    )?;

    bindings::validate_binding_names(r, &names)?;
    warn_unsupported(r, view);

    Ok(WorkerConfig {
        name,
        main,
        compatibility_date,
        compatibility_flags,
        compat,
        vars,
        secret_names: Vec::new(),
        limits,
        routes,
        kv_namespaces,
        d1_databases,
        durable_objects,
        migrations,
        triggers,
        rules,
        base_dir,
        find_additional_modules,
        preserve_file_names,
        dev,
        services,
        queues,
        ratelimits,
        assets,
        version_metadata,
        r2_buckets,
        analytics_engine_datasets,
    })
}

fn parse_limits(r: &mut Reader, v: &Value, field: &str) -> Result<Limits, ConfigError> {
    let map = r.object(v, field)?;
    r.check_keys(map, field, &["cpu_ms", "subrequests", "memory_mb"]);
    let o = Obj { map, path: field };
    Ok(Limits {
        cpu_ms: o.opt_int(r, "cpu_ms", 1, 300_000)?,
        subrequests: o.opt_int(r, "subrequests", 0, i64::from(u32::MAX))?,
        memory_mb: o.opt_int(r, "memory_mb", 1, 65_536)?,
    })
}

fn parse_routes(r: &mut Reader, view: &View<'_>) -> Result<Vec<Route>, ConfigError> {
    let (route, routes) = view.routes();
    let mut out = Vec::new();
    match (route, routes) {
        (Some((_, a)), Some((_, b))) => {
            return Err(r.invalid(&b, format!("set either \"{a}\" or \"{b}\", not both")));
        }
        (Some((v, f)), None) => out.push(parse_route(r, v, &f)?),
        (None, Some((v, f))) => {
            for (i, item) in r.array(v, &f)?.iter().enumerate() {
                out.push(parse_route(r, item, &index(&f, i))?);
            }
        }
        (None, None) => {}
    }
    Ok(out)
}

fn parse_route(r: &mut Reader, v: &Value, field: &str) -> Result<Route, ConfigError> {
    let route = match v {
        Value::String(pattern) => Route {
            pattern: pattern.clone(),
            zone_name: None,
            zone_id: None,
            custom_domain: false,
        },
        Value::Object(map) => {
            r.check_keys(
                map,
                field,
                &[
                    "pattern",
                    "zone_name",
                    "zone_id",
                    "custom_domain",
                    "enabled",
                    "previews_enabled",
                ],
            );
            let o = Obj { map, path: field };
            Route {
                pattern: o.req_string(r, "pattern")?,
                zone_name: o.opt_string(r, "zone_name")?,
                zone_id: o.opt_string(r, "zone_id")?,
                custom_domain: o.opt_bool(r, "custom_domain")?.unwrap_or(false),
            }
        }
        other => return Err(r.wrong_type(field, "string or table", other)),
    };
    if route.pattern.trim().is_empty() {
        return Err(r.invalid(field, "route pattern must not be empty"));
    }
    Ok(route)
}

fn parse_triggers(r: &mut Reader, v: &Value, field: &str) -> Result<Vec<String>, ConfigError> {
    let map = r.object(v, field)?;
    r.check_keys(map, field, &["crons"]);
    let o = Obj { map, path: field };
    let crons = o.opt_strings(r, "crons")?;
    for (i, expr) in crons.iter().enumerate() {
        if let Err(reason) = crate::cron::parse_cron(expr) {
            return Err(ConfigError::InvalidCron {
                file: r.label.clone(),
                field: index(&o.field("crons"), i),
                expr: expr.clone(),
                reason,
            });
        }
    }
    Ok(crons)
}

fn parse_rules(r: &mut Reader, v: &Value, field: &str) -> Result<Vec<ModuleRule>, ConfigError> {
    let mut out = Vec::new();
    for (map, f) in objects(r, v, field)? {
        r.check_keys(map, &f, &["type", "globs", "fallthrough"]);
        let o = Obj { map, path: &f };
        let kind_text = o.req_string(r, "type")?;
        let kind = ModuleKind::from_wrangler(&kind_text).ok_or_else(|| {
            r.invalid(
                &o.field("type"),
                format!(
                    "unknown module type \"{kind_text}\" (expected ESModule, CommonJS, Text, Data or CompiledWasm)"
                ),
            )
        })?;
        let globs_field = o.field("globs");
        let globs = o.get("globs").ok_or_else(|| r.missing(&globs_field))?;
        out.push(ModuleRule {
            kind,
            globs: r.strings(globs, &globs_field)?,
            fallthrough: o.opt_bool(r, "fallthrough")?,
        });
    }
    Ok(out)
}

fn parse_dev(r: &mut Reader, v: &Value, field: &str) -> Result<DevSettings, ConfigError> {
    let map = r.object(v, field)?;
    r.check_keys(
        map,
        field,
        &[
            "ip",
            "port",
            "local_protocol",
            "upstream_protocol",
            "host",
            "inspector_port",
            "inspector_ip",
            "enable_containers",
            "container_engine",
            "generate_types",
        ],
    );
    let o = Obj { map, path: field };
    for key in [
        "upstream_protocol",
        "host",
        "inspector_port",
        "inspector_ip",
        "enable_containers",
        "container_engine",
        "generate_types",
    ] {
        if o.get(key).is_some() {
            r.warn(o.field(key), "ignored: `verge dev` has no such setting");
        }
    }
    if let Some(protocol) = o.opt_string(r, "local_protocol")?
        && protocol != "http"
    {
        r.warn(
            o.field("local_protocol"),
            format!("\"{protocol}\" is ignored: `verge dev` serves plain http"),
        );
    }
    let port = o
        .opt_int(r, "port", 0, i64::from(u16::MAX))?
        .map(|p| u16::try_from(p).expect("range-checked to fit u16"));
    Ok(DevSettings {
        ip: o.opt_string(r, "ip")?,
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tempfile::TempDir;

    const HEAD: &str =
        "name = \"app\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-06-01\"\n";

    fn today() -> CompatDate {
        CompatDate::new(2026, 9, 1).expect("valid date")
    }

    /// A project dir with `src/index.js` and the given files.
    fn project(files: &[(&str, &str)]) -> TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/index.js"), "export default {}").expect("write");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn opts(dir: &TempDir, env: Option<&str>) -> LoadOptions {
        LoadOptions {
            dir: dir.path().to_path_buf(),
            config: None,
            env: env.map(str::to_string),
            today: Some(today()),
        }
    }

    fn load_toml(toml: &str) -> Result<Loaded, ConfigError> {
        let dir = project(&[("wrangler.toml", toml)]);
        load(&opts(&dir, None))
    }

    fn ok_toml(toml: &str) -> Loaded {
        load_toml(toml).unwrap_or_else(|e| panic!("expected success, got: {e}"))
    }

    fn err_toml(toml: &str) -> String {
        match load_toml(toml) {
            Ok(_) => panic!("expected an error for:\n{toml}"),
            Err(e) => e.to_string(),
        }
    }

    fn warnings(loaded: &Loaded) -> Vec<String> {
        loaded.warnings.iter().map(ToString::to_string).collect()
    }

    // ---- discovery ----

    #[test]
    fn discovery_prefers_json_then_jsonc_then_toml() {
        let json =
            r#"{"name": "from-json", "main": "src/index.js", "compatibility_date": "2025-01-01"}"#;
        let jsonc =
            r#"{"name": "from-jsonc", "main": "src/index.js", "compatibility_date": "2025-01-01"}"#;
        let toml =
            "name = \"from-toml\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"";
        let dir = project(&[
            ("wrangler.json", json),
            ("wrangler.jsonc", jsonc),
            ("wrangler.toml", toml),
        ]);
        let loaded = load(&opts(&dir, None)).expect("loads");
        assert_eq!(loaded.config.name, "from-json");
        assert_eq!(loaded.path, dir.path().join("wrangler.json"));

        std::fs::remove_file(dir.path().join("wrangler.json")).expect("rm");
        assert_eq!(
            load(&opts(&dir, None)).expect("loads").config.name,
            "from-jsonc"
        );
        std::fs::remove_file(dir.path().join("wrangler.jsonc")).expect("rm");
        assert_eq!(
            load(&opts(&dir, None)).expect("loads").config.name,
            "from-toml"
        );
    }

    #[test]
    fn explicit_config_path_overrides_discovery() {
        let other = HEAD.replace("\"app\"", "\"custom\"");
        let dir = project(&[
            ("wrangler.toml", HEAD),
            ("configs/dev.toml", &other),
            ("configs/src/index.js", "export default {}"),
        ]);
        let mut o = opts(&dir, None);
        o.config = Some(PathBuf::from("configs/dev.toml"));
        let loaded = load(&o).expect("loads");
        assert_eq!(loaded.config.name, "custom");
        assert_eq!(loaded.path, dir.path().join("configs/dev.toml"));
        assert_eq!(
            loaded.config.main,
            Some(dir.path().join("configs/src/index.js"))
        );
    }

    #[test]
    fn explicit_config_that_does_not_exist_is_a_read_error() {
        let dir = project(&[]);
        let mut o = opts(&dir, None);
        o.config = Some(PathBuf::from("nope.toml"));
        assert!(matches!(load(&o), Err(ConfigError::Read { .. })));
    }

    #[test]
    fn missing_config_error_names_the_dir_and_the_three_file_names() {
        let dir = project(&[]);
        let err = load(&opts(&dir, None)).expect_err("no config").to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        for name in CONFIG_FILE_NAMES {
            assert!(err.contains(name), "{err}");
        }
    }

    // ---- parsing ----

    #[test]
    fn toml_syntax_error_reports_file_line_and_column() {
        let err = load_toml("name = \"app\"\nmain = = 1\n").expect_err("bad toml");
        match err {
            ConfigError::Parse {
                file, line, column, ..
            } => {
                assert_eq!(file, "wrangler.toml");
                assert_eq!(line, 2);
                assert_eq!(column, 8);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn jsonc_syntax_error_reports_file_line_and_column() {
        let dir = project(&[(
            "wrangler.jsonc",
            "{\n  \"name\": \"a\",\n  \"main\" \"x\"\n}",
        )]);
        let err = load(&opts(&dir, None)).expect_err("bad json");
        match &err {
            ConfigError::Parse { file, line, .. } => {
                assert_eq!(file, "wrangler.jsonc");
                assert_eq!(*line, 3);
            }
            other => panic!("unexpected {other}"),
        }
        assert!(err.to_string().starts_with("wrangler.jsonc:3:"), "{err}");
    }

    #[test]
    fn jsonc_accepts_comments_and_trailing_commas() {
        let text = "{\n // comment\n \"name\": \"a\", /* block */\n \"main\": \"src/index.js\",\n \"compatibility_date\": \"2025-01-01\",\n \"vars\": {\"A\": [1, 2,],},\n}";
        let dir = project(&[("wrangler.jsonc", text)]);
        let loaded = load(&opts(&dir, None)).expect("loads");
        assert_eq!(loaded.config.vars, vec![("A".to_string(), json!([1, 2]))]);
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn empty_json_file_is_a_parse_error() {
        let dir = project(&[("wrangler.json", "  ")]);
        assert!(matches!(
            load(&opts(&dir, None)),
            Err(ConfigError::Parse { .. })
        ));
    }

    // ---- unknown, legacy and ignored keys ----

    #[test]
    fn unknown_keys_warn_with_file_and_key_path() {
        let loaded = ok_toml(&format!(
            "{HEAD}foo = 1\n[[kv_namespaces]]\nbinding = \"KV\"\nbogus = true\n[limits]\ncpu_ms = 10\nwat = 1\n[env.staging]\nfoo = 2\n"
        ));
        let w = warnings(&loaded);
        assert!(
            w.contains(&"wrangler.toml: field \"foo\": unknown field, ignored".to_string()),
            "{w:?}"
        );
        assert!(
            w.contains(
                &"wrangler.toml: field \"kv_namespaces[0].bogus\": unknown field, ignored"
                    .to_string()
            ),
            "{w:?}"
        );
        assert!(
            w.contains(&"wrangler.toml: field \"limits.wat\": unknown field, ignored".to_string()),
            "{w:?}"
        );
        assert!(
            w.contains(
                &"wrangler.toml: field \"env.staging.foo\": unknown field, ignored".to_string()
            ),
            "{w:?}"
        );
        assert_eq!(w.len(), 4, "{w:?}");
    }

    #[test]
    fn schema_key_is_ignored_silently() {
        let text = r#"{"$schema": "./node_modules/wrangler/config-schema.json", "main": "src/index.js", "compatibility_date": "2025-01-01"}"#;
        let dir = project(&[("wrangler.json", text)]);
        assert!(load(&opts(&dir, None)).expect("loads").warnings.is_empty());
    }

    #[test]
    fn legacy_keys_warn_as_deprecated() {
        let loaded = ok_toml(&format!(
            "{HEAD}usage_model = \"bundled\"\nnode_compat = true\ntype = \"javascript\"\nwebpack_config = \"w.js\"\n"
        ));
        let w = warnings(&loaded);
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w.iter().all(|m| m.contains("deprecated")), "{w:?}");
        assert!(w[0].contains("\"usage_model\""), "{w:?}");
    }

    #[test]
    fn deploy_only_keys_do_not_warn() {
        let loaded = ok_toml(&format!(
            "{HEAD}account_id = \"abc\"\nworkers_dev = true\npreview_urls = false\nno_bundle = true\nkeep_vars = true\n\
             logpush = true\nupload_source_maps = true\nsend_metrics = false\nminify = false\n\
             [placement]\nmode = \"smart\"\n[observability]\nenabled = true\n\
             [dev]\nport = 8787\nlocal_protocol = \"http\"\n"
        ));
        assert!(loaded.warnings.is_empty(), "{:?}", warnings(&loaded));
    }

    #[test]
    fn bundler_and_build_keys_warn_that_they_have_no_effect() {
        let loaded = ok_toml(&format!(
            "{HEAD}minify = true\ntsconfig = \"tsconfig.json\"\n[build]\ncommand = \"npm run build\"\n\
             [define]\nDEBUG = \"false\"\n[alias]\nfoo = \"./bar.js\"\n"
        ));
        assert_eq!(
            warnings(&loaded),
            [
                "wrangler.toml: field \"tsconfig\": verge does not bundle: `main` and the files it imports are loaded as they are, so this has no effect",
                "wrangler.toml: field \"build\": verge does not run build commands: run it yourself before starting verge; `main` is loaded as it is on disk",
                "wrangler.toml: field \"minify\": verge does not bundle: `main` and the files it imports are loaded as they are, so this has no effect",
                "wrangler.toml: field \"define\": verge does not bundle, so these substitutions are not applied",
                "wrangler.toml: field \"alias\": verge does not bundle, so module aliases are not applied",
            ]
        );
    }

    /// The fields the integration test `unsupported_fields_are_warned_about_by_name` uses too.
    const UNSUPPORTED: &str = "[[analytics_engine_datasets]]\nbinding = \"SVC\"\ndataset = \"other\"\n\
        [[r2_buckets]]\nbinding = \"FILES\"\nbucket_name = \"files\"\n\
        [[hyperdrive]]\nbinding = \"PG\"\nid = \"abc\"\n\
        [[unsafe.bindings]]\nname = \"UNSAFE\"\ntype = \"analytics_engine\"\n";

    #[test]
    fn every_field_verge_does_not_implement_is_warned_about_by_name() {
        let loaded = ok_toml(&format!("{HEAD}{UNSUPPORTED}"));
        assert_eq!(
            warnings(&loaded),
            [
                "wrangler.toml: field \"unsafe.bindings[0]\": unsafe bindings are not supported (type \"analytics_engine\"); env.UNSAFE will be undefined",
                "wrangler.toml: field \"r2_buckets[0]\": R2 buckets are not supported yet; env.FILES will be undefined",
                "wrangler.toml: field \"hyperdrive[0]\": Hyperdrive bindings are not supported; env.PG will be undefined",
                "wrangler.toml: field \"analytics_engine_datasets[0]\": Analytics Engine datasets are not supported yet; env.SVC will be undefined",
            ]
        );
        // The typed ones are still parsed and validated.
        let c = &loaded.config;
        assert_eq!(
            c.analytics_engine_datasets[0].dataset.as_deref(),
            Some("other")
        );
        assert_eq!(c.r2_buckets[0].bucket_name.as_deref(), Some("files"));
    }

    #[test]
    fn unsupported_fields_warn_for_the_selected_env_only() {
        let dir = project(&[(
            "wrangler.toml",
            &format!(
                "{HEAD}[[analytics_engine_datasets]]\nbinding = \"TOP\"\n\
                 [[env.staging.analytics_engine_datasets]]\nbinding = \"STAGING\"\n\
                 [[env.prod.hyperdrive]]\nbinding = \"PG\"\nid = \"x\"\n"
            ),
        )]);
        let staging = load(&opts(&dir, Some("staging"))).expect("loads");
        assert_eq!(
            warnings(&staging),
            [
                "wrangler.toml: field \"env.staging.analytics_engine_datasets[0]\": Analytics Engine datasets are not supported yet; env.STAGING will be undefined"
            ]
        );
        let top = load(&opts(&dir, None)).expect("loads");
        assert_eq!(
            warnings(&top),
            [
                "wrangler.toml: field \"analytics_engine_datasets[0]\": Analytics Engine datasets are not supported yet; env.TOP will be undefined"
            ]
        );
    }

    #[test]
    fn partly_supported_fields_name_what_is_ignored() {
        let loaded = ok_toml(&format!(
            "{HEAD}[limits]\ncpu_ms = 50\nsubrequests = 10\n\
             [dev]\nport = 9000\nlocal_protocol = \"https\"\ninspector_port = 9229\nhost = \"example.com\"\n\
             [[kv_namespaces]]\nbinding = \"KV\"\nid = \"prod\"\npreview_id = \"dev\"\nremote = true\n\
             [[d1_databases]]\nbinding = \"DB\"\ndatabase_id = \"db1\"\npreview_database_id = \"db2\"\nmigrations_pattern = \"*.sql\"\n"
        ));
        assert_eq!(
            warnings(&loaded),
            [
                "wrangler.toml: field \"dev.host\": ignored: `verge dev` has no such setting",
                "wrangler.toml: field \"dev.inspector_port\": ignored: `verge dev` has no such setting",
                "wrangler.toml: field \"dev.local_protocol\": \"https\" is ignored: `verge dev` serves plain http",
                "wrangler.toml: field \"kv_namespaces[0].remote\": remote bindings are not supported: env.KV uses verge's local state",
                "wrangler.toml: field \"kv_namespaces[0].preview_id\": ignored: verge keeps one local namespace per binding, identified by id (\"prod\")",
                "wrangler.toml: field \"d1_databases[0].preview_database_id\": ignored: verge keeps one local database per binding, identified by \"db1\"",
                "wrangler.toml: field \"d1_databases[0].migrations_pattern\": ignored: verge applies every .sql file of migrations_dir, in name order",
            ]
        );
    }

    #[test]
    fn compatibility_flags_warn_that_verge_does_not_switch_on_them() {
        let loaded = ok_toml(&format!(
            "{HEAD}compatibility_flags = [\"no_rpc\", \"nodejs_compat\"]\n"
        ));
        assert_eq!(
            warnings(&loaded),
            [
                "wrangler.toml: field \"compatibility_flags[0]\": verge does not switch behaviour by compatibility flag yet; \"no_rpc\" has no effect",
                "wrangler.toml: field \"compatibility_flags[1]\": verge does not switch behaviour by compatibility flag yet; \"nodejs_compat\" has no effect (verge has no Node.js compatibility layer: no node:* modules, Buffer or process)",
            ]
        );
    }

    #[test]
    fn unsafe_and_top_level_only_keys_in_env_warn() {
        let loaded = ok_toml(&format!(
            "{HEAD}[[unsafe.bindings]]\nname = \"RAW\"\ntype = \"x\"\n[env.staging.dev]\nport = 1\n"
        ));
        let w = warnings(&loaded);
        assert!(
            w.iter().any(|m| m.contains("\"unsafe.bindings[0]\"")
                && m.contains("not supported (type \"x\"); env.RAW will be undefined")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|m| m.contains("\"env.staging.dev\"") && m.contains("top level")),
            "{w:?}"
        );
    }

    // ---- wrong types ----

    #[test]
    fn wrong_type_on_known_key_names_file_field_and_types() {
        let err = err_toml(&format!("{HEAD}[[kv_namespaces]]\nbinding = 5\n"));
        assert_eq!(
            err,
            "wrangler.toml: field \"kv_namespaces[0].binding\": expected string, found integer"
        );
        let err = err_toml(&format!("{HEAD}compatibility_flags = \"nodejs_compat\"\n"));
        assert_eq!(
            err,
            "wrangler.toml: field \"compatibility_flags\": expected array, found string"
        );
        let err = err_toml(&format!("{HEAD}vars = [1]\n"));
        assert_eq!(
            err,
            "wrangler.toml: field \"vars\": expected table, found array"
        );
    }

    #[test]
    fn wrong_type_inside_selected_env_names_the_env_path() {
        let dir = project(&[(
            "wrangler.json",
            r#"{"main": "src/index.js", "compatibility_date": "2025-01-01",
                "env": {"staging": {"d1_databases": [{"binding": "DB", "migrations_dir": false}]}}}"#,
        )]);
        let err = load(&opts(&dir, Some("staging")))
            .expect_err("bad type")
            .to_string();
        assert_eq!(
            err,
            "wrangler.json: field \"env.staging.d1_databases[0].migrations_dir\": expected string, found boolean"
        );
    }

    // ---- compatibility date and flags ----

    #[test]
    fn compatibility_date_is_required() {
        let err = err_toml("main = \"src/index.js\"\n");
        assert_eq!(
            err,
            "wrangler.toml: field \"compatibility_date\" is required"
        );
    }

    #[test]
    fn compatibility_date_must_be_a_real_date() {
        let err = err_toml("main = \"src/index.js\"\ncompatibility_date = \"2025-02-30\"\n");
        assert!(
            err.contains("compatibility_date") && err.contains("2025-02-30"),
            "{err}"
        );
    }

    #[test]
    fn compatibility_date_in_the_future_is_rejected_but_today_is_fine() {
        let err = err_toml("main = \"src/index.js\"\ncompatibility_date = \"2026-09-02\"\n");
        assert!(
            err.contains("2026-09-02 is in the future") && err.contains("2026-09-01"),
            "{err}"
        );
        let loaded = ok_toml("main = \"src/index.js\"\ncompatibility_date = \"2026-09-01\"\n");
        assert_eq!(loaded.config.compatibility_date, today());
    }

    #[test]
    fn unknown_compatibility_flag_is_an_error_naming_it() {
        let err = err_toml(&format!(
            "{HEAD}compatibility_flags = [\"nodejs_compat\", \"hyperdrive_warp\"]\n"
        ));
        assert_eq!(
            err,
            "wrangler.toml: field \"compatibility_flags[1]\": unknown compatibility flag \"hyperdrive_warp\""
        );
    }

    #[test]
    fn contradictory_compatibility_flags_are_an_error() {
        let err = err_toml(&format!(
            "{HEAD}compatibility_flags = [\"rpc\", \"no_rpc\"]\n"
        ));
        assert!(err.contains("\"rpc\" and \"no_rpc\""), "{err}");
    }

    #[test]
    fn explicit_flags_win_over_the_date_after_loading() {
        // 2025-06-01: rpc on by default, nodejs_compat off.
        let loaded = ok_toml(&format!(
            "{HEAD}compatibility_flags = [\"nodejs_compat\", \"no_rpc\"]\n"
        ));
        let c = &loaded.config;
        assert!(c.compat.enabled("nodejs_compat"));
        assert!(!c.compat.enabled("rpc"));
        assert!(c.compat.enabled("urlpattern_standard"));
        assert!(!c.compat.enabled("enable_ctx_exports"));
        assert_eq!(c.compatibility_flags, ["nodejs_compat", "no_rpc"]);
    }

    // ---- environments ----

    const ENV_TOML: &str = "name = \"shop\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-06-01\"\n\
        compatibility_flags = [\"nodejs_compat\"]\n\
        [limits]\ncpu_ms = 50\n\
        [vars]\nMODE = \"prod\"\n\
        [[kv_namespaces]]\nbinding = \"KV\"\nid = \"prod\"\n\
        [env.staging]\ncompatibility_date = \"2024-01-01\"\n\
        [env.staging.vars]\nMODE = \"staging\"\n\
        [env.named]\nname = \"explicit\"\n";

    #[test]
    fn env_inheritable_keys_replace_or_inherit_top_level_values() {
        let dir = project(&[("wrangler.toml", ENV_TOML)]);
        let c = load(&opts(&dir, Some("staging"))).expect("loads").config;
        assert_eq!(c.compatibility_date.to_string(), "2024-01-01");
        assert_eq!(c.compatibility_flags, ["nodejs_compat"]);
        assert_eq!(c.limits.cpu_ms, Some(50));
    }

    #[test]
    fn env_bindings_are_not_inherited_and_missing_ones_warn() {
        let dir = project(&[("wrangler.toml", ENV_TOML)]);
        let loaded = load(&opts(&dir, Some("staging"))).expect("loads");
        assert_eq!(
            loaded.config.vars,
            vec![("MODE".to_string(), json!("staging"))]
        );
        assert!(loaded.config.kv_namespaces.is_empty());
        let not_inherited = |loaded: &Loaded| {
            warnings(loaded)
                .into_iter()
                .filter(|w| w.contains("not inherited"))
                .collect::<Vec<_>>()
        };
        let w = not_inherited(&loaded);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("\"env.staging.kv_namespaces\""), "{w:?}");

        let loaded = load(&opts(&dir, Some("named"))).expect("loads");
        assert!(loaded.config.vars.is_empty());
        assert_eq!(not_inherited(&loaded).len(), 2, "{:?}", warnings(&loaded));
    }

    #[test]
    fn env_name_defaults_to_name_dash_env_unless_the_env_sets_one() {
        let dir = project(&[("wrangler.toml", ENV_TOML)]);
        assert_eq!(load(&opts(&dir, None)).expect("loads").config.name, "shop");
        assert_eq!(
            load(&opts(&dir, Some("staging")))
                .expect("loads")
                .config
                .name,
            "shop-staging"
        );
        assert_eq!(
            load(&opts(&dir, Some("named"))).expect("loads").config.name,
            "explicit"
        );
    }

    #[test]
    fn missing_name_falls_back_to_the_directory_name() {
        let dir = project(&[(
            "wrangler.toml",
            "main = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\n[env.dev]\n",
        )]);
        let dir_name = dir
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name")
            .to_string();
        assert_eq!(
            load(&opts(&dir, None)).expect("loads").config.name,
            dir_name
        );
        assert_eq!(
            load(&opts(&dir, Some("dev"))).expect("loads").config.name,
            format!("{dir_name}-dev")
        );
    }

    #[test]
    fn selecting_an_undefined_env_is_an_error_listing_defined_ones() {
        let dir = project(&[("wrangler.toml", ENV_TOML)]);
        let err = load(&opts(&dir, Some("prod")))
            .expect_err("no env")
            .to_string();
        assert!(
            err.contains("\"prod\"") && err.contains("staging, named"),
            "{err}"
        );
        let dir = project(&[("wrangler.toml", HEAD)]);
        let err = load(&opts(&dir, Some("prod")))
            .expect_err("no env")
            .to_string();
        assert!(err.contains("defined: none"), "{err}");
    }

    // ---- vars and secrets ----

    #[test]
    fn vars_keep_strings_and_turn_other_values_into_json_in_order() {
        let loaded = ok_toml(&format!(
            "{HEAD}[vars]\nZ = \"text\"\nA = 5\nB = true\nC = [1, \"two\"]\nD = {{ search = true, max = 50 }}\nE = 1979-05-27\n"
        ));
        assert_eq!(
            loaded.config.vars,
            vec![
                ("Z".to_string(), json!("text")),
                ("A".to_string(), json!(5)),
                ("B".to_string(), json!(true)),
                ("C".to_string(), json!([1, "two"])),
                ("D".to_string(), json!({"search": true, "max": 50})),
                ("E".to_string(), json!("1979-05-27")),
            ]
        );
    }

    #[test]
    fn dev_vars_secrets_override_vars_as_strings() {
        let dir = project(&[
            (
                "wrangler.toml",
                &format!("{HEAD}[vars]\nA = 1\nB = \"b\"\n"),
            ),
            (".dev.vars", "A=secret-a\nC=\"c\"\n"),
        ]);
        let c = load(&opts(&dir, None)).expect("loads").config;
        assert_eq!(
            c.vars,
            vec![
                ("A".to_string(), json!("secret-a")),
                ("B".to_string(), json!("b")),
                ("C".to_string(), json!("c")),
            ]
        );
        assert_eq!(c.secret_names, ["A", "C"]);
        assert_eq!(c.var("C"), Some(&json!("c")));
    }

    #[test]
    fn env_specific_dev_vars_replace_dev_vars_and_dotenv_is_never_mixed_in() {
        let dir = project(&[
            ("wrangler.toml", &format!("{HEAD}[env.staging]\n")),
            (".dev.vars", "A=base\nB=base\n"),
            (".dev.vars.staging", "A=staging\n"),
            (".env", "ENV_ONLY=1\n"),
        ]);
        let c = load(&opts(&dir, Some("staging"))).expect("loads").config;
        assert_eq!(c.vars, vec![("A".to_string(), json!("staging"))]);
        let c = load(&opts(&dir, None)).expect("loads").config;
        assert_eq!(c.secret_names, ["A", "B"]);
    }

    #[test]
    fn dotenv_files_merge_by_precedence_when_no_dev_vars_exist() {
        let dir = project(&[
            ("wrangler.toml", &format!("{HEAD}[env.staging]\n")),
            (".env", "A=env\nB=env\nC=env\nD=env\n"),
            (
                ".env.staging",
                "A=env.staging\nB=env.staging\nC=env.staging\n",
            ),
            (".env.local", "A=env.local\nB=env.local\n"),
            (".env.staging.local", "A=env.staging.local\n"),
        ]);
        let c = load(&opts(&dir, Some("staging"))).expect("loads").config;
        assert_eq!(c.var("A"), Some(&json!("env.staging.local")));
        assert_eq!(c.var("B"), Some(&json!("env.local")));
        assert_eq!(c.var("C"), Some(&json!("env.staging")));
        assert_eq!(c.var("D"), Some(&json!("env")));
    }

    #[test]
    fn required_secrets_load_only_listed_keys_and_warn_about_missing_ones() {
        let dir = project(&[
            (
                "wrangler.toml",
                &format!("{HEAD}[secrets]\nrequired = [\"API_KEY\", \"MISSING\"]\n"),
            ),
            (".dev.vars", "API_KEY=k\nEXTRA=x\n"),
        ]);
        let loaded = load(&opts(&dir, None)).expect("loads");
        assert_eq!(loaded.config.secret_names, ["API_KEY"]);
        assert_eq!(loaded.config.var("EXTRA"), None);
        let w = warnings(&loaded);
        assert_eq!(
            w,
            [
                "wrangler.toml: field \"secrets.required\": required secret \"MISSING\" is not set in .dev.vars"
            ]
        );
    }

    #[test]
    fn bad_dev_vars_syntax_is_an_error_naming_the_file() {
        let dir = project(&[("wrangler.toml", HEAD), (".dev.vars", "OK=1\nBROKEN\n")]);
        let err = load(&opts(&dir, None)).expect_err("bad dotenv").to_string();
        assert!(err.starts_with(".dev.vars:2:"), "{err}");
    }

    #[test]
    fn watch_paths_list_the_config_and_every_possible_secrets_file() {
        let dir = project(&[("wrangler.toml", &format!("{HEAD}[env.staging]\n"))]);
        let loaded = load(&opts(&dir, Some("staging"))).expect("loads");
        let names: Vec<String> = loaded
            .watch_paths
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .expect("inside dir")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "wrangler.toml",
                ".dev.vars",
                ".dev.vars.staging",
                ".env",
                ".env.staging",
                ".env.local",
                ".env.staging.local"
            ]
        );
    }

    // ---- bindings ----

    #[test]
    fn binding_names_must_be_unique_across_kinds() {
        let err = err_toml(&format!(
            "{HEAD}[[kv_namespaces]]\nbinding = \"STORE\"\n[[d1_databases]]\nbinding = \"STORE\"\n"
        ));
        assert_eq!(
            err,
            "wrangler.toml: binding name \"STORE\" is used by both \"kv_namespaces[0].binding\" and \"d1_databases[0].binding\""
        );
        let err = err_toml(&format!(
            "{HEAD}[vars]\nDB = \"x\"\n[[d1_databases]]\nbinding = \"DB\"\n"
        ));
        assert!(
            err.contains("\"vars.DB\" and \"d1_databases[0].binding\""),
            "{err}"
        );
    }

    #[test]
    fn binding_names_must_be_js_identifiers() {
        let err = err_toml(&format!("{HEAD}[[kv_namespaces]]\nbinding = \"MY-KV\"\n"));
        assert_eq!(
            err,
            "wrangler.toml: field \"kv_namespaces[0].binding\": binding name \"MY-KV\" is not a valid JavaScript identifier"
        );
    }

    #[test]
    fn kv_and_d1_identities_fall_back_and_d1_defaults_apply() {
        let c = ok_toml(&format!(
            "{HEAD}kv_namespaces = [{{ binding = \"A\", id = \"a-id\", preview_id = \"a-prev\" }}, {{ binding = \"B\", preview_id = \"b-prev\" }}, {{ binding = \"C\" }}]\n\
             [[d1_databases]]\nbinding = \"DB1\"\ndatabase_name = \"shop\"\n\
             [[d1_databases]]\nbinding = \"DB2\"\ndatabase_id = \"id2\"\nmigrations_dir = \"db/m\"\nmigrations_table = \"mt\"\n\
             [[d1_databases]]\nbinding = \"DB3\"\n"
        ))
        .config;
        let ids: Vec<_> = c.kv_namespaces.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["a-id", "b-prev", "C"]);
        let dbs = &c.d1_databases;
        assert_eq!(dbs[0].database_id, "shop");
        assert_eq!(dbs[0].migrations_table, "d1_migrations");
        assert!(dbs[0].migrations_dir.is_absolute());
        assert!(dbs[0].migrations_dir.ends_with("migrations"));
        assert_eq!(dbs[1].database_id, "id2");
        assert!(dbs[1].migrations_dir.ends_with("db/m"));
        assert_eq!(dbs[1].migrations_table, "mt");
        assert_eq!(dbs[2].database_id, "DB3");
        assert_eq!(dbs[2].database_name, None);
    }

    #[test]
    fn r2_buckets_are_accepted_with_a_warning_that_env_lacks_them() {
        let loaded = ok_toml(&format!(
            "{HEAD}[[r2_buckets]]\nbinding = \"IMAGES\"\nbucket_name = \"img\"\n"
        ));
        assert_eq!(
            loaded.config.r2_buckets[0].bucket_name.as_deref(),
            Some("img")
        );
        assert_eq!(
            warnings(&loaded),
            [
                "wrangler.toml: field \"r2_buckets[0]\": R2 buckets are not supported yet; env.IMAGES will be undefined"
            ]
        );
    }

    // ---- Durable Objects ----

    #[test]
    fn durable_object_without_migration_is_an_error_suggesting_one() {
        let err = err_toml(&format!(
            "{HEAD}[[durable_objects.bindings]]\nname = \"CARTS\"\nclass_name = \"Cart\"\n"
        ));
        assert!(
            err.ends_with(
                "Durable Object class Cart has no migration; add new_sqlite_classes = [\"Cart\"]"
            ),
            "{err}"
        );
        assert!(
            err.contains("durable_objects.bindings[0].class_name"),
            "{err}"
        );
    }

    #[test]
    fn durable_object_bound_to_a_deleted_class_is_an_error() {
        let err = err_toml(&format!(
            "{HEAD}[[durable_objects.bindings]]\nname = \"C\"\nclass_name = \"Old\"\n\
             [[migrations]]\ntag = \"v1\"\nnew_classes = [\"Old\"]\n[[migrations]]\ntag = \"v2\"\ndeleted_classes = [\"Old\"]\n"
        ));
        assert!(
            err.contains("Durable Object class Old was deleted by migration \"v2\""),
            "{err}"
        );
    }

    #[test]
    fn renamed_durable_object_classes_must_be_bound_by_their_new_name() {
        let migrations = "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Cart\"]\n\
                          [[migrations]]\ntag = \"v2\"\nrenamed_classes = [{ from = \"Cart\", to = \"Basket\" }]\n";
        let c = ok_toml(&format!(
            "{HEAD}[[durable_objects.bindings]]\nname = \"B\"\nclass_name = \"Basket\"\n{migrations}"
        ))
        .config;
        assert_eq!(
            c.migrations[1].renamed_classes,
            [("Cart".to_string(), "Basket".to_string())]
        );
        let err = err_toml(&format!(
            "{HEAD}[[durable_objects.bindings]]\nname = \"B\"\nclass_name = \"Cart\"\n{migrations}"
        ));
        assert!(err.contains("was renamed to Basket"), "{err}");
    }

    #[test]
    fn durable_objects_of_other_scripts_need_no_local_migration() {
        let c = ok_toml(&format!(
            "{HEAD}[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"ChatRoom\"\nscript_name = \"chat\"\n"
        ))
        .config;
        assert_eq!(c.durable_objects[0].script_name.as_deref(), Some("chat"));
    }

    #[test]
    fn migration_tags_must_be_unique() {
        let err = err_toml(&format!(
            "{HEAD}[[migrations]]\ntag = \"v1\"\nnew_classes = [\"A\"]\n[[migrations]]\ntag = \"v1\"\nnew_classes = [\"B\"]\n"
        ));
        assert!(
            err.contains("migration tag \"v1\" is already used by \"migrations[0].tag\""),
            "{err}"
        );
    }

    #[test]
    fn migrations_touching_unknown_or_existing_classes_are_errors() {
        let err = err_toml(&format!(
            "{HEAD}[[migrations]]\ntag = \"v1\"\ndeleted_classes = [\"Ghost\"]\n"
        ));
        assert!(err.contains("deletes class Ghost"), "{err}");
        let err = err_toml(&format!(
            "{HEAD}[[migrations]]\ntag = \"v1\"\nnew_classes = [\"A\"]\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"A\"]\n"
        ));
        assert!(
            err.contains("creates class A, which already exists"),
            "{err}"
        );
    }

    // ---- limits, triggers, ratelimits, queues ----

    #[test]
    fn cpu_ms_must_be_between_1_and_300000() {
        assert_eq!(
            ok_toml(&format!("{HEAD}[limits]\ncpu_ms = 300000\n"))
                .config
                .limits
                .cpu_ms,
            Some(300_000)
        );
        let err = err_toml(&format!("{HEAD}[limits]\ncpu_ms = 0\n"));
        assert_eq!(
            err,
            "wrangler.toml: field \"limits.cpu_ms\": 0 is out of range 1..=300000"
        );
        assert!(err_toml(&format!("{HEAD}[limits]\ncpu_ms = 300001\n")).contains("300001"));
    }

    #[test]
    fn crons_need_five_fields_and_errors_name_the_expression() {
        let c = ok_toml(&format!(
            "{HEAD}[triggers]\ncrons = [\"*/5 * * * *\", \"0 3 * * 1\"]\n"
        ))
        .config;
        assert_eq!(c.triggers.len(), 2);
        let err = err_toml(&format!(
            "{HEAD}[triggers]\ncrons = [\"*/5 * * * *\", \"0 3 * *\"]\n"
        ));
        assert_eq!(
            err,
            "wrangler.toml: field \"triggers.crons[1]\": cron expression \"0 3 * *\" has 4 fields, expected 5"
        );
    }

    #[test]
    fn assets_are_validated_and_defaulted() {
        let dir = project(&[
            (
                "wrangler.toml",
                &format!("{HEAD}[assets]\ndirectory = \"./public\"\n"),
            ),
            ("src/index.js", ""),
            ("public/index.html", "hi"),
        ]);
        let c = load(&opts(&dir, None)).expect("loads").config;
        let a = c.assets.expect("assets");
        assert!(a.directory.ends_with("public"));
        assert_eq!(a.binding, None);
        assert_eq!(a.html_handling, HtmlHandling::AutoTrailingSlash);
        assert_eq!(a.not_found_handling, NotFoundHandling::None);
        assert_eq!(a.run_worker_first, RunWorkerFirst::Never);

        let text = format!(
            "{HEAD}[assets]\ndirectory = \"public\"\nbinding = \"ASSETS\"\nhtml_handling = \"drop-trailing-slash\"\n\
             not_found_handling = \"404-page\"\nrun_worker_first = [\"/api/*\", \"!/api/docs/*\"]\n"
        );
        let dir = project(&[
            ("wrangler.toml", &text),
            ("src/index.js", ""),
            ("public/a", ""),
        ]);
        let a = load(&opts(&dir, None))
            .expect("loads")
            .config
            .assets
            .unwrap();
        assert_eq!(a.binding.as_deref(), Some("ASSETS"));
        assert_eq!(a.html_handling, HtmlHandling::DropTrailingSlash);
        assert_eq!(a.not_found_handling, NotFoundHandling::NotFoundPage);
        assert_eq!(
            a.run_worker_first,
            RunWorkerFirst::Patterns(vec!["/api/*".into(), "!/api/docs/*".into()])
        );

        for (bad, want) in [
            (
                "directory = \"nope\"",
                "field \"assets.directory\": the assets directory \"nope\" does not exist",
            ),
            (
                "directory = \"public\"\nhtml_handling = \"x\"",
                "field \"assets.html_handling\": \"x\" is not one of",
            ),
            (
                "directory = \"public\"\nnot_found_handling = \"spa\"",
                "field \"assets.not_found_handling\": \"spa\" is not one of",
            ),
            (
                "directory = \"public\"\nrun_worker_first = [\"api/*\"]",
                "'api/*': rules must start with '/' or '!/'",
            ),
            (
                "directory = \"public\"\nrun_worker_first = [\"!/a\"]",
                "only negative rules",
            ),
            (
                "directory = \"public\"\nrun_worker_first = [\"/a/*\", \"/a/b\"]",
                "'/a/b': rule '/a/*' makes it redundant",
            ),
            (
                "directory = \"public\"\nbinding = \"KV\"\n[[kv_namespaces]]\nbinding = \"KV\"",
                "KV",
            ),
        ] {
            let text = format!("{HEAD}[assets]\n{bad}\n");
            let dir = project(&[
                ("wrangler.toml", &text),
                ("src/index.js", ""),
                ("public/a", ""),
            ]);
            let err = load(&opts(&dir, None)).unwrap_err().to_string();
            assert!(err.contains(want), "{bad}: {err}");
        }
    }

    #[test]
    fn unsafe_ratelimit_bindings_and_version_metadata_are_bindings() {
        let c = ok_toml(&format!(
            "{HEAD}[version_metadata]\nbinding = \"VM\"\n[[unsafe.bindings]]\nname = \"RL\"\ntype = \"ratelimit\"\n\
             namespace_id = \"7\"\nsimple = {{ limit = 3, period = 10 }}\n"
        ));
        assert!(warnings(&c).is_empty(), "{:?}", warnings(&c));
        assert_eq!(c.config.version_metadata.as_deref(), Some("VM"));
        assert_eq!(
            c.config.ratelimits,
            [RateLimit {
                name: "RL".into(),
                namespace_id: 7,
                limit: 3,
                period: 10
            }]
        );
        let err = err_toml(&format!(
            "{HEAD}[[unsafe.bindings]]\nname = \"RL\"\ntype = \"ratelimit\"\nnamespace_id = \"7\"\nsimple = {{ limit = 3, period = 15 }}\n"
        ));
        assert!(err.contains("unsafe.bindings[0].simple.period"), "{err}");
    }

    #[test]
    fn ratelimit_period_must_be_10_or_60_and_namespace_id_an_integer_string() {
        let c = ok_toml(&format!(
            "{HEAD}[[ratelimits]]\nname = \"RL\"\nnamespace_id = \"1001\"\nsimple = {{ limit = 10, period = 60 }}\n"
        ))
        .config;
        assert_eq!(
            c.ratelimits[0],
            RateLimit {
                name: "RL".into(),
                namespace_id: 1001,
                limit: 10,
                period: 60
            }
        );
        let err = err_toml(&format!(
            "{HEAD}[[ratelimits]]\nname = \"RL\"\nnamespace_id = \"1001\"\nsimple = {{ limit = 10, period = 30 }}\n"
        ));
        assert!(
            err.contains("ratelimits[0].simple.period") && err.contains("30"),
            "{err}"
        );
        let err = err_toml(&format!(
            "{HEAD}[[ratelimits]]\nname = \"RL\"\nnamespace_id = \"abc\"\nsimple = {{ limit = 10, period = 10 }}\n"
        ));
        assert!(
            err.contains("ratelimits[0].namespace_id") && err.contains("\"abc\""),
            "{err}"
        );
        let err = err_toml(&format!(
            "{HEAD}[[ratelimits]]\nname = \"RL\"\nnamespace_id = 1001\nsimple = {{ limit = 10, period = 10 }}\n"
        ));
        assert!(err.contains("expected string, found integer"), "{err}");
    }

    #[test]
    fn queue_consumers_get_defaults_and_ranges_are_checked() {
        let c = ok_toml(&format!(
            "{HEAD}[[queues.producers]]\nbinding = \"Q\"\nqueue = \"orders\"\ndelivery_delay = 0\n\
             [[queues.consumers]]\nqueue = \"orders\"\n"
        ))
        .config;
        assert_eq!(c.queues.producers[0].queue, "orders");
        let consumer = &c.queues.consumers[0];
        assert_eq!(
            (
                consumer.max_batch_size,
                consumer.max_batch_timeout,
                consumer.max_retries
            ),
            (10, 5, 3)
        );
        assert_eq!(consumer.kind, ConsumerKind::Worker);

        for (field, value) in [
            ("max_batch_size", "0"),
            ("max_batch_size", "101"),
            ("max_batch_timeout", "61"),
            ("max_retries", "101"),
            ("retry_delay", "43201"),
        ] {
            let err = err_toml(&format!(
                "{HEAD}[[queues.consumers]]\nqueue = \"q\"\n{field} = {value}\n"
            ));
            assert!(
                err.contains(&format!(
                    "queues.consumers[0].{field}\": {value} is out of range"
                )),
                "{err}"
            );
        }
        let err = err_toml(&format!(
            "{HEAD}[[queues.producers]]\nbinding = \"Q\"\nqueue = \"q\"\ndelivery_delay = 43201\n"
        ));
        assert!(err.contains("delivery_delay"), "{err}");
        let err = err_toml(&format!(
            "{HEAD}[[queues.producers]]\nbinding = \"Q\"\nqueue = \"\"\n"
        ));
        assert!(
            err.contains("queues.producers[0].queue\": must not be empty"),
            "{err}"
        );
    }

    #[test]
    fn a_queue_has_at_most_one_push_consumer() {
        let err = err_toml(&format!(
            "{HEAD}[[queues.consumers]]\nqueue = \"q\"\n[[queues.consumers]]\nqueue = \"q\"\n"
        ));
        assert!(err.contains("already has a push consumer"), "{err}");
    }

    // ---- main ----

    #[test]
    fn main_is_required() {
        let err = err_toml("compatibility_date = \"2025-01-01\"\n");
        assert_eq!(err, "wrangler.toml: field \"main\" is required");
    }

    #[test]
    fn main_is_optional_for_an_assets_only_worker() {
        let dir = project(&[
            (
                "wrangler.toml",
                "compatibility_date = \"2025-01-01\"\n[assets]\ndirectory = \"public\"\n",
            ),
            ("public/index.html", "hi"),
        ]);
        let c = load(&opts(&dir, None)).expect("loads").config;
        assert_eq!(c.main, None);
        assert!(c.assets.is_some());
    }

    #[test]
    fn main_that_does_not_exist_is_an_error_naming_it_relative_to_the_project() {
        let dir = project(&[(
            "wrangler.toml",
            "main = \"./dist/worker.js\"\ncompatibility_date = \"2025-01-01\"\n",
        )]);
        let err = load(&opts(&dir, None)).expect_err("missing main");
        assert!(
            matches!(&err, ConfigError::MainNotFound { field, main, .. } if field == "main" && main == "dist/worker.js"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "wrangler.toml: field \"main\": entry module \"dist/worker.js\" does not exist in the project directory"
        );
    }

    #[test]
    fn main_outside_the_config_files_directory_is_an_error() {
        let dir = project(&[("outside.js", "export default {}")]);
        std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
        std::fs::write(
            dir.path().join("app/wrangler.toml"),
            "main = \"../outside.js\"\ncompatibility_date = \"2025-01-01\"\n",
        )
        .expect("write");
        let err = load(&LoadOptions {
            dir: dir.path().join("app"),
            ..opts(&dir, None)
        })
        .expect_err("main outside");
        assert_eq!(
            err.to_string(),
            "wrangler.toml: field \"main\": entry module \"../outside.js\" is outside the project directory (the directory holding wrangler.toml); move it below that directory"
        );
        let abs = dir.path().join("outside.js");
        let text = format!(
            "main = {:?}\ncompatibility_date = \"2025-01-01\"\n",
            abs.display().to_string()
        );
        std::fs::write(dir.path().join("app/wrangler.toml"), text).expect("write");
        let err = load(&LoadOptions {
            dir: dir.path().join("app"),
            ..opts(&dir, None)
        })
        .expect_err("absolute main outside");
        assert!(
            matches!(err, ConfigError::MainOutsideProject { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_main_behind_a_symlink_is_left_to_the_runtime_whatever_the_target() {
        // Whether the target exists is not judged here: a missing file outside must read like an
        // existing one (the runtime refuses both as outside the project).
        let dir = project(&[(
            "wrangler.toml",
            "main = \"link.js\"\ncompatibility_date = \"2025-01-01\"\n",
        )]);
        std::os::unix::fs::symlink("/nonexistent/verge/x.js", dir.path().join("link.js"))
            .expect("symlink");
        let c = load(&opts(&dir, None)).expect("loads").config;
        assert_eq!(c.main, Some(dir.path().join("link.js")));
    }

    #[test]
    fn main_resolves_relative_to_the_config_file_as_an_absolute_path() {
        let dir = project(&[(
            "wrangler.toml",
            "main = \"./src/index.js\"\ncompatibility_date = \"2025-01-01\"\n",
        )]);
        let c = load(&opts(&dir, None)).expect("loads").config;
        assert_eq!(c.main, Some(dir.path().join("src/index.js")));
    }

    // ---- routes, rules, dev, services ----

    #[test]
    fn routes_accept_strings_and_tables_but_not_route_and_routes_together() {
        let c = ok_toml(&format!(
            "{HEAD}routes = [\"a.test/*\", {{ pattern = \"b.test/api/*\", zone_name = \"b.test\" }}, {{ pattern = \"c.test\", custom_domain = true }}]\n"
        ))
        .config;
        assert_eq!(c.routes.len(), 3);
        assert_eq!(c.routes[1].zone_name.as_deref(), Some("b.test"));
        assert!(c.routes[2].custom_domain);
        assert_eq!(
            ok_toml(&format!("{HEAD}route = \"x.test/*\"\n"))
                .config
                .routes[0]
                .pattern,
            "x.test/*"
        );
        let err = err_toml(&format!(
            "{HEAD}route = \"x.test/*\"\nroutes = [\"y.test/*\"]\n"
        ));
        assert!(err.contains("not both"), "{err}");
        let err = err_toml(&format!("{HEAD}routes = [5]\n"));
        assert!(
            err.contains("\"routes[0]\": expected string or table, found integer"),
            "{err}"
        );
    }

    #[test]
    fn module_rules_dev_settings_and_services_parse() {
        let c = ok_toml(&format!(
            "{HEAD}[[rules]]\ntype = \"Text\"\nglobs = [\"**/*.txt\"]\nfallthrough = true\n\
             [[services]]\nbinding = \"AUTH\"\nservice = \"auth\"\nentrypoint = \"AuthApi\"\nprops = {{ caller = \"shop\" }}\n\
             [dev]\nip = \"0.0.0.0\"\nport = 9000\n"
        ))
        .config;
        assert_eq!(
            c.rules,
            [ModuleRule {
                kind: ModuleKind::Text,
                globs: vec!["**/*.txt".into()],
                fallthrough: Some(true)
            }]
        );
        assert_eq!(
            c.dev,
            DevSettings {
                ip: Some("0.0.0.0".into()),
                port: Some(9000)
            }
        );
        assert_eq!(c.services[0].props, Some(json!({"caller": "shop"})));
        let err = err_toml(&format!("{HEAD}[[rules]]\ntype = \"Python\"\nglobs = []\n"));
        assert!(err.contains("unknown module type \"Python\""), "{err}");
        let err = err_toml(&format!("{HEAD}[dev]\nport = 70000\n"));
        assert!(err.contains("dev.port"), "{err}");
    }

    // ---- the spec's full examples ----

    #[test]
    fn spec_full_toml_example_loads_in_both_environments() {
        let spec_toml = r#"
name = "shop-api"
main = "dist/index.js"
compatibility_date = "2025-06-01"
compatibility_flags = ["nodejs_compat"]
workers_dev = false
routes = [
  { pattern = "api.shop.test/*", zone_name = "shop.test" },
  { pattern = "shop.test/api/*", zone_name = "shop.test" },
]
[limits]
cpu_ms = 50
[vars]
APP_MODE = "production"
FEATURES = { search = true, max_cart_items = 50 }
[[kv_namespaces]]
binding = "SESSIONS"
id = "sessions-prod"
[[durable_objects.bindings]]
name = "CARTS"
class_name = "Cart"
[[durable_objects.bindings]]
name = "ROOMS"
class_name = "ChatRoom"
script_name = "chat-worker"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Cart"]
new_classes = ["LegacyCounter"]
[[migrations]]
tag = "v2"
deleted_classes = ["LegacyCounter"]
[[d1_databases]]
binding = "DB"
database_name = "shop"
database_id = "0b5c7d10-shop"
migrations_dir = "db/migrations"
[[queues.producers]]
binding = "ORDERS"
queue = "orders"
delivery_delay = 0
[[queues.consumers]]
queue = "orders"
max_batch_size = 25
max_batch_timeout = 2
max_retries = 5
dead_letter_queue = "orders-dlq"
retry_delay = 30
[triggers]
crons = ["*/5 * * * *", "0 3 * * 1"]
[[services]]
binding = "AUTH"
service = "auth-worker"
entrypoint = "AuthApi"
props = { caller = "shop-api" }
[[r2_buckets]]
binding = "IMAGES"
bucket_name = "shop-images"
[[ratelimits]]
name = "LOGIN_LIMITER"
namespace_id = "1001"
simple = { limit = 10, period = 60 }
[[analytics_engine_datasets]]
binding = "EVENTS"
dataset = "shop_events"
[dev]
port = 8787
local_protocol = "http"
[env.staging]
name = "shop-api-staging"
routes = [{ pattern = "staging-api.shop.test/*", zone_name = "shop.test" }]
[env.staging.vars]
APP_MODE = "staging"
[[env.staging.kv_namespaces]]
binding = "SESSIONS"
id = "sessions-staging"
[[env.staging.durable_objects.bindings]]
name = "CARTS"
class_name = "Cart"
[[env.staging.d1_databases]]
binding = "DB"
database_name = "shop-staging"
database_id = "7f1e2a33-staging"
[env.staging.triggers]
crons = []
"#;
        let dir = project(&[
            ("wrangler.toml", spec_toml),
            ("dist/index.js", "export default {}"),
            (
                ".dev.vars",
                "STRIPE_KEY=\"sk_test_123\"\nJWT_SECRET=dev-only-secret\n",
            ),
        ]);
        let loaded = load(&opts(&dir, None)).expect("spec example loads");
        let c = &loaded.config;
        assert_eq!(c.name, "shop-api");
        assert_eq!(c.routes.len(), 2);
        assert_eq!(
            c.var("FEATURES"),
            Some(&json!({"search": true, "max_cart_items": 50}))
        );
        assert_eq!(c.secret_names, ["STRIPE_KEY", "JWT_SECRET"]);
        assert_eq!(c.durable_objects.len(), 2);
        assert_eq!(c.migrations.len(), 2);
        assert_eq!(c.queues.consumers[0].max_batch_size, 25);
        assert_eq!(c.triggers.len(), 2);
        assert_eq!(
            c.analytics_engine_datasets[0].dataset.as_deref(),
            Some("shop_events")
        );
        assert_eq!(c.dev.port, Some(8787));
        let fields: Vec<&str> = loaded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "compatibility_flags[0]",
                "routes",
                "r2_buckets[0]",
                "analytics_engine_datasets[0]",
            ]
        );

        let loaded = load(&opts(&dir, Some("staging"))).expect("staging loads");
        let c = &loaded.config;
        assert_eq!(c.name, "shop-api-staging");
        assert_eq!(c.routes[0].pattern, "staging-api.shop.test/*");
        assert_eq!(c.var("APP_MODE"), Some(&json!("staging")));
        assert_eq!(c.kv_namespaces[0].id, "sessions-staging");
        assert!(c.triggers.is_empty());
        assert!(c.services.is_empty());
        assert_eq!(c.migrations.len(), 2);
        assert_eq!(c.limits.cpu_ms, Some(50));
        let fields: Vec<&str> = loaded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "env.staging.queues",
                "env.staging.r2_buckets",
                "env.staging.services",
                "env.staging.analytics_engine_datasets",
                "env.staging.ratelimits",
                "compatibility_flags[0]",
                "env.staging.routes",
            ]
        );
    }

    #[test]
    fn spec_jsonc_example_loads() {
        let text = r#"{
  "$schema": "./node_modules/wrangler/config-schema.json",
  "name": "shop-api",
  "main": "dist/index.js",
  "compatibility_date": "2025-06-01",
  "compatibility_flags": ["nodejs_compat"],
  "limits": { "cpu_ms": 50 },
  "vars": { "APP_MODE": "production", "FEATURES": { "search": true } },
  "kv_namespaces": [{ "binding": "SESSIONS", "id": "sessions-prod" }],
  "durable_objects": { "bindings": [{ "name": "CARTS", "class_name": "Cart" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Cart"] }],
  "d1_databases": [{ "binding": "DB", "database_name": "shop", "database_id": "0b5c7d10-shop" }],
  "queues": {
    "producers": [{ "binding": "ORDERS", "queue": "orders" }],
    "consumers": [{ "queue": "orders", "max_batch_size": 25, "dead_letter_queue": "orders-dlq" }],
  },
  "triggers": { "crons": ["*/5 * * * *"] },
  "services": [{ "binding": "AUTH", "service": "auth-worker", "entrypoint": "AuthApi" }],
  "env": {
    "staging": {
      "vars": { "APP_MODE": "staging" },
      "kv_namespaces": [{ "binding": "SESSIONS", "id": "sessions-staging" }],
    },
  },
}"#;
        let dir = project(&[("wrangler.jsonc", text), ("dist/index.js", "")]);
        let loaded = load(&opts(&dir, None)).expect("jsonc loads");
        let fields: Vec<&str> = loaded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(fields, ["compatibility_flags[0]"]);
        assert_eq!(
            loaded.config.vars[0],
            ("APP_MODE".to_string(), json!("production"))
        );
        let loaded = load(&opts(&dir, Some("staging"))).expect("staging loads");
        assert_eq!(loaded.config.name, "shop-api-staging");
        assert!(loaded.config.durable_objects.is_empty());
        // durable_objects, d1_databases, queues and services are not inherited; the flags and
        // the crons are.
        let fields: Vec<&str> = loaded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "env.staging.durable_objects",
                "env.staging.queues",
                "env.staging.d1_databases",
                "env.staging.services",
                "compatibility_flags[0]",
            ]
        );
    }
}
