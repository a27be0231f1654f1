//! Service bindings (`services = [{ binding, service, entrypoint, props }]`): `env.SVC.fetch()`
//! and RPC calls (`env.SVC.method(...args)`) to another worker of the deployment, through a
//! [`ServiceRouter`] the deployment implements (it sits above this crate). The callee runs
//! through the one invoke path ([`crate::invoke::Target::Entrypoint`]) on its own CPU, memory
//! and time limits; the caller only waits. Arguments and results cross as structured clones
//! (`js/rpc.js`).

use std::sync::Arc;

use futures::future::BoxFuture;
use rquickjs::prelude::*;
use rquickjs::{Array, Ctx, Exception, Function, Object, Result, Value};
use verge_js::error::{JsClass, throw_as};
use verge_js::meter::TOO_MANY_SUBREQUESTS;

use crate::fetch::EW_VIA;
use crate::invoke::{Entrypoint, Event, InvokeError, Outcome};
use crate::stubs::{end_loan, invocations_left, lend_owner};

/// Reaches the other workers of the deployment.
pub trait ServiceRouter: Send + Sync {
    /// Whether a worker named `service` runs in this deployment.
    fn is_running(&self, service: &str) -> bool;

    /// Delivers `event` to `entrypoint` of the worker named `service`.
    fn call(
        &self,
        service: &str,
        entrypoint: Entrypoint,
        event: Event,
    ) -> BoxFuture<'static, std::result::Result<Outcome, InvokeError>>;
}

/// One service binding.
#[derive(Debug, Clone)]
pub struct ServiceBinding {
    /// `env.<binding>`.
    pub binding: String,
    /// The worker it reaches.
    pub service: String,
    /// Its named entrypoint, or the default export.
    pub entrypoint: Option<String>,
    /// `props` as JSON text.
    pub props: Option<String>,
}

/// The service bindings of one worker version.
#[derive(Clone)]
pub struct ServiceExtension {
    bindings: Arc<Vec<ServiceBinding>>,
    router: Arc<dyn ServiceRouter>,
}

impl std::fmt::Debug for ServiceExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceExtension")
            .field("bindings", &self.bindings)
            .finish_non_exhaustive()
    }
}

impl ServiceExtension {
    /// `bindings` over `router`.
    pub fn new(bindings: Vec<ServiceBinding>, router: Arc<dyn ServiceRouter>) -> Self {
        ServiceExtension {
            bindings: Arc::new(bindings),
            router,
        }
    }

    fn binding(&self, ctx: &Ctx<'_>, i: usize) -> Result<ServiceBinding> {
        self.bindings
            .get(i)
            .cloned()
            .ok_or_else(|| Exception::throw_internal(ctx, "unknown service binding"))
    }

    /// Delivers `event` to binding `b`'s entrypoint (`left` invocations left before the loop
    /// limit) and settles the returned promise with `result` of its outcome; what the caller
    /// lends the callee (its owner token) is taken back when the call ends.
    fn call<'js>(
        &self,
        ctx: &Ctx<'js>,
        b: &ServiceBinding,
        left: u32,
        event: Event,
        result: fn(&Ctx<'js>, std::result::Result<Outcome, InvokeError>) -> Result<Array<'js>>,
    ) -> Result<rquickjs::Promise<'js>> {
        let token = lend_owner();
        let entry = Entrypoint {
            name: b.entrypoint.clone(),
            props: b.props.clone(),
            invocations_left: left,
            owner: token,
        };
        let call = self.router.call(&b.service, entry, event);
        let ctx2 = ctx.clone();
        verge_js::promise::wrap_future(ctx, async move {
            let outcome = call.await;
            end_loan(token);
            result(&ctx2, outcome)
        })
    }
}

/// Counts a service call as a subrequest of the calling invocation.
fn charge(ctx: &Ctx<'_>) -> Result<()> {
    if verge_js::meter::charge_subrequest() {
        Ok(())
    } else {
        Err(throw_as(ctx, JsClass::Error, TOO_MANY_SUBREQUESTS))
    }
}

impl verge_js::Extension for ServiceExtension {
    fn name(&self) -> &'static str {
        "services"
    }

    fn requires(&self) -> &'static [&'static str] {
        // internal.v8, internal.remoteResponse, internal.remoteError, internal.hostBody,
        // internal.fetchClasses (js/rpc.js, js/fetch.js).
        &["web"]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        let ops = Object::new(ctx.clone())?;
        let me = self.clone();
        ops.set(
            "running",
            Func::from(move |ctx: Ctx<'js>, i: usize| -> Result<bool> {
                let b = me.binding(&ctx, i)?;
                Ok(me.router.is_running(&b.service))
            }),
        )?;
        let me = self.clone();
        ops.set(
            "fetch",
            Func::from(
                move |ctx: Ctx<'js>, i: usize, head: Array<'js>, body: Value<'js>| {
                    let prepared = (|| {
                        let b = me.binding(&ctx, i)?;
                        charge(&ctx)?;
                        let mut req = crate::remote::incoming_request(&ctx, head, body)?;
                        let own: Vec<String> = req
                            .headers
                            .iter()
                            .filter(|(n, _)| n.eq_ignore_ascii_case(EW_VIA))
                            .map(|(_, v)| v.clone())
                            .collect();
                        let left = invocations_left(&ctx, own.first().map(String::as_str))?;
                        req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(EW_VIA));
                        req.headers.push((EW_VIA.to_string(), left.to_string()));
                        Ok((b, left, Event::Fetch(req)))
                    })();
                    match prepared {
                        Ok((b, left, event)) => {
                            me.call(&ctx, &b, left, event, crate::remote::response_result)
                        }
                        Err(e) => verge_js::promise::rejected(&ctx, e),
                    }
                },
            ),
        )?;
        let me = self.clone();
        ops.set(
            "rpc",
            Func::from(
                move |ctx: Ctx<'js>, i: usize, method: String, args: Option<String>| {
                    let prepared = (|| {
                        let b = me.binding(&ctx, i)?;
                        charge(&ctx)?;
                        let len = args.as_ref().map_or(0, String::len);
                        if len > crate::limits::MAX_RPC_MESSAGE {
                            return Err(throw_as(
                                &ctx,
                                JsClass::RangeError,
                                &format!(
                                    "The RPC message is {} bytes, over the limit of {} bytes.",
                                    len,
                                    crate::limits::MAX_RPC_MESSAGE
                                ),
                            ));
                        }
                        let left = invocations_left(&ctx, None)?;
                        Ok((b, left, Event::Rpc { method, args }))
                    })();
                    match prepared {
                        Ok((b, left, event)) => {
                            me.call(&ctx, &b, left, event, crate::remote::value_result)
                        }
                        Err(e) => verge_js::promise::rejected(&ctx, e),
                    }
                },
            ),
        )?;
        internal.set("serviceOps", ops)?;
        crate::eval_platform_js(
            ctx,
            internal,
            "verge:web/service.js",
            include_str!("../js/service.js"),
        )
    }

    fn env<'js>(&self, _ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let service: Object = internal.get("service")?;
        let make: Function = service.get("make")?;
        for (i, b) in self.bindings.iter().enumerate() {
            let v: Value = make.call((i, b.service.clone(), b.entrypoint.clone()))?;
            env.set(b.binding.as_str(), v)?;
        }
        Ok(())
    }
}
