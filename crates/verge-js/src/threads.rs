//! Isolate threads: one per core, each with its own current-thread tokio runtime and `LocalSet`.
//!
//! QuickJS runtimes are `!Send`, so everything that touches an isolate runs as a local task on
//! the thread that owns it. Other threads hand work over with [`IsolateThreads::spawn_on`].

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;

use crate::limits::THREAD_STACK_BYTES;

thread_local! {
    /// This isolate thread's index (none on other threads).
    static INDEX: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The index of the isolate thread this runs on, for [`IsolateThreads::spawn_on`].
pub fn current_index() -> Option<usize> {
    INDEX.with(std::cell::Cell::get)
}

thread_local! {
    /// The other isolate threads of this one's set.
    static SIBLINGS: std::cell::RefCell<Vec<mpsc::WeakUnboundedSender<Job>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// From an isolate thread, [`IsolateThreads::spawn_on`] thread `k` of its own set (exactly
/// `k`, not modulo). False off an isolate thread, for an unknown `k`, or when that thread
/// has stopped.
pub fn spawn_on_sibling<F, Fut>(k: usize, make: F) -> bool
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let Some(tx) = SIBLINGS.with(|s| s.borrow().get(k).and_then(|w| w.upgrade())) else {
        return false;
    };
    let job: Job = Box::new(move || Box::pin(make()));
    tx.send(job).is_ok()
}

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// The set of isolate threads of a node.
pub struct IsolateThreads {
    senders: Vec<mpsc::UnboundedSender<Job>>,
}

impl std::fmt::Debug for IsolateThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IsolateThreads")
            .field("threads", &self.senders.len())
            .finish()
    }
}

impl IsolateThreads {
    /// Starts `n` isolate threads (at least one).
    pub fn start(n: usize) -> std::io::Result<IsolateThreads> {
        let n = n.max(1);
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..n).map(|_| mpsc::unbounded_channel::<Job>()).unzip();
        // Each thread can reach the others (spawn_on_sibling) without keeping them running.
        let siblings: Vec<_> = senders.iter().map(|s| s.downgrade()).collect();
        for (k, mut rx) in receivers.into_iter().enumerate() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let siblings = siblings.clone();
            std::thread::Builder::new()
                .name(format!("verge-isolate-{k}"))
                .stack_size(THREAD_STACK_BYTES)
                .spawn(move || {
                    INDEX.with(|i| i.set(Some(k)));
                    SIBLINGS.with(|s| *s.borrow_mut() = siblings);
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&rt, async move {
                        while let Some(job) = rx.recv().await {
                            tokio::task::spawn_local(job());
                        }
                    });
                })?;
        }
        Ok(IsolateThreads { senders })
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.senders.len()
    }

    /// Always false: there is at least one thread.
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }

    /// Runs the future made by `make` as a local task on thread `k % len`.
    /// Returns false when the thread has stopped.
    pub fn spawn_on<F, Fut>(&self, k: usize, make: F) -> bool
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let job: Job = Box::new(move || Box::pin(make()));
        self.senders[k % self.senders.len()].send(job).is_ok()
    }

    /// Runs a task made by `make` on every thread.
    pub fn broadcast<F, Fut>(&self, make: F)
    where
        F: Fn() -> Fut + Send + Clone + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        for k in 0..self.len() {
            let make = make.clone();
            self.spawn_on(k, make);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_runs_its_tasks_locally() {
        let threads = IsolateThreads::start(2).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        for k in 0..4 {
            let tx = tx.clone();
            threads.spawn_on(k, move || async move {
                let name = std::thread::current()
                    .name()
                    .unwrap_or_default()
                    .to_string();
                let rc = std::rc::Rc::new(k); // !Send values are fine on an isolate thread
                tx.send((*rc, name)).unwrap();
            });
        }
        let mut got: Vec<(usize, String)> = (0..4).map(|_| rx.recv().unwrap()).collect();
        got.sort();
        assert_eq!(got[0].1, "verge-isolate-0");
        assert_eq!(got[1].1, "verge-isolate-1");
        assert_eq!(got[2].1, "verge-isolate-0");
    }
}
