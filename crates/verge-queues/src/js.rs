//! `env.<binding>`: the Queues producer's JS face (`WorkerQueue`), over [`crate::core::Producer`].
//!
//! Bodies are encoded here, on the isolate thread: `json` with the engine's `JSON.stringify`,
//! `text` and `bytes` as given, `v8` with verge's structured-clone serializer
//! (`internal.v8`, verge-web `js/rpc.js`). The store write runs on the blocking pool, and
//! the promise resolves once it is committed (fsynced): a message whose `send` resolved
//! survives a crash. Every failure rejects the promise, with workerd's messages.

use std::sync::Arc;

use rquickjs::class::Trace;
use rquickjs::function::{Constructor, Opt};
use rquickjs::{Class, Ctx, Function, JsLifetime, Object, Promise, Result, Value};
use verge_js::{Extension, throw};
use verge_store::QueueBacklog;

use crate::core::{ContentType, Outgoing, Producer, check_delay};
use crate::error::{QueueError, SendOp};
use crate::limits::MAX_BATCH_MESSAGES;

/// The producer bindings of a worker.
#[derive(Debug)]
pub struct QueuesExtension {
    bindings: Vec<(String, Arc<Producer>)>,
    json_default: bool,
}

impl QueuesExtension {
    /// Bindings as `(env name, producer)`; `json_default` is the `queues_json_messages`
    /// compatibility flag (bodies without a `contentType` are `json`, else `v8`).
    pub fn new(bindings: Vec<(String, Arc<Producer>)>, json_default: bool) -> Self {
        QueuesExtension {
            bindings,
            json_default,
        }
    }
}

impl Extension for QueuesExtension {
    fn name(&self) -> &'static str {
        "queues"
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let primordials = verge_js::bytecode::primordials(ctx, internal)?;
        let array_from: Function = primordials.get::<_, Object>("ArrayStatics")?.get("from")?;
        let date: Constructor = primordials.get("Date")?;
        for (name, producer) in &self.bindings {
            let instance = Class::instance(
                ctx.clone(),
                JsWorkerQueue {
                    producer: producer.clone(),
                    json_default: self.json_default,
                    internal: internal.clone(),
                    array_from: array_from.clone(),
                    date: date.clone(),
                },
            )?;
            env.set(name.as_str(), instance)?;
        }
        Ok(())
    }
}

/// `env.<binding>`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "WorkerQueue")]
pub(crate) struct JsWorkerQueue<'js> {
    #[qjs(skip_trace)]
    producer: Arc<Producer>,
    #[qjs(skip_trace)]
    json_default: bool,
    internal: Object<'js>,
    array_from: Function<'js>,
    date: Constructor<'js>,
}

/// `typeof v`.
fn type_of(v: &Value<'_>) -> &'static str {
    if v.is_string() {
        "string"
    } else if v.is_number() {
        "number"
    } else if v.is_bool() {
        "boolean"
    } else if v.is_undefined() {
        "undefined"
    } else if v.is_symbol() {
        "symbol"
    } else if v.is_big_int() {
        "bigint"
    } else if v.is_function() {
        "function"
    } else {
        "object"
    }
}

fn is_view(v: &Value<'_>) -> bool {
    v.as_object().is_some_and(|o| {
        rquickjs::ArrayBuffer::from_object(o.clone()).is_none()
            && verge_js::bytes::copy_bytes(v).is_some()
    })
}

impl<'js> JsWorkerQueue<'js> {
    /// Encodes one body as `content_type` (or the default).
    fn encode(
        &self,
        ctx: &Ctx<'js>,
        op: SendOp,
        body: Value<'js>,
        content_type: Value<'js>,
        delay: Value<'js>,
    ) -> Result<Outgoing> {
        let fail = |e: QueueError| throw(ctx, &e);
        if body.is_undefined() {
            return Err(fail(QueueError::UndefinedBody));
        }
        let content_type = if content_type.is_undefined() {
            if self.json_default {
                ContentType::Json
            } else {
                ContentType::V8
            }
        } else {
            let s: rquickjs::Coerced<String> = content_type.get()?;
            ContentType::parse(&s.0).map_err(fail)?
        };
        let delay_seconds = delay_option(ctx, op, delay)?;
        let body = match content_type {
            ContentType::Json => match ctx.json_stringify(body)? {
                Some(s) => s.to_string()?.into_bytes(),
                None => return Err(fail(QueueError::NotJson)),
            },
            ContentType::Text => match body.as_string() {
                Some(s) => s.to_string()?.into_bytes(),
                None => {
                    return Err(fail(QueueError::WrongBodyType {
                        content_type: "text",
                        expected: "string",
                        got: type_of(&body).into(),
                    }));
                }
            },
            ContentType::Bytes => match is_view(&body)
                .then(|| verge_js::bytes::copy_bytes(&body))
                .flatten()
            {
                Some(b) => b,
                None => {
                    return Err(fail(QueueError::WrongBodyType {
                        content_type: "bytes",
                        expected: "ArrayBufferView",
                        got: type_of(&body).into(),
                    }));
                }
            },
            ContentType::V8 => {
                let v8: Object = self.internal.get("v8")?;
                let serialize: Function = v8.get("serialize")?;
                let s: String = serialize.call((body,))?;
                s.into_bytes()
            }
        };
        Ok(Outgoing {
            content_type,
            body,
            delay_seconds,
        })
    }

    /// Sends on the blocking pool; resolves to `{ metadata: { metrics } }`.
    fn finish(
        &self,
        ctx: Ctx<'js>,
        op: SendOp,
        prepared: Result<(Vec<Outgoing>, Option<u32>)>,
    ) -> Result<Promise<'js>> {
        let producer = self.producer.clone();
        let date = self.date.clone();
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            prepared.map(|(messages, batch_delay)| async move {
                let sent =
                    tokio::task::spawn_blocking(move || producer.send(op, messages, batch_delay))
                        .await;
                let backlog = match sent {
                    Ok(Ok(b)) => b,
                    Ok(Err(e)) => {
                        if let QueueError::Store { source, .. } = &e {
                            tracing::error!(error = %source, "queues: storage failure");
                        }
                        return Err(throw(&ctx2, &e));
                    }
                    Err(join) => {
                        tracing::error!(error = %join, "queues: send task failed");
                        return Err(throw(
                            &ctx2,
                            &QueueError::Store {
                                op,
                                source: verge_store::StoreError::Closed,
                            },
                        ));
                    }
                };
                send_response(&ctx2, &date, backlog)
            }),
        )
    }
}

/// `{ metadata: { metrics: { backlogCount, backlogBytes, oldestMessageTimestamp } } }`.
fn send_response<'js>(
    ctx: &Ctx<'js>,
    date: &Constructor<'js>,
    backlog: QueueBacklog,
) -> Result<Value<'js>> {
    let metrics = metrics_object(ctx, date, backlog)?;
    let metadata = Object::new(ctx.clone())?;
    metadata.set("metrics", metrics)?;
    let out = Object::new(ctx.clone())?;
    out.set("metadata", metadata)?;
    Ok(out.into_value())
}

/// `{ backlogCount, backlogBytes, oldestMessageTimestamp }`.
fn metrics_object<'js>(
    ctx: &Ctx<'js>,
    date: &Constructor<'js>,
    backlog: QueueBacklog,
) -> Result<Object<'js>> {
    let metrics = Object::new(ctx.clone())?;
    metrics.set("backlogCount", backlog.count as f64)?;
    metrics.set("backlogBytes", backlog.bytes as f64)?;
    if let Some(t) = backlog.oldest_timestamp_ms {
        let d: Value = date.construct((t as f64,))?;
        metrics.set("oldestMessageTimestamp", d)?;
    }
    Ok(metrics)
}

/// A `delaySeconds` option value (undefined means none).
fn delay_option<'js>(ctx: &Ctx<'js>, op: SendOp, v: Value<'js>) -> Result<Option<u32>> {
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_number() {
        Some(n) => check_delay(op, n).map(Some).map_err(|e| throw(ctx, &e)),
        None => Err(throw(
            ctx,
            &QueueError::BadDelay {
                op,
                got: type_of(&v).into(),
            },
        )),
    }
}

/// `options.<key>`, undefined when `options` is undefined or null.
fn option<'js>(ctx: &Ctx<'js>, options: &Option<Value<'js>>, key: &str) -> Result<Value<'js>> {
    match options {
        Some(o) if o.is_object() => o
            .as_object()
            .map_or_else(|| Ok(Value::new_undefined(ctx.clone())), |o| o.get(key)),
        Some(o) if !o.is_undefined() && !o.is_null() => Err(rquickjs::Exception::throw_type(
            ctx,
            "Queue options must be an object",
        )),
        _ => Ok(Value::new_undefined(ctx.clone())),
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl<'js> JsWorkerQueue<'js> {
    /// `send(body, { contentType, delaySeconds })`.
    pub fn send(
        &self,
        ctx: Ctx<'js>,
        body: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<Promise<'js>> {
        let prepared = (|| {
            let body = body.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            let ct = option(&ctx, &options.0, "contentType")?;
            let delay = option(&ctx, &options.0, "delaySeconds")?;
            let m = self.encode(&ctx, SendOp::Send, body, ct, delay)?;
            Ok((vec![m], None))
        })();
        self.finish(ctx, SendOp::Send, prepared)
    }

    /// `metrics()` → `{ backlogCount, backlogBytes, oldestMessageTimestamp }`.
    pub fn metrics(&self, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        let producer = self.producer.clone();
        let date = self.date.clone();
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            Ok(async move {
                let backlog = match tokio::task::spawn_blocking(move || producer.backlog()).await {
                    Ok(Ok(b)) => b,
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "queues: storage failure");
                        return Err(throw(&ctx2, &e));
                    }
                    Err(join) => {
                        tracing::error!(error = %join, "queues: metrics task failed");
                        return Err(throw(
                            &ctx2,
                            &QueueError::Store {
                                op: SendOp::Metrics,
                                source: verge_store::StoreError::Closed,
                            },
                        ));
                    }
                };
                Ok(metrics_object(&ctx2, &date, backlog)?.into_value())
            }),
        )
    }

    /// `sendBatch(messages, { delaySeconds })`: `messages` is any iterable of
    /// `{ body, contentType?, delaySeconds? }`.
    pub fn send_batch(
        &self,
        ctx: Ctx<'js>,
        messages: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<Promise<'js>> {
        let prepared = (|| {
            let batch_delay = delay_option(
                &ctx,
                SendOp::SendBatch,
                option(&ctx, &options.0, "delaySeconds")?,
            )?;
            let Some(list) = messages.0.filter(|v| !v.is_undefined() && !v.is_null()) else {
                return Err(rquickjs::Exception::throw_type(
                    &ctx,
                    "sendBatch() requires an iterable of messages",
                ));
            };
            let list: rquickjs::Array = self.array_from.call((list,))?;
            if list.len() > MAX_BATCH_MESSAGES {
                return Err(throw(
                    &ctx,
                    &QueueError::TooManyMessages { count: list.len() },
                ));
            }
            let mut out = Vec::with_capacity(list.len());
            for item in list.iter::<Value>() {
                let item = item?;
                let Some(obj) = item.as_object() else {
                    return Err(rquickjs::Exception::throw_type(
                        &ctx,
                        "sendBatch() messages must be objects like { body, contentType?, delaySeconds? }",
                    ));
                };
                out.push(self.encode(
                    &ctx,
                    SendOp::SendBatch,
                    obj.get("body")?,
                    obj.get("contentType")?,
                    obj.get("delaySeconds")?,
                )?);
            }
            if out.is_empty() {
                return Err(throw(&ctx, &QueueError::EmptyBatch));
            }
            Ok((out, batch_delay))
        })();
        self.finish(ctx, SendOp::SendBatch, prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::sqlite::SqliteQueueStore;
    use verge_store::{ManualClock, QueueBackend};

    fn run(script: &str) -> (String, Arc<SqliteQueueStore>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteQueueStore::open_in(dir.path()).expect("open"));
        let producer = Producer::new(store.clone(), "q", 0, Arc::new(ManualClock::new(1000)));
        let ext = QueuesExtension::new(vec![("Q".into(), Arc::new(producer))], true);
        let out = verge_js::testing::run_js(
            vec![Arc::new(ext), Arc::new(verge_js::testing::EnvGlobal)],
            script,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        (out, store, dir)
    }

    #[test]
    fn send_stores_each_content_type_and_resolves_with_the_backlog() {
        let (out, store, _d) = run("const r = await env.Q.send({ a: 1 }); \
             await env.Q.send('hi', { contentType: 'text', delaySeconds: 0 }); \
             await env.Q.send(new Uint8Array([1, 2]), { contentType: 'Bytes' }); \
             await env.Q.sendBatch([{ body: 1 }, { body: 'x', contentType: 'text' }], { delaySeconds: 5 }); \
             const m = await env.Q.metrics(); \
             return [r.metadata.metrics.backlogCount, r.metadata.metrics.oldestMessageTimestamp.getTime(), m.backlogCount, m.backlogBytes].join(':');");
        assert_eq!(out, "\"1:1000:5:13\"");
        let m = store.lease("q", 1000, 10, u64::MAX / 2).expect("lease");
        let got: Vec<(&str, &[u8])> = m
            .iter()
            .map(|m| (m.content_type.as_str(), m.body.as_slice()))
            .collect();
        assert_eq!(
            got,
            [
                ("json", &b"{\"a\":1}"[..]),
                ("text", b"hi"),
                ("bytes", &[1, 2])
            ]
        );
        assert_eq!(store.ready("q", 6000).expect("ready").ready, 2);
    }

    #[test]
    fn bad_input_rejects_with_workerds_messages() {
        let (out, store, _d) = run("const m = []; const big = 'x'.repeat(128001); \
             for (const f of [() => env.Q.send(), () => env.Q.send(1, { contentType: 'xml' }), \
               () => env.Q.send(1, { contentType: 'text' }), () => env.Q.send(new ArrayBuffer(1), { contentType: 'bytes' }), \
               () => env.Q.send(1, { delaySeconds: 43201 }), () => env.Q.send(() => 1), \
               () => env.Q.send(big, { contentType: 'text' }), () => env.Q.sendBatch([]), \
               () => env.Q.sendBatch(Array.from({ length: 101 }, () => ({ body: 1 }))), \
               () => env.Q.sendBatch([{ body: 'x'.repeat(100000) }, { body: 'x'.repeat(100000) }, { body: 'x'.repeat(60000) }]), \
               () => env.Q.sendBatch([{ body: undefined }]), () => env.Q.sendBatch(null)]) { \
               try { await f(); m.push('ok'); } catch (e) { m.push(e.constructor.name + ': ' + e.message); } } \
             return m.join('\\n');");
        let lines: Vec<&str> = out.trim_matches('"').split("\\n").collect();
        assert_eq!(
            lines,
            [
                "TypeError: Message body cannot be undefined",
                "TypeError: Unsupported queue message content type: xml",
                "TypeError: Content Type \\\"text\\\" requires a value of type string, but received: number",
                "TypeError: Content Type \\\"bytes\\\" requires a value of type ArrayBufferView, but received: object",
                "TypeError: Queue send failed: delaySeconds must be an integer from 0 to 43200, got 43201",
                "TypeError: Message body could not be serialized as JSON (JSON.stringify returned undefined)",
                "Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000",
                "TypeError: sendBatch() requires at least one message",
                "Error: Queue sendBatch failed: batch message count of 101 exceeds limit of 100",
                "Error: Queue sendBatch failed: batch size of 260006 bytes exceeds limit of 256000",
                "TypeError: Message body cannot be undefined",
                "TypeError: sendBatch() requires an iterable of messages",
            ]
        );
        assert_eq!(store.backlog("q").expect("backlog").count, 0);
    }
}
