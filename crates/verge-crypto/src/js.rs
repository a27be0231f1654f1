//! The JavaScript surface of Web Crypto: the `CryptoKey` class (a Rust class holding a
//! [`Key`]), the `SubtleCrypto` class and `crypto.subtle` (`js/subtle.js`), and the host
//! operations behind them (`internal.subtle.*`).
//!
//! Argument conversion (WebIDL's job) happens here, in Rust: algorithms are read into
//! [`AlgorithmParams`] straight from the JS object (byte members from any `BufferSource`,
//! `public` from a `CryptoKey`), JWKs cross as JSON, results leave as `ArrayBuffer`s.
//! `js/subtle.js` only checks arity, converts `extractable`/`keyUsages`, and turns every
//! synchronous throw into a rejected promise, as WebIDL requires for promise-returning
//! operations.
//!
//! Every operation runs inline on the isolate thread, inside the poll that
//! `verge_js::meter` times, so its CPU is charged to the request like JS. The two whose cost
//! the guest chooses, RSA key generation and PBKDF2, are bounded by Workers' limits
//! ([`crate::limits`]) and check the budget between steps; past it they end the request with
//! the same uncatchable interrupt QuickJS raises for JS ([`verge_js::meter::exceeded_error`]),
//! so it fails as a CPU overrun (1102). (They used to run on tokio's blocking pool, where their
//! CPU was charged to no one and went on after the request had ended; inline, a request holds
//! its thread for at most its budget, as a JS loop does.)

use rquickjs::atom::PredefinedAtom;
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Coerced, Ctx, JsLifetime, Object, Result, Value};
use verge_js::string::Usv;
use verge_js::{JsClass, ToJsClass};

use crate::{
    AlgorithmParams, CryptoError, ExportedKey, GeneratedKey, Key, KeyData, KeyFormat, Usage,
};

/// The platform's JS file for Web Crypto: `(name, source)`.
pub const JS_FILE: (&str, &str) = ("verge:crypto/subtle.js", include_str!("../js/subtle.js"));

/// Stand-ins that load [`JS_FILE`] on first use.
const LAZY_JS_FILE: (&str, &str) = (
    "verge:crypto/subtle_lazy.js",
    include_str!("../js/subtle_lazy.js"),
);

/// Installs `crypto.subtle`, `SubtleCrypto`, `CryptoKey` and `crypto.DigestStream` into every
/// isolate. Must come after `verge_web::WebExtension`, which defines `globalThis.crypto`.
///
/// ```
/// use std::sync::Arc;
/// let ext: Arc<dyn verge_js::Extension> = Arc::new(verge_crypto::CryptoExtension::new());
/// assert_eq!(ext.name(), "crypto");
/// ```
#[derive(Debug, Clone, Default)]
pub struct CryptoExtension;

impl CryptoExtension {
    /// The extension (stateless).
    pub fn new() -> Self {
        CryptoExtension
    }
}

impl verge_js::Extension for CryptoExtension {
    fn name(&self) -> &'static str {
        "crypto"
    }

    fn requires(&self) -> &'static [&'static str] {
        // internal.defineGlobal (js/lazy.js).
        &["web"]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        // `CryptoKey`, the Rust operations and js/subtle.js load on first use
        // (js/subtle_lazy.js).
        internal.set(
            "loadSubtle",
            Func::from(|ctx: Ctx<'js>, internal: Object<'js>| -> Result<()> {
                Class::<CryptoKey>::define(&ctx.globals())?;
                internal.set("subtle", ops(&ctx)?)?;
                verge_js::bytecode::run_platform_file(&ctx, &internal, JS_FILE.0, JS_FILE.1)
            }),
        )?;
        verge_js::bytecode::run_platform_file(ctx, internal, LAZY_JS_FILE.0, LAZY_JS_FILE.1)
    }
}

impl ToJsClass for CryptoError {
    fn js_class(&self) -> JsClass {
        match self {
            CryptoError::Type(_) => JsClass::TypeError,
            CryptoError::NotSupported(_) => JsClass::DomException("NotSupportedError"),
            CryptoError::Syntax(_) => JsClass::DomException("SyntaxError"),
            CryptoError::InvalidAccess(_) => JsClass::DomException("InvalidAccessError"),
            CryptoError::Data(_) => JsClass::DomException("DataError"),
            CryptoError::Operation(_) => JsClass::DomException("OperationError"),
            // Not reached through `throw` below, which raises the uncatchable interrupt.
            CryptoError::CpuExceeded => JsClass::Error,
        }
    }
}

/// `CryptoKey` (<https://w3c.github.io/webcrypto/#cryptokey-interface>): opaque key material
/// plus `type`, `extractable`, `algorithm` and `usages`. Not constructible from JS.
#[derive(Trace, JsLifetime, Clone)]
#[rquickjs::class(rename = "CryptoKey")]
pub struct CryptoKey {
    #[qjs(skip_trace)]
    key: Key,
}

impl CryptoKey {
    /// The key this `CryptoKey` wraps.
    pub fn key(&self) -> &Key {
        &self.key
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl CryptoKey {
    #[qjs(constructor)]
    fn new(ctx: Ctx<'_>) -> Result<Self> {
        Err(verge_js::type_error(&ctx, "Illegal constructor"))
    }

    #[qjs(get, rename = "type")]
    fn kind(&self) -> &'static str {
        self.key.kind.as_str()
    }

    #[qjs(get)]
    fn extractable(&self) -> bool {
        self.key.extractable
    }

    /// A fresh plain object on every access (the spec caches one; nothing we know of relies
    /// on identity). `hash` is `{name}`, `publicExponent` a `Uint8Array`.
    #[qjs(get)]
    fn algorithm<'js>(&self, ctx: Ctx<'js>) -> Result<Value<'js>> {
        let json = self.key.algorithm_json();
        let value = ctx.json_parse(json.to_string())?;
        if let (Some(e), Some(obj)) = (&self.key.algorithm.public_exponent, value.as_object()) {
            obj.set(
                "publicExponent",
                verge_js::bytes::new_u8_array(&ctx, e.clone())?,
            )?;
        }
        Ok(value)
    }

    #[qjs(get)]
    fn usages(&self) -> Vec<&'static str> {
        self.key.usage_strings()
    }

    #[qjs(get, rename = PredefinedAtom::SymbolToStringTag)]
    fn to_string_tag(&self) -> &'static str {
        "CryptoKey"
    }
}

/// Throws `err` as its JS class; [`CryptoError::CpuExceeded`] ends the request instead.
fn throw(ctx: &Ctx<'_>, err: &CryptoError) -> rquickjs::Error {
    match err {
        CryptoError::CpuExceeded => verge_js::meter::exceeded_error(ctx),
        _ => verge_js::throw(ctx, err),
    }
}

fn type_error(ctx: &Ctx<'_>, msg: &str) -> rquickjs::Error {
    verge_js::type_error(ctx, msg)
}

/// Argument `i` of a host call, `undefined` when absent.
fn arg<'js>(ctx: &Ctx<'js>, args: &Rest<Value<'js>>, i: usize) -> Value<'js> {
    args.0
        .get(i)
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()))
}

/// A `BufferSource` argument's bytes (copied), else `TypeError`.
fn buffer_source(ctx: &Ctx<'_>, value: &Value<'_>, what: &str) -> Result<Vec<u8>> {
    verge_js::bytes::copy_bytes(value).ok_or_else(|| {
        type_error(
            ctx,
            &format!("{what} is not a BufferSource (an ArrayBuffer or ArrayBufferView)"),
        )
    })
}

/// A `CryptoKey` argument's key, else `TypeError`.
fn crypto_key(ctx: &Ctx<'_>, value: &Value<'_>, what: &str) -> Result<Key> {
    value
        .as_object()
        .and_then(Class::<CryptoKey>::from_object)
        .map(|k| k.borrow().key.clone())
        .ok_or_else(|| type_error(ctx, &format!("{what} is not a CryptoKey")))
}

fn is_nullish(value: &Value<'_>) -> bool {
    value.is_undefined() || value.is_null()
}

/// An `unsigned long` member or argument; `None` when undefined (or null).
fn unsigned_long(ctx: &Ctx<'_>, value: &Value<'_>, what: &str) -> Result<Option<u32>> {
    if is_nullish(value) {
        return Ok(None);
    }
    let n = value.as_number().ok_or_else(|| {
        type_error(
            ctx,
            &format!("{what} must be a number, got {}", value.type_name()),
        )
    })?;
    if !n.is_finite() || n < 0.0 || n > f64::from(u32::MAX) {
        return Err(type_error(
            ctx,
            &format!("{what} must be an unsigned 32-bit integer, got {n}"),
        ));
    }
    Ok(Some(n.trunc() as u32))
}

/// Reads an `AlgorithmIdentifier` (a name, or a dictionary with WebCrypto member names).
fn algorithm<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Result<AlgorithmParams> {
    if let Some(s) = value.as_string() {
        return Ok(AlgorithmParams::named(verge_js::string::to_usv(s)?));
    }
    let Some(obj) = value.as_object() else {
        return Err(type_error(
            ctx,
            &format!(
                "Algorithm must be a string or an object, got {}",
                value.type_name()
            ),
        ));
    };
    let name: Value = obj.get("name")?;
    if is_nullish(&name) {
        return Err(type_error(ctx, "Algorithm: name member is required"));
    }
    let name = name.get::<Usv>()?.0;
    let member = |key: &str| -> Result<Value<'js>> { obj.get(key) };
    let string = |key: &str| -> Result<Option<String>> {
        let v = member(key)?;
        if is_nullish(&v) {
            Ok(None)
        } else {
            Ok(Some(v.get::<Usv>()?.0))
        }
    };
    let number = |key: &str| -> Result<Option<u32>> {
        unsigned_long(ctx, &member(key)?, &format!("{name}: {key}"))
    };
    let bytes = |key: &str| -> Result<Option<Vec<u8>>> {
        let v = member(key)?;
        if is_nullish(&v) {
            Ok(None)
        } else {
            buffer_source(ctx, &v, &format!("{name}: {key}")).map(Some)
        }
    };
    let hash_value = member("hash")?;
    let hash = if is_nullish(&hash_value) {
        None
    } else if let Some(s) = hash_value.as_string() {
        Some(verge_js::string::to_usv(s)?)
    } else if let Some(h) = hash_value.as_object() {
        let n: Value = h.get("name")?;
        if is_nullish(&n) {
            return Err(type_error(ctx, &format!("{name}: hash.name is required")));
        }
        Some(n.get::<Usv>()?.0)
    } else {
        return Err(type_error(
            ctx,
            &format!("{name}: hash must be a string or {{name}}"),
        ));
    };
    let public_value = member("public")?;
    let public = if is_nullish(&public_value) {
        None
    } else {
        Some(crypto_key(ctx, &public_value, &format!("{name}: public"))?)
    };
    Ok(AlgorithmParams {
        hash,
        length: number("length")?,
        named_curve: string("namedCurve")?,
        modulus_length: number("modulusLength")?,
        public_exponent: bytes("publicExponent")?,
        salt_length: number("saltLength")?,
        label: bytes("label")?,
        iv: bytes("iv")?,
        additional_data: bytes("additionalData")?,
        tag_length: number("tagLength")?,
        counter: bytes("counter")?,
        salt: bytes("salt")?,
        info: bytes("info")?,
        iterations: number("iterations")?,
        public,
        name,
    })
}

fn key_format(ctx: &Ctx<'_>, value: &Value<'_>) -> Result<KeyFormat> {
    let s = value.get::<Usv>()?.0;
    KeyFormat::parse(&s).map_err(|e| throw(ctx, &e))
}

/// `keyUsages`, already an array of strings (js/subtle.js converts the sequence).
fn usages(ctx: &Ctx<'_>, value: &Value<'_>) -> Result<Vec<Usage>> {
    let list: Vec<String> = value.get()?;
    Usage::parse_list(&list).map_err(|e| throw(ctx, &e))
}

fn boolean(value: &Value<'_>) -> Result<bool> {
    Ok(value.get::<Coerced<bool>>()?.0)
}

fn key_value<'js>(ctx: &Ctx<'js>, key: Key) -> Result<Value<'js>> {
    Ok(Class::instance(ctx.clone(), CryptoKey { key })?.into_value())
}

fn generated_value<'js>(ctx: &Ctx<'js>, generated: GeneratedKey) -> Result<Value<'js>> {
    match generated {
        GeneratedKey::Secret(key) => key_value(ctx, key),
        GeneratedKey::Pair {
            public_key,
            private_key,
        } => {
            let pair = Object::new(ctx.clone())?;
            pair.set("publicKey", key_value(ctx, public_key)?)?;
            pair.set("privateKey", key_value(ctx, private_key)?)?;
            Ok(pair.into_value())
        }
    }
}

fn buffer<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> Result<Value<'js>> {
    verge_js::bytes::new_array_buffer(ctx, bytes)
}

fn op_digest<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let data = buffer_source(&ctx, &arg(&ctx, &args, 1), "digest: data")?;
    let out = crate::digest(&alg, &data).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_sign<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "sign: key")?;
    let data = buffer_source(&ctx, &arg(&ctx, &args, 2), "sign: data")?;
    let out = crate::sign(&alg, &key, &data).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_verify<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<bool> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "verify: key")?;
    let signature = buffer_source(&ctx, &arg(&ctx, &args, 2), "verify: signature")?;
    let data = buffer_source(&ctx, &arg(&ctx, &args, 3), "verify: data")?;
    crate::verify(&alg, &key, &signature, &data).map_err(|e| throw(&ctx, &e))
}

fn op_encrypt<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "encrypt: key")?;
    let data = buffer_source(&ctx, &arg(&ctx, &args, 2), "encrypt: data")?;
    let out = crate::encrypt(&alg, &key, &data).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_decrypt<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "decrypt: key")?;
    let data = buffer_source(&ctx, &arg(&ctx, &args, 2), "decrypt: data")?;
    let out = crate::decrypt(&alg, &key, &data).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_generate_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let extractable = boolean(&arg(&ctx, &args, 1))?;
    let usages = usages(&ctx, &arg(&ctx, &args, 2))?;
    let generated = crate::generate_key(&alg, extractable, &usages).map_err(|e| throw(&ctx, &e))?;
    generated_value(&ctx, generated)
}

fn op_import_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let format = key_format(&ctx, &arg(&ctx, &args, 0))?;
    let data = arg(&ctx, &args, 1);
    let key_data = match verge_js::bytes::copy_bytes(&data) {
        Some(bytes) => KeyData::Bytes(bytes),
        None if format == KeyFormat::Jwk && data.is_object() => {
            let text = ctx
                .json_stringify(data)?
                .ok_or_else(|| type_error(&ctx, "importKey: keyData is not a JsonWebKey"))?
                .to_string()?;
            let json = serde_json::from_str(&text).map_err(|e| {
                type_error(
                    &ctx,
                    &format!("importKey: keyData is not a JsonWebKey: {e}"),
                )
            })?;
            KeyData::Jwk(json)
        }
        None if format == KeyFormat::Jwk => {
            return Err(type_error(
                &ctx,
                "importKey: keyData must be a JsonWebKey object",
            ));
        }
        None => return Err(type_error(&ctx, "importKey: keyData is not a BufferSource")),
    };
    let alg = algorithm(&ctx, &arg(&ctx, &args, 2))?;
    let extractable = boolean(&arg(&ctx, &args, 3))?;
    let usages = usages(&ctx, &arg(&ctx, &args, 4))?;
    let key = crate::import_key(format, &key_data, &alg, extractable, &usages)
        .map_err(|e| throw(&ctx, &e))?;
    key_value(&ctx, key)
}

fn exported_value<'js>(ctx: &Ctx<'js>, exported: ExportedKey) -> Result<Value<'js>> {
    match exported {
        ExportedKey::Bytes(b) => buffer(ctx, b),
        ExportedKey::Jwk(j) => ctx.json_parse(j.to_string()),
    }
}

fn op_export_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let format = key_format(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "exportKey: key")?;
    let exported = crate::export_key(format, &key).map_err(|e| throw(&ctx, &e))?;
    exported_value(&ctx, exported)
}

fn op_derive_bits<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "deriveBits: baseKey")?;
    let length = unsigned_long(&ctx, &arg(&ctx, &args, 2), "deriveBits: length")?;
    let out = crate::derive_bits(&alg, &key, length).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_derive_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let alg = algorithm(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "deriveKey: baseKey")?;
    let derived = algorithm(&ctx, &arg(&ctx, &args, 2))?;
    let extractable = boolean(&arg(&ctx, &args, 3))?;
    let usages = usages(&ctx, &arg(&ctx, &args, 4))?;
    let out = crate::derive_key(&alg, &key, &derived, extractable, &usages)
        .map_err(|e| throw(&ctx, &e))?;
    key_value(&ctx, out)
}

fn op_wrap_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let format = key_format(&ctx, &arg(&ctx, &args, 0))?;
    let key = crypto_key(&ctx, &arg(&ctx, &args, 1), "wrapKey: key")?;
    let wrapping = crypto_key(&ctx, &arg(&ctx, &args, 2), "wrapKey: wrappingKey")?;
    let alg = algorithm(&ctx, &arg(&ctx, &args, 3))?;
    let out = crate::wrap_key(format, &key, &wrapping, &alg).map_err(|e| throw(&ctx, &e))?;
    buffer(&ctx, out)
}

fn op_unwrap_key<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Value<'js>> {
    let format = key_format(&ctx, &arg(&ctx, &args, 0))?;
    let wrapped = buffer_source(&ctx, &arg(&ctx, &args, 1), "unwrapKey: wrappedKey")?;
    let unwrapping = crypto_key(&ctx, &arg(&ctx, &args, 2), "unwrapKey: unwrappingKey")?;
    let alg = algorithm(&ctx, &arg(&ctx, &args, 3))?;
    let unwrapped_alg = algorithm(&ctx, &arg(&ctx, &args, 4))?;
    let extractable = boolean(&arg(&ctx, &args, 5))?;
    let usages = usages(&ctx, &arg(&ctx, &args, 6))?;
    let key = crate::unwrap_key(
        format,
        &wrapped,
        &unwrapping,
        &alg,
        &unwrapped_alg,
        extractable,
        &usages,
    )
    .map_err(|e| throw(&ctx, &e))?;
    key_value(&ctx, key)
}

fn op_timing_safe_equal<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<bool> {
    let a = buffer_source(&ctx, &arg(&ctx, &args, 0), "timingSafeEqual: a")?;
    let b = buffer_source(&ctx, &arg(&ctx, &args, 1), "timingSafeEqual: b")?;
    crate::timing_safe_equal(&a, &b).map_err(|e| throw(&ctx, &e))
}

/// The host operations `js/subtle.js` calls, one per `SubtleCrypto` method.
fn ops<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let ops = Object::new(ctx.clone())?;
    ops.set("digest", Func::from(op_digest))?;
    ops.set("sign", Func::from(op_sign))?;
    ops.set("verify", Func::from(op_verify))?;
    ops.set("encrypt", Func::from(op_encrypt))?;
    ops.set("decrypt", Func::from(op_decrypt))?;
    ops.set("generateKey", Func::from(op_generate_key))?;
    ops.set("importKey", Func::from(op_import_key))?;
    ops.set("exportKey", Func::from(op_export_key))?;
    ops.set("deriveBits", Func::from(op_derive_bits))?;
    ops.set("deriveKey", Func::from(op_derive_key))?;
    ops.set("wrapKey", Func::from(op_wrap_key))?;
    ops.set("unwrapKey", Func::from(op_unwrap_key))?;
    ops.set("timingSafeEqual", Func::from(op_timing_safe_equal))?;
    Ok(ops)
}

#[cfg(test)]
mod tests;
