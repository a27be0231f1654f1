//! Edge steps: what runs in front of the worker (see [`crate::pipeline`]). A step may answer
//! a request itself ([`Step::before`]) and sees every response ([`Step::after`]); steps run
//! in the order the edge was given them. Static assets ([`crate::assets::StaticAssets`]), the
//! cache and edge rules are steps.

use std::sync::Arc;

use futures::future::LocalBoxFuture;
use http::request::Parts;
use http::{Response, StatusCode};
use hyper::body::Incoming;
use verge_web::invoke::{Event, Outcome};
use verge_worker::Deployment;

use crate::request::EdgeRequest;
use crate::response::{EdgeBody, full};

/// One step in front of the worker.
pub trait Step: Send + Sync {
    /// A short name, for logs.
    fn name(&self) -> &'static str;

    /// Called before the worker: `Some` answers the request with the future's response (the
    /// worker does not run). `None` — the common case, costing nothing — passes it on. A step
    /// may take the request `body` only when it answers.
    fn before<'a>(
        &'a self,
        req: &'a EdgeRequest,
        head: &'a Parts,
        body: &mut Option<Incoming>,
        deployment: &'a Arc<Deployment>,
    ) -> Option<LocalBoxFuture<'a, Response<EdgeBody>>>;

    /// Called on every response before it is sent.
    fn after(&self, req: &EdgeRequest, response: &mut Response<EdgeBody>) {
        let _ = (req, response);
    }
}

/// wrangler's `--test-scheduled` route: `GET /__scheduled?cron=<expr>` (or the newer
/// `/cdn-cgi/handler/scheduled`) runs the HTTP worker's `scheduled()` handler now, with
/// `controller.cron` set to the expression (URL-decoded, `+` for space; empty when absent) and
/// `scheduledTime` to `time` (ms since the epoch, as miniflare reads it; now when absent or not
/// a number), and answers `Ran scheduled event` — or the failure.
#[derive(Debug, Default)]
pub struct TestScheduled;

/// The route [`TestScheduled`] answers.
pub const SCHEDULED_PATH: &str = "/__scheduled";
/// The same route as newer wrangler versions spell it.
pub const SCHEDULED_HANDLER_PATH: &str = "/cdn-cgi/handler/scheduled";

impl Step for TestScheduled {
    fn name(&self) -> &'static str {
        "test-scheduled"
    }

    fn before<'a>(
        &'a self,
        req: &'a EdgeRequest,
        _head: &'a Parts,
        _body: &mut Option<Incoming>,
        deployment: &'a Arc<Deployment>,
    ) -> Option<LocalBoxFuture<'a, Response<EdgeBody>>> {
        let path = req.path();
        let (p, query) = path.split_once('?').unwrap_or((path, ""));
        if p != SCHEDULED_PATH && p != SCHEDULED_HANDLER_PATH {
            return None;
        }
        let param = |name: &str| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let cron = param("cron").unwrap_or_default();
        let time = param("time")
            .and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|t| t.is_finite());
        Some(Box::pin(async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as f64)
                .unwrap_or(0.0);
            let event = Event::Scheduled {
                cron,
                scheduled_time: time.unwrap_or(now),
            };
            match deployment.invoke_here(0, event, req.ray.clone()).await {
                Ok(Outcome::Done | Outcome::Value(_) | Outcome::Response(_)) => {
                    full(StatusCode::OK, "Ran scheduled event".into())
                }
                Err(e) => crate::response::error_response(&e, &req.ray, true),
            }
        }))
    }
}
