//! A queue consumer's event (`queue(batch, env, ctx)`): the batch as the host hands it to
//! [`crate::invoke::invoke`] ([`QueueDelivery`]) and what the handler decides about each message
//! ([`QueueVerdicts`]), recorded as `message.ack()`, `message.retry()`, `batch.ackAll()` and
//! `batch.retryAll()` are called — so the decisions made before a throw, a hang or a CPU
//! overrun still count (an explicit `ack()` keeps a message from redelivery even when the
//! handler then throws, as on Cloudflare).
//!
//! The JS classes (`MessageBatch`, `Message`) are in `js/fetch.js` (`internal.runQueue`); they
//! call the [`QueueBatchHost`] made here for each delivery.

use std::sync::{Arc, Mutex};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Ctx, JsLifetime, Result, Value};
use verge_js::{JsClass, throw_as};

/// Longest `delaySeconds` of a retry: 12 hours, as for sends.
pub const MAX_RETRY_DELAY_SECONDS: u32 = 43_200;

/// One message of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDeliveryMessage {
    /// `message.id`.
    pub id: String,
    /// `message.timestamp` (ms since the epoch).
    pub timestamp_ms: u64,
    /// How the body is encoded: `json`, `text`, `bytes` or `v8`.
    pub content_type: String,
    /// The encoded body.
    pub body: Vec<u8>,
    /// `message.attempts` (1 on the first delivery).
    pub attempts: u32,
}

/// A batch for a consumer.
#[derive(Debug, Clone)]
pub struct QueueDelivery {
    /// `batch.queue`.
    pub queue: String,
    /// `batch.messages`.
    pub messages: Vec<QueueDeliveryMessage>,
    /// `batch.metadata.metrics`: the queue's backlog before this batch was leased
    /// `(count, bytes, oldest message's timestamp in ms)`.
    pub backlog: (u64, u64, Option<u64>),
    /// Filled in as the handler decides.
    pub verdicts: Arc<Mutex<QueueVerdicts>>,
}

/// What the handler asked for one message or the whole batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueVerdict {
    /// `ack()` / `ackAll()`.
    Ack,
    /// `retry()` / `retryAll()`, with the `delaySeconds` given, if any.
    Retry(Option<u32>),
}

/// The handler's decisions so far: the first call on a message wins, and so does the first
/// batch-level call; a message's own decision beats the batch's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueVerdicts {
    /// Per message, by index in the batch.
    pub messages: Vec<Option<QueueVerdict>>,
    /// `ackAll()` / `retryAll()`.
    pub batch: Option<QueueVerdict>,
}

impl QueueVerdicts {
    /// No decisions yet, for `n` messages.
    pub fn new(n: usize) -> Self {
        QueueVerdicts {
            messages: vec![None; n],
            batch: None,
        }
    }

    /// What applies to message `i`: its own decision, else the batch's.
    pub fn for_message(&self, i: usize) -> Option<QueueVerdict> {
        self.messages.get(i).copied().flatten().or(self.batch)
    }
}

/// The host side of one delivery's `MessageBatch` (JS calls it; see the module docs).
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "QueueBatchHost")]
pub(crate) struct QueueBatchHost {
    #[qjs(skip_trace)]
    verdicts: Arc<Mutex<QueueVerdicts>>,
}

impl QueueBatchHost {
    /// The host of a delivery recording into `verdicts`.
    pub(crate) fn new(verdicts: Arc<Mutex<QueueVerdicts>>) -> Self {
        QueueBatchHost { verdicts }
    }

    fn record(&self, index: Option<usize>, verdict: QueueVerdict) {
        let mut v = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        let slot = match index {
            Some(i) => match v.messages.get_mut(i) {
                Some(slot) => slot,
                None => return,
            },
            None => &mut v.batch,
        };
        if slot.is_none() {
            *slot = Some(verdict);
        }
    }
}

/// `{ delaySeconds }` of `retry()` / `retryAll()`: absent, or a number of seconds in
/// `0..=43200` (fractions are cut).
fn retry_delay(ctx: &Ctx<'_>, options: Option<Value<'_>>) -> Result<Option<u32>> {
    let Some(options) = options.filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(None);
    };
    let Some(obj) = options.as_object() else {
        return Err(throw_as(
            ctx,
            JsClass::TypeError,
            "retry options must be an object, e.g. { delaySeconds: 10 }",
        ));
    };
    let d: Value = obj.get("delaySeconds")?;
    if d.is_undefined() {
        return Ok(None);
    }
    match d.as_number() {
        Some(n) if n.is_finite() && (0.0..=f64::from(MAX_RETRY_DELAY_SECONDS)).contains(&n) => {
            Ok(Some(n as u32))
        }
        _ => Err(throw_as(
            ctx,
            JsClass::TypeError,
            &format!(
                "delaySeconds must be a number of seconds from 0 to {MAX_RETRY_DELAY_SECONDS}"
            ),
        )),
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl QueueBatchHost {
    /// `messages[i].ack()`.
    pub fn ack(&self, i: u32) {
        self.record(Some(i as usize), QueueVerdict::Ack);
    }

    /// `messages[i].retry(options)`.
    pub fn retry<'js>(&self, ctx: Ctx<'js>, i: u32, options: Opt<Value<'js>>) -> Result<()> {
        let delay = retry_delay(&ctx, options.0)?;
        self.record(Some(i as usize), QueueVerdict::Retry(delay));
        Ok(())
    }

    /// `batch.ackAll()`.
    pub fn ack_all(&self) {
        self.record(None, QueueVerdict::Ack);
    }

    /// `batch.retryAll(options)`.
    pub fn retry_all<'js>(&self, ctx: Ctx<'js>, options: Opt<Value<'js>>) -> Result<()> {
        let delay = retry_delay(&ctx, options.0)?;
        self.record(None, QueueVerdict::Retry(delay));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_messages_own_first_decision_beats_the_batch() {
        let v = Arc::new(Mutex::new(QueueVerdicts::new(3)));
        let host = QueueBatchHost::new(v.clone());
        host.record(Some(0), QueueVerdict::Ack);
        host.record(Some(0), QueueVerdict::Retry(None));
        host.record(None, QueueVerdict::Retry(Some(5)));
        host.record(None, QueueVerdict::Ack);
        host.record(Some(9), QueueVerdict::Ack);
        let v = v.lock().expect("lock");
        assert_eq!(v.for_message(0), Some(QueueVerdict::Ack));
        assert_eq!(v.for_message(1), Some(QueueVerdict::Retry(Some(5))));
        assert_eq!(v.for_message(3), Some(QueueVerdict::Retry(Some(5))));
    }
}
