//! The single list of bindings built from the config for `env` (one line per binding kind).

use std::path::Path;
use std::sync::Arc;

use verge_js::Extension;

/// The binding extensions of `config`, backed by state under `state_dir`.
pub fn extensions(
    config: &verge_config::WorkerConfig,
    state_dir: &Path,
) -> anyhow::Result<Vec<Arc<dyn Extension>>> {
    let _ = (config, state_dir);
    Ok(Vec::new())
}
