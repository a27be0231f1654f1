//! Which worker version serves a request. `verge dev` runs one worker; a reload swaps it.

use std::sync::{Arc, RwLock};

use verge_js::WorkerSpec;

/// The current worker version, swappable without dropping the listener.
#[derive(Debug)]
pub struct Router {
    current: RwLock<Arc<WorkerSpec>>,
}

impl Router {
    /// A router serving `spec`.
    pub fn new(spec: Arc<WorkerSpec>) -> Self {
        Router {
            current: RwLock::new(spec),
        }
    }

    /// The worker version for the next request.
    pub fn current(&self) -> Arc<WorkerSpec> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Installs a new version and returns the previous one.
    pub fn replace(&self, spec: Arc<WorkerSpec>) -> Arc<WorkerSpec> {
        let mut cur = self.current.write().unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut *cur, spec)
    }
}
