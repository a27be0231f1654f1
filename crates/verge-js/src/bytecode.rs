//! Platform JS compiled once per process: the first use compiles a module from source and keeps
//! its bytecode; every isolate (the first one too) loads the bytecode, which skips parsing (most
//! of the cost of creating an isolate).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rquickjs::module::WriteOptions;
use rquickjs::{Ctx, Module, Value};

fn cache() -> &'static Mutex<HashMap<String, Arc<Vec<u8>>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Platform code keeps neither source text nor line tables: smaller isolates. Its frames in
/// stack traces name the function and file, without a line.
fn write_options() -> WriteOptions {
    WriteOptions {
        strip_source: true,
        strip_debug: true,
        ..WriteOptions::default()
    }
}

/// Evaluates the ES module `name` (no imports, no top-level await) and returns its default
/// export. The module is compiled from `source` once per process; isolates load the bytecode.
pub fn eval_cached_module<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: &str,
) -> rquickjs::Result<Value<'js>> {
    let cached = cache()
        .lock()
        .expect("bytecode cache lock poisoned")
        .get(name)
        .cloned();
    let bytes = match cached {
        Some(b) => b,
        None => {
            // Compiled under a scratch name; the module that runs is the one loaded below.
            let scratch = Module::declare(ctx.clone(), format!("{name}#compile"), source)?;
            let b = Arc::new(scratch.write(write_options())?);
            cache()
                .lock()
                .expect("bytecode cache lock poisoned")
                .insert(name.to_string(), b.clone());
            b
        }
    };
    // SAFETY: the bytes were produced by `Module::write` in this process, by the same QuickJS
    // build, from a module that declared successfully; QuickJS reads them back into a fresh
    // module object of this context.
    let module = unsafe { Module::load(ctx.clone(), &bytes)? };
    let (module, promise) = module.eval()?;
    // A module without top-level await settles during `eval`; surface its exception.
    promise.finish::<()>()?;
    module.get("default")
}

/// The built-ins platform JS captures before any guest code runs (`js/primordials.js`).
const PRIMORDIALS_JS: &str = include_str!("../js/primordials.js");

/// A platform file's source compiled (once per process) to `function (globalThis, primordials,
/// internal)`.
fn platform_function<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    src: &str,
) -> rquickjs::Result<rquickjs::Function<'js>> {
    let wrapped =
        format!("export default function (globalThis, primordials, internal) {{{src}\n}}");
    eval_cached_module(ctx, name, &wrapped)?
        .into_function()
        .ok_or_else(|| {
            rquickjs::Exception::throw_type(ctx, "platform module has no default function")
        })
}

/// The isolate's `primordials` object (`internal.primordials`), made by `js/primordials.js` the
/// first time a platform file runs: extensions install their files before the worker's modules
/// are evaluated, so what it captures is what the engine defined, not what a guest replaced.
pub fn primordials<'js>(
    ctx: &Ctx<'js>,
    internal: &rquickjs::Object<'js>,
) -> rquickjs::Result<rquickjs::Object<'js>> {
    if let Some(p) = internal.get::<_, Option<rquickjs::Object>>("primordials")? {
        return Ok(p);
    }
    let f = platform_function(ctx, "verge:js/primordials.js", PRIMORDIALS_JS)?;
    let p: rquickjs::Object = f.call((
        ctx.globals(),
        Value::new_undefined(ctx.clone()),
        internal.clone(),
    ))?;
    internal.set("primordials", p.clone())?;
    Ok(p)
}

/// Evaluates one of the platform's JS files (verge-web's, verge-crypto's, …): its source is the
/// body of `function (globalThis, primordials, internal)`, compiled once per process.
pub fn run_platform_file<'js>(
    ctx: &Ctx<'js>,
    internal: &rquickjs::Object<'js>,
    name: &str,
    src: &str,
) -> rquickjs::Result<()> {
    let f = platform_function(ctx, name, src)?;
    let primordials = primordials(ctx, internal)?;
    let _: Value = f.call((ctx.globals(), primordials, internal.clone()))?;
    Ok(())
}
