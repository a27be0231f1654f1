//! The HTTP rules of the cache, with no JS and no I/O: which responses are stored and for how
//! long (semantics-notes §D1–D2, RFC 9111), how `Vary` variants are told apart (§D4), and how a
//! stored response answers a conditional or range request (§D3).
//!
//! **TTL.** `s-maxage` > `max-age` > `Expires` − `Date`; without any, Cloudflare's defaults by
//! status (200/206/301: 2 h, 302/303: 20 min, 404/410: 3 min, others not cached). An `Age`
//! the response arrived with is subtracted. `no-store` and `private` are never stored; a
//! `Set-Cookie` response only with `private=Set-Cookie`, which strips the cookie. `no-cache`
//! (and a TTL of 0) is stored expired, so only a revalidation can serve it.
//!
//! **Vary** (deviation, as Cloudflare): `Accept-Encoding` is not part of the variant: the
//! edge serves a cached body compressed as each client accepts (Cloudflare normalizes
//! `Accept-Encoding` the same way), so one variant serves every client. The other request
//! headers a response names in `Vary` are.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::limits::{
    DEFAULT_TTL_GONE_SECS, DEFAULT_TTL_OK_SECS, DEFAULT_TTL_REDIRECT_SECS, MAX_CACHE_TAG_BYTES,
    MAX_TAG_BYTES,
};

/// The first value of header `name` (lower-case) in `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every value of header `name`, in order.
pub fn header_all<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `private`'s forms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Private {
    /// Absent.
    #[default]
    No,
    /// `private`: not for a shared cache.
    All,
    /// `private=field, …`: those header fields are not for a shared cache.
    Fields(Vec<String>),
}

/// A `Cache-Control` header, parsed (RFC 9111 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Directives {
    /// `max-age`.
    pub max_age: Option<u64>,
    /// `s-maxage`.
    pub s_maxage: Option<u64>,
    /// `no-store`.
    pub no_store: bool,
    /// `no-cache`.
    pub no_cache: bool,
    /// `private`.
    pub private: Private,
    /// `stale-while-revalidate` seconds.
    pub stale_while_revalidate: Option<u64>,
    /// `stale-if-error` seconds.
    pub stale_if_error: Option<u64>,
    /// `must-revalidate` / `proxy-revalidate`: never served stale.
    pub must_revalidate: bool,
}

fn seconds(v: Option<&str>) -> Option<u64> {
    let v = v?.trim().trim_matches('"');
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Delta-seconds too large for 64 bits are "infinity" (RFC 9111 §1.2.2).
    Some(v.parse().unwrap_or(u64::MAX))
}

/// Parses every `Cache-Control` value (directives are case-insensitive; unknown ones are
/// ignored; a malformed number counts as absent).
pub fn parse_cache_control<'a>(values: impl IntoIterator<Item = &'a str>) -> Directives {
    let mut d = Directives::default();
    for value in values {
        for part in split_list(value) {
            let (name, arg) = match part.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim())),
                None => (part.trim(), None),
            };
            match name.to_ascii_lowercase().as_str() {
                "max-age" => d.max_age = seconds(arg).or(d.max_age),
                "s-maxage" => d.s_maxage = seconds(arg).or(d.s_maxage),
                "no-store" => d.no_store = true,
                "no-cache" => d.no_cache = true,
                "private" => match arg {
                    Some(fields) if d.private != Private::All => {
                        let mut list = match std::mem::take(&mut d.private) {
                            Private::Fields(f) => f,
                            _ => Vec::new(),
                        };
                        list.extend(
                            fields
                                .trim_matches('"')
                                .split(',')
                                .map(|f| f.trim().to_ascii_lowercase())
                                .filter(|f| !f.is_empty()),
                        );
                        d.private = Private::Fields(list);
                    }
                    _ => d.private = Private::All,
                },
                "stale-while-revalidate" => d.stale_while_revalidate = seconds(arg),
                "stale-if-error" => d.stale_if_error = seconds(arg),
                "must-revalidate" | "proxy-revalidate" => d.must_revalidate = true,
                _ => {}
            }
        }
    }
    d
}

/// Splits a header list on commas outside double quotes.
fn split_list(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// An HTTP date (`Expires`, `Date`, `Last-Modified`) as ms since the epoch.
pub fn parse_date_ms(value: &str) -> Option<u64> {
    let t = httpdate::parse_http_date(value.trim()).ok()?;
    t.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `ms` as an HTTP date.
pub fn format_date(ms: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(ms))
}

/// How long a stored response stays fresh and may be served stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Seconds it is fresh (0: stored expired, only a revalidation can serve it).
    pub ttl: u64,
    /// `stale-while-revalidate` seconds.
    pub stale_while_revalidate: u64,
    /// `stale-if-error` seconds.
    pub stale_if_error: u64,
}

impl Freshness {
    /// `(fresh_until_ms, keep_until_ms)` for a response stored at `now_ms`: the entry is kept
    /// past its freshness for the stale windows, and at least a while longer (its TTL, between
    /// a minute and a day) so a later request can tell it EXPIRED and revalidate it.
    pub fn times(&self, now_ms: u64) -> (u64, u64) {
        let fresh = now_ms.saturating_add(self.ttl.saturating_mul(1000));
        let grace = self.ttl.clamp(60, 86_400);
        let keep = self
            .stale_while_revalidate
            .max(self.stale_if_error)
            .max(grace);
        (fresh, fresh.saturating_add(keep.saturating_mul(1000)))
    }
}

/// Whether and how a response is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storable {
    /// Store it with these headers (a `private=Set-Cookie` response's cookies stripped).
    Yes {
        /// The headers to store.
        headers: Vec<(String, String)>,
        /// Its freshness.
        freshness: Freshness,
    },
    /// Do not store it, for this reason (`no-store`, `private`, `Set-Cookie`, status).
    No(&'static str),
}

/// Statuses a response may be stored with when it says how long (those RFC 9111 caches
/// understand; what miniflare's cache accepts).
fn understood(status: u16) -> bool {
    matches!(
        status,
        200 | 203 | 204 | 206 | 300 | 301 | 302 | 303 | 307 | 308 | 404 | 405 | 410 | 414 | 501
    )
}

/// Cloudflare's default edge TTL by status, for a response that says nothing.
pub fn default_ttl(status: u16) -> Option<u64> {
    match status {
        200 | 206 | 301 => Some(DEFAULT_TTL_OK_SECS),
        302 | 303 => Some(DEFAULT_TTL_REDIRECT_SECS),
        404 | 410 => Some(DEFAULT_TTL_GONE_SECS),
        _ => None,
    }
}

/// What a forced TTL (`cf.cacheTtl`, `cf.cacheTtlByStatus`) applies to: the statuses
/// Cloudflare caches by default.
pub fn forced_ttl_applies(status: u16) -> bool {
    default_ttl(status).is_some()
}

/// The storage decision for a response (`stale` honours `stale-while-revalidate` and
/// `stale-if-error`; the Cache API does not, as on Cloudflare). `forced_ttl` (the
/// subrequest cache's `cacheTtl`) replaces the response's own freshness.
pub fn storable(
    status: u16,
    headers: &[(String, String)],
    now_ms: u64,
    stale: bool,
    forced_ttl: Option<u64>,
) -> Storable {
    let d = parse_cache_control(header_all(headers, "cache-control"));
    // A forced TTL (Cloudflare's Edge Cache TTL) overrides what the origin says of caching,
    // except for cookies.
    let forced = forced_ttl.is_some();
    if d.no_store && !forced {
        return Storable::No("Cache-Control: no-store");
    }
    let mut kept: Vec<(String, String)> = headers.to_vec();
    match &d.private {
        Private::All if !forced => return Storable::No("Cache-Control: private"),
        Private::All => {}
        Private::Fields(fields) => {
            kept.retain(|(n, _)| !fields.iter().any(|f| n.eq_ignore_ascii_case(f)));
        }
        Private::No => {}
    }
    if header(&kept, "set-cookie").is_some() {
        return Storable::No("Set-Cookie");
    }
    let age = seconds(header(headers, "age")).unwrap_or(0);
    let explicit = d.s_maxage.or(d.max_age).or_else(|| {
        let expires = parse_date_ms(header(headers, "expires")?)?;
        let date = header(headers, "date")
            .and_then(parse_date_ms)
            .unwrap_or(now_ms);
        // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
        Some(expires.saturating_sub(date) / 1000)
    });
    let ttl = match (forced_ttl, explicit) {
        (Some(t), _) => t,
        (None, Some(t)) if understood(status) => t.saturating_sub(age),
        (None, Some(_)) => return Storable::No("status not cacheable"),
        (None, None) if header(headers, "expires").is_some() => 0,
        (None, None) => match default_ttl(status) {
            Some(t) => t.saturating_sub(age),
            None => return Storable::No("status not cacheable by default"),
        },
    };
    let ttl = if d.no_cache && forced_ttl.is_none() {
        0
    } else {
        ttl
    };
    let (swr, sie) = if stale && !d.must_revalidate {
        (
            d.stale_while_revalidate.unwrap_or(0),
            d.stale_if_error.unwrap_or(0),
        )
    } else {
        (0, 0)
    };
    Storable::Yes {
        headers: kept,
        freshness: Freshness {
            ttl,
            stale_while_revalidate: swr,
            stale_if_error: sie,
        },
    }
}

/// The request header names (lower-case, sorted, without duplicates) a response varies on;
/// `None` for `Vary: *`. `Accept-Encoding` is left out (see the module docs).
pub fn vary_names(headers: &[(String, String)]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for value in header_all(headers, "vary") {
        for name in value.split(',') {
            let name = name.trim().to_ascii_lowercase();
            if name == "*" {
                return None;
            }
            if !name.is_empty() && name != "accept-encoding" {
                names.push(name);
            }
        }
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// The variant a request selects among responses varying on `names`: each name with the
/// request's value (whitespace collapsed; absent and empty differ).
pub fn variant(names: &[String], request_headers: &[(String, String)]) -> String {
    let mut out = String::new();
    for name in names {
        out.push_str(name);
        let values: Vec<&str> = header_all(request_headers, name).collect();
        if values.is_empty() {
            out.push('\u{0}');
        } else {
            out.push('=');
            let joined = values.join(",");
            out.push_str(&joined.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out.push('\n');
    }
    out
}

/// Tags from `Cache-Tag` headers: comma-separated, trimmed, lower-case (matching is
/// case-insensitive), without duplicates; tags over [`MAX_TAG_BYTES`] and those past an
/// aggregate of [`MAX_CACHE_TAG_BYTES`] are ignored (Cloudflare's limits). Also returns how
/// many were ignored.
pub fn cache_tags(headers: &[(String, String)]) -> (Vec<String>, usize) {
    let mut tags: Vec<String> = Vec::new();
    let ignored = add_tags(
        &mut tags,
        header_all(headers, "cache-tag").flat_map(|v| v.split(',')),
    );
    (tags, ignored)
}

/// Adds `more` to `tags` (trimmed, lower-case, without duplicates) within the same limits as
/// [`cache_tags`], counting what `tags` already holds against the aggregate; how many were
/// ignored. What the subrequest cache's `cf.cacheTags` go through too, so a worker cannot
/// attach more tags than a `Cache-Tag` header could.
pub fn add_tags<'a>(tags: &mut Vec<String>, more: impl IntoIterator<Item = &'a str>) -> usize {
    let mut total: usize = tags.iter().map(|t| t.len() + 1).sum();
    let mut ignored = 0usize;
    for tag in more {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.len() > MAX_TAG_BYTES || total + tag.len() > MAX_CACHE_TAG_BYTES {
            ignored += 1;
            continue;
        }
        let tag = tag.to_ascii_lowercase();
        if !tags.contains(&tag) {
            total += tag.len() + 1;
            tags.push(tag);
        }
    }
    ignored
}

/// How a stored response answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The whole body.
    Full,
    /// `304 Not Modified`: a validator the request sent matches.
    NotModified,
    /// `206 Partial Content` with bytes `start..=end`.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// `416 Range Not Satisfiable`.
    Unsatisfiable,
}

fn opaque_tag(etag: &str) -> &str {
    let t = etag.trim();
    t.strip_prefix("W/").unwrap_or(t)
}

/// Answers a conditional or range request from a stored `status` response of `size` bytes
/// (RFC 9110 §13: `If-None-Match` with the weak comparison, else `If-Modified-Since`; then a
/// single `Range`; several ranges are served whole, which §14.2 allows).
pub fn answer(
    request_headers: &[(String, String)],
    status: u16,
    stored_headers: &[(String, String)],
    size: u64,
) -> Answer {
    if let Some(inm) = header(request_headers, "if-none-match") {
        if let Some(etag) = header(stored_headers, "etag") {
            let etag = opaque_tag(etag);
            let hit = inm.trim() == "*" || inm.split(',').any(|t| opaque_tag(t) == etag);
            if hit {
                return Answer::NotModified;
            }
        }
    } else if let (Some(ims), Some(lm)) = (
        header(request_headers, "if-modified-since").and_then(parse_date_ms),
        header(stored_headers, "last-modified").and_then(parse_date_ms),
    ) && lm <= ims
    {
        return Answer::NotModified;
    }
    if status != 200 {
        return Answer::Full;
    }
    let Some(range) = header(request_headers, "range") else {
        return Answer::Full;
    };
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Answer::Full;
    };
    if spec.contains(',') {
        return Answer::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Answer::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (start, end) = match (num(a), num(b)) {
        (Some(start), Some(end)) if start <= end => (start, end.min(size.saturating_sub(1))),
        (Some(start), None) if b.is_empty() => (start, size.saturating_sub(1)),
        (None, Some(suffix)) if a.is_empty() => {
            if suffix == 0 {
                return Answer::Unsatisfiable;
            }
            (size.saturating_sub(suffix), size.saturating_sub(1))
        }
        _ => return Answer::Full,
    };
    if start >= size {
        return Answer::Unsatisfiable;
    }
    Answer::Partial { start, end }
}

/// Milliseconds since the epoch by the system clock (for `Date`-less computations in tests).
pub fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn ttl(status: u16, headers: &[(&str, &str)]) -> Option<u64> {
        match storable(status, &h(headers), 1_700_000_000_000, false, None) {
            Storable::Yes { freshness, .. } => Some(freshness.ttl),
            Storable::No(_) => None,
        }
    }

    #[test]
    fn s_maxage_beats_max_age_beats_expires() {
        assert_eq!(
            ttl(200, &[("cache-control", "max-age=10, s-maxage=20")]),
            Some(20)
        );
        assert_eq!(ttl(200, &[("cache-control", "max-age=10")]), Some(10));
        let date = format_date(1_700_000_000_000);
        let expires = format_date(1_700_000_030_000);
        assert_eq!(
            ttl(
                200,
                &[("date", date.as_str()), ("expires", expires.as_str())]
            ),
            Some(30)
        );
        assert_eq!(ttl(200, &[("expires", "0")]), Some(0), "invalid Expires");
        assert_eq!(
            ttl(200, &[("cache-control", "max-age=100"), ("age", "40")]),
            Some(60)
        );
    }

    #[test]
    fn statuses_have_cloudflares_default_ttls() {
        assert_eq!(ttl(200, &[]), Some(7200));
        assert_eq!(ttl(301, &[]), Some(7200));
        assert_eq!(ttl(302, &[]), Some(1200));
        assert_eq!(ttl(404, &[]), Some(180));
        assert_eq!(ttl(500, &[]), None);
        assert_eq!(ttl(500, &[("cache-control", "max-age=60")]), None);
        assert_eq!(ttl(204, &[("cache-control", "max-age=60")]), Some(60));
    }

    #[test]
    fn no_store_private_and_cookies_are_not_stored() {
        assert_eq!(ttl(200, &[("cache-control", "no-store")]), None);
        assert_eq!(ttl(200, &[("cache-control", "Private")]), None);
        assert_eq!(ttl(200, &[("set-cookie", "a=1")]), None);
        match storable(
            200,
            &h(&[
                ("cache-control", "max-age=5, private=Set-Cookie"),
                ("set-cookie", "a=1"),
                ("x", "y"),
            ]),
            0,
            false,
            None,
        ) {
            Storable::Yes { headers, .. } => assert_eq!(
                headers,
                h(&[
                    ("cache-control", "max-age=5, private=Set-Cookie"),
                    ("x", "y")
                ])
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ttl(200, &[("cache-control", "no-cache, max-age=60")]),
            Some(0)
        );
    }

    #[test]
    fn stale_windows_only_when_asked_and_not_with_must_revalidate() {
        let headers = h(&[(
            "cache-control",
            "max-age=1, stale-while-revalidate=30, stale-if-error=60",
        )]);
        let Storable::Yes { freshness, .. } = storable(200, &headers, 0, true, None) else {
            panic!()
        };
        assert_eq!(
            (freshness.stale_while_revalidate, freshness.stale_if_error),
            (30, 60)
        );
        assert_eq!(freshness.times(1000), (2000, 62_000));
        let Storable::Yes { freshness, .. } = storable(200, &headers, 0, false, None) else {
            panic!()
        };
        assert_eq!(freshness.stale_while_revalidate, 0);
        let strict = h(&[(
            "cache-control",
            "max-age=1, must-revalidate, stale-while-revalidate=30",
        )]);
        let Storable::Yes { freshness, .. } = storable(200, &strict, 0, true, None) else {
            panic!()
        };
        assert_eq!(freshness.stale_while_revalidate, 0);
    }

    #[test]
    fn vary_names_variants_and_star() {
        let names = vary_names(&h(&[
            ("vary", "X-Lang, accept-encoding"),
            ("vary", "x-lang"),
        ]))
        .expect("names");
        assert_eq!(names, vec!["x-lang".to_string()]);
        assert!(vary_names(&h(&[("vary", "a, *")])).is_none());
        let en = variant(&names, &h(&[("x-lang", "en")]));
        let fr = variant(&names, &h(&[("X-Lang", "fr")]));
        let none = variant(&names, &[]);
        let empty = variant(&names, &h(&[("x-lang", "")]));
        assert_ne!(en, fr);
        assert_ne!(none, empty);
        assert_eq!(en, variant(&names, &h(&[("x-lang", " en ")])));
        assert_eq!(variant(&[], &h(&[("x-lang", "en")])), "");
    }

    #[test]
    fn tags_are_split_lowercased_and_bounded() {
        let (tags, ignored) = cache_tags(&h(&[("cache-tag", "A, b ,,a"), ("cache-tag", "C")]));
        assert_eq!(tags, vec!["a", "b", "c"]);
        assert_eq!(ignored, 0);
        let many: Vec<String> = (0..10_000).map(|i| format!("tag-{i}")).collect();
        let (tags, ignored) = cache_tags(&h(&[("cache-tag", many.join(",").as_str())]));
        let total: usize = tags.iter().map(|t| t.len() + 1).sum();
        assert!(total <= MAX_CACHE_TAG_BYTES + 1, "{total}");
        assert_eq!(tags.len() + ignored, 10_000);
        let long = "x".repeat(MAX_TAG_BYTES + 1);
        assert_eq!(cache_tags(&h(&[("cache-tag", long.as_str())])).0.len(), 0);
        // Tags added later (cf.cacheTags) share the aggregate with the header's.
        let mut full = tags.clone();
        let extra: Vec<String> = (0..10_000).map(|i| format!("extra-{i}")).collect();
        let ignored = add_tags(&mut full, extra.iter().map(String::as_str));
        let total: usize = full.iter().map(|t| t.len() + 1).sum();
        assert!(total <= MAX_CACHE_TAG_BYTES + 1, "{total}");
        assert_eq!(full.len() - tags.len() + ignored, 10_000);
        assert!(ignored >= 9_990, "{ignored}");
        let mut few = vec!["a".to_string()];
        assert_eq!(add_tags(&mut few, ["A", " B ", ""]), 0);
        assert_eq!(few, vec!["a", "b"]);
    }

    #[test]
    fn conditional_requests_get_304_from_a_stored_validator() {
        let stored = h(&[
            ("etag", "\"v1\""),
            ("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        let ask = |req: &[(&str, &str)]| answer(&h(req), 200, &stored, 10);
        assert_eq!(ask(&[("if-none-match", "W/\"v1\"")]), Answer::NotModified);
        assert_eq!(
            ask(&[("if-none-match", "\"v0\", \"v1\"")]),
            Answer::NotModified
        );
        assert_eq!(ask(&[("if-none-match", "*")]), Answer::NotModified);
        assert_eq!(ask(&[("if-none-match", "\"v2\"")]), Answer::Full);
        assert_eq!(
            ask(&[("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            Answer::NotModified
        );
        assert_eq!(
            ask(&[("if-modified-since", "Tue, 20 Oct 2015 07:28:00 GMT")]),
            Answer::Full
        );
        assert_eq!(
            ask(&[
                ("if-none-match", "\"v2\""),
                ("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")
            ]),
            Answer::Full,
            "If-None-Match decides when present"
        );
    }

    #[test]
    fn ranges_get_206_or_416() {
        let ask = |r: &str| answer(&h(&[("range", r)]), 200, &[], 10);
        assert_eq!(ask("bytes=2-4"), Answer::Partial { start: 2, end: 4 });
        assert_eq!(ask("bytes=5-"), Answer::Partial { start: 5, end: 9 });
        assert_eq!(ask("bytes=-3"), Answer::Partial { start: 7, end: 9 });
        assert_eq!(ask("bytes=8-100"), Answer::Partial { start: 8, end: 9 });
        assert_eq!(ask("bytes=10-"), Answer::Unsatisfiable);
        assert_eq!(ask("bytes=0-1,4-5"), Answer::Full);
        assert_eq!(ask("items=0-1"), Answer::Full);
        assert_eq!(
            answer(&h(&[("range", "bytes=0-1")]), 404, &[], 10),
            Answer::Full
        );
    }
}
