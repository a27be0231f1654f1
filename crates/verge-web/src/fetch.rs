//! Outbound `fetch()`: the host operation under `js/fetch.js`, on `reqwest` (rustls).

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, Object, Result, Value};

use crate::body::{BodyReader, ByteStream};

/// Redirects followed before `fetch` fails (Fetch standard: 20).
pub const MAX_REDIRECTS: usize = 20;

thread_local! {
    static FOLLOW: reqwest::Client = client(reqwest::redirect::Policy::limited(MAX_REDIRECTS));
    static MANUAL: reqwest::Client = client(reqwest::redirect::Policy::none());
}

fn client(policy: reqwest::redirect::Policy) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(60));
    // VERGE_EXTRA_CA_CERTS (see crate::tls).
    for der in crate::tls::extra_roots() {
        match reqwest::Certificate::from_der(der) {
            Ok(cert) => builder = builder.add_root_certificate(cert),
            Err(e) => tracing::warn!(
                "{}: a certificate is unusable: {e}",
                crate::tls::EXTRA_CA_CERTS_ENV
            ),
        }
    }
    builder
        .build()
        .expect("building the HTTP client with static settings cannot fail")
}

async fn op_fetch<'js>(
    ctx: Ctx<'js>,
    method: String,
    url: String,
    headers: Vec<String>,
    body: Value<'js>,
    manual_redirect: bool,
) -> Result<Object<'js>> {
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| Exception::throw_type(&ctx, &format!("Invalid HTTP method: {method}")))?;
    let client = if manual_redirect {
        MANUAL.with(Clone::clone)
    } else {
        FOLLOW.with(Clone::clone)
    };
    let mut rb = client.request(method, &url);
    for pair in headers.chunks(2) {
        if let [name, value] = pair {
            rb = rb.header(name.as_str(), value.as_str());
        }
    }
    if !body.is_undefined() && !body.is_null() {
        let bytes = verge_js::bytes::copy_bytes(&body)
            .ok_or_else(|| Exception::throw_type(&ctx, "fetch: the request body must be bytes"))?;
        rb = rb.body(bytes);
    }
    let resp = rb.send().await.map_err(|e| {
        let mut msg = format!("Network connection lost: {e}");
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        Exception::throw_type(&ctx, &msg)
    })?;
    let out = Object::new(ctx.clone())?;
    out.set("status", resp.status().as_u16())?;
    out.set("statusText", resp.status().canonical_reason().unwrap_or(""))?;
    let mut flat = Vec::with_capacity(resp.headers().len() * 2);
    for (name, value) in resp.headers() {
        flat.push(name.as_str().to_string());
        flat.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    out.set("headers", flat)?;
    out.set("url", resp.url().as_str())?;
    out.set("redirected", resp.url().as_str() != url)?;
    let stream: ByteStream = Box::pin(resp.bytes_stream().map(|r| r.map_err(|e| e.to_string())));
    out.set(
        "body",
        Class::instance(ctx.clone(), BodyReader::new(stream))?,
    )?;
    Ok(out)
}

/// Installs `internal.fetch(method, url, flatHeaders, bodyBytes|null, manualRedirect)`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let _ = ctx;
    internal.set("fetch", Func::from(Async(op_fetch)))?;
    Ok(())
}

/// A one-chunk stream (for tests and fixed bodies).
pub fn once(bytes: Bytes) -> ByteStream {
    Box::pin(futures::stream::once(async move { Ok(bytes) }))
}
