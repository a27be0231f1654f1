//! `env.<name>`: the Workers rate limiting binding's JS face, over [`crate::core`].
//!
//! `limit(options)` returns a promise of `{ success }`; a bad argument rejects it with the
//! messages `wrangler dev` gives (`invalid rate limit options`, `bad rate limit options:
//! [...]`, `invalid key: ...`). `options.limit` and `options.period` may override the
//! configured ones, as in `wrangler dev`.

use std::sync::Arc;

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Coerced, Ctx, JsLifetime, Object, Promise, Result, Value};
use verge_js::{Extension, JsClass, throw_as};

use crate::core::{Limiter, MAX_LIMITERS, limiter, limiter_within_cap};

/// One binding: its name, namespace and limiter.
#[derive(Debug, Clone)]
pub struct Binding {
    /// `env.<name>`.
    pub name: String,
    /// `namespace_id`.
    pub namespace_id: u64,
    /// The configured limiter.
    pub limiter: Arc<Limiter>,
}

/// The rate limiting bindings of a worker.
pub struct RateLimitExtension {
    bindings: Vec<Binding>,
    clock: Arc<dyn verge_store::Clock>,
}

impl std::fmt::Debug for RateLimitExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitExtension")
            .field("bindings", &self.bindings)
            .finish_non_exhaustive()
    }
}

impl RateLimitExtension {
    /// `(name, namespace_id, limit, period)` for each binding; `clock` is the time they read.
    pub fn new(
        bindings: impl IntoIterator<Item = (String, u64, u64, u64)>,
        clock: Arc<dyn verge_store::Clock>,
    ) -> Self {
        let bindings = bindings
            .into_iter()
            .map(|(name, namespace_id, limit, period)| Binding {
                name,
                namespace_id,
                limiter: limiter(namespace_id, limit, period, clock.clone()),
            })
            .collect();
        RateLimitExtension { bindings, clock }
    }

    /// The bindings.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }
}

impl Extension for RateLimitExtension {
    fn name(&self) -> &'static str {
        "ratelimits"
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, _internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        for b in &self.bindings {
            let instance = Class::instance(
                ctx.clone(),
                JsRateLimit {
                    binding: b.clone(),
                    clock: self.clock.clone(),
                },
            )?;
            env.set(b.name.as_str(), instance)?;
        }
        Ok(())
    }
}

/// `env.<name>`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "RateLimit")]
pub(crate) struct JsRateLimit {
    #[qjs(skip_trace)]
    binding: Binding,
    #[qjs(skip_trace)]
    clock: Arc<dyn verge_store::Clock>,
}

fn error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    throw_as(ctx, JsClass::Error, message)
}

fn show(v: &Value<'_>) -> String {
    v.get::<Coerced<String>>()
        .map(|c| c.0)
        .unwrap_or_else(|_| "?".into())
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsRateLimit {
    /// `limit({ key })` → `Promise<{ success: boolean }>`.
    pub fn limit<'js>(&self, ctx: Ctx<'js>, options: Opt<Value<'js>>) -> Result<Promise<'js>> {
        let prepared = (|| -> Result<bool> {
            let Some(options) = options.0.as_ref().and_then(|v| v.as_object()) else {
                return Err(error(&ctx, "invalid rate limit options"));
            };
            let unknown: Vec<String> = options
                .keys::<String>()
                .filter_map(|k| k.ok())
                .filter(|k| !matches!(k.as_str(), "key" | "limit" | "period"))
                .collect();
            if !unknown.is_empty() {
                return Err(error(
                    &ctx,
                    &format!("bad rate limit options: [{}]", unknown.join(",")),
                ));
            }
            let key: Value = options.get("key")?;
            let key = if key.is_undefined() {
                String::new()
            } else if let Some(s) = key.as_string() {
                s.to_string()?
            } else {
                return Err(error(&ctx, &format!("invalid key: {}", show(&key))));
            };
            let configured = &self.binding.limiter;
            let number = |name: &str, default: u64| -> Result<u64> {
                let v: Value = options.get(name)?;
                if v.is_undefined() {
                    return Ok(default);
                }
                match v.as_number() {
                    Some(n) if n.is_finite() && n >= 0.0 => Ok(n as u64),
                    _ => Err(error(
                        &ctx,
                        &format!("{name} must be a number: {}", show(&v)),
                    )),
                }
            };
            let limit = number("limit", configured.limit())?;
            let period = number("period", configured.period())?;
            if period != 10 && period != 60 {
                return Err(error(&ctx, &format!("unsupported period: {period}")));
            }
            let l = if limit == configured.limit() && period == configured.period() {
                configured.clone()
            } else {
                limiter_within_cap(
                    self.binding.namespace_id,
                    limit.max(1),
                    period,
                    self.clock.clone(),
                )
                .ok_or_else(|| {
                    error(
                        &ctx,
                        &format!(
                            "too many distinct rate limit settings in this process (at most {MAX_LIMITERS}); limit {limit} per {period} s is refused"
                        ),
                    )
                })?
            };
            Ok(limit > 0 && l.allow(&key))
        })();
        let ctx2 = ctx.clone();
        verge_js::promise::settle_binding_call(
            &ctx,
            prepared.map(|success| async move {
                let out = Object::new(ctx2.clone())?;
                out.set("success", success)?;
                Ok(out.into_value())
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> String {
        let ext = RateLimitExtension::new(
            [("RL".to_string(), 424242, 2, 10)],
            Arc::new(verge_store::ManualClock::new(1000)),
        );
        verge_js::testing::run_js(
            vec![Arc::new(ext), Arc::new(verge_js::testing::EnvGlobal)],
            script,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn limit_resolves_success_until_the_limit_then_false() {
        assert_eq!(
            run(
                "const r = []; for (let i = 0; i < 3; i++) r.push((await env.RL.limit({ key: 'a' })).success); \
                 r.push((await env.RL.limit({ key: 'b' })).success); return JSON.stringify(r);"
            ),
            "\"[true,true,false,true]\""
        );
    }

    #[test]
    fn bad_options_reject_with_wranglers_messages() {
        let out = run(
            "const m = []; for (const o of [undefined, null, 5, { nope: 1 }, { key: 1 }, { period: 30 }]) { \
                try { await env.RL.limit(o); m.push('ok'); } catch (e) { m.push(e.message); } } return m.join('|');",
        );
        assert_eq!(
            out,
            "\"invalid rate limit options|invalid rate limit options|invalid rate limit options|bad rate limit options: [nope]|invalid key: 1|unsupported period: 30\""
        );
    }
}
