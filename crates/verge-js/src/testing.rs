//! Test helper: run a snippet in a fresh isolate with the given extensions.

use std::sync::Arc;
use std::time::Duration;

use rquickjs::{CatchResultExt, Ctx, Object, Promise, Value};

use crate::error::JsException;
use crate::isolate::{Extension, Isolate, WorkerLimits, WorkerSpec, caught_to_exception};

/// An extension that puts the worker's `env` on the global object, so that a [`run_js`]
/// snippet can reach the bindings other extensions put there.
pub struct EnvGlobal;

impl Extension for EnvGlobal {
    fn name(&self) -> &'static str {
        "test-env-global"
    }

    fn env<'js>(
        &self,
        ctx: &Ctx<'js>,
        _internal: &Object<'js>,
        env: &Object<'js>,
    ) -> rquickjs::Result<()> {
        ctx.globals().set("env", env.clone())
    }
}

/// How long [`run_js`] waits for a snippet's promise to settle before failing the test: far
/// beyond any snippet's needs on a loaded machine, but a promise that never settles fails
/// instead of hanging the run.
pub const RUN_JS_DEADLINE: Duration = Duration::from_secs(120);

/// Evaluates `script` (a function body; may `await`; its `return` value is JSON-stringified)
/// in a fresh isolate with `extensions`. Returns the JSON text, or the thrown exception.
///
/// # Panics
/// When the snippet's promise has not settled within [`RUN_JS_DEADLINE`].
pub fn run_js(extensions: Vec<Arc<dyn Extension>>, script: &str) -> Result<String, JsException> {
    let dir = std::env::temp_dir().join(format!("verge-js-testing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let main = format!("t{}.js", crate::isolate::next_test_id());
    std::fs::write(dir.join(&main), "export default {};").expect("write module");
    let spec =
        WorkerSpec::new("test", dir, main, WorkerLimits::default(), extensions).map_err(|e| {
            JsException {
                name: "AssemblyError".into(),
                message: e.to_string(),
                stack: None,
            }
        })?;
    let script = format!("(async () => {{ {script} }})().then(v => JSON.stringify(v))");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let local = tokio::task::LocalSet::new();
    let run = local.run_until(async move {
        let iso = Isolate::new(spec).await.map_err(|e| JsException {
            name: "LoadError".into(),
            message: e.to_string(),
            stack: None,
        })?;
        iso.context()
            .async_with(async |ctx| {
                let r: rquickjs::Result<String> = async {
                    let p: Promise = ctx.eval(script)?;
                    let v: Value = p.into_future().await?;
                    Ok(v.as_string()
                        .map(|s| s.to_string())
                        .transpose()?
                        .unwrap_or_else(|| "undefined".into()))
                }
                .await;
                r.catch(&ctx).map_err(|e| caught_to_exception(&ctx, e))
            })
            .await
    });
    rt.block_on(async {
        tokio::time::timeout(RUN_JS_DEADLINE, run)
            .await
            .unwrap_or_else(|_| {
                panic!("run_js: the snippet did not settle within {RUN_JS_DEADLINE:?}")
            })
    })
}
