//! The request a worker sees: its absolute URL, the edge headers (`cf-connecting-ip`,
//! `cf-ipcountry`, `x-forwarded-for`, …) and `request.cf`, built from the HTTP request.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use http::request::Parts;
use http_body::Body as _;
use hyper::body::Incoming;
use verge_web::body::ByteStream;
use verge_web::invoke::IncomingRequest;

use crate::pipeline::Shared;

/// What the edge knows of a request before the worker runs.
#[derive(Debug)]
pub struct EdgeRequest {
    /// The request id (`cf-ray`).
    pub ray: String,
    /// The absolute URL the worker sees.
    pub url: String,
    /// The client's address.
    pub ip: Rc<str>,
    /// `http://` + host length: where the path starts in [`EdgeRequest::url`].
    path_at: usize,
    /// The request's `cf-ew-via` (Worker invocations left), normalized; `None` when it had none.
    pub via: Option<u32>,
    /// Set when reading the request body failed (malformed chunked framing, a client that
    /// went away): the client gets 400, whatever the worker made of it.
    pub(crate) body_failed: Arc<AtomicBool>,
}

/// A request the edge refuses before any worker sees it (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub &'static str);

/// Why the edge answers a request itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A malformed request (400).
    #[error("{0}")]
    Bad(#[from] BadRequest),
    /// No Worker invocations left in its chain (error 1019).
    #[error("Worker loop limit")]
    LoopLimit,
}

/// The request's authority (RFC 9112 §3.2): the request target's when it has one (absolute
/// form, or HTTP/2's `:authority`), else the single `Host` header; either must be a valid
/// `host[:port]` ([`valid_authority`]). An HTTP/1.0 request may omit it (`default` then).
pub fn authority<'a>(parts: &'a Parts, default: &'a str) -> Result<&'a str, BadRequest> {
    let mut hosts = parts.headers.get_all(http::header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err(BadRequest("more than one Host header"));
    }
    if let Some(a) = parts.uri.authority() {
        if !valid_authority(a.as_str()) {
            return Err(BadRequest("invalid authority in the request target"));
        }
        return Ok(a.as_str());
    }
    match host {
        Some(h) => {
            let text = h
                .to_str()
                .map_err(|_| BadRequest("the Host header is not ASCII"))?;
            if !valid_authority(text) {
                return Err(BadRequest("invalid Host header"));
            }
            Ok(text)
        }
        None if parts.version == http::Version::HTTP_10 => Ok(default),
        None => Err(BadRequest("missing Host header")),
    }
}

/// RFC 3986 `host [ ":" port ]` without user info: the host a non-empty reg-name
/// (unreserved characters, `%XX`, sub-delims; IPv4 addresses are reg-names) or an IP literal
/// (`[` hex digits, `:` and `.` `]`), the port digits only and at most 65535.
pub fn valid_authority(text: &str) -> bool {
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let Some(end) = inner.find(']') else {
            return false;
        };
        let literal = &inner[..end];
        if literal.is_empty()
            || !literal
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return false;
        }
        (&text[..end + 2], &text[end + 2..])
    } else {
        let (host, port) = match text.find(':') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        };
        let b = host.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    if !(i + 2 < b.len()
                        && b[i + 1].is_ascii_hexdigit()
                        && b[i + 2].is_ascii_hexdigit())
                    {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                c if c.is_ascii_alphanumeric() => {}
                b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*'
                | b'+' | b',' | b';' | b'=' => {}
                _ => return false,
            }
            i += 1;
        }
        (host, port)
    };
    if host.is_empty() {
        return false;
    }
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some("") => true,
        Some(digits) => {
            digits.len() <= 5
                && digits.bytes().all(|c| c.is_ascii_digit())
                && digits.parse::<u32>().is_ok_and(|p| p <= 65535)
        }
    }
}

impl EdgeRequest {
    pub(crate) fn new(
        parts: &Parts,
        shared: &Shared,
        ray: String,
        ip: Rc<str>,
    ) -> Result<Self, Refused> {
        let host = authority(parts, &shared.default_authority)?;
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if !path.starts_with('/') {
            return Err(BadRequest("the request target must be a path or an absolute URL").into());
        }
        let mut url = String::with_capacity(7 + host.len() + path.len());
        url.push_str("http://");
        url.push_str(host);
        let path_at = url.len();
        url.push_str(path);
        let via = match crate::loop_guard::check(
            parts
                .headers
                .get_all(crate::loop_guard::EW_VIA)
                .iter()
                .map(|v| v.as_bytes()),
        ) {
            crate::loop_guard::Verdict::Serve { via } => via,
            crate::loop_guard::Verdict::LoopLimit => return Err(Refused::LoopLimit),
        };
        Ok(EdgeRequest {
            ray,
            url,
            ip,
            path_at,
            via,
            body_failed: Arc::default(),
        })
    }

    /// The path and query of the URL.
    pub fn path(&self) -> &str {
        &self.url[self.path_at..]
    }

    /// True when reading the request body failed.
    pub fn body_failed(&self) -> bool {
        self.body_failed.load(Ordering::Relaxed)
    }
}

fn request_body(body: Incoming, failed: Arc<AtomicBool>) -> Option<ByteStream> {
    if body.is_end_stream() {
        return None;
    }
    let stream = http_body_util::BodyStream::new(body).filter_map(move |frame| {
        let failed = failed.clone();
        async move {
            match frame {
                Ok(f) => f.into_data().ok().map(Ok),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    Some(Err(e.to_string()))
                }
            }
        }
    });
    Some(Box::pin(stream))
}

/// The request for the worker: edge headers added, client-sent `cf-*` ones dropped.
pub(crate) fn worker_request(
    edge: &EdgeRequest,
    parts: &Parts,
    body: Incoming,
    shared: &Shared,
) -> IncomingRequest {
    let protocol = match parts.version {
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let ip = &edge.ip;
    let mut headers: Vec<(String, String)> = Vec::with_capacity(parts.headers.len() + 6);
    let mut accept_encoding = None;
    let mut forwarded_for = None;
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if n.starts_with("cf-") || n == "x-real-ip" || n == "x-forwarded-proto" {
            continue; // set by the edge below; clients may not forge them
        }
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if n == "accept-encoding" {
            accept_encoding = Some(v.clone());
        }
        if n == "x-forwarded-for" {
            forwarded_for = Some(v);
            continue;
        }
        headers.push((n.to_string(), v));
    }
    if let Some(via) = edge.via {
        headers.push((crate::loop_guard::EW_VIA.into(), via.to_string()));
    }
    headers.push(("cf-connecting-ip".into(), ip.to_string()));
    headers.push(("cf-ipcountry".into(), shared.country.clone()));
    headers.push(("cf-ray".into(), edge.ray.clone()));
    headers.push(("cf-visitor".into(), r#"{"scheme":"http"}"#.into()));
    headers.push(("x-forwarded-proto".into(), "http".into()));
    headers.push(("x-real-ip".into(), ip.to_string()));
    headers.push((
        "x-forwarded-for".into(),
        match forwarded_for {
            Some(f) => format!("{f}, {ip}"),
            None => ip.to_string(),
        },
    ));
    let mut cf_json = shared.cf_prefix.clone();
    if cf_json.len() > 1 {
        cf_json.push(',');
    }
    cf_json.push_str("\"httpProtocol\":\"");
    cf_json.push_str(protocol); // a constant without characters to escape
    cf_json.push('"');
    if let Some(ae) = accept_encoding {
        cf_json.push_str(",\"clientAcceptEncoding\":");
        cf_json.push_str(&serde_json::to_string(&ae).unwrap_or_else(|_| "\"\"".into()));
    }
    cf_json.push('}');
    IncomingRequest {
        id: edge.ray.clone(),
        method: parts.method.as_str().to_string(),
        url: edge.url.clone(),
        headers,
        body: request_body(body, edge.body_failed.clone()),
        cf_json: Some(cf_json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(host_headers: &[&[u8]], target: &str, version: http::Version) -> Option<Parts> {
        let mut b = http::Request::builder().uri(target).version(version);
        for h in host_headers {
            b = b.header(http::header::HOST, http::HeaderValue::from_bytes(h).ok()?);
        }
        Some(b.body(()).ok()?.into_parts().0)
    }

    #[test]
    fn the_authority_comes_from_the_target_then_one_valid_host() {
        let p = parts(&[b"b.test"], "http://a.test:8080/x", http::Version::HTTP_11).unwrap();
        assert_eq!(authority(&p, "d").unwrap(), "a.test:8080");
        for good in [
            "a.test",
            "a.test:80",
            "127.0.0.1:8787",
            "[::1]:8080",
            "x%41y",
            "h:",
        ] {
            assert!(valid_authority(good), "{good}");
        }
        for bad in [
            "h:port", "h:99999", "[::1", "[zz]", "a b", "u@h", "", ":80", "h/x", "h?x", "h#x",
        ] {
            assert!(!valid_authority(bad), "{bad}");
        }
        let p = parts(&[b"b.test:81"], "/x", http::Version::HTTP_11).unwrap();
        assert_eq!(authority(&p, "d").unwrap(), "b.test:81");
        let p = parts(&[], "/x", http::Version::HTTP_10).unwrap();
        assert_eq!(authority(&p, "127.0.0.1:1").unwrap(), "127.0.0.1:1");
        for bad in [&b"x/admin?"[..], b"u@h", b"", b"a b", b"h:port", b"[::1"] {
            let p = parts(&[bad], "/x", http::Version::HTTP_11).unwrap();
            assert!(
                authority(&p, "d").is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let p = parts(&[b"a", b"a"], "/x", http::Version::HTTP_11).unwrap();
        assert_eq!(
            authority(&p, "d"),
            Err(BadRequest("more than one Host header"))
        );
        let p = parts(&[], "/x", http::Version::HTTP_11).unwrap();
        assert_eq!(authority(&p, "d"), Err(BadRequest("missing Host header")));
    }

    proptest! {
        /// Whatever a client sends as Host, either it is refused or the URL built from it has
        /// exactly that host and port and the request's own path: no Host value can move the
        /// path, the query or the scheme a worker routes on.
        #[test]
        fn no_host_header_changes_the_path_a_worker_sees(
            host in proptest::collection::vec(any::<u8>(), 0..24),
            path in "/[a-z0-9/]{0,12}",
        ) {
            let Some(p) = parts(&[&host], &path, http::Version::HTTP_11) else { return Ok(()) };
            if let Ok(a) = authority(&p, "d") {
                let url = url::Url::parse(&format!("http://{a}{path}"));
                prop_assert!(url.is_ok(), "{a:?}{path}");
                let url = url.unwrap();
                let plain = url::Url::parse(&format!("http://h{path}")).unwrap();
                prop_assert_eq!(url.path(), plain.path());
                prop_assert_eq!(url.query(), None);
                prop_assert_eq!(url.fragment(), None);
                prop_assert_eq!(url.username(), "");
                prop_assert_eq!(url.scheme(), "http");
            }
        }

        /// Absolute-form targets: the URL's authority is the target's, never the Host's.
        #[test]
        fn an_absolute_target_wins_over_any_host(
            host in "[a-z]{1,8}\\.test",
            other in proptest::collection::vec(any::<u8>(), 0..24),
        ) {
            let target = format!("http://{host}/p");
            let Some(p) = parts(&[&other], &target, http::Version::HTTP_11) else { return Ok(()) };
            prop_assert_eq!(authority(&p, "d").unwrap(), host);
        }
    }
}
