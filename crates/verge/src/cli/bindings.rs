//! The single list of bindings built from the config for `env` (one line per binding kind).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use verge_js::Extension;

/// How often expired KV keys are purged from disk (reads never return them regardless).
pub const KV_EXPIRY_SWEEP: Duration = Duration::from_secs(60);

/// The bindings of one build of the project.
pub struct Bindings {
    /// One extension per binding kind, in `env` order.
    pub extensions: Vec<Arc<dyn Extension>>,
    /// A KV namespace per KV backend, for the expiry sweep.
    pub kv_sweep: Vec<Arc<verge_kv::KvNamespace>>,
    /// The Durable Objects runtime, when the worker binds any.
    pub durable: Option<Arc<verge_durable::DurableRuntime>>,
}

/// The binding extensions of `config`, backed by state under `state_dir`.
pub fn build(
    config: &verge_config::WorkerConfig,
    state_dir: &Path,
    threads: &Arc<verge_js::IsolateThreads>,
    do_idle: Duration,
) -> anyhow::Result<Bindings> {
    let clock = verge_store::clock_from_env();
    let mut out: Vec<Arc<dyn Extension>> = Vec::new();
    let mut kv_sweep = Vec::new();
    if !config.kv_namespaces.is_empty() {
        let store: Arc<dyn verge_store::KvBackend> = Arc::new(
            verge_store::sqlite::SqliteKvStore::open_in(state_dir)
                .with_context(|| format!("opening KV state in {}", state_dir.display()))?,
        );
        let bindings = config
            .kv_namespaces
            .iter()
            .map(|ns| {
                (
                    ns.binding.clone(),
                    Arc::new(verge_kv::KvNamespace::new(
                        store.clone(),
                        ns.id.clone(),
                        clock.clone(),
                    )),
                )
            })
            .collect::<Vec<_>>();
        kv_sweep.extend(bindings.first().map(|(_, ns)| ns.clone()));
        out.push(Arc::new(verge_kv::KvExtension::new(bindings)));
    }
    if !config.d1_databases.is_empty() {
        let mut bindings = Vec::new();
        for db in &config.d1_databases {
            let sql = verge_store::sqlite::SqliteDatabase::open_in(state_dir, &db.database_id)
                .with_context(|| {
                    format!(
                        "opening D1 database {} ({}) in {}",
                        db.binding,
                        db.database_id,
                        state_dir.display()
                    )
                })?;
            bindings.push((
                db.binding.clone(),
                Arc::new(verge_d1::D1Database::new(Arc::new(sql))),
            ));
        }
        out.push(Arc::new(verge_d1::D1Extension::new(bindings)));
    }
    let durable = durable_objects(config, state_dir, threads, do_idle)?;
    if let Some(d) = &durable {
        out.push(Arc::new(verge_durable::DurableExtension::new(d.clone())));
    }
    Ok(Bindings {
        extensions: out,
        kv_sweep,
        durable,
    })
}

/// The class a (possibly renamed) class's storage is filed under: its first name.
fn storage_class(migrations: &[verge_config::DoMigration], class: &str) -> String {
    let mut name = class.to_string();
    for m in migrations.iter().rev() {
        for (from, to) in &m.renamed_classes {
            if *to == name {
                name = from.clone();
            }
        }
    }
    name
}

fn durable_objects(
    config: &verge_config::WorkerConfig,
    state_dir: &Path,
    threads: &Arc<verge_js::IsolateThreads>,
    idle: Duration,
) -> anyhow::Result<Option<Arc<verge_durable::DurableRuntime>>> {
    let local: Vec<_> = config
        .durable_objects
        .iter()
        .filter(|b| b.script_name.is_none())
        .collect();
    for b in config
        .durable_objects
        .iter()
        .filter(|b| b.script_name.is_some())
    {
        tracing::warn!(
            "durable_objects binding {}: classes of other workers (script_name) are not supported yet; the binding is left out",
            b.name
        );
    }
    if local.is_empty() {
        return Ok(None);
    }
    let sqlite_classes: Vec<String> = config
        .migrations
        .iter()
        .flat_map(|m| m.new_sqlite_classes.iter().cloned())
        .collect();
    let namespaces = local
        .iter()
        .map(|b| {
            let storage = storage_class(&config.migrations, &b.class_name);
            verge_durable::NamespaceConfig {
                binding: b.name.clone(),
                class_name: b.class_name.clone(),
                sqlite: sqlite_classes.contains(&storage),
                storage_class: storage,
            }
        })
        .collect();
    let rt = verge_durable::DurableRuntime::new(
        &config.name,
        namespaces,
        state_dir.to_path_buf(),
        threads.clone(),
        idle,
    )?;
    apply_migrations(config, state_dir, &rt)?;
    Ok(Some(rt))
}

/// Applies `deleted_classes` of migrations not applied before (applied tags are recorded in
/// `<state>/do/<worker>/migrations.json`).
fn apply_migrations(
    config: &verge_config::WorkerConfig,
    state_dir: &Path,
    rt: &verge_durable::DurableRuntime,
) -> anyhow::Result<()> {
    let file = state_dir
        .join("do")
        .join(&config.name)
        .join("migrations.json");
    let mut applied: Vec<String> = match std::fs::read_to_string(&file) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{}: not a JSON list of tags", file.display()))?,
        Err(_) => Vec::new(),
    };
    for (i, tag) in applied.iter().enumerate() {
        if config.migrations.get(i).map(|m| &m.tag) != Some(tag) {
            anyhow::bail!(
                "wrangler config: migrations were reordered or edited after being applied (applied tag {tag:?} at position {i}); add new migrations at the end instead"
            );
        }
    }
    let mut changed = false;
    for m in config.migrations.iter().skip(applied.len()) {
        for class in &m.deleted_classes {
            rt.delete_class_storage(&storage_class(&config.migrations, class))
                .with_context(|| format!("deleting the storage of Durable Object class {class}"))?;
        }
        applied.push(m.tag.clone());
        changed = true;
    }
    if changed {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, serde_json::to_string(&applied)?)
            .with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}
