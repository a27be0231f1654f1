//! The static assets step: a request the HTTP worker's assets answer (Cloudflare's router:
//! `run_worker_first`, then whether the asset worker has an answer — see
//! [`verge_assets::Assets::decide`]) is served here and never reaches the worker.
//!
//! The assets are the HTTP worker's *current* version's, read on every request, so a reload
//! (of the code or of a file under the assets directory) switches them with the worker.

use std::sync::Arc;

use futures::StreamExt as _;
use futures::future::LocalBoxFuture;
use http::request::Parts;
use http::{Response, StatusCode};
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use verge_assets::{AssetBody, AssetRequest, AssetResponse};
use verge_worker::Deployment;

use crate::request::EdgeRequest;
use crate::response::EdgeBody;
use crate::steps::Step;

/// Serves the HTTP worker's static assets in front of it.
#[derive(Debug, Default)]
pub struct StaticAssets;

impl Step for StaticAssets {
    fn name(&self) -> &'static str {
        "assets"
    }

    fn before<'a>(
        &'a self,
        req: &'a EdgeRequest,
        parts: &'a Parts,
        _body: &mut Option<Incoming>,
        deployment: &'a Arc<Deployment>,
    ) -> Option<LocalBoxFuture<'a, Response<EdgeBody>>> {
        let version = deployment.http_worker();
        let assets = version.assets()?;
        let res = assets.serve(&AssetRequest {
            method: parts.method.as_str(),
            url: &req.url,
            headers: &parts.headers,
        })?;
        Some(Box::pin(std::future::ready(to_http(res))))
    }
}

/// An asset server response as an HTTP response.
pub fn to_http(res: AssetResponse) -> Response<EdgeBody> {
    let body: EdgeBody = match res.body {
        AssetBody::Empty => http_body_util::Empty::new()
            .map_err(|e: std::convert::Infallible| match e {})
            .boxed_unsync(),
        AssetBody::Full(b) => Full::new(b)
            .map_err(|e: std::convert::Infallible| match e {})
            .boxed_unsync(),
        AssetBody::Stream(s) => {
            StreamBody::new(s.map(|item| item.map(Frame::data).map_err(std::io::Error::other)))
                .boxed_unsync()
        }
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(res.status).unwrap_or(StatusCode::NOT_FOUND);
    *r.headers_mut() = res.headers;
    r
}
