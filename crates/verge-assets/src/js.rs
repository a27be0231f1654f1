//! `env.<binding>` of `assets.binding`: `fetch(input, init)` returns the asset worker's
//! response (the full `not_found_handling`, a 404 with no body when nothing answers), as
//! `env.ASSETS.fetch()` does on Cloudflare (js/assets.js).

use std::sync::Arc;

use rquickjs::class::Trace;
use rquickjs::prelude::Func;
use rquickjs::{Array, Class, Ctx, Function, JsLifetime, Object, Result, Value};
use verge_js::Extension;

use crate::Assets;
use crate::serve::AssetBody;

/// Installs `env.<binding>` for one worker version's assets.
#[derive(Debug, Clone)]
pub struct AssetsExtension {
    binding: Option<String>,
    assets: Arc<Assets>,
}

impl AssetsExtension {
    /// `env.<binding>` over `assets` (no binding: only the built-in module
    /// [`crate::ASSETS_ONLY_MAIN`]).
    pub fn new(binding: Option<String>, assets: Arc<Assets>) -> Self {
        AssetsExtension { binding, assets }
    }
}

/// The entry module of an assets-only worker: the assets answer every request before it, so
/// its handler only runs for an event the assets do not take (none over HTTP).
const ASSETS_ONLY_MODULE: &str =
    "export default { fetch() { return new Response(null, { status: 404 }); } };";

/// The assets, as JS holds them.
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub(crate) struct AssetsHandle {
    #[qjs(skip_trace)]
    assets: Arc<Assets>,
}

async fn fetch<'js>(
    ctx: Ctx<'js>,
    handle: Class<'js, AssetsHandle>,
    method: String,
    url: String,
    headers: Vec<String>,
) -> Result<Array<'js>> {
    let assets = handle.borrow().assets.clone();
    let mut map = http::HeaderMap::new();
    for pair in headers.chunks(2) {
        if let [k, v] = pair
            && let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_str(v),
            )
        {
            map.append(n, v);
        }
    }
    let res = assets.respond(&crate::AssetRequest {
        method: &method,
        url: &url,
        headers: &map,
    });
    let out = Array::new(ctx.clone())?;
    out.set(0, res.status)?;
    let flat: Vec<String> = res
        .headers
        .iter()
        .flat_map(|(k, v)| {
            [
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ]
        })
        .collect();
    out.set(1, flat)?;
    let null_body = matches!(res.status, 101 | 204 | 205 | 304) || method == "HEAD";
    let stream: Option<verge_web::body::ByteStream> = match res.body {
        AssetBody::Empty => None,
        AssetBody::Full(b) => Some(Box::pin(futures::stream::once(async move { Ok(b) }))),
        AssetBody::Stream(s) => Some(s),
    };
    match stream {
        Some(s) if !null_body => out.set(
            2,
            Class::instance(ctx.clone(), verge_web::body::BodyReader::new(s))?,
        )?,
        _ => out.set(2, Value::new_null(ctx.clone()))?,
    }
    Ok(out)
}

impl Extension for AssetsExtension {
    fn name(&self) -> &'static str {
        "assets"
    }

    fn requires(&self) -> &'static [&'static str] {
        // Request, Headers, internal.hostResponse (verge-web js/fetch.js).
        &["web"]
    }

    fn modules(&self) -> Vec<(&'static str, &'static str)> {
        vec![(crate::ASSETS_ONLY_MAIN, ASSETS_ONLY_MODULE)]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        let ops = Object::new(ctx.clone())?;
        ops.set(
            "fetch",
            Func::from(
                |ctx: Ctx<'js>,
                 handle: Class<'js, AssetsHandle>,
                 method: String,
                 url: String,
                 headers: Vec<String>| {
                    verge_js::promise::wrap_future(
                        &ctx,
                        fetch(ctx.clone(), handle, method, url, headers),
                    )
                },
            ),
        )?;
        internal.set("assetsOps", ops)?;
        verge_web::eval_platform_js(
            ctx,
            internal,
            "verge:assets/assets.js",
            include_str!("../js/assets.js"),
        )
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let Some(binding) = &self.binding else {
            return Ok(());
        };
        let assets: Object = internal.get("assets")?;
        let make: Function = assets.get("makeFetcher")?;
        let handle = Class::instance(
            ctx.clone(),
            AssetsHandle {
                assets: self.assets.clone(),
            },
        )?;
        let fetcher: Value = make.call((handle,))?;
        env.set(binding.as_str(), fetcher)?;
        Ok(())
    }
}
