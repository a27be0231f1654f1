//! The per-thread table of live isolates, keyed by worker version.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};

use crate::isolate::{Isolate, LoadError, WorkerSpec};

type Loading = Shared<LocalBoxFuture<'static, Result<Rc<Isolate>, Arc<LoadError>>>>;

enum Slot {
    Ready(Rc<Isolate>),
    Loading(Loading),
}

thread_local! {
    static ISOLATES: RefCell<HashMap<u64, Slot>> = RefCell::new(HashMap::new());
}

/// The isolate for `spec` on this thread, created on first use (concurrent callers share one
/// creation). A poisoned isolate is replaced; requests still running on it finish there.
pub async fn isolate_for(spec: &Arc<WorkerSpec>) -> Result<Rc<Isolate>, Arc<LoadError>> {
    let id = spec.id();
    let loading = ISOLATES.with(|m| {
        let mut map = m.borrow_mut();
        match map.get(&id) {
            Some(Slot::Ready(iso)) if !iso.is_poisoned() => return Ok(iso.clone()),
            Some(Slot::Loading(fut)) => return Err(fut.clone()),
            _ => {}
        }
        let spec = spec.clone();
        let fut: Loading = async move { Isolate::new(spec).await.map_err(Arc::new) }
            .boxed_local()
            .shared();
        map.insert(id, Slot::Loading(fut.clone()));
        Err(fut)
    });
    let fut = match loading {
        Ok(iso) => return Ok(iso),
        Err(fut) => fut,
    };
    let result = fut.await;
    ISOLATES.with(|m| {
        let mut map = m.borrow_mut();
        match &result {
            Ok(iso) => {
                if matches!(map.get(&id), Some(Slot::Loading(_))) {
                    map.insert(id, Slot::Ready(iso.clone()));
                }
            }
            Err(_) => {
                if matches!(map.get(&id), Some(Slot::Loading(_))) {
                    map.remove(&id);
                }
            }
        }
    });
    result
}

/// This thread's ready isolate of worker version `spec_id`, if there is one.
pub fn live(spec_id: u64) -> Option<Rc<Isolate>> {
    ISOLATES.with(|m| match m.borrow().get(&spec_id) {
        Some(Slot::Ready(iso)) if !iso.is_poisoned() => Some(iso.clone()),
        _ => None,
    })
}

/// Drops this thread's isolate for worker version `spec_id` (after a reload).
pub fn evict(spec_id: u64) {
    ISOLATES.with(|m| m.borrow_mut().remove(&spec_id));
}

/// Number of isolates on this thread.
pub fn count() -> usize {
    ISOLATES.with(|m| m.borrow().len())
}
