//! CommonJS and JSON modules: the Rust side of `js/commonjs.js`.
//!
//! A CommonJS (or JSON) file imported by an ES module is a native module whose only export,
//! `default`, is what `require` of that file returns (`module.exports`), as workerd gives ES
//! modules a CommonJS module's `module.exports` as the default export. `require` itself is
//! JS (`js/commonjs.js`); what it needs from the project (resolving, reading, typing and
//! compiling files) is here, over the worker's [`ModuleSource`].

use std::sync::Arc;

use rquickjs::context::EvalOptions;
use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::prelude::Func;
use rquickjs::{ArrayBuffer, Ctx, Exception, Function, JsLifetime, Object, Result, Value};

use crate::loader::ModuleSource;
use crate::rules::ModuleKind;

const COMMONJS_JS: &str = include_str!("../js/commonjs.js");

/// The isolate's `load(name)` from `js/commonjs.js`.
#[derive(JsLifetime)]
struct CommonJsLoad<'js>(Function<'js>);

/// What [`install`] needs, kept from isolate creation until the first CommonJS or JSON module
/// loads: most workers have none, so most isolates never pay for `js/commonjs.js`.
struct Pending<'js> {
    internal: Object<'js>,
    source: Arc<ModuleSource>,
}

// SAFETY: `Pending` holds one JS value, of lifetime 'js, and a plain Rust value.
unsafe impl<'js> JsLifetime<'js> for Pending<'js> {
    type Changed<'to> = Pending<'to>;
}

/// Remembers what CommonJS loading needs; it is installed on first use. `internal` must
/// already hold the primordials (captured before guest code ran).
pub(crate) fn prepare<'js>(
    ctx: &Ctx<'js>,
    internal: &Object<'js>,
    source: Arc<ModuleSource>,
) -> Result<()> {
    crate::bytecode::primordials(ctx, internal)?;
    let _ = ctx.store_userdata(Pending {
        internal: internal.clone(),
        source,
    });
    Ok(())
}

/// The isolate's `load(name)`, installing CommonJS loading the first time.
fn load_function<'js>(ctx: &Ctx<'js>) -> Result<Function<'js>> {
    if let Some(load) = ctx.userdata::<CommonJsLoad>() {
        return Ok(load.0.clone());
    }
    let (internal, source) = {
        let pending = ctx
            .userdata::<Pending>()
            .ok_or_else(|| Exception::throw_internal(ctx, "CommonJS loading is not prepared"))?;
        (pending.internal.clone(), pending.source.clone())
    };
    install(ctx, &internal, source)?;
    let _ = ctx.remove_userdata::<Pending>();
    ctx.userdata::<CommonJsLoad>()
        .map(|load| load.0.clone())
        .ok_or_else(|| Exception::throw_internal(ctx, "CommonJS loading did not install"))
}

fn thrown(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_message(ctx, message)
}

/// Installs CommonJS loading into an isolate (`js/commonjs.js` takes its built-ins from the
/// primordials, captured before guest code ran).
fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>, source: Arc<ModuleSource>) -> Result<()> {
    let host = Object::new(ctx.clone())?;
    let s = source.clone();
    host.set(
        "resolve",
        Func::from(
            move |ctx: Ctx<'js>, base: String, specifier: String| -> Result<String> {
                s.resolve(&base, &specifier)
                    .map_err(|message| thrown(&ctx, &message))
            },
        ),
    )?;
    let s = source.clone();
    host.set(
        "kind",
        Func::from(move |ctx: Ctx<'js>, name: String| -> Result<&'static str> {
            match s.kind(&name).map_err(|message| thrown(&ctx, &message))? {
                ModuleKind::EsModule => Ok("esm"),
                ModuleKind::CommonJs => Ok("cjs"),
                ModuleKind::Json => Ok("json"),
                ModuleKind::Text => Ok("text"),
                ModuleKind::Data => Ok("data"),
                ModuleKind::CompiledWasm => Err(thrown(&ctx, &wasm_unsupported(&name))),
            }
        }),
    )?;
    let s = source.clone();
    host.set(
        "compile",
        Func::from(
            move |ctx: Ctx<'js>, name: String| -> Result<Function<'js>> {
                let bytes = s.read(&name).map_err(|e| thrown(&ctx, &e.to_string()))?;
                let code = String::from_utf8_lossy(&bytes);
                // One line, so the module's line numbers are its file's.
                let wrapped = format!(
                    "(function (exports, require, module, __filename, __dirname) {{{code}\n}})"
                );
                let mut options = EvalOptions::default();
                options.strict = false;
                options.filename = Some(name);
                ctx.eval_with_options(wrapped, options)
            },
        ),
    )?;
    let s = source.clone();
    host.set(
        "text",
        Func::from(move |ctx: Ctx<'js>, name: String| -> Result<String> {
            let bytes = s.read(&name).map_err(|e| thrown(&ctx, &e.to_string()))?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }),
    )?;
    host.set(
        "data",
        Func::from(
            move |ctx: Ctx<'js>, name: String| -> Result<ArrayBuffer<'js>> {
                let bytes = source
                    .read(&name)
                    .map_err(|e| thrown(&ctx, &e.to_string()))?;
                ArrayBuffer::new(ctx, bytes.as_slice().to_vec())
            },
        ),
    )?;
    host.set(
        "dirname",
        Func::from(|path: String| -> String {
            match path.rsplit_once('/') {
                Some(("", _)) => "/".to_string(),
                Some((dir, _)) => dir.to_string(),
                None => ".".to_string(),
            }
        }),
    )?;
    internal.set("commonjsHost", host)?;
    crate::bytecode::run_platform_file(ctx, internal, "verge:js/commonjs.js", COMMONJS_JS)?;
    let load: Function = internal.get("commonjsLoad")?;
    internal.remove("commonjsHost")?;
    internal.remove("commonjsLoad")?;
    let _ = ctx.store_userdata(CommonJsLoad(load));
    Ok(())
}

/// The message for a `CompiledWasm` module.
pub(crate) fn wasm_unsupported(name: &str) -> String {
    format!(
        "\"{name}\" is a CompiledWasm module (WebAssembly), but verge does not support WebAssembly yet"
    )
}

/// An ES module view of a CommonJS or JSON file: `export default <module.exports>`.
pub(crate) struct CommonJsModule;

impl ModuleDef for CommonJsModule {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        decl.declare("default")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let name: String = exports.module().name()?;
        let load = load_function(ctx)?;
        let value: Value = load.call((name,))?;
        exports.export("default", value)?;
        Ok(())
    }
}
