//! Platform JS compiled once per process: the first isolate compiles a module from source and
//! keeps its bytecode; later isolates load the bytecode, which skips parsing (most of the cost
//! of creating an isolate).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rquickjs::module::WriteOptions;
use rquickjs::{Ctx, Module, Value};

fn cache() -> &'static Mutex<HashMap<String, Arc<Vec<u8>>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Evaluates the ES module `name` (no imports, no top-level await) and returns its default
/// export. The module is compiled from `source` once per process; afterwards it is loaded
/// from bytecode.
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
    let module = match cached {
        // SAFETY: the bytes were produced by `Module::write` in this process, by the same
        // QuickJS build, from a module that declared successfully; QuickJS reads them back
        // into a fresh module object of this context.
        Some(bytes) => unsafe { Module::load(ctx.clone(), &bytes)? },
        None => {
            let m = Module::declare(ctx.clone(), name, source)?;
            let options = WriteOptions {
                strip_source: true,
                ..WriteOptions::default()
            };
            let bytes = m.write(options)?;
            cache()
                .lock()
                .expect("bytecode cache lock poisoned")
                .insert(name.to_string(), Arc::new(bytes));
            m
        }
    };
    let (module, promise) = module.eval()?;
    // A module without top-level await settles during `eval`; surface its exception.
    promise.finish::<()>()?;
    module.get("default")
}
