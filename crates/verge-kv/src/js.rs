//! The `KvNamespace` JS class: Workers-shaped glue over [`KvNamespace`] (workers-api.md §4).
//!
//! The glue only converts arguments and results; every check and message lives in the core.
//! Every method returns a promise, and every failure (including argument conversion) rejects
//! it, as workerd turns exceptions of promise-returning methods into rejections.
//!
//! Threading: reads (`get`, `getWithMetadata`, `list`) run inline on the isolate thread (a WAL
//! read of one row or one page is tens of microseconds, cheaper than a thread hand-off);
//! writes (`put`, `delete`) run under [`tokio::task::spawn_blocking`], because a commit with
//! `synchronous=FULL` waits for an fsync and the isolate thread must keep serving.

use std::sync::Arc;
use std::time::Duration;

use rquickjs::class::Trace;
use rquickjs::function::{Constructor, Opt};
use rquickjs::{
    ArrayBuffer, Class, Coerced, Ctx, Function, JsLifetime, Object, Promise, Result, Value,
};
use verge_js::{Extension, JsClass, ToJsClass, throw, throw_as};

use crate::error::{KvError, KvOp};
use crate::namespace::{
    KvGetOptions, KvListOptions, KvNamespace, KvPutOptions, KvValue, KvValueType,
};

impl ToJsClass for KvError {
    fn js_class(&self) -> JsClass {
        KvError::js_class(self)
    }
}

/// The KV bindings of a worker: one `env.<binding>` object per namespace.
///
/// ```
/// use std::sync::Arc;
/// use verge_kv::{KvNamespace, js::KvExtension};
/// use verge_store::{SystemClock, memory::MemoryKvStore};
///
/// let ns = KvNamespace::new(Arc::new(MemoryKvStore::new()), "ns-id", Arc::new(SystemClock));
/// let ext = KvExtension::new(vec![("MY_KV".to_owned(), Arc::new(ns))]);
/// assert_eq!(ext.bindings().len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct KvExtension {
    bindings: Vec<(String, Arc<KvNamespace>)>,
}

impl KvExtension {
    /// Bindings as `(env name, namespace)`.
    pub fn new(bindings: Vec<(String, Arc<KvNamespace>)>) -> Self {
        Self { bindings }
    }

    /// The bindings this extension installs.
    pub fn bindings(&self) -> &[(String, Arc<KvNamespace>)] {
        &self.bindings
    }
}

impl Extension for KvExtension {
    fn name(&self) -> &'static str {
        "kv"
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        // Captured now, before guest code runs, so a guest that replaces `globalThis.Map`
        // cannot change what bulk gets return.
        let map: Constructor<'js> = ctx.globals().get("Map")?;
        for (name, kv) in &self.bindings {
            let instance = Class::instance(
                ctx.clone(),
                JsKvNamespace {
                    kv: kv.clone(),
                    internal: internal.clone(),
                    map: map.clone(),
                },
            )?;
            env.set(name.as_str(), instance)?;
        }
        Ok(())
    }
}

/// Calls [`KvNamespace::purge_expired`] every `every` on the given namespaces, forever (the
/// deployment passes one namespace per backend: a purge covers every namespace of its
/// backend, and drops the future to stop it). Reads never see expired entries anyway; this
/// only reclaims space. Runs inside a tokio runtime.
pub async fn expiry_sweep(namespaces: Vec<Arc<KvNamespace>>, every: Duration) {
    {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for kv in &namespaces {
                let kv = kv.clone();
                let namespace = kv.namespace().to_owned();
                match tokio::task::spawn_blocking(move || kv.purge_expired()).await {
                    Ok(Ok(n)) if n > 0 => {
                        tracing::debug!(namespace, purged = n, "kv: purged expired entries")
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(namespace, error = ?e, "kv: purging expired entries failed")
                    }
                    Err(e) => tracing::warn!(namespace, error = %e, "kv: purge task failed"),
                }
            }
        }
    }
}

/// `env.<binding>`: the Workers `KvNamespace`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "KvNamespace")]
pub(crate) struct JsKvNamespace<'js> {
    #[qjs(skip_trace)]
    kv: Arc<KvNamespace>,
    internal: Object<'js>,
    map: Constructor<'js>,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl<'js> JsKvNamespace<'js> {
    /// `get(key | keys[], type | {type, cacheTtl})`.
    pub fn get(
        &self,
        ctx: Ctx<'js>,
        key: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Promise<'js>> {
        self.read(ctx, key, options.0, false)
    }

    /// `getWithMetadata(key | keys[], type | {type, cacheTtl})`.
    pub fn get_with_metadata(
        &self,
        ctx: Ctx<'js>,
        key: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Promise<'js>> {
        self.read(ctx, key, options.0, true)
    }

    /// `put(key, value, {expiration, expirationTtl, metadata})`.
    pub fn put(
        &self,
        ctx: Ctx<'js>,
        key: Value<'js>,
        value: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Promise<'js>> {
        let kv = self.kv.clone();
        let internal = self.internal.clone();
        let prepared = (|| {
            let key = key_arg(&ctx, KvOp::Put, &key)?;
            let options = put_options(&ctx, options.0)?;
            let value = put_value(&ctx, &internal, value)?;
            Ok((key, options, value))
        })();
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            prepared.map(|(key, options, value)| async move {
                let bytes = match value {
                    PutValue::Bytes(b) => b,
                    PutValue::Stream(read) => {
                        let then = verge_js::promise::captured_then(&internal)?;
                        let chunk: Value = verge_js::promise::settled(read, then).await?;
                        verge_js::bytes::copy_bytes(&chunk).ok_or_else(|| {
                            throw_as(
                                &ctx2,
                                JsClass::TypeError,
                                "KV put(): reading the stream did not produce bytes",
                            )
                        })?
                    }
                };
                let outcome =
                    tokio::task::spawn_blocking(move || kv.put(&key, bytes, &options)).await;
                finish(&ctx2, KvOp::Put, outcome)?;
                Ok(Value::new_undefined(ctx2.clone()))
            }),
        )
    }

    /// `delete(key)`.
    pub fn delete(&self, ctx: Ctx<'js>, key: Value<'js>) -> Result<Promise<'js>> {
        let kv = self.kv.clone();
        let key = key_arg(&ctx, KvOp::Delete, &key);
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            key.map(|key| async move {
                let outcome = tokio::task::spawn_blocking(move || kv.delete(&key)).await;
                finish(&ctx2, KvOp::Delete, outcome)?;
                Ok(Value::new_undefined(ctx2.clone()))
            }),
        )
    }

    /// `Object.prototype.toString.call(env.KV)` is `[object KvNamespace]`.
    #[qjs(get, rename = rquickjs::atom::PredefinedAtom::SymbolToStringTag, configurable)]
    pub fn to_string_tag(&self) -> &'static str {
        "KvNamespace"
    }

    /// `list({prefix, limit, cursor})`.
    pub fn list(&self, ctx: Ctx<'js>, options: Opt<Value<'js>>) -> Result<Promise<'js>> {
        let kv = self.kv.clone();
        let options = list_options(&ctx, options.0);
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            options.map(|options| async move {
                let page = kv.list(&options).map_err(|e| throw_kv(&ctx2, &e))?;
                let out = Object::new(ctx2.clone())?;
                let keys = rquickjs::Array::new(ctx2.clone())?;
                for (i, key) in page.keys.into_iter().enumerate() {
                    let k = Object::new(ctx2.clone())?;
                    k.set("name", key.name)?;
                    if let Some(exp) = key.expiration {
                        k.set("expiration", secs_number(exp))?;
                    }
                    if let Some(meta) = key.metadata {
                        k.set("metadata", json_to_js(&ctx2, &meta)?)?;
                    }
                    keys.set(i, k)?;
                }
                out.set("keys", keys)?;
                out.set("list_complete", page.list_complete)?;
                if let Some(cursor) = page.cursor {
                    out.set("cursor", cursor)?;
                }
                out.set("cacheStatus", Value::new_null(ctx2.clone()))?;
                Ok(out.into_value())
            }),
        )
    }
}

impl<'js> JsKvNamespace<'js> {
    fn read(
        &self,
        ctx: Ctx<'js>,
        key: Value<'js>,
        options: Option<Value<'js>>,
        with_meta: bool,
    ) -> Result<Promise<'js>> {
        let kv = self.kv.clone();
        let internal = self.internal.clone();
        let map = self.map.clone();
        let ctx2 = ctx.clone();
        if let Some(array) = key.as_array() {
            let prepared = (|| {
                let mut keys = Vec::with_capacity(array.len());
                for k in array.iter::<Value>() {
                    keys.push(key_arg(&ctx, KvOp::GetBulk, &k?)?);
                }
                let (value_type, opts) = get_options(&ctx, options)?;
                Ok((keys, value_type, opts))
            })();
            return verge_js::promise::settle_binding_call(
                &ctx,
                prepared.map(|(keys, value_type, opts)| async move {
                    let found = kv
                        .get_many(&keys, value_type, &opts)
                        .map_err(|e| throw_kv(&ctx2, &e))?;
                    let out: Object = map.construct(())?;
                    let set: Function = out.get("set")?;
                    for (key, entry) in found {
                        let value = match entry {
                            None if !with_meta => Value::new_null(ctx2.clone()),
                            None => {
                                with_metadata(&ctx2, Value::new_null(ctx2.clone()), None, false)?
                            }
                            Some(entry) => {
                                let value =
                                    to_js_value(&ctx2, &internal, value_type, entry.value.clone())?;
                                if with_meta {
                                    with_metadata(&ctx2, value, entry.metadata.as_ref(), false)?
                                } else {
                                    value
                                }
                            }
                        };
                        set.call::<_, Value>((rquickjs::function::This(out.clone()), key, value))?;
                    }
                    Ok(out.into_value())
                }),
            );
        }
        let prepared = (|| {
            let key = key_arg(&ctx, KvOp::Get, &key)?;
            let (value_type, opts) = get_options(&ctx, options)?;
            Ok((key, value_type, opts))
        })();
        verge_js::promise::settle_binding_call(
            &ctx,
            prepared.map(|(key, value_type, opts)| async move {
                let found: Option<KvValue> = kv
                    .get_with_metadata(&key, &opts)
                    .map_err(|e| throw_kv(&ctx2, &e))?;
                let (value, metadata) = match found {
                    None => (Value::new_null(ctx2.clone()), None),
                    Some(entry) => (
                        to_js_value(&ctx2, &internal, value_type, entry.value)?,
                        entry.metadata,
                    ),
                };
                if with_meta {
                    with_metadata(&ctx2, value, metadata.as_ref(), true)
                } else {
                    Ok(value)
                }
            }),
        )
    }
}

/// A `put` value: bytes now, or a stream's `readAll` promise.
enum PutValue<'js> {
    Bytes(Vec<u8>),
    Stream(Promise<'js>),
}

/// Throws `err`, logging storage failures (the guest only sees `500 Internal Server Error`).
fn throw_kv(ctx: &Ctx<'_>, err: &KvError) -> rquickjs::Error {
    if !err.is_guest_error() {
        tracing::error!(error = ?err, "kv: storage failure");
    }
    throw(ctx, err)
}

/// The outcome of a write run under `spawn_blocking`.
fn finish(
    ctx: &Ctx<'_>,
    op: KvOp,
    outcome: std::result::Result<std::result::Result<(), KvError>, tokio::task::JoinError>,
) -> Result<()> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(throw_kv(ctx, &e)),
        Err(join) => {
            tracing::error!(error = %join, "kv: write task failed");
            Err(throw_as(
                ctx,
                JsClass::Error,
                &format!("KV {op} failed: 500 Internal Server Error"),
            ))
        }
    }
}

fn is_nullish(v: &Value<'_>) -> bool {
    v.is_undefined() || v.is_null()
}

/// A key as JS `String(key)` makes it; a lone surrogate cannot be encoded as UTF-8.
fn key_arg<'js>(ctx: &Ctx<'js>, op: KvOp, key: &Value<'js>) -> Result<String> {
    let s = match key.as_string() {
        Some(s) => s.clone(),
        None => key.get::<Coerced<rquickjs::String>>()?.0,
    };
    s.to_string()
        .map_err(|_| throw(ctx, &KvError::KeyNotDecodable { op }))
}

/// `String(v)` as a USVString (lone surrogates become U+FFFD).
fn coerce_string<'js>(v: Value<'js>) -> Result<String> {
    verge_js::string::value_to_usv(&v)
}

fn coerce_number<'js>(v: Value<'js>) -> Result<f64> {
    Ok(v.get::<Coerced<f64>>()?.0)
}

fn parse_type(ctx: &Ctx<'_>, v: Value<'_>) -> Result<KvValueType> {
    if is_nullish(&v) {
        return Ok(KvValueType::Text);
    }
    let name = coerce_string(v)?;
    KvValueType::parse(&name).map_err(|e| throw(ctx, &e))
}

/// The second argument of `get`: a type name or `{type, cacheTtl}`.
fn get_options<'js>(
    ctx: &Ctx<'js>,
    arg: Option<Value<'js>>,
) -> Result<(KvValueType, KvGetOptions)> {
    let Some(arg) = arg.filter(|v| !is_nullish(v)) else {
        return Ok((KvValueType::Text, KvGetOptions::default()));
    };
    match arg.as_object() {
        Some(obj) if !arg.is_function() => {
            let value_type = parse_type(ctx, obj.get("type")?)?;
            let ttl: Value = obj.get("cacheTtl")?;
            let cache_ttl = if is_nullish(&ttl) {
                None
            } else {
                Some(coerce_number(ttl)?)
            };
            Ok((value_type, KvGetOptions { cache_ttl }))
        }
        _ => Ok((parse_type(ctx, arg)?, KvGetOptions::default())),
    }
}

fn put_options<'js>(ctx: &Ctx<'js>, arg: Option<Value<'js>>) -> Result<KvPutOptions> {
    let Some(obj) = arg.filter(|v| !is_nullish(v)).and_then(|v| v.into_object()) else {
        return Ok(KvPutOptions::default());
    };
    let number = |name: &str| -> Result<Option<f64>> {
        let v: Value = obj.get(name)?;
        if is_nullish(&v) {
            Ok(None)
        } else {
            coerce_number(v).map(Some)
        }
    };
    let expiration = number("expiration")?;
    let expiration_ttl = number("expirationTtl")?;
    let meta: Value = obj.get("metadata")?;
    let metadata = if is_nullish(&meta) {
        None
    } else {
        match ctx.json_stringify(meta)? {
            None => None,
            Some(json) => {
                let json = json.to_string()?;
                Some(serde_json::from_str(&json).map_err(|e| {
                    throw_as(
                        ctx,
                        JsClass::TypeError,
                        &format!("KV put(): metadata is not serializable: {e}"),
                    )
                })?)
            }
        }
    };
    Ok(KvPutOptions {
        expiration,
        expiration_ttl,
        metadata,
    })
}

const PUT_VALUE_TYPES: &str =
    "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";

fn put_value<'js>(
    ctx: &Ctx<'js>,
    internal: &Object<'js>,
    value: Value<'js>,
) -> Result<PutValue<'js>> {
    if let Some(s) = value.as_string() {
        // A string with a lone surrogate is not UTF-8; it is stored with U+FFFD in its place,
        // as `TextEncoder` would encode it.
        let text = verge_js::string::to_usv(s)?;
        return Ok(PutValue::Bytes(text.into_bytes()));
    }
    if let Some(bytes) = verge_js::bytes::copy_bytes(&value) {
        return Ok(PutValue::Bytes(bytes));
    }
    if value.is_object()
        && let Some(streams) = streams(internal)?
    {
        let is_stream: Function = streams.get("isReadableStream")?;
        if is_stream.call::<_, bool>((value.clone(),))? {
            let read_all: Function = streams.get("readAll")?;
            let promise: Promise = read_all.call((value,))?;
            return Ok(PutValue::Stream(promise));
        }
    }
    Err(throw_as(ctx, JsClass::TypeError, PUT_VALUE_TYPES))
}

fn list_options<'js>(_ctx: &Ctx<'js>, arg: Option<Value<'js>>) -> Result<KvListOptions> {
    let Some(obj) = arg.filter(|v| !is_nullish(v)).and_then(|v| v.into_object()) else {
        return Ok(KvListOptions::default());
    };
    let string = |name: &str| -> Result<Option<String>> {
        let v: Value = obj.get(name)?;
        if is_nullish(&v) {
            Ok(None)
        } else {
            coerce_string(v).map(Some)
        }
    };
    let limit: Value = obj.get("limit")?;
    Ok(KvListOptions {
        prefix: string("prefix")?,
        limit: if is_nullish(&limit) {
            None
        } else {
            Some(coerce_number(limit)?)
        },
        cursor: string("cursor")?,
    })
}

/// `internal.streams`, installed by the Web layer; `None` when absent.
fn streams<'js>(internal: &Object<'js>) -> Result<Option<Object<'js>>> {
    let v: Value = internal.get("streams")?;
    Ok(v.into_object())
}

fn to_js_value<'js>(
    ctx: &Ctx<'js>,
    internal: &Object<'js>,
    value_type: KvValueType,
    bytes: Vec<u8>,
) -> Result<Value<'js>> {
    match value_type {
        KvValueType::Text => {
            let text = String::from_utf8_lossy(&bytes);
            Ok(rquickjs::String::from_str(ctx.clone(), &text)?.into_value())
        }
        KvValueType::Json => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            ctx.json_parse(text)
        }
        KvValueType::ArrayBuffer => Ok(ArrayBuffer::new(ctx.clone(), bytes)?.into_value()),
        KvValueType::Stream => {
            let Some(streams) = streams(internal)? else {
                return Err(throw_as(
                    ctx,
                    JsClass::Error,
                    "KV get(): type \"stream\" needs ReadableStream support, which this isolate does not have (internal.streams is not installed)",
                ));
            };
            let from_bytes: Function = streams.get("fromBytes")?;
            let chunk = verge_js::bytes::new_u8_array(ctx, bytes)?;
            from_bytes.call((chunk,))
        }
    }
}

fn json_to_js<'js>(ctx: &Ctx<'js>, json: &serde_json::Value) -> Result<Value<'js>> {
    ctx.json_parse(json.to_string())
}

/// `{value, metadata}` (bulk entries) or `{value, metadata, cacheStatus: null}`.
fn with_metadata<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    metadata: Option<&serde_json::Value>,
    cache_status: bool,
) -> Result<Value<'js>> {
    let out = Object::new(ctx.clone())?;
    out.set("value", value)?;
    match metadata {
        Some(meta) => out.set("metadata", json_to_js(ctx, meta)?)?,
        None => out.set("metadata", Value::new_null(ctx.clone()))?,
    }
    if cache_status {
        out.set("cacheStatus", Value::new_null(ctx.clone()))?;
    }
    Ok(out.into_value())
}

#[allow(
    clippy::cast_precision_loss,
    reason = "epoch seconds are far below 2^53"
)]
fn secs_number(secs: u64) -> f64 {
    secs as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::ManualClock;
    use verge_store::memory::MemoryKvStore;
    use verge_store::sqlite::SqliteKvStore;

    const NOW_MS: u64 = 1_767_225_600_000;

    /// Exposes `env` as a global, `advance(secs)` to move the clock, and optionally a fake
    /// `internal.streams` (the real one comes from verge-web).
    struct Harness {
        clock: Arc<ManualClock>,
        fake_streams: bool,
    }

    impl Extension for Harness {
        fn name(&self) -> &'static str {
            "test-harness"
        }

        fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
            let clock = self.clock.clone();
            ctx.globals().set(
                "advance",
                Function::new(ctx.clone(), move |secs: u64| clock.advance_secs(secs))?,
            )?;
            if self.fake_streams {
                let streams: Object = ctx.eval(
                    "({
                        fromBytes(u8) { return { fakeStream: true, bytes: Array.from(u8) }; },
                        isReadableStream(x) { return x !== null && typeof x === 'object' && x.fakeStream === true; },
                        async readAll(s) { return new Uint8Array(s.bytes); },
                    })",
                )?;
                internal.set("streams", streams)?;
            }
            Ok(())
        }

        fn env<'js>(
            &self,
            ctx: &Ctx<'js>,
            _internal: &Object<'js>,
            env: &Object<'js>,
        ) -> Result<()> {
            ctx.globals().set("env", env.clone())
        }
    }

    fn run_with(
        backend: Arc<dyn verge_store::KvBackend>,
        fake_streams: bool,
        script: &str,
    ) -> std::result::Result<String, verge_js::JsException> {
        let clock = Arc::new(ManualClock::new(NOW_MS));
        let kv = KvNamespace::new(backend, "ns", clock.clone());
        let ext = KvExtension::new(vec![("KV".to_owned(), Arc::new(kv))]);
        verge_js::testing::run_js(
            vec![
                Arc::new(ext),
                Arc::new(Harness {
                    clock,
                    fake_streams,
                }),
            ],
            script,
        )
    }

    fn run(script: &str) -> String {
        match run_with(Arc::new(MemoryKvStore::new()), false, script) {
            Ok(out) => out,
            Err(e) => panic!("script failed: {e}"),
        }
    }

    /// Runs `call` (an expression yielding a promise) and returns `[class, message]` of the
    /// rejection, checking it rejected rather than threw.
    fn rejection(call: &str) -> String {
        run(&format!(
            "let p; try {{ p = {call}; }} catch (e) {{ return ['sync throw', String(e)]; }}
             if (!(p instanceof Promise)) return 'not a promise';
             try {{ await p; return 'resolved'; }}
             catch (e) {{ return [e instanceof TypeError ? 'TypeError' : e instanceof Error ? 'Error' : typeof e, e.message]; }}"
        ))
    }

    #[test]
    fn put_then_get_as_each_type() {
        let out = run(r#"
            const r1 = await env.KV.put("k", '{"a":[1,2]}');
            const text = await env.KV.get("k");
            const text2 = await env.KV.get("k", "text");
            const json = await env.KV.get("k", "json");
            const json2 = await env.KV.get("k", { type: "json", cacheTtl: 60 });
            const ab = await env.KV.get("k", "arrayBuffer");
            return [r1 === undefined, text, text2, json, json2, ab instanceof ArrayBuffer, ab.byteLength];
        "#);
        assert_eq!(
            out,
            r#"[true,"{\"a\":[1,2]}","{\"a\":[1,2]}",{"a":[1,2]},{"a":[1,2]},true,11]"#
        );
    }

    #[test]
    fn missing_keys_read_as_null_and_delete_resolves_either_way() {
        let out = run(r#"
            const a = await env.KV.get("nope");
            await env.KV.put("k", "v");
            const d1 = await env.KV.delete("k");
            const d2 = await env.KV.delete("k");
            return [a, await env.KV.get("k"), d1 === undefined, d2 === undefined];
        "#);
        assert_eq!(out, "[null,null,true,true]");
    }

    #[test]
    fn put_accepts_array_buffers_and_views_by_their_window() {
        let out = run(r#"
            await env.KV.put("ab", new Uint8Array([104, 105]).buffer);
            await env.KV.put("view", new Uint8Array([1, 104, 111, 2]).subarray(1, 3));
            await env.KV.put("dv", new DataView(new Uint8Array([0, 120]).buffer, 1));
            return [await env.KV.get("ab"), await env.KV.get("view"), await env.KV.get("dv")];
        "#);
        assert_eq!(out, r#"["hi","ho","x"]"#);
    }

    #[test]
    fn utf8_round_trips_and_lone_surrogate_values_store_a_replacement_character() {
        let out = run(r#"
            await env.KV.put("k", "héllo 😀");
            await env.KV.put("bad", "a\uD800b");
            const ab = new Uint8Array(await env.KV.get("k", "arrayBuffer"));
            return [await env.KV.get("k"), ab.length, await env.KV.get("bad")];
        "#);
        assert_eq!(out, "[\"héllo 😀\",11,\"a\u{fffd}b\"]");
    }

    #[test]
    fn get_with_metadata_returns_value_metadata_and_null_cache_status() {
        let out = run(r#"
            await env.KV.put("k", "v", { metadata: { owner: "ada", n: 1 } });
            await env.KV.put("plain", "p");
            return [
                await env.KV.getWithMetadata("k"),
                await env.KV.getWithMetadata("k", "json").catch(e => e.name),
                await env.KV.getWithMetadata("plain", { type: "text" }),
                await env.KV.getWithMetadata("missing"),
            ];
        "#);
        assert_eq!(
            out,
            r#"[{"value":"v","metadata":{"owner":"ada","n":1},"cacheStatus":null},"SyntaxError",{"value":"p","metadata":null,"cacheStatus":null},{"value":null,"metadata":null,"cacheStatus":null}]"#
        );
    }

    #[test]
    fn bulk_get_returns_a_map_in_the_order_asked() {
        let out = run(r#"
            await env.KV.put("a", '"A"', { metadata: { m: 1 } });
            await env.KV.put("b", '{"x":1}');
            const m = await env.KV.get(["b", "missing", "a"]);
            const j = await env.KV.get(["b", "a"], "json");
            const w = await env.KV.getWithMetadata(["a", "missing"], { type: "json" });
            return [m instanceof Map, [...m], [...j], [...w]];
        "#);
        assert_eq!(
            out,
            r#"[true,[["b","{\"x\":1}"],["missing",null],["a","\"A\""]],[["b",{"x":1}],["a","A"]],[["a",{"value":"A","metadata":{"m":1}}],["missing",{"value":null,"metadata":null}]]]"#
        );
    }

    #[test]
    fn bulk_get_limits_and_types_are_errors() {
        let many: Vec<String> = (0..101).map(|i| format!("\"k{i}\"")).collect();
        assert_eq!(
            rejection(&format!("env.KV.get([{}])", many.join(","))),
            r#"["Error","KV GET_BULK failed: 400 You can request a maximum of 100 keys"]"#
        );
        assert_eq!(
            rejection("env.KV.get([])"),
            r#"["Error","KV GET_BULK failed: 400 You must request a minimum of 1 key"]"#
        );
        assert_eq!(
            rejection(r#"env.KV.get(["a"], "arrayBuffer")"#),
            r#"["Error","KV GET_BULK failed: 400 \"arrayBuffer\" is not a valid type. Use \"json\" or \"text\""]"#
        );
        assert_eq!(
            rejection(r#"env.KV.get(["a", ""])"#),
            r#"["Error","KV GET_BULK failed: 400 Key name  is not legal"]"#
        );
    }

    #[test]
    fn key_validation_errors_have_the_workers_classes_and_messages() {
        assert_eq!(
            rejection(r#"env.KV.get("")"#),
            r#"["TypeError","Key name cannot be empty."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.put(".", "v")"#),
            r#"["TypeError","\".\" is not allowed as a key name."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.delete("..")"#),
            r#"["TypeError","\"..\" is not allowed as a key name."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.get("x".repeat(513))"#),
            r#"["Error","KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.put("é".repeat(257), "v")"#),
            r#"["Error","KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.delete("x".repeat(600))"#),
            r#"["Error","KV DELETE failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.get("a\uDC00")"#),
            r#"["Error","KV GET failed: 400 Could not URL-decode key name"]"#
        );
    }

    #[test]
    fn get_option_errors() {
        assert_eq!(
            rejection(r#"env.KV.get("k", "blob")"#),
            r#"["TypeError","Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\"."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.get("k", { cacheTtl: 10 })"#),
            r#"["Error","KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30."]"#
        );
        assert_eq!(
            run(r#"return await env.KV.get("k", { cacheTtl: 30 });"#),
            "null"
        );
    }

    #[test]
    fn put_option_errors() {
        assert_eq!(
            rejection(r#"env.KV.put("k", "v", { expirationTtl: 59 })"#),
            r#"["Error","KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.put("k", "v", { expirationTtl: 0 })"#),
            r#"["Error","KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0."]"#
        );
        let soon = NOW_MS / 1000 + 30;
        assert_eq!(
            rejection(&format!(
                r#"env.KV.put("k", "v", {{ expiration: {soon} }})"#
            )),
            format!(
                r#"["Error","KV PUT failed: 400 Invalid expiration of {soon}. Expiration times must be at least 60 seconds in the future."]"#
            )
        );
        assert_eq!(
            rejection(r#"env.KV.put("k", "v", { metadata: { big: "x".repeat(1100) } })"#),
            r#"["Error","KV PUT failed: 413 Metadata length of 1110 exceeds limit of 1024."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.put("k", new Uint8Array(25 * 1024 * 1024 + 1))"#),
            r#"["Error","KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."]"#
        );
    }

    #[test]
    fn put_rejects_values_of_other_types() {
        for v in ["undefined", "null", "42", "{}"] {
            assert_eq!(
                rejection(&format!(r#"env.KV.put("k", {v})"#)),
                format!(r#"["TypeError","{PUT_VALUE_TYPES}"]"#),
                "{v}"
            );
        }
    }

    #[test]
    fn expiring_keys_vanish_when_the_clock_passes_their_expiration() {
        let exp = NOW_MS / 1000 + 120;
        let out = run(&format!(
            r#"
            await env.KV.put("ttl", "v", {{ expirationTtl: 60 }});
            await env.KV.put("abs", "v", {{ expiration: {exp} }});
            const before = (await env.KV.list()).keys;
            advance(61);
            const mid = [await env.KV.get("ttl"), await env.KV.get("abs")];
            advance(60);
            return [before, mid, await env.KV.get("abs"), (await env.KV.list()).keys];
        "#
        ));
        let ttl = NOW_MS / 1000 + 60;
        assert_eq!(
            out,
            format!(
                r#"[[{{"name":"abs","expiration":{exp}}},{{"name":"ttl","expiration":{ttl}}}],[null,"v"],null,[]]"#
            )
        );
    }

    #[test]
    fn list_pages_with_a_cursor_only_while_incomplete() {
        let out = run(r#"
            for (const k of ["b/2", "a", "b/1", "b/3", "c"]) await env.KV.put(k, "v", k === "b/1" ? { metadata: { n: 1 } } : undefined);
            const all = await env.KV.list();
            const p1 = await env.KV.list({ prefix: "b/", limit: 2 });
            const p2 = await env.KV.list({ prefix: "b/", limit: 2, cursor: p1.cursor });
            return [all.keys.map(k => k.name), all.list_complete, "cursor" in all, all.cacheStatus,
                    p1.keys, p1.list_complete, typeof p1.cursor, p2];
        "#);
        assert_eq!(
            out,
            r#"[["a","b/1","b/2","b/3","c"],true,false,null,[{"name":"b/1","metadata":{"n":1}},{"name":"b/2"}],false,"string",{"keys":[{"name":"b/3"}],"list_complete":true,"cacheStatus":null}]"#
        );
    }

    #[test]
    fn list_option_errors() {
        assert_eq!(
            rejection("env.KV.list({ limit: 0 })"),
            r#"["Error","KV GET failed: 400 Invalid key_count_limit of 0. Please specify an integer greater than 0."]"#
        );
        assert_eq!(
            rejection("env.KV.list({ limit: 1001 })"),
            r#"["Error","KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000."]"#
        );
        assert_eq!(
            rejection(r#"env.KV.list({ cursor: "!!" })"#),
            r#"["Error","KV GET failed: 400 Invalid cursor"]"#
        );
    }

    #[test]
    fn stream_get_without_web_streams_is_a_clear_error() {
        let out = rejection(r#"env.KV.put("k", "v").then(() => env.KV.get("k", "stream"))"#);
        assert!(out.contains("internal.streams is not installed"), "{out}");
        assert!(out.starts_with(r#"["Error""#), "{out}");
    }

    #[test]
    fn streams_go_through_the_web_layer() {
        let out = run_with(
            Arc::new(MemoryKvStore::new()),
            true,
            r#"
            await env.KV.put("k", { fakeStream: true, bytes: [104, 105] });
            const s = await env.KV.get("k", { type: "stream" });
            return [await env.KV.get("k"), s];
        "#,
        )
        .expect("script");
        assert_eq!(out, r#"["hi",{"fakeStream":true,"bytes":[104,105]}]"#);
    }

    #[test]
    fn sqlite_writes_run_off_the_isolate_thread_and_interleave() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteKvStore::open_in(dir.path()).expect("open");
        let out = run_with(
            Arc::new(store),
            false,
            r#"
            await Promise.all(Array.from({ length: 20 }, (_, i) => env.KV.put("k" + String(i).padStart(2, "0"), "v" + i)));
            const l = await env.KV.list({ limit: 5 });
            return [l.keys.length, l.list_complete, await env.KV.get("k19")];
        "#,
        )
        .expect("script");
        assert_eq!(out, r#"[5,false,"v19"]"#);
    }

    #[test]
    fn the_binding_is_a_kv_namespace_instance() {
        let out = run(
            r#"return [typeof env.KV, Object.prototype.toString.call(env.KV), typeof env.KV.getWithMetadata];"#,
        );
        assert_eq!(out, r#"["object","[object KvNamespace]","function"]"#);
    }

    #[test]
    fn expiry_sweep_purges_on_its_interval() {
        use verge_store::KvBackend as _;
        let store = Arc::new(MemoryKvStore::new());
        let clock = Arc::new(ManualClock::new(NOW_MS));
        let kv = Arc::new(KvNamespace::new(store.clone(), "ns", clock.clone()));
        kv.put(
            "k",
            b"v".to_vec(),
            &KvPutOptions {
                expiration_ttl: Some(60.0),
                ..Default::default()
            },
        )
        .expect("put");
        clock.advance_secs(61);
        // Read at time 0, an entry is visible until it is physically purged.
        assert!(store.get("ns", b"k", 0).expect("get").is_some());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        let purged = rt.block_on(async {
            let handle = tokio::spawn(expiry_sweep(vec![kv.clone()], Duration::from_secs(3600)));
            // Polls for the purge with a generous deadline (the sweep's first tick is immediate;
            // a loaded machine may still take a while to run it).
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            let mut purged = false;
            while std::time::Instant::now() < deadline {
                if store.get("ns", b"k", 0).expect("get").is_none() {
                    purged = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            handle.abort();
            purged
        });
        assert!(purged, "the first tick purges at once");
    }
}
