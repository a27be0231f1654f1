//! One request through the edge, as ordered steps (Pingora's request phases are the model):
//!
//! 1. **request id** — a `cf-ray` for the request ([`crate::request_id`]);
//! 2. **URL** — the request's absolute URL from the parsed request target and `Host`, and the
//!    Worker loop limit ([`crate::request`], [`crate::loop_guard`]);
//! 3. **edge steps** — each [`Step`] may answer the request itself before the worker (static
//!    assets, the cache, edge rules, wrangler's `/__scheduled` test route plug in here);
//! 4. **invoke** — the deployment's HTTP worker produces the response;
//! 5. **framing** — the worker's response becomes an HTTP response ([`crate::response`]);
//! 6. **after-steps and logging** — each step sees the response; one log line per request.

use std::rc::Rc;
use std::sync::Arc;

use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use verge_worker::Deployment;

use crate::request::{EdgeRequest, Refused, worker_request};
use crate::request_id::new_ray_id;
use crate::response::{EdgeBody, error_response, from_worker, full};
use crate::steps::Step;

/// Settings of the HTTP front.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Address to listen on (port 0 picks a free port).
    pub addr: std::net::SocketAddr,
    /// This PoP's code (`cf.colo`, the `cf-ray` suffix).
    pub colo: String,
    /// `request.cf` fields used for every request (a JSON object), e.g. country and city.
    pub cf: serde_json::Map<String, serde_json::Value>,
    /// Show exception messages in error responses (development).
    pub expose_errors: bool,
    /// Compress compressible worker responses for clients that accept it (gzip, br), as
    /// Cloudflare's edge does.
    pub compress: bool,
    /// Connection limits.
    pub limits: crate::limits::ClientLimits,
}

/// What every request on every thread shares.
pub(crate) struct Shared {
    pub(crate) config: EdgeConfig,
    pub(crate) deployment: Arc<Deployment>,
    steps: Vec<Box<dyn Step>>,
    /// `request.cf` defaults serialized once, without the closing brace.
    pub(crate) cf_prefix: String,
    /// `cf-ipcountry` (from `cf.country`, `XX` when unknown).
    pub(crate) country: String,
    /// The authority of an HTTP/1.0 request without `Host`: the listen address.
    pub(crate) default_authority: String,
}

impl Shared {
    pub(crate) fn new(
        config: EdgeConfig,
        deployment: Arc<Deployment>,
        steps: Vec<Box<dyn Step>>,
    ) -> Self {
        let mut cf = config.cf.clone();
        cf.insert(
            "colo".into(),
            serde_json::Value::String(config.colo.clone()),
        );
        let mut cf_prefix = serde_json::Value::Object(cf).to_string();
        cf_prefix.pop();
        let country = config
            .cf
            .get("country")
            .and_then(|c| c.as_str())
            .unwrap_or("XX")
            .to_string();
        Shared {
            default_authority: config.addr.to_string(),
            config,
            deployment,
            steps,
            cf_prefix,
            country,
        }
    }
}

pub(crate) async fn handle(
    req: Request<Incoming>,
    ip: Rc<str>,
    shared: Arc<Shared>,
) -> Response<EdgeBody> {
    let started = std::time::Instant::now();
    // 1. request id
    let ray = new_ray_id(&shared.config.colo);
    let (mut parts, body) = req.into_parts();
    // 2. URL
    let edge = match EdgeRequest::new(&parts, &shared, ray.clone(), ip) {
        Ok(e) => e,
        Err(Refused::Bad(e)) => {
            tracing::debug!(request = %ray, "bad request: {e}");
            return bad_request(&e.to_string(), &ray);
        }
        Err(Refused::LoopLimit) => {
            let mut r = crate::response::loop_limit_response(&ray);
            if let Ok(v) = HeaderValue::from_str(&ray) {
                r.headers_mut().insert("cf-ray", v);
            }
            return r;
        }
    };
    // 3. edge steps
    let mut answered = None;
    let mut body = Some(body);
    for step in &shared.steps {
        if let Some(fut) = step.before(&edge, &parts, &mut body, &shared.deployment) {
            answered = Some(fut.await);
            break;
        }
    }
    let mut response = match (answered, body) {
        (Some(r), _) => r,
        (None, None) => {
            tracing::error!(request = %edge.ray, "verge bug: an edge step took the request body without answering");
            return crate::response::full(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".into(),
            );
        }
        // 4. invoke, 5. framing
        (None, Some(body)) => {
            let incoming = worker_request(&edge, &parts, body, &shared);
            let result = shared.deployment.fetch(incoming).await;
            if edge.body_failed() {
                // The client's body framing broke (or the client left): its fault, whatever
                // the worker made of the cut-off body.
                tracing::debug!(request = %edge.ray, "bad request: the request body could not be read");
                return bad_request("the request body could not be read", &edge.ray);
            }
            match result {
                Ok(out) => from_worker(out, &mut parts, &edge.ray, shared.config.compress),
                Err(e) => error_response(&e, &edge.ray, shared.config.expose_errors),
            }
        }
    };
    // 6. after-steps and logging
    for step in &shared.steps {
        step.after(&edge, &mut response);
    }
    tracing::debug!(request = %edge.ray, method = %parts.method, path = edge.path(), status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
    response.headers_mut().insert(
        "cf-ray",
        HeaderValue::from_str(&edge.ray).unwrap_or(HeaderValue::from_static("invalid")),
    );
    response
}

/// 400, closing the connection (what follows a broken request cannot be trusted).
fn bad_request(why: &str, ray: &str) -> Response<EdgeBody> {
    let mut r = full(
        http::StatusCode::BAD_REQUEST,
        format!("Bad Request: {why}\n"),
    );
    let h = r.headers_mut();
    h.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    if let Ok(v) = HeaderValue::from_str(ray) {
        h.insert("cf-ray", v);
    }
    r
}
