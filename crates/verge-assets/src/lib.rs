//! Workers static assets (`assets = { directory, binding, html_handling, not_found_handling,
//! run_worker_first }`): the asset index of one worker version, Cloudflare's routing between
//! assets and the worker, and the responses — what the edge serves in front of the worker and
//! what `env.ASSETS.fetch()` returns.
//!
//! This crate owns the index ([`manifest`]: built once per worker version, so assets reload
//! with it; `.assetsignore`; symbolic links leading out of the directory are left out), the
//! rules files ([`rules`]: `_headers`, `_redirects`, with Cloudflare's limits), the routing
//! ([`routing`]: workers-shared's router and asset worker rules) and the responses
//! ([`serve`]: ETag and 304, Range and 206, HEAD, br/gzip). Request paths are only ever
//! looked up in the index; the file of an entry is opened through
//! [`verge_js::loader::resolve_within`], so no path escapes the directory. It must not speak
//! hyper (the edge turns an [`AssetResponse`] into HTTP) nor run JavaScript.
//!
//! ```
//! use verge_assets::{Assets, AssetRequest, Decision};
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>")?;
//! let config = verge_config::Assets {
//!     directory: dir.path().to_path_buf(),
//!     binding: None,
//!     html_handling: Default::default(),
//!     not_found_handling: Default::default(),
//!     run_worker_first: Default::default(),
//! };
//! let (assets, _warnings) = Assets::build(&config, true)?;
//! let headers = http::HeaderMap::new();
//! let req = AssetRequest { method: "GET", url: "http://x.test/", headers: &headers };
//! assert!(matches!(assets.decide(&req), Decision::Assets));
//! let res = assets.respond(&req);
//! assert_eq!(res.status, 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod js;
pub mod limits;
pub mod manifest;
pub mod routing;
pub mod rules;
pub mod serve;

use std::path::{Path, PathBuf};

use http::{HeaderMap, HeaderName, HeaderValue, header};
use verge_config::RunWorkerFirst;

pub use js::AssetsExtension;
pub use manifest::{Entry, Manifest};
pub use serve::{AssetBody, AssetResponse};

use crate::routing::{Intent, Redirected, Resolver, Routing};
use crate::rules::{HeaderRule, Invalid, Redirects};
use crate::serve::{CompressedCache, ContentCache, Source, Wants};

/// The built-in entry module of an assets-only worker (no `main`).
pub const ASSETS_ONLY_MAIN: &str = "verge:assets-only";

/// `Cache-Control` of an asset (unless the request has `Authorization` or `Range`).
pub const CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

/// The assets could not be indexed.
#[derive(Debug, thiserror::Error)]
#[error("reading the assets directory {dir}: {source}")]
pub struct AssetsError {
    /// The directory.
    pub dir: String,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

/// What the request head says, for routing and serving.
#[derive(Debug, Clone, Copy)]
pub struct AssetRequest<'a> {
    /// Method.
    pub method: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Headers.
    pub headers: &'a HeaderMap,
}

impl AssetRequest<'_> {
    fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Who answers a request: the assets or the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The assets ([`Assets::respond`]).
    Assets,
    /// The worker.
    Worker,
}

/// The static assets of one worker version.
pub struct Assets {
    root: PathBuf,
    manifest: Manifest,
    headers: Vec<HeaderRule>,
    redirects: Redirects,
    routing: Routing,
    run_worker_first: RunWorkerFirst,
    /// `assets_navigation_prefers_asset_serving` (compatibility date ≥ 2025-04-01).
    navigation_prefers_assets: bool,
    compressed: CompressedCache,
    content: ContentCache,
    /// False for an assets-only worker: the asset worker answers everything.
    has_worker: bool,
}

impl std::fmt::Debug for Assets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assets")
            .field("root", &self.root)
            .field("files", &self.manifest.len())
            .finish_non_exhaustive()
    }
}

/// Warnings about a rules file's invalid lines: the first few by line, the rest counted.
fn problems(file: &str, list: &[Invalid]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .take(limits::MAX_LISTED_PROBLEMS)
        .map(|p| match p.line {
            Some(n) => format!("assets: {file}:{n}: {} (line ignored)", p.message),
            None => format!("assets: {file}: {}", p.message),
        })
        .collect();
    if list.len() > limits::MAX_LISTED_PROBLEMS {
        out.push(format!(
            "assets: {file}: {} more invalid lines ignored",
            list.len() - limits::MAX_LISTED_PROBLEMS
        ));
    }
    out
}

impl Assets {
    /// Indexes `config.directory` and reads its `_headers` and `_redirects`;
    /// `navigation_prefers_assets` is the `assets_navigation_prefers_asset_serving`
    /// compatibility flag. Returns the assets and the warnings for the user.
    pub fn build(
        config: &verge_config::Assets,
        navigation_prefers_assets: bool,
    ) -> Result<(Assets, Vec<String>), AssetsError> {
        let err = |source| AssetsError {
            dir: config.directory.display().to_string(),
            source,
        };
        let root = std::fs::canonicalize(&config.directory).map_err(err)?;
        let (manifest, mut warnings) = Manifest::build(&root).map_err(err)?;
        let read = |name: &str| std::fs::read_to_string(root.join(name)).ok();
        let headers = match read(manifest::HEADERS_FILE) {
            Some(text) => {
                let (rules, bad) = rules::parse_headers(&text);
                warnings.extend(problems(manifest::HEADERS_FILE, &bad));
                rules
            }
            None => Vec::new(),
        };
        let redirects = match read(manifest::REDIRECTS_FILE) {
            Some(text) => {
                let (rules, bad) = rules::parse_redirects(
                    &text,
                    config.html_handling == verge_config::HtmlHandling::None,
                );
                warnings.extend(problems(manifest::REDIRECTS_FILE, &bad));
                rules
            }
            None => Redirects::default(),
        };
        Ok((
            Assets {
                root,
                manifest,
                headers,
                redirects,
                routing: Routing {
                    html: config.html_handling,
                    not_found: config.not_found_handling,
                },
                run_worker_first: config.run_worker_first.clone(),
                navigation_prefers_assets,
                compressed: CompressedCache::default(),
                content: ContentCache::default(),
                has_worker: true,
            },
            warnings,
        ))
    }

    /// The same assets for a worker with no code (no `main`): every request is the asset
    /// worker's, with `not_found_handling` for every miss (a 404 with no body under `none`).
    pub fn without_worker(mut self) -> Assets {
        self.has_worker = false;
        self
    }

    /// The (canonical) assets directory.
    pub fn directory(&self) -> &Path {
        &self.root
    }

    /// The index.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Cloudflare's router: `run_worker_first` rules, then whether the asset worker has an
    /// answer (`not_found_handling` counting only for navigations, or with route rules).
    pub fn decide(&self, req: &AssetRequest<'_>) -> Decision {
        match self.route(req) {
            Some(_) => Decision::Assets,
            None => Decision::Worker,
        }
    }

    /// What the edge does in front of the worker: the assets' response when
    /// [`Assets::decide`] says [`Decision::Assets`], `None` for the worker — in one pass.
    pub fn serve(&self, req: &AssetRequest<'_>) -> Option<AssetResponse> {
        let (url, outcome) = self.route(req)?;
        Some(self.response_for(req, &url, outcome))
    }

    /// The router's decision: the asset worker's outcome, or `None` for the worker.
    fn route<'m>(&'m self, req: &AssetRequest<'_>) -> Option<(url::Url, Outcome<'m>)> {
        let url = url::Url::parse(req.url).ok()?;
        if !self.has_worker {
            let outcome = self.outcome(req, &url, self.routing);
            return Some((url, outcome));
        }
        let has_static_routing = match &self.run_worker_first {
            RunWorkerFirst::Always => return None,
            RunWorkerFirst::Never => false,
            RunWorkerFirst::Patterns(rules) => {
                let path = url.path();
                let neg = rules
                    .iter()
                    .filter_map(|r| r.strip_prefix('!'))
                    .any(|r| routing::glob_matches(r, path));
                if !neg
                    && rules
                        .iter()
                        .filter(|r| !r.starts_with('!'))
                        .any(|r| routing::glob_matches(r, path))
                {
                    return None;
                }
                // An excluded path (`!/...`) is the asset worker's, whatever it finds.
                if neg {
                    let outcome = self.outcome(req, &url, self.routing);
                    return Some((url, outcome));
                }
                true
            }
        };
        let navigate = self.navigation_prefers_assets
            && req
                .header(HeaderName::from_static("sec-fetch-mode"))
                .is_some_and(|m| m == "navigate");
        let routing = if has_static_routing || navigate {
            self.routing
        } else {
            Routing {
                not_found: verge_config::NotFoundHandling::None,
                ..self.routing
            }
        };
        match self.outcome(req, &url, routing) {
            Outcome::NoIntent => None,
            outcome => Some((url, outcome)),
        }
    }

    fn outcome<'m>(
        &'m self,
        req: &AssetRequest<'_>,
        url: &url::Url,
        routing: Routing,
    ) -> Outcome<'m> {
        let (path, proxied) = match routing::redirect(&self.redirects, url) {
            Redirected::To(status, location) => return Outcome::Redirect(status, location),
            Redirected::Rewrite(p) => (p, true),
            Redirected::No => (url.path().to_string(), false),
        };
        let decoded = routing::decode_path(&path);
        let resolver = Resolver {
            manifest: &self.manifest,
            routing,
        };
        let Some(intent) = resolver.intent(&decoded, false) else {
            return if proxied {
                Outcome::NotFound
            } else {
                Outcome::NoIntent
            };
        };
        if req.method != "GET" && req.method != "HEAD" {
            return Outcome::MethodNotAllowed;
        }
        let search = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        match intent {
            Intent::Redirect(to) => {
                Outcome::Redirect(307, format!("{}{search}", routing::encode_path(&to)))
            }
            Intent::Asset(entry, status) => {
                let encoded = routing::encode_path(&decoded);
                if encoded != path {
                    Outcome::Redirect(307, format!("{encoded}{search}"))
                } else {
                    Outcome::Asset(entry, status)
                }
            }
        }
    }

    /// The asset worker's response to `req` (what the edge sends when [`Assets::decide`] says
    /// [`Decision::Assets`], and what `env.ASSETS.fetch()` returns): `_headers` applied.
    pub fn respond(&self, req: &AssetRequest<'_>) -> AssetResponse {
        let Ok(url) = url::Url::parse(req.url) else {
            return AssetResponse::empty(404);
        };
        let outcome = self.outcome(req, &url, self.routing);
        self.response_for(req, &url, outcome)
    }

    fn response_for(
        &self,
        req: &AssetRequest<'_>,
        url: &url::Url,
        outcome: Outcome<'_>,
    ) -> AssetResponse {
        let mut res = match outcome {
            Outcome::NoIntent | Outcome::NotFound => AssetResponse::empty(404),
            Outcome::MethodNotAllowed => AssetResponse::empty(405),
            Outcome::Redirect(status, location) => AssetResponse::redirect(status, &location),
            Outcome::Asset(entry, status) => self.asset_response(req, entry, status),
        };
        self.custom_headers(url, &mut res.headers);
        res
    }

    fn asset_response(&self, req: &AssetRequest<'_>, entry: &Entry, status: u16) -> AssetResponse {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", entry.etag)) {
            headers.insert(header::ETAG, v);
        }
        if let Some(t) = entry
            .content_type
            .as_deref()
            .and_then(|t| HeaderValue::from_str(t).ok())
        {
            headers.insert(header::CONTENT_TYPE, t);
        }
        let range = req.header(header::RANGE);
        if req.headers.get(header::AUTHORIZATION).is_none() && range.is_none() {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            );
        }
        if req
            .header(header::IF_NONE_MATCH)
            .is_some_and(|v| serve::none_match(v, &entry.etag))
        {
            return AssetResponse {
                status: 304,
                headers,
                body: AssetBody::Empty,
            };
        }
        let wants = Wants {
            head: req.method == "HEAD",
            range,
            if_range: req.header(header::IF_RANGE),
            accept_encoding: req.header(header::ACCEPT_ENCODING),
        };
        let source = match self.content.get(entry) {
            Some(bytes) => Source::Memory(bytes),
            None => {
                // Resolved again on every read: a link swapped in after indexing that leads
                // out of the directory is refused here.
                let path = match verge_js::loader::resolve_within(&self.root, &entry.rel) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!("assets: {} is not served: {e}", entry.rel);
                        return AssetResponse::empty(404);
                    }
                };
                let opened = if entry.size <= limits::INLINE_MAX {
                    self.content.load(entry, &path)
                } else {
                    std::fs::File::open(&path).map(Source::File)
                };
                match opened {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!("assets: {} cannot be read: {e}", entry.rel);
                        return AssetResponse::empty(404);
                    }
                }
            }
        };
        serve::asset_body_response(entry, source, status, headers, &wants, &self.compressed)
    }

    /// `_headers`: each matching rule unsets its names, then sets its values (appending to
    /// what an earlier rule of this pass set).
    fn custom_headers(&self, url: &url::Url, headers: &mut HeaderMap) {
        if self.headers.is_empty() {
            return;
        }
        let path = url.path();
        let with_host = format!("https://{}{path}", url.host_str().unwrap_or(""));
        let mut set_here: Vec<HeaderName> = Vec::new();
        for rule in &self.headers {
            let text = if rule.pattern.cross_host {
                &with_host
            } else {
                path
            };
            let Some(caps) = rule.pattern.matches(text) else {
                continue;
            };
            for name in &rule.unset {
                if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
                    headers.remove(n);
                }
            }
            for (name, value) in &rule.set {
                let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&rules::replace(value, &caps)),
                ) else {
                    continue;
                };
                if set_here.contains(&n) {
                    headers.append(n, v);
                } else {
                    headers.insert(n.clone(), v);
                    set_here.push(n);
                }
            }
        }
    }

    /// Whether a change of `path` changes these assets (anything under the directory).
    pub fn watches(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }
}

/// The asset worker's answer before it becomes a response.
enum Outcome<'m> {
    /// Nothing: the worker's turn (a 404 from `env.ASSETS`).
    NoIntent,
    /// A rewrite that found nothing: 404.
    NotFound,
    /// Not GET or HEAD: 405.
    MethodNotAllowed,
    /// A redirect.
    Redirect(u16, String),
    /// An asset with this status.
    Asset(&'m Entry, u16),
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "the tests write the asset directories they index"
)]
mod tests;
