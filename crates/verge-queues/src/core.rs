//! Queue semantics without JavaScript: content types, the producer's checks and sends, and
//! what happens to each message of a delivered batch ([`settle`]).

use std::sync::Arc;

use verge_store::{Clock, QueueBackend, QueueBacklog, QueueMessage, QueueSend, QueueSettle};
use verge_web::queue::{QueueVerdict, QueueVerdicts};

use crate::error::{QueueError, SendOp};
use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, MAX_DELAY_SECONDS, MAX_MESSAGE_BYTES};

/// How a message body is encoded (`contentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// `JSON.stringify` of the body (the default since compatibility date 2024-03-18).
    Json,
    /// A string, as UTF-8.
    Text,
    /// An `ArrayBufferView`'s bytes.
    Bytes,
    /// The structured-clone serialization of the body (the default before 2024-03-18).
    V8,
}

impl ContentType {
    /// The name as stored and as JS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "json",
            ContentType::Text => "text",
            ContentType::Bytes => "bytes",
            ContentType::V8 => "v8",
        }
    }

    /// Parses a `contentType` option (ASCII case-insensitive, as workerd).
    pub fn parse(s: &str) -> Result<Self, QueueError> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(ContentType::Json),
            "text" => Ok(ContentType::Text),
            "bytes" => Ok(ContentType::Bytes),
            "v8" => Ok(ContentType::V8),
            _ => Err(QueueError::UnsupportedContentType(s.to_string())),
        }
    }
}

/// A `delaySeconds` option: a whole number of seconds from 0 to 43200.
pub fn check_delay(op: SendOp, seconds: f64) -> Result<u32, QueueError> {
    if seconds.is_finite()
        && seconds.fract() == 0.0
        && (0.0..=f64::from(MAX_DELAY_SECONDS)).contains(&seconds)
    {
        Ok(seconds as u32)
    } else {
        Err(QueueError::BadDelay {
            op,
            got: seconds.to_string(),
        })
    }
}

/// One encoded message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// How `body` is encoded.
    pub content_type: ContentType,
    /// The encoded body.
    pub body: Vec<u8>,
    /// Its own `delaySeconds`, if given.
    pub delay_seconds: Option<u32>,
}

/// A producer binding (`env.<binding>`): sends to one queue.
pub struct Producer {
    backend: Arc<dyn QueueBackend>,
    queue: String,
    delivery_delay: u32,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("queue", &self.queue)
            .field("delivery_delay", &self.delivery_delay)
            .finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer for `queue`, delaying messages `delivery_delay` seconds unless they say
    /// otherwise.
    pub fn new(
        backend: Arc<dyn QueueBackend>,
        queue: impl Into<String>,
        delivery_delay: u32,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Producer {
            backend,
            queue: queue.into(),
            delivery_delay,
            clock,
        }
    }

    /// The queue's name.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The queue's backlog (`queue.metrics()`).
    pub fn backlog(&self) -> Result<QueueBacklog, QueueError> {
        self.backend
            .backlog(&self.queue)
            .map_err(|source| QueueError::Store {
                op: SendOp::Metrics,
                source,
            })
    }

    /// Checks the sizes of what `op` sends (before anything is stored).
    pub fn check(op: SendOp, messages: &[Outgoing]) -> Result<(), QueueError> {
        if messages.is_empty() {
            return Err(QueueError::EmptyBatch);
        }
        if op == SendOp::Send {
            let len = messages[0].body.len();
            if len > MAX_MESSAGE_BYTES {
                return Err(QueueError::MessageTooLarge { len });
            }
            return Ok(());
        }
        if messages.len() > MAX_BATCH_MESSAGES {
            return Err(QueueError::TooManyMessages {
                count: messages.len(),
            });
        }
        if let Some(len) = messages
            .iter()
            .map(|m| m.body.len())
            .find(|&l| l > MAX_MESSAGE_BYTES)
        {
            return Err(QueueError::BatchMessageTooLarge { len });
        }
        let total: usize = messages.iter().map(|m| m.body.len()).sum();
        if total > MAX_BATCH_BYTES {
            return Err(QueueError::BatchTooLarge { len: total });
        }
        Ok(())
    }

    /// Stores `messages` (all or none; durable when this returns) and returns the queue's
    /// backlog after. A message's own delay beats `batch_delay`, which beats the producer's
    /// `delivery_delay`; 0 means no delay.
    pub fn send(
        &self,
        op: SendOp,
        messages: Vec<Outgoing>,
        batch_delay: Option<u32>,
    ) -> Result<QueueBacklog, QueueError> {
        Self::check(op, &messages)?;
        let now = self.clock.now_ms();
        let sends: Vec<QueueSend> = messages
            .into_iter()
            .map(|m| {
                let delay = m
                    .delay_seconds
                    .or(batch_delay)
                    .unwrap_or(self.delivery_delay);
                QueueSend {
                    id: uuid::Uuid::new_v4().simple().to_string(),
                    content_type: m.content_type.as_str().to_string(),
                    body: m.body,
                    timestamp_ms: now,
                    visible_at_ms: now + u64::from(delay) * 1000,
                }
            })
            .collect();
        let store = |source| QueueError::Store { op, source };
        self.backend.send(&self.queue, &sends).map_err(store)?;
        self.backend.backlog(&self.queue).map_err(store)
    }
}

/// A consumer's settings (`[[queues.consumers]]`, defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSettings {
    /// The queue it consumes.
    pub queue: String,
    /// Most messages per batch.
    pub max_batch_size: usize,
    /// Longest a ready message waits for its batch to fill, in ms.
    pub max_batch_timeout_ms: u64,
    /// Retries before a message goes to the dead-letter queue (or is dropped).
    pub max_retries: u32,
    /// Where messages go after their last retry.
    pub dead_letter_queue: Option<String>,
    /// Seconds before a retried message is delivered again, unless `retry()` says.
    pub retry_delay: u32,
}

/// What becomes of one message of a delivered batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Acknowledged.
    Acked,
    /// Delivered again after this many seconds.
    Retried(u32),
    /// Out of retries: moved to the dead-letter queue.
    DeadLettered,
    /// Out of retries and no dead-letter queue: dropped.
    Dropped,
}

/// What to do with each message of a batch the consumer got, given what the handler decided
/// (`verdicts`) and whether it succeeded: a message's own `ack()`/`retry()` beats the batch's
/// `ackAll()`/`retryAll()`; an undecided message is acknowledged when the handler succeeded and
/// retried when it failed. A retry after the last allowed one (`attempts > max_retries`) moves
/// the message to the dead-letter queue, or drops it.
pub fn settle(
    settings: &ConsumerSettings,
    messages: &[QueueMessage],
    verdicts: &QueueVerdicts,
    handler_ok: bool,
    now_ms: u64,
) -> Vec<(QueueSettle, Fate)> {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let verdict = verdicts.for_message(i).unwrap_or(if handler_ok {
                QueueVerdict::Ack
            } else {
                QueueVerdict::Retry(None)
            });
            match verdict {
                QueueVerdict::Ack => (QueueSettle::Ack(m.id.clone()), Fate::Acked),
                QueueVerdict::Retry(delay) => {
                    if m.attempts > settings.max_retries {
                        match &settings.dead_letter_queue {
                            Some(dlq) => (
                                QueueSettle::Move {
                                    id: m.id.clone(),
                                    to: dlq.clone(),
                                    visible_at_ms: now_ms,
                                },
                                Fate::DeadLettered,
                            ),
                            None => (QueueSettle::Ack(m.id.clone()), Fate::Dropped),
                        }
                    } else {
                        let delay = delay.unwrap_or(settings.retry_delay);
                        (
                            QueueSettle::Retry {
                                id: m.id.clone(),
                                visible_at_ms: now_ms + u64::from(delay) * 1000,
                            },
                            Fate::Retried(delay),
                        )
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::ManualClock;
    use verge_store::sqlite::SqliteQueueStore;

    fn settings() -> ConsumerSettings {
        ConsumerSettings {
            queue: "q".into(),
            max_batch_size: 10,
            max_batch_timeout_ms: 5000,
            max_retries: 2,
            dead_letter_queue: Some("dlq".into()),
            retry_delay: 7,
        }
    }

    fn msg(id: &str, attempts: u32) -> QueueMessage {
        QueueMessage {
            id: id.into(),
            content_type: "text".into(),
            body: Vec::new(),
            timestamp_ms: 0,
            attempts,
        }
    }

    fn fates(v: &QueueVerdicts, ok: bool, msgs: &[QueueMessage]) -> Vec<Fate> {
        settle(&settings(), msgs, v, ok, 1000)
            .into_iter()
            .map(|(_, f)| f)
            .collect()
    }

    #[test]
    fn an_explicit_ack_survives_a_throw_and_the_rest_are_retried() {
        let mut v = QueueVerdicts::new(2);
        v.messages[0] = Some(QueueVerdict::Ack);
        let msgs = [msg("a", 1), msg("b", 1)];
        assert_eq!(fates(&v, false, &msgs), [Fate::Acked, Fate::Retried(7)]);
        assert_eq!(
            fates(&QueueVerdicts::new(2), true, &msgs),
            [Fate::Acked, Fate::Acked]
        );
    }

    #[test]
    fn retry_delays_come_from_the_call_then_the_batch_then_the_consumer() {
        let mut v = QueueVerdicts::new(3);
        v.messages[0] = Some(QueueVerdict::Retry(Some(3)));
        v.batch = Some(QueueVerdict::Retry(Some(9)));
        let msgs = [msg("a", 1), msg("b", 1), msg("c", 1)];
        assert_eq!(
            fates(&v, true, &msgs),
            [Fate::Retried(3), Fate::Retried(9), Fate::Retried(9)]
        );
        let out = settle(&settings(), &msgs[..1], &v, true, 1000);
        assert_eq!(
            out[0].0,
            QueueSettle::Retry {
                id: "a".into(),
                visible_at_ms: 4000
            }
        );
    }

    #[test]
    fn after_max_retries_a_message_goes_to_the_dead_letter_queue_or_is_dropped() {
        let v = QueueVerdicts::new(2);
        let msgs = [msg("a", 2), msg("b", 3)];
        assert_eq!(
            fates(&v, false, &msgs),
            [Fate::Retried(7), Fate::DeadLettered]
        );
        let mut s = settings();
        s.dead_letter_queue = None;
        let out = settle(&s, &msgs[1..], &v, false, 0);
        assert_eq!(out[0], (QueueSettle::Ack("b".into()), Fate::Dropped));
    }

    #[test]
    fn content_types_parse_case_insensitively() {
        assert_eq!(ContentType::parse("JSON").expect("json"), ContentType::Json);
        assert_eq!(
            ContentType::parse("xml").unwrap_err().to_string(),
            "Unsupported queue message content type: xml"
        );
    }

    #[test]
    fn delays_are_whole_seconds_up_to_twelve_hours() {
        assert_eq!(check_delay(SendOp::Send, 43_200.0).expect("max"), 43_200);
        for bad in [-1.0, 43_201.0, 1.5, f64::NAN] {
            assert!(check_delay(SendOp::Send, bad).is_err(), "{bad}");
        }
    }

    fn out(len: usize) -> Outgoing {
        Outgoing {
            content_type: ContentType::Bytes,
            body: vec![0; len],
            delay_seconds: None,
        }
    }

    #[test]
    fn sizes_are_checked_with_cloudflares_messages() {
        let e = |op, m: Vec<Outgoing>| Producer::check(op, &m).unwrap_err().to_string();
        assert_eq!(
            e(SendOp::Send, vec![out(128_001)]),
            "Queue send failed: message length of 128001 bytes exceeds limit of 128000"
        );
        assert!(Producer::check(SendOp::Send, &[out(128_000)]).is_ok());
        assert_eq!(
            e(SendOp::SendBatch, (0..101).map(|_| out(1)).collect()),
            "Queue sendBatch failed: batch message count of 101 exceeds limit of 100"
        );
        assert_eq!(
            e(
                SendOp::SendBatch,
                vec![out(100_000), out(100_000), out(60_000)]
            ),
            "Queue sendBatch failed: batch size of 260000 bytes exceeds limit of 256000"
        );
        assert_eq!(
            e(SendOp::SendBatch, vec![]),
            "sendBatch() requires at least one message"
        );
    }

    #[test]
    fn sends_apply_the_delay_precedence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = Arc::new(SqliteQueueStore::open_in(dir.path()).expect("open"));
        let clock = Arc::new(ManualClock::new(1_000_000));
        let p = Producer::new(backend.clone(), "q", 60, clock);
        let mut own = out(1);
        own.delay_seconds = Some(0);
        let backlog = p
            .send(SendOp::SendBatch, vec![own, out(2)], None)
            .expect("send");
        assert_eq!((backlog.count, backlog.bytes), (2, 3));
        p.send(SendOp::SendBatch, vec![out(3)], Some(5))
            .expect("send");
        let r = backend.ready("q", 1_000_000).expect("ready");
        assert_eq!((r.ready, r.next_visible_ms), (1, Some(1_005_000)));
        assert_eq!(backend.ready("q", 1_060_000).expect("ready").ready, 3);
    }
}
