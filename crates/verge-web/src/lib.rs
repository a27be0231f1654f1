//! verge's Web platform: `Request`/`Response`/`Headers`, `fetch`, `URL`, encoding, streams,
//! events, timers, `console`, `structuredClone`, `crypto.getRandomValues`, and the one path
//! every event takes into a worker's JavaScript ([`invoke::invoke`]).
//!
//! State-holding classes whose data Rust reads on the hot path (`Headers`, `TextDecoder`) are
//! Rust classes; APIs whose standards are written as JS algorithms (streams, events, bodies)
//! are JS under `js/`, listed in load order in [`JS_FILES`]. `URL` is a JS class over Rust
//! operations (`src/url.rs`, on Ada through the `ada-url` crate): the live `searchParams` link is simplest in
//! JS, while all parsing stays in Rust. The JS files take every built-in they use from
//! `primordials`, captured when the isolate is made (verge-js `js/primordials.js`), lazily
//! loaded files included: a guest that patches a prototype or replaces a global cannot break
//! them (`src/tests_poison.rs`).
//!
//! ```
//! # use verge_web::headers::normalize_name;
//! assert_eq!(normalize_name("Content-Type").unwrap(), "content-type");
//! ```
#![deny(missing_docs)]

pub mod body;
pub mod compression;
pub mod content_coding;
pub mod encoding;
pub mod fetch;
pub mod headers;
pub mod host;
pub mod intl;
pub mod invoke;
pub mod limits;
pub mod queue;
pub mod random;
pub mod remote;
pub mod service;
pub mod stubs;
pub mod tls;
pub mod url;
pub mod url_pattern;
pub mod websocket;

use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Function, Object, Result, Value};

use crate::headers::{Guard, Headers};

/// The platform's JS files loaded into every isolate, in load order: `(name, source)`.
pub const JS_FILES: &[(&str, &str)] = &[
    // First: defines internal.defineGlobal, which every platform file uses.
    ("verge:web/lazy.js", include_str!("../js/lazy.js")),
    ("verge:web/encoding.js", include_str!("../js/encoding.js")),
    ("verge:web/global.js", include_str!("../js/global.js")),
    ("verge:web/fetch.js", include_str!("../js/fetch.js")),
    ("verge:web/workers.js", include_str!("../js/workers.js")),
    ("verge:web/rpc.js", include_str!("../js/rpc.js")),
    ("verge:web/intl_lazy.js", include_str!("../js/intl_lazy.js")),
];

/// [`JS_FILES`] as one module (one bytecode load and one call per isolate instead of one per
/// file); each file keeps its own function scope.
fn platform_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let mut out = String::new();
        for (name, src) in JS_FILES {
            out.push_str(&format!(
                "// {name}\n(function (globalThis, primordials, internal) {{{src}\n}})(globalThis, primordials, internal);\n"
            ));
        }
        out
    })
}

/// A platform file loaded on first use (`js/lazy.js`): the globals and `internal` keys it
/// defines stand as accessors until one of them is touched.
#[derive(Debug, Clone, Copy)]
pub struct LazyFile {
    /// Module name, as in [`JS_FILES`].
    pub name: &'static str,
    /// The file's source.
    pub source: &'static str,
    /// Globals the file defines.
    pub globals: &'static [&'static str],
    /// `internal` keys the file defines.
    pub internal_keys: &'static [&'static str],
    /// The Rust operations only this file uses, installed on `internal` just before it runs
    /// (so an isolate that never loads the file never makes their function objects).
    pub install: Option<Installer>,
}

/// Installs Rust operations on `internal`.
pub type Installer = for<'js> fn(&Ctx<'js>, &Object<'js>) -> Result<()>;

/// Platform files loaded on first use, in dependency order (a file may use the ones before it).
/// Streams alone are 60 % of the platform's bytecode; a worker that answers with strings
/// and bytes never loads them.
pub const LAZY_FILES: &[LazyFile] = &[
    LazyFile {
        name: "verge:web/url.js",
        source: include_str!("../js/url.js"),
        globals: &["URL", "URLSearchParams"],
        internal_keys: &["urlClasses"],
        install: None,
    },
    LazyFile {
        name: "verge:web/event.js",
        source: include_str!("../js/event.js"),
        globals: &[
            "Event",
            "EventTarget",
            "CustomEvent",
            "ErrorEvent",
            "MessageEvent",
            "CloseEvent",
            "AbortSignal",
            "AbortController",
        ],
        internal_keys: &["events"],
        install: None,
    },
    LazyFile {
        name: "verge:web/streams.js",
        source: include_str!("../js/streams.js"),
        globals: &[
            "ReadableStream",
            "ReadableStreamDefaultReader",
            "ReadableStreamBYOBReader",
            "ReadableStreamDefaultController",
            "ReadableByteStreamController",
            "ReadableStreamBYOBRequest",
            "WritableStream",
            "WritableStreamDefaultWriter",
            "WritableStreamDefaultController",
            "TransformStream",
            "TransformStreamDefaultController",
            "ByteLengthQueuingStrategy",
            "CountQueuingStrategy",
            "TextEncoderStream",
            "TextDecoderStream",
        ],
        internal_keys: &["streams"],
        install: None,
    },
    LazyFile {
        name: "verge:web/form.js",
        source: include_str!("../js/form.js"),
        globals: &["Blob", "File", "FormData"],
        internal_keys: &["form"],
        install: None,
    },
    LazyFile {
        name: "verge:web/websocket.js",
        source: include_str!("../js/websocket.js"),
        globals: &["WebSocket", "WebSocketPair"],
        internal_keys: &["ws"],
        install: Some(websocket::install),
    },
    LazyFile {
        name: "verge:web/compression.js",
        source: include_str!("../js/compression.js"),
        globals: &["CompressionStream", "DecompressionStream"],
        internal_keys: &[],
        install: Some(compression::install),
    },
    LazyFile {
        name: "verge:web/url_pattern.js",
        source: include_str!("../js/url_pattern.js"),
        globals: &["URLPattern"],
        internal_keys: &[],
        install: Some(url_pattern::install),
    },
];

/// `Intl` and the `toLocale*String` methods, loaded on first use (`js/intl_lazy.js`): most
/// workers never format dates, and it is a sixth of the platform's code.
const INTL_JS: &str = include_str!("../js/intl.js");

const CLOUDFLARE_WORKERS: &str = r#"
const m = globalThis[Symbol.for("verge.cloudflare:workers")];
export const DurableObject = m.DurableObject;
export const WorkerEntrypoint = m.WorkerEntrypoint;
export const RpcTarget = m.RpcTarget;
export const env = m.env;
export default { DurableObject, WorkerEntrypoint, RpcTarget, env };
"#;

pub use verge_js::bytecode::run_platform_file as eval_platform_js;

/// Installs `internal.loadIntl`, which `js/intl_lazy.js` calls on first use of `Intl`, and
/// `internal.loadPlatformFile`, which `js/lazy.js` calls on first use of a [`LAZY_FILES`] entry.
pub fn install_intl_loader<'js>(internal: &Object<'js>) -> Result<()> {
    internal.set(
        "loadIntl",
        Func::from(|ctx: Ctx<'js>, internal: Object<'js>| {
            intl::install(&ctx, &internal)?;
            eval_platform_js(&ctx, &internal, "verge:web/intl.js", INTL_JS)
        }),
    )?;
    internal.set(
        "loadPlatformFile",
        Func::from(|ctx: Ctx<'js>, internal: Object<'js>, name: String| {
            let Some(file) = LAZY_FILES.iter().find(|f| f.name == name) else {
                return Err(rquickjs::Exception::throw_internal(
                    &ctx,
                    &format!("no platform file {name}"),
                ));
            };
            if let Some(install) = file.install {
                install(&ctx, &internal)?;
            }
            eval_platform_js(&ctx, &internal, file.name, file.source)
        }),
    )
}

/// Puts the stand-ins for every [`LAZY_FILES`] entry in place (after `js/lazy.js` ran).
pub fn install_lazy_files<'js>(internal: &Object<'js>) -> Result<()> {
    // One call with all files as text ("name|globals|keys;…"): cheaper than building arrays.
    static SPEC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let spec = SPEC.get_or_init(|| {
        LAZY_FILES
            .iter()
            .map(|f| {
                format!(
                    "{}|{}|{}",
                    f.name,
                    f.globals.join(","),
                    f.internal_keys.join(",")
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    });
    let install: Function = internal.get("installLazy")?;
    install.call((spec.as_str(),))
}

/// The Web platform extension, installed into every isolate.
#[derive(Debug, Clone)]
pub struct WebExtension {
    worker: String,
    blob_binary_type: bool,
}

impl WebExtension {
    /// The Web platform for worker `worker` (its name tags console lines).
    pub fn new(worker: impl Into<String>) -> Self {
        WebExtension {
            worker: worker.into(),
            blob_binary_type: false,
        }
    }

    /// Compatibility flag `websocket_standard_binary_type` (on by default from 2026-03-17): a
    /// new `WebSocket`'s `binaryType` is `"blob"`, so binary messages arrive as `Blob`. Without
    /// it (the default here) they arrive as `ArrayBuffer`, Workers' historical behaviour.
    pub fn websocket_standard_binary_type(mut self, on: bool) -> Self {
        self.blob_binary_type = on;
        self
    }
}

impl verge_js::Extension for WebExtension {
    fn name(&self) -> &'static str {
        "web"
    }

    fn modules(&self) -> Vec<(&'static str, &'static str)> {
        vec![("cloudflare:workers", CLOUDFLARE_WORKERS)]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        // Before the platform files run: they capture `JSON` methods at load.
        verge_js::json::install(ctx)?;
        crate::headers::install(ctx)?;
        internal.set(
            "headersFromFlat",
            Func::from(
                |ctx: Ctx<'js>,
                 flat: Vec<String>,
                 immutable: bool|
                 -> Result<Class<'js, Headers>> {
                    let mut h = Headers::default();
                    for pair in flat.chunks(2) {
                        if let [n, v] = pair {
                            h.try_append(n, v).map_err(|e| {
                                rquickjs::Exception::throw_type(&ctx, &e.to_string())
                            })?;
                        }
                    }
                    h.set_guard(if immutable {
                        Guard::Immutable
                    } else {
                        Guard::None
                    });
                    Class::instance(ctx, h)
                },
            ),
        )?;
        // Sorted entries as [name, value, name, value, …]: what `fetch` sends (no iterator
        // protocol, which a guest may have patched).
        internal.set(
            "headersToFlat",
            Func::from(|h: Class<'js, Headers>| -> Vec<String> {
                h.borrow()
                    .sorted()
                    .into_iter()
                    .flat_map(|(n, v)| [n, v])
                    .collect()
            }),
        )?;
        internal.set(
            "defaultContentType",
            Func::from(|h: Class<'js, Headers>, value: String| {
                h.borrow_mut().append_if_absent("content-type", value);
            }),
        )?;
        internal.set(
            "setHeadersGuard",
            Func::from(|h: Class<'js, Headers>, immutable: bool| {
                h.borrow_mut().set_guard(if immutable {
                    Guard::Immutable
                } else {
                    Guard::None
                });
            }),
        )?;
        internal.set(
            "wsBinaryType",
            if self.blob_binary_type {
                "blob"
            } else {
                "arraybuffer"
            },
        )?;
        encoding::install(ctx, internal)?;
        url::install(ctx, internal)?;
        random::install(ctx, internal)?;
        host::install(ctx, internal, self.worker.clone())?;
        body::install(ctx, internal)?;
        fetch::install(ctx, internal)?;
        stubs::install(ctx, internal)?;
        install_intl_loader(internal)?;
        eval_platform_js(ctx, internal, "verge:web/platform.js", platform_source())?;
        install_lazy_files(internal)
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let cw: Object = internal.get("cloudflareWorkers")?;
        cw.set("env", env.clone())?;
        let symbol_ctor: Object = ctx.globals().get("Symbol")?;
        let for_fn: Function = symbol_ctor.get("for")?;
        let key: rquickjs::Symbol = for_fn.call(("verge.cloudflare:workers",))?;
        ctx.globals().set(key, cw)?;
        Ok(())
    }
}

/// Plain-text and JSON `vars` (and secrets) as `env` entries.
#[derive(Debug, Clone, Default)]
pub struct VarsExtension {
    name: &'static str,
    vars: Vec<(String, serde_json::Value)>,
}

impl VarsExtension {
    /// `vars` in config order; strings stay strings, other JSON values arrive parsed.
    pub fn new(vars: Vec<(String, serde_json::Value)>) -> Self {
        VarsExtension { name: "vars", vars }
    }

    /// The same under another extension name (a binding that is plain data, e.g.
    /// `version_metadata`).
    pub fn named(name: &'static str, vars: Vec<(String, serde_json::Value)>) -> Self {
        VarsExtension { name, vars }
    }
}

impl verge_js::Extension for VarsExtension {
    fn name(&self) -> &'static str {
        self.name
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, _internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        for (name, value) in &self.vars {
            let v: Value = match value {
                serde_json::Value::String(s) => {
                    rquickjs::String::from_str(ctx.clone(), s)?.into_value()
                }
                other => ctx.json_parse(other.to_string())?,
            };
            env.set(name.as_str(), v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compression;
#[cfg(test)]
mod tests_intl;
#[cfg(test)]
mod tests_poison;
#[cfg(test)]
mod tests_url_cases;
#[cfg(test)]
mod tests_url_pattern;
