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
}

/// The binding extensions of `config`, backed by state under `state_dir`.
pub fn build(config: &verge_config::WorkerConfig, state_dir: &Path) -> anyhow::Result<Bindings> {
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
    Ok(Bindings {
        extensions: out,
        kv_sweep,
    })
}
