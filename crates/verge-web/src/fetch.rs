//! Outbound `fetch()`: the host operation under `js/fetch.js`, on `reqwest` (rustls).
//!
//! Each call, and each redirect it follows, counts as one subrequest of the invocation that
//! made the call ([`verge_js::meter::charge_subrequest`]; `limits.subrequests`); past the limit
//! the call rejects with `Error: Too many subrequests.` (semantics notes H3). Redirects are
//! followed here rather than by reqwest so that every hop is counted. Every request carries the
//! Worker-loop counter [`EW_VIA`] (see [`outbound_invocations_left`]).

use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, Object, Promise, Result, Value};
use verge_js::error::{JsClass, throw_as};
use verge_js::meter::{MAX_WORKER_INVOCATIONS, RequestMeter, TOO_MANY_SUBREQUESTS};

use crate::body::{BodyReader, ByteStream};

/// Redirects followed before `fetch` fails (Fetch standard: 20).
pub const MAX_REDIRECTS: usize = 20;

/// The request header that counts down the Worker invocations a chain of Worker-to-Worker
/// requests may still make (Cloudflare's `CF-EW-Via`: "an integer that indicates how many
/// invocations are left"; at 0 the request is answered with error 1019).
pub const EW_VIA: &str = "cf-ew-via";

/// The invocations left that `cf-ew-via` header values say: the smallest integer among them
/// (comma-separated items too), at most [`MAX_WORKER_INVOCATIONS`]; `None` when no value parses.
/// Taking the smallest means a sender can only ever shorten the chain, never lengthen it.
pub fn invocations_left<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<u32> {
    values
        .into_iter()
        .flat_map(|v| v.split(|&b| b == b','))
        .filter_map(|item| {
            let item = item.trim_ascii();
            if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // All digits: too many for a u32 is more than the maximum.
            Some(
                std::str::from_utf8(item)
                    .ok()
                    .and_then(|s| s.parse::<u32>().ok())
                    .unwrap_or(u32::MAX),
            )
        })
        .min()
        .map(|n| n.min(MAX_WORKER_INVOCATIONS))
}

/// The `cf-ew-via` value of a subrequest made by an invocation that had `left` invocations left,
/// given the `cf-ew-via` values the worker itself put on the request (it may only lower it).
pub fn outbound_invocations_left<'a>(
    left: u32,
    worker_values: impl IntoIterator<Item = &'a [u8]>,
) -> u32 {
    let own = invocations_left(worker_values).unwrap_or(MAX_WORKER_INVOCATIONS);
    left.min(own).saturating_sub(1)
}

thread_local! {
    static CLIENT: reqwest::Client = client();
}

fn client() -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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

/// Checks and counts an outbound request made by the invocation running now: charges one
/// subrequest (failing with `Too many subrequests.` past the limit), parses the method, takes
/// the body bytes and sets the Worker-loop counter [`EW_VIA`]. What `internal.fetch` and the
/// subrequest cache (`verge-cache`) both start with.
pub fn prepare<'js>(
    ctx: &Ctx<'js>,
    method: &str,
    url: String,
    headers: Vec<String>,
    body: Value<'js>,
    manual_redirect: bool,
) -> Result<(Outbound, Option<Rc<RequestMeter>>)> {
    let invocation = verge_js::meter::current_invocation();
    if let Some(m) = &invocation
        && !m.charge_subrequest()
    {
        return Err(throw_as(ctx, JsClass::Error, TOO_MANY_SUBREQUESTS));
    }
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| Exception::throw_type(ctx, &format!("Invalid HTTP method: {method}")))?;
    let body =
        if body.is_undefined() || body.is_null() {
            None
        } else {
            Some(verge_js::bytes::copy_bytes(&body).ok_or_else(|| {
                Exception::throw_type(ctx, "fetch: the request body must be bytes")
            })?)
        };
    let left = invocation
        .as_ref()
        .map_or(MAX_WORKER_INVOCATIONS, |m| m.invocations_left());
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(headers.len() / 2 + 1);
    let mut via = Vec::new();
    for pair in headers.chunks(2) {
        if let [n, v] = pair {
            if n.eq_ignore_ascii_case(EW_VIA) {
                via.push(v.clone());
            } else {
                pairs.push((n.clone(), v.clone()));
            }
        }
    }
    let out = outbound_invocations_left(left, via.iter().map(|v| v.as_bytes()));
    pairs.push((EW_VIA.to_string(), out.to_string()));
    Ok((
        Outbound {
            method,
            url,
            headers: pairs,
            body,
            manual_redirect,
        },
        invocation,
    ))
}

/// `internal.fetch(method, url, flatHeaders, bodyBytes|null, manualRedirect)`: counts the
/// subrequest against the invocation calling it (now, while its JS runs) and returns the
/// promise of the response parts.
fn op_fetch<'js>(
    ctx: Ctx<'js>,
    method: String,
    url: String,
    headers: Vec<String>,
    body: Value<'js>,
    manual_redirect: bool,
) -> Result<Promise<'js>> {
    match prepare(&ctx, &method, url, headers, body, manual_redirect) {
        Ok((out, invocation)) => {
            let ctx2 = ctx.clone();
            verge_js::promise::wrap_future(&ctx, async move {
                let r = send(out, invocation).await.map_err(|e| e.throw(&ctx2))?;
                response_object(&ctx2, r)
            })
        }
        Err(err) => verge_js::promise::rejected(&ctx, err),
    }
}

/// A request ready to go out ([`prepare`]).
#[derive(Debug, Clone)]
pub struct Outbound {
    /// The method.
    pub method: reqwest::Method,
    /// The absolute URL.
    pub url: String,
    /// Header pairs (the loop counter included).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<Vec<u8>>,
    /// `redirect: "manual"` (or `"error"`): a redirect is returned, not followed.
    pub manual_redirect: bool,
}

/// An origin's response, body not yet read.
pub struct OriginResponse {
    /// Status code.
    pub status: u16,
    /// Header pairs, names lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The final URL (after redirects).
    pub url: String,
    /// Whether a redirect was followed.
    pub redirected: bool,
    /// The body.
    pub body: ByteStream,
}

/// Why an outbound request failed: the JS exception it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// `TypeError` or `Error`.
    pub class: JsClass,
    /// The message.
    pub message: String,
}

impl FetchFailure {
    fn type_error(message: String) -> Self {
        FetchFailure {
            class: JsClass::TypeError,
            message,
        }
    }

    /// Throws it into `ctx`.
    pub fn throw(&self, ctx: &Ctx<'_>) -> rquickjs::Error {
        throw_as(ctx, self.class, &self.message)
    }
}

impl std::fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Headers a redirect to another origin drops (what reqwest's own redirect policy dropped).
const CROSS_ORIGIN_DROPPED: &[&str] = &[
    "authorization",
    "cookie",
    "cookie2",
    "proxy-authorization",
    "www-authenticate",
];

/// Headers describing the body, dropped when a redirect turns the request into a GET
/// (Fetch standard, HTTP-redirect fetch, step 12).
const BODY_HEADERS: &[&str] = &[
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
    "content-length",
];

fn network_error(e: reqwest::Error) -> FetchFailure {
    let mut msg = format!("Network connection lost: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    FetchFailure::type_error(msg)
}

/// Sends the request and follows redirects (unless manual), each hop counted against
/// `invocation`. Needs no JS: the subrequest cache calls it from background refreshes too.
pub async fn send(
    out: Outbound,
    invocation: Option<Rc<RequestMeter>>,
) -> std::result::Result<OriginResponse, FetchFailure> {
    let Outbound {
        mut method,
        url: first_url,
        mut headers,
        mut body,
        manual_redirect,
    } = out;
    let client = CLIENT.with(Clone::clone);
    let mut url = reqwest::Url::parse(&first_url)
        .map_err(|e| FetchFailure::type_error(format!("Invalid URL {first_url}: {e}")))?;
    let mut hops = 0;
    let resp = loop {
        let mut rb = client.request(method.clone(), url.clone());
        for (name, value) in &headers {
            rb = rb.header(name.as_str(), value.as_str());
        }
        if let Some(b) = &body {
            rb = rb.body(b.clone());
        }
        let resp = rb.send().await.map_err(network_error)?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(http::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let (false, Some(location), 301 | 302 | 303 | 307 | 308) =
            (manual_redirect, location, status)
        else {
            break resp;
        };
        let next = url.join(&location).map_err(|e| {
            FetchFailure::type_error(format!("Invalid redirect location {location}: {e}"))
        })?;
        if next.scheme() != "http" && next.scheme() != "https" {
            return Err(FetchFailure::type_error(format!(
                "Fetch API cannot load: {next}"
            )));
        }
        if hops == MAX_REDIRECTS {
            return Err(FetchFailure::type_error(format!(
                "Fetch failed: more than {MAX_REDIRECTS} redirects"
            )));
        }
        // Each hop followed is one more subrequest.
        if let Some(m) = &invocation
            && !m.charge_subrequest()
        {
            return Err(FetchFailure {
                class: JsClass::Error,
                message: TOO_MANY_SUBREQUESTS.to_string(),
            });
        }
        hops += 1;
        drop(resp);
        let to_get = ((status == 301 || status == 302) && method == reqwest::Method::POST)
            || (status == 303 && method != reqwest::Method::GET && method != reqwest::Method::HEAD);
        if to_get {
            method = reqwest::Method::GET;
            body = None;
            headers.retain(|(n, _)| !BODY_HEADERS.iter().any(|h| n.eq_ignore_ascii_case(h)));
        }
        if next.origin() != url.origin() {
            headers.retain(|(n, _)| {
                !CROSS_ORIGIN_DROPPED
                    .iter()
                    .any(|h| n.eq_ignore_ascii_case(h))
            });
        }
        url = next;
    };
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    Ok(OriginResponse {
        status: resp.status().as_u16(),
        headers,
        url: resp.url().as_str().to_string(),
        redirected: hops > 0,
        body: Box::pin(resp.bytes_stream().map(|r| r.map_err(|e| e.to_string()))),
    })
}

/// The response parts `js/fetch.js` reads: `{status, statusText, headers, url, redirected,
/// body}` (headers flat, body a [`BodyReader`]).
pub fn response_object<'js>(ctx: &Ctx<'js>, r: OriginResponse) -> Result<Object<'js>> {
    let out = Object::new(ctx.clone())?;
    out.set("status", r.status)?;
    out.set(
        "statusText",
        http::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or(""),
    )?;
    // The body reaches JS decoded; the headers stay as the origin sent them (as workerd).
    let coding = crate::content_coding::Coding::of_headers(&r.headers);
    let flat: Vec<String> = r.headers.into_iter().flat_map(|(n, v)| [n, v]).collect();
    out.set("headers", flat)?;
    out.set("url", r.url)?;
    out.set("redirected", r.redirected)?;
    out.set(
        "body",
        Class::instance(ctx.clone(), BodyReader::with_coding(r.body, coding))?,
    )?;
    Ok(out)
}

/// Installs `internal.fetch(method, url, flatHeaders, bodyBytes|null, manualRedirect)`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let _ = ctx;
    internal.set("fetch", Func::from(op_fetch))?;
    Ok(())
}

/// A one-chunk stream (for tests and fixed bodies).
pub fn once(bytes: Bytes) -> ByteStream {
    Box::pin(futures::stream::once(async move { Ok(bytes) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(values: &[&str]) -> Option<u32> {
        invocations_left(values.iter().map(|v| v.as_bytes()))
    }

    #[test]
    fn the_smallest_valid_cf_ew_via_value_counts() {
        assert_eq!(left(&[]), None);
        assert_eq!(left(&["15"]), Some(15));
        assert_eq!(left(&[" 7 ", "12"]), Some(7));
        assert_eq!(left(&["9, 3"]), Some(3));
        assert_eq!(left(&["0"]), Some(0));
        assert_eq!(
            left(&["nope", "-1", "1.5", ""]),
            None,
            "none of these parse"
        );
        assert_eq!(left(&["nope", "4"]), Some(4));
    }

    #[test]
    fn a_sender_can_only_shorten_the_chain() {
        assert_eq!(left(&["100"]), Some(MAX_WORKER_INVOCATIONS));
        assert_eq!(
            left(&["99999999999999999999"]),
            Some(MAX_WORKER_INVOCATIONS)
        );
        // The worker's own cf-ew-via may lower what its subrequests carry, never raise it.
        let none: [&[u8]; 0] = [];
        assert_eq!(outbound_invocations_left(16, none), 15);
        assert_eq!(outbound_invocations_left(5, [b"16".as_slice()]), 4);
        assert_eq!(outbound_invocations_left(5, [b"2".as_slice()]), 1);
        assert_eq!(outbound_invocations_left(0, none), 0);
        assert_eq!(outbound_invocations_left(1, [b"junk".as_slice()]), 0);
    }
}
