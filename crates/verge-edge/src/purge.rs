//! The cache's admin purge endpoint: `POST /__verge/cache/purge` with
//! `Authorization: Bearer <token>` and a body in Cloudflare's `purge_cache` shapes
//! (`{"files": […]}`, `{"tags": […]}`, `{"prefixes": […]}`, `{"hosts": […]}`,
//! `{"purge_everything": true}`), answered in Cloudflare's envelope.
//!
//! Off unless a token is configured (`VERGE_CACHE_PURGE_TOKEN` for `verge dev`): without one
//! the path is the worker's like any other. The token is compared in constant time
//! ([`verge_cache::purge::token_matches`]); a missing or wrong one is `401` before the body is
//! read, another method `405`, a body over [`MAX_PURGE_BODY_BYTES`] `413`, a malformed one
//! `400` saying why.

use std::sync::Arc;

use futures::future::LocalBoxFuture;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use verge_cache::limits::MAX_PURGE_BODY_BYTES;
use verge_cache::purge::{failure, parse_request, success, token_matches};
use verge_store::cache::CacheStore;
use verge_worker::Deployment;

use crate::request::EdgeRequest;
use crate::response::{EdgeBody, full};
use crate::steps::Step;

/// The path the endpoint answers.
pub const PURGE_PATH: &str = "/__verge/cache/purge";

/// The admin purge endpoint over a deployment's cache store.
pub struct CachePurge {
    store: Arc<dyn CacheStore>,
    token: Vec<u8>,
}

impl CachePurge {
    /// The endpoint, purging `store`, for requests bearing `token` (never empty: an empty
    /// token is refused by the caller as a configuration error).
    pub fn new(store: Arc<dyn CacheStore>, token: impl Into<Vec<u8>>) -> Self {
        CachePurge {
            store,
            token: token.into(),
        }
    }
}

fn json(status: StatusCode, body: String) -> Response<EdgeBody> {
    let mut r = full(status, body);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The bearer token of an `Authorization` header.
fn bearer(head: &Parts) -> Option<&[u8]> {
    let v = head.headers.get(http::header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ')?);
    scheme
        .eq_ignore_ascii_case(b"bearer")
        .then(|| rest.trim_ascii())
}

impl Step for CachePurge {
    fn name(&self) -> &'static str {
        "cache-purge"
    }

    fn before<'a>(
        &'a self,
        req: &'a EdgeRequest,
        head: &'a Parts,
        body: &mut Option<Incoming>,
        _deployment: &'a Arc<Deployment>,
    ) -> Option<LocalBoxFuture<'a, Response<EdgeBody>>> {
        let path = req.path();
        let p = path.split_once('?').map_or(path, |(p, _)| p);
        if p != PURGE_PATH {
            return None;
        }
        let body = body.take();
        Some(Box::pin(async move {
            // Authentication first: nothing else is told to a caller without the token.
            let authorized = bearer(head).is_some_and(|t| token_matches(t, &self.token));
            if !authorized {
                let mut r = json(
                    StatusCode::UNAUTHORIZED,
                    failure(
                        10_000,
                        "Authentication error: a valid bearer token is required",
                    ),
                );
                r.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer"),
                );
                return r;
            }
            if head.method != http::Method::POST {
                let mut r = json(
                    StatusCode::METHOD_NOT_ALLOWED,
                    failure(10_000, "Method not allowed: purge with POST"),
                );
                r.headers_mut()
                    .insert(http::header::ALLOW, HeaderValue::from_static("POST"));
                return r;
            }
            let Some(body) = body else {
                return json(
                    StatusCode::BAD_REQUEST,
                    failure(1_012, "Invalid purge request: no body"),
                );
            };
            let bytes = match http_body_util::Limited::new(body, MAX_PURGE_BODY_BYTES)
                .collect()
                .await
            {
                Ok(b) => b.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        failure(
                            1_012,
                            &format!(
                                "Invalid purge request: the body is over {MAX_PURGE_BODY_BYTES} bytes"
                            ),
                        ),
                    );
                }
                Err(_) => {
                    return json(
                        StatusCode::BAD_REQUEST,
                        failure(1_012, "Invalid purge request: the body could not be read"),
                    );
                }
            };
            let purges = match parse_request(&bytes) {
                Ok(p) => p,
                Err(e) => {
                    return json(
                        StatusCode::BAD_REQUEST,
                        failure(1_012, &format!("Invalid purge request: {e}")),
                    );
                }
            };
            let store = self.store.clone();
            let done = tokio::task::spawn_blocking(move || {
                let mut total = 0;
                for p in &purges {
                    total += store.purge(p)?;
                }
                Ok::<_, verge_store::StoreError>(total)
            })
            .await;
            match done {
                Ok(Ok(n)) => {
                    tracing::info!(request = %req.ray, purged = n, "cache: purged through the admin endpoint");
                    json(StatusCode::OK, success(n))
                }
                Ok(Err(e)) => {
                    tracing::error!(request = %req.ray, "cache: purge failed: {e}");
                    json(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        failure(10_000, "the purge failed (see the log)"),
                    )
                }
                Err(e) => {
                    tracing::error!(request = %req.ray, "cache: purge task failed: {e}");
                    json(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        failure(10_000, "the purge failed (see the log)"),
                    )
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(auth: Option<&str>) -> Parts {
        let mut b = http::Request::builder().method("POST").uri(PURGE_PATH);
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn bearer_tokens_are_read_from_authorization() {
        assert_eq!(bearer(&head(Some("Bearer abc"))), Some(&b"abc"[..]));
        assert_eq!(bearer(&head(Some("bearer  abc "))), Some(&b"abc"[..]));
        assert_eq!(bearer(&head(Some("Basic abc"))), None);
        assert_eq!(bearer(&head(Some("Bearer"))), None);
        assert_eq!(bearer(&head(None)), None);
    }
}
