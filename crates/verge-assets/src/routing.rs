//! What the asset worker makes of a request: a redirect from `_redirects`, a rewrite (`200`),
//! or an *intent* — an asset to serve (after `html_handling`, then `not_found_handling`), a
//! redirect to the canonical URL, or nothing. The rules are workers-shared's asset worker's
//! (`getIntent`, the four `htmlHandling*` functions, `notFound`, `safeRedirect`,
//! `handleRedirects`), reimplemented over the in-memory [`Manifest`].

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use verge_config::{HtmlHandling, NotFoundHandling};

use crate::manifest::{Entry, Manifest};
use crate::rules::{Redirects, replace};

/// What `encodeURIComponent` leaves alone.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Each segment percent-decoded (kept as it is when it does not decode to UTF-8), then runs
/// of `/` collapsed.
pub fn decode_path(path: &str) -> String {
    let joined = path
        .split('/')
        .map(|seg| match percent_decode_str(seg).decode_utf8() {
            Ok(s) => s.into_owned(),
            Err(_) => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut out = String::with_capacity(joined.len());
    for c in joined.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Each segment as `encodeURIComponent` writes it.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| utf8_percent_encode(seg, COMPONENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// An asset to serve, or a redirect to the canonical URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent<'m> {
    /// Serve this asset with this status (200, or 404 for a `404.html`).
    Asset(&'m Entry, u16),
    /// 307 to this (decoded) path.
    Redirect(String),
}

/// The routing settings of one worker version.
#[derive(Debug, Clone, Copy)]
pub struct Routing {
    /// `html_handling`.
    pub html: HtmlHandling,
    /// `not_found_handling`.
    pub not_found: NotFoundHandling,
}

/// The intents of one manifest under one routing.
pub struct Resolver<'m> {
    /// The index.
    pub manifest: &'m Manifest,
    /// The settings.
    pub routing: Routing,
}

impl<'m> Resolver<'m> {
    fn exists(&self, path: &str) -> Option<&'m Entry> {
        self.manifest.get(path)
    }

    fn asset(&self, path: &str) -> Option<Intent<'m>> {
        self.exists(path).map(|e| Intent::Asset(e, 200))
    }

    /// The intent for decoded path `p` (`getIntent`).
    pub fn intent(&self, p: &str, skip_redirects: bool) -> Option<Intent<'m>> {
        match self.routing.html {
            HtmlHandling::AutoTrailingSlash => self.auto(p, skip_redirects),
            HtmlHandling::ForceTrailingSlash => self.force(p, skip_redirects),
            HtmlHandling::DropTrailingSlash => self.drop(p, skip_redirects),
            HtmlHandling::None => self.asset(p).or_else(|| self.not_found(p)),
        }
    }

    /// `safeRedirect`: a redirect to `destination` when `file` exists, `destination` does not,
    /// and `destination` would serve that same file.
    fn redirect(&self, file: &str, destination: &str, skip: bool) -> Option<Intent<'m>> {
        if skip || self.exists(destination).is_some() {
            return None;
        }
        let target = self.exists(file)?;
        match self.intent(destination, true) {
            Some(Intent::Asset(e, _)) if e.etag == target.etag => {
                Some(Intent::Redirect(destination.to_string()))
            }
            _ => None,
        }
    }

    fn auto(&self, p: &str, skip: bool) -> Option<Intent<'m>> {
        let exact = self.asset(p);
        if let Some(base) = p.strip_suffix("/index") {
            if exact.is_some() {
                return exact;
            }
            if let Some(r) = self
                .redirect(&format!("{p}.html"), &p[..p.len() - 5], skip)
                .or_else(|| self.redirect(&format!("{base}.html"), base, skip))
            {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix("/index.html") {
            if let Some(r) = self
                .redirect(p, &p[..p.len() - 10], skip)
                .or_else(|| self.redirect(&format!("{base}.html"), base, skip))
            {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix('/') {
            if let Some(a) = self.asset(&format!("{p}index.html")) {
                return Some(a);
            }
            if let Some(r) = self.redirect(&format!("{base}.html"), base, skip) {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix(".html")
            && let Some(r) = self
                .redirect(p, base, skip)
                .or_else(|| self.redirect(&format!("{base}/index.html"), &format!("{base}/"), skip))
        {
            return Some(r);
        }
        exact
            .or_else(|| self.asset(&format!("{p}.html")))
            .or_else(|| self.redirect(&format!("{p}/index.html"), &format!("{p}/"), skip))
            .or_else(|| self.not_found(p))
    }

    fn force(&self, p: &str, skip: bool) -> Option<Intent<'m>> {
        let exact = self.asset(p);
        if let Some(base) = p.strip_suffix("/index") {
            if exact.is_some() {
                return exact;
            }
            if let Some(r) = self
                .redirect(&format!("{p}.html"), &p[..p.len() - 5], skip)
                .or_else(|| self.redirect(&format!("{base}.html"), &p[..p.len() - 5], skip))
            {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix("/index.html") {
            if let Some(r) = self
                .redirect(p, &p[..p.len() - 10], skip)
                .or_else(|| self.redirect(&format!("{base}.html"), &p[..p.len() - 10], skip))
            {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix('/') {
            if let Some(a) = self
                .asset(&format!("{p}index.html"))
                .or_else(|| self.asset(&format!("{base}.html")))
            {
                return Some(a);
            }
        } else if let Some(base) = p.strip_suffix(".html") {
            if let Some(r) = self.redirect(p, &format!("{base}/"), skip) {
                return Some(r);
            }
            if exact.is_some() {
                return exact;
            }
            if let Some(r) = self.redirect(&format!("{base}/index.html"), &format!("{base}/"), skip)
            {
                return Some(r);
            }
        }
        exact
            .or_else(|| self.redirect(&format!("{p}.html"), &format!("{p}/"), skip))
            .or_else(|| self.redirect(&format!("{p}/index.html"), &format!("{p}/"), skip))
            .or_else(|| self.not_found(p))
    }

    fn drop(&self, p: &str, skip: bool) -> Option<Intent<'m>> {
        let exact = self.asset(p);
        if let Some(base) = p.strip_suffix("/index") {
            if exact.is_some() {
                return exact;
            }
            let r = if p == "/index" {
                self.redirect("/index.html", "/", skip)
            } else {
                self.redirect(&format!("{base}.html"), base, skip)
                    .or_else(|| self.redirect(&format!("{p}.html"), base, skip))
            };
            if r.is_some() {
                return r;
            }
        } else if let Some(base) = p.strip_suffix("/index.html") {
            if p == "/index.html" {
                if let Some(r) = self.redirect("/index.html", "/", skip) {
                    return Some(r);
                }
            } else {
                if let Some(r) = self.redirect(p, base, skip) {
                    return Some(r);
                }
                if exact.is_some() {
                    return exact;
                }
                if let Some(r) = self.redirect(&format!("{base}.html"), base, skip) {
                    return Some(r);
                }
            }
        } else if let Some(base) = p.strip_suffix('/') {
            if p == "/" {
                if let Some(a) = self.asset("/index.html") {
                    return Some(a);
                }
            } else if let Some(r) = self
                .redirect(&format!("{base}.html"), base, skip)
                .or_else(|| self.redirect(&format!("{base}/index.html"), base, skip))
            {
                return Some(r);
            }
        } else if let Some(base) = p.strip_suffix(".html")
            && let Some(r) = self
                .redirect(p, base, skip)
                .or_else(|| self.redirect(&format!("{base}/index.html"), base, skip))
        {
            return Some(r);
        }
        exact
            .or_else(|| self.asset(&format!("{p}.html")))
            .or_else(|| self.asset(&format!("{p}/index.html")))
            .or_else(|| self.not_found(p))
    }

    /// `not_found_handling`.
    fn not_found(&self, p: &str) -> Option<Intent<'m>> {
        match self.routing.not_found {
            NotFoundHandling::None => None,
            NotFoundHandling::SinglePageApplication => self.asset("/index.html"),
            NotFoundHandling::NotFoundPage => {
                let mut cwd = p;
                while !cwd.is_empty() {
                    cwd = &cwd[..cwd.rfind('/').unwrap_or(0)];
                    if let Some(e) = self.exists(&format!("{cwd}/404.html")) {
                        return Some(Intent::Asset(e, 404));
                    }
                }
                None
            }
        }
    }
}

/// What `_redirects` says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirected {
    /// No rule matched: go on with this path.
    No,
    /// A `200` rule: serve this path instead (`proxied`).
    Rewrite(String),
    /// A redirect with this status and `Location`.
    To(u16, String),
}

/// Applies `_redirects` (static rules first, earliest line winning between the host and path
/// forms; then the first dynamic rule) to a request for `url`.
pub fn redirect(redirects: &Redirects, url: &url::Url) -> Redirected {
    let host = url.host_str().unwrap_or("");
    let path = url.path();
    let with_host = format!("https://{host}{path}");
    let found = match (
        redirects.statics.get(&with_host),
        redirects.statics.get(path),
    ) {
        (Some(a), Some(b)) => Some((if a.line < b.line { a } else { b }, Vec::new())),
        (Some(a), None) | (None, Some(a)) => Some((a, Vec::new())),
        (None, None) => redirects.dynamic.iter().find_map(|r| {
            let text = if r.from.cross_host { &with_host } else { path };
            r.from.matches(text).map(|caps| (r, caps))
        }),
    };
    let Some((rule, caps)) = found else {
        return Redirected::No;
    };
    let mut to = replace(&rule.to, &caps).trim().to_string();
    if !to.contains("://") {
        while to.contains("//") {
            to = to.replace("//", "/");
        }
    }
    let Ok(dest) = url.join(&to) else {
        return Redirected::No;
    };
    if rule.status == 200 {
        return Redirected::Rewrite(dest.path().to_string());
    }
    let search = match dest.query() {
        Some(q) => format!("?{q}"),
        None => url.query().map(|q| format!("?{q}")).unwrap_or_default(),
    };
    let hash = dest.fragment().map(|f| format!("#{f}")).unwrap_or_default();
    let location = if dest.origin() == url.origin() {
        format!("{}{search}{hash}", dest.path())
    } else {
        let mut base = dest.clone();
        base.set_query(None);
        base.set_fragment(None);
        format!("{base}{search}{hash}")
    };
    Redirected::To(rule.status, location)
}

/// `run_worker_first` route rules: `*` matches anything, the rest literally, whole path.
pub fn glob_matches(rule: &str, path: &str) -> bool {
    let parts: Vec<&str> = rule.split('*').collect();
    if parts.len() == 1 {
        return rule == path;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !path.starts_with(first) || path.len() < first.len() + last.len() || !path.ends_with(last) {
        return false;
    }
    let mut rest = &path[first.len()..path.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Entry;

    fn manifest(paths: &[&str]) -> Manifest {
        let mut m = Manifest::default();
        for p in paths {
            m.insert_for_tests(Entry {
                rel: p[1..].to_string(),
                etag: format!("etag-{p}"),
                size: 1,
                content_type: None,
            });
        }
        m
    }

    fn outcome(r: &Resolver<'_>, p: &str) -> String {
        match r.intent(p, false) {
            Some(Intent::Asset(e, s)) => format!("{s} /{}", e.rel),
            Some(Intent::Redirect(to)) => format!("307 {to}"),
            None => "none".into(),
        }
    }

    fn table(html: HtmlHandling) -> Vec<String> {
        let m = manifest(&["/file.html", "/folder/index.html"]);
        let r = Resolver {
            manifest: &m,
            routing: Routing {
                html,
                not_found: NotFoundHandling::None,
            },
        };
        [
            "/file",
            "/file.html",
            "/file/",
            "/file/index",
            "/file/index.html",
            "/folder",
            "/folder.html",
            "/folder/",
            "/folder/index",
            "/folder/index.html",
        ]
        .iter()
        .map(|p| outcome(&r, p))
        .collect()
    }

    // The tables of Cloudflare's HTML handling docs, except where the asset worker's code
    // differs from them: `/folder.html` goes straight to `/folder/` (the docs say `/folder`,
    // which redirects to `/folder/` in turn).
    #[test]
    fn auto_trailing_slash_matches_the_docs_table() {
        assert_eq!(
            table(HtmlHandling::AutoTrailingSlash),
            [
                "200 /file.html",
                "307 /file",
                "307 /file",
                "307 /file",
                "307 /file",
                "307 /folder/",
                "307 /folder/",
                "200 /folder/index.html",
                "307 /folder/",
                "307 /folder/",
            ]
        );
    }

    #[test]
    fn force_trailing_slash_matches_the_docs_table() {
        assert_eq!(
            table(HtmlHandling::ForceTrailingSlash),
            [
                "307 /file/",
                "307 /file/",
                "200 /file.html",
                "307 /file/",
                "307 /file/",
                "307 /folder/",
                "307 /folder/",
                "200 /folder/index.html",
                "307 /folder/",
                "307 /folder/",
            ]
        );
    }

    #[test]
    fn drop_trailing_slash_matches_the_docs_table() {
        assert_eq!(
            table(HtmlHandling::DropTrailingSlash),
            [
                "200 /file.html",
                "307 /file",
                "307 /file",
                "307 /file",
                "307 /file",
                "200 /folder/index.html",
                "307 /folder",
                "307 /folder",
                "307 /folder",
                "307 /folder",
            ]
        );
    }

    #[test]
    fn none_serves_exact_names_only() {
        assert_eq!(
            table(HtmlHandling::None),
            [
                "none",
                "200 /file.html",
                "none",
                "none",
                "none",
                "none",
                "none",
                "none",
                "none",
                "200 /folder/index.html",
            ]
        );
    }

    #[test]
    fn not_found_handling_serves_the_spa_index_or_the_nearest_404_page() {
        let m = manifest(&["/index.html", "/404.html", "/blog/404.html"]);
        let spa = Resolver {
            manifest: &m,
            routing: Routing {
                html: HtmlHandling::AutoTrailingSlash,
                not_found: NotFoundHandling::SinglePageApplication,
            },
        };
        assert_eq!(outcome(&spa, "/some/route"), "200 /index.html");
        let page = Resolver {
            manifest: &m,
            routing: Routing {
                html: HtmlHandling::AutoTrailingSlash,
                not_found: NotFoundHandling::NotFoundPage,
            },
        };
        assert_eq!(outcome(&page, "/blog/x/y"), "404 /blog/404.html");
        assert_eq!(outcome(&page, "/other/x"), "404 /404.html");
    }

    #[test]
    fn paths_decode_and_encode_like_the_asset_worker() {
        assert_eq!(decode_path("/a%20b//%C3%A9/%ZZ"), "/a b/é/%ZZ");
        assert_eq!(encode_path("/a b/é/(x)"), "/a%20b/%C3%A9/(x)");
    }

    #[test]
    fn route_globs_match_whole_paths() {
        assert!(glob_matches("/api/*", "/api/x/y"));
        assert!(!glob_matches("/api/*", "/apix"));
        assert!(glob_matches("/a/*/c", "/a/b/c"));
        assert!(glob_matches("/exact", "/exact"));
        assert!(!glob_matches("/exact", "/exact/"));
    }
}
