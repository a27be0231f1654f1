//! The consumer driver: delivers a queue's ready messages to its consumer worker in batches,
//! then acknowledges, retries or dead-letters each as [`crate::core::settle`] says.
//!
//! A batch goes out when `max_batch_size` messages are ready, or when the oldest ready one has
//! waited `max_batch_timeout` (workers-api.md §8, semantics-notes.md §E). The driver leases the
//! batch in the store first ([`crate::limits::LEASE_MS`]), so if verge dies while the handler
//! runs, the messages are delivered again after a restart (at-least-once). Batches of one queue
//! are delivered one at a time (Cloudflare scales consumers up to `max_concurrency`; one is
//! within any such limit). It reads time from the deployment's clock and looks for messages at
//! least every [`crate::limits::POLL_MS`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use verge_store::{Clock, QueueBackend, QueueMessage, StoreError};
use verge_web::queue::{QueueDelivery, QueueDeliveryMessage, QueueVerdicts};

use crate::core::{ConsumerSettings, Fate, settle};
use crate::limits::{LEASE_MS, POLL_MS};

/// Hands a batch to the consumer worker's `queue()` handler; `Err` carries why the handler
/// failed (it threw, ran out of time or CPU, or has no `queue()`).
pub type Deliver =
    Arc<dyn Fn(QueueDelivery) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Runs the consumer of `settings.queue` until the future is dropped.
pub async fn run(
    backend: Arc<dyn QueueBackend>,
    settings: ConsumerSettings,
    clock: Arc<dyn Clock>,
    deliver: Deliver,
) {
    loop {
        let wait = match tick(&backend, &settings, &clock, &deliver).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(queue = %settings.queue, "queue consumer: storage failed: {e}");
                POLL_MS
            }
        };
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }
}

/// Runs `f` on the blocking pool (store calls may wait for an fsync).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(StoreError::Corrupt {
            path: "queues".into(),
            message: format!("store task failed: {e}"),
        })
    })
}

/// Delivers one batch if one is due; returns how long to wait before the next look (ms).
pub async fn tick(
    backend: &Arc<dyn QueueBackend>,
    settings: &ConsumerSettings,
    clock: &Arc<dyn Clock>,
    deliver: &Deliver,
) -> Result<u64, StoreError> {
    let now = clock.now_ms();
    let (b, q) = (backend.clone(), settings.queue.clone());
    let ready = blocking(move || b.ready(&q, now)).await?;
    let full = ready.ready >= settings.max_batch_size as u64;
    let waited_out = ready
        .ready_since_ms
        .is_some_and(|since| now >= since.saturating_add(settings.max_batch_timeout_ms));
    if ready.ready == 0 || !(full || waited_out) {
        let mut wait = POLL_MS;
        if let Some(since) = ready.ready_since_ms {
            wait = wait.min(since.saturating_add(settings.max_batch_timeout_ms) - now);
        }
        if let Some(next) = ready.next_visible_ms {
            wait = wait.min(next.saturating_sub(now));
        }
        return Ok(wait.max(1));
    }
    let (b, q) = (backend.clone(), settings.queue.clone());
    let backlog = blocking(move || b.backlog(&q)).await?;
    let (b, q, max) = (
        backend.clone(),
        settings.queue.clone(),
        settings.max_batch_size,
    );
    let messages = blocking(move || b.lease(&q, now, max, now + LEASE_MS)).await?;
    if messages.is_empty() {
        return Ok(0);
    }
    // Delivered and settled in a task of its own: a reload stops the driver (aborts this
    // future), but a batch already handed to the worker is still settled when it ends, rather
    // than waiting out its lease.
    let (backend, settings, clock, deliver) = (
        backend.clone(),
        settings.clone(),
        clock.clone(),
        deliver.clone(),
    );
    let task = tokio::spawn(async move {
        let verdicts = Arc::new(Mutex::new(QueueVerdicts::new(messages.len())));
        let delivery = QueueDelivery {
            queue: settings.queue.clone(),
            messages: messages.iter().map(to_delivery).collect(),
            backlog: (backlog.count, backlog.bytes, backlog.oldest_timestamp_ms),
            verdicts: verdicts.clone(),
        };
        let started = clock.now_ms();
        let outcome = deliver(delivery).await;
        if let Err(e) = &outcome {
            tracing::error!(queue = %settings.queue, "queue(): {e}");
        }
        let verdicts = verdicts.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let now = clock.now_ms();
        let settled = settle(&settings, &messages, &verdicts, outcome.is_ok(), now);
        report(&settings, &messages, &settled, now.saturating_sub(started));
        let outcomes: Vec<_> = settled.into_iter().map(|(s, _)| s).collect();
        let q = settings.queue.clone();
        blocking(move || backend.settle(&q, &outcomes)).await
    });
    match task.await {
        Ok(r) => r.map(|()| 0),
        Err(e) => Err(StoreError::Corrupt {
            path: "queues".into(),
            message: format!("delivery task failed: {e}"),
        }),
    }
}

fn to_delivery(m: &QueueMessage) -> QueueDeliveryMessage {
    QueueDeliveryMessage {
        id: m.id.clone(),
        timestamp_ms: m.timestamp_ms,
        content_type: m.content_type.clone(),
        body: m.body.clone(),
        attempts: m.attempts,
    }
}

/// Logs the batch as `wrangler dev` does (`QUEUE name acked/total (ms)`) and each message that
/// ran out of retries.
fn report(
    settings: &ConsumerSettings,
    messages: &[QueueMessage],
    settled: &[(verge_store::QueueSettle, Fate)],
    ms: u64,
) {
    let q = &settings.queue;
    let attempts = settings.max_retries + 1;
    let plural = if attempts == 1 { "" } else { "s" };
    for (m, (_, fate)) in messages.iter().zip(settled) {
        match fate {
            Fate::DeadLettered => tracing::warn!(
                "Moving message \"{}\" on queue \"{q}\" to dead letter queue \"{}\" after {attempts} failed attempt{plural}...",
                m.id,
                settings.dead_letter_queue.as_deref().unwrap_or_default()
            ),
            Fate::Dropped => tracing::warn!(
                "Dropped message \"{}\" on queue \"{q}\" after {attempts} failed attempt{plural}!",
                m.id
            ),
            Fate::Acked | Fate::Retried(_) => {}
        }
    }
    let acked = settled
        .iter()
        .filter(|(_, f)| matches!(f, Fate::Acked))
        .count();
    tracing::info!("QUEUE {q} {acked}/{} ({ms}ms)", messages.len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::sqlite::SqliteQueueStore;
    use verge_store::{ManualClock, QueueSend};
    use verge_web::queue::QueueVerdict;

    fn setup(max_retries: u32) -> (tempfile::TempDir, Arc<dyn QueueBackend>, ConsumerSettings) {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend: Arc<dyn QueueBackend> =
            Arc::new(SqliteQueueStore::open_in(dir.path()).expect("open"));
        let settings = ConsumerSettings {
            queue: "q".into(),
            max_batch_size: 10,
            max_batch_timeout_ms: 1000,
            max_retries,
            dead_letter_queue: Some("dlq".into()),
            retry_delay: 0,
        };
        (dir, backend, settings)
    }

    fn send(b: &Arc<dyn QueueBackend>, n: usize, at: u64) {
        let msgs: Vec<_> = (0..n)
            .map(|i| QueueSend {
                id: format!("m{at}-{i}"),
                content_type: "text".into(),
                body: b"x".to_vec(),
                timestamp_ms: at,
                visible_at_ms: at,
            })
            .collect();
        b.send("q", &msgs).expect("send");
    }

    /// A deliver that records batch sizes and attempts, and fails when told to.
    fn recorder(fail: bool, ack_first: bool) -> (Deliver, Arc<Mutex<Vec<Vec<u32>>>>) {
        let seen: Arc<Mutex<Vec<Vec<u32>>>> = Arc::default();
        let s = seen.clone();
        let deliver: Deliver = Arc::new(move |d: QueueDelivery| {
            s.lock()
                .expect("lock")
                .push(d.messages.iter().map(|m| m.attempts).collect());
            if ack_first {
                d.verdicts.lock().expect("lock").messages[0] = Some(QueueVerdict::Ack);
            }
            Box::pin(async move { if fail { Err("boom".into()) } else { Ok(()) } })
        });
        (deliver, seen)
    }

    #[tokio::test]
    async fn batches_fill_to_the_size_then_the_rest_waits_for_the_timeout() {
        let (_d, b, s) = setup(3);
        let clock = Arc::new(ManualClock::new(10_000));
        let c: Arc<dyn Clock> = clock.clone();
        send(&b, 25, 10_000);
        let (deliver, seen) = recorder(false, false);
        assert_eq!(tick(&b, &s, &c, &deliver).await.expect("tick"), 0);
        assert_eq!(tick(&b, &s, &c, &deliver).await.expect("tick"), 0);
        let wait = tick(&b, &s, &c, &deliver).await.expect("tick");
        assert!(wait > 0 && wait <= 1000, "{wait}");
        clock.advance_ms(1000);
        assert_eq!(tick(&b, &s, &c, &deliver).await.expect("tick"), 0);
        let sizes: Vec<usize> = seen.lock().expect("lock").iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 5]);
        assert_eq!(b.backlog("q").expect("backlog").count, 0);
    }

    #[tokio::test]
    async fn a_failing_consumer_retries_then_dead_letters_keeping_explicit_acks() {
        let (_d, b, s) = setup(2);
        let clock = Arc::new(ManualClock::new(0));
        let c: Arc<dyn Clock> = clock.clone();
        send(&b, 2, 0);
        let (deliver, seen) = recorder(true, false);
        for _ in 0..3 {
            clock.advance_ms(1000);
            tick(&b, &s, &c, &deliver).await.expect("tick");
        }
        assert_eq!(
            *seen.lock().expect("lock"),
            [vec![1, 1], vec![2, 2], vec![3, 3]]
        );
        assert_eq!(b.backlog("q").expect("backlog").count, 0);
        assert_eq!(b.backlog("dlq").expect("backlog").count, 2);

        send(&b, 2, 10_000);
        clock.set_ms(20_000);
        let (deliver, _) = recorder(true, true);
        tick(&b, &s, &c, &deliver).await.expect("tick");
        assert_eq!(
            b.backlog("q").expect("backlog").count,
            1,
            "the ack survives the throw"
        );
    }
}
