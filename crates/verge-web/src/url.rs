//! Host operations behind the JS `URL` and `URLSearchParams` classes (`js/url.js`).
//!
//! Parsing and the WHATWG setters come from Ada (`ada-url`), the URL Standard parser Node.js
//! and workerd use, which passes the WPT URL suite (the `url` crate, used elsewhere for
//! verge's own URLs, differs on `file:` hosts, opaque paths with trailing spaces and a few
//! more); the JS classes only hold the serialized URL and keep `searchParams` in sync.

use ada_url::Url;
use rquickjs::prelude::*;
use rquickjs::{Ctx, Object, Result};
use verge_js::string::Usv;

/// `[href, origin, protocol, username, password, host, hostname, port, pathname, search, hash]`
pub type UrlParts = Vec<String>;

fn parts(u: &Url) -> UrlParts {
    vec![
        u.href().to_string(),
        u.origin(),
        u.protocol().to_string(),
        u.username().to_string(),
        u.password().to_string(),
        u.host().to_string(),
        u.hostname().to_string(),
        u.port().to_string(),
        u.pathname().to_string(),
        u.search().to_string(),
        u.hash().to_string(),
    ]
}

/// Whether a parsed URL's host passes the URL Standard's domain-to-ASCII checks. Ada 4.0
/// accepts labels that are not valid Punycode (`xn--`, `xn--pokxncvks`), which the standard's
/// UTS #46 processing refuses; the `url` crate's host parser (on the `idna` crate) checks
/// them, so a special URL's host goes through it once more.
fn host_is_valid(u: &Url) -> bool {
    let host = u.hostname();
    u.scheme_type() == ada_url::SchemeType::NotSpecial
        || host.is_empty()
        || url::Host::parse(host).is_ok()
}

/// Parses `input` against an optional `base`; `None` when either is not a valid URL.
pub fn parse(input: &str, base: Option<&str>) -> Option<UrlParts> {
    let u = Url::parse(input, base).ok()?;
    host_is_valid(&u).then(|| parts(&u))
}

/// Applies a WHATWG setter (`which` is the component's name) to `href`; `None` when `href`
/// is not a URL or the `href` setter's value is not one. Other setters that fail leave the
/// URL unchanged, as the standard says.
pub fn set(href: &str, which: &str, value: &str) -> Option<UrlParts> {
    let mut u = Url::parse(href, None).ok()?;
    let before = u.clone();
    let v = Some(value);
    match which {
        "href" => u.set_href(value).ok()?,
        "protocol" => u.set_protocol(value).unwrap_or(()),
        "username" => u.set_username(v).unwrap_or(()),
        "password" => u.set_password(v).unwrap_or(()),
        "host" => u.set_host(v).unwrap_or(()),
        "hostname" => u.set_hostname(v).unwrap_or(()),
        "port" => u.set_port(v).unwrap_or(()),
        "pathname" => u.set_pathname(v).unwrap_or(()),
        "search" => u.set_search(v),
        "hash" => u.set_hash(v),
        _ => {}
    }
    if !host_is_valid(&u) {
        // A host the standard refuses: the href setter fails, the others change nothing.
        if which == "href" {
            return None;
        }
        u = before;
    }
    Some(parts(&u))
}

/// Parses `application/x-www-form-urlencoded` text into pairs.
pub fn form_parse(input: &str) -> Vec<Vec<String>> {
    let input = input.strip_prefix('?').unwrap_or(input);
    url::form_urlencoded::parse(input.as_bytes())
        .map(|(k, v)| vec![k.into_owned(), v.into_owned()])
        .collect()
}

/// Serializes pairs as `application/x-www-form-urlencoded`.
pub fn form_serialize(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Installs the URL operations on `internal.url`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    ops.set(
        "parse",
        Func::from(|input: Usv, base: Option<Usv>| parse(&input, base.as_deref())),
    )?;
    ops.set(
        "set",
        Func::from(|href: String, which: String, value: Usv| set(&href, &which, &value)),
    )?;
    ops.set("formParse", Func::from(|input: Usv| form_parse(&input)))?;
    ops.set("usv", Func::from(|s: Usv| s.into_inner()))?;
    ops.set(
        "formSerialize",
        Func::from(|flat: Vec<Usv>| {
            let pairs: Vec<(String, String)> = flat
                .chunks(2)
                .map(|c| {
                    (
                        c[0].0.clone(),
                        c.get(1).map(|v| v.0.clone()).unwrap_or_default(),
                    )
                })
                .collect();
            form_serialize(&pairs)
        }),
    )?;
    internal.set("url", ops)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_join_their_base() {
        let p = parse("../c?x=1#f", Some("https://a.test/b/d/e")).unwrap();
        assert_eq!(p[0], "https://a.test/b/c?x=1#f");
        assert_eq!(p[1], "https://a.test");
        assert_eq!(p[9], "?x=1");
        assert_eq!(p[10], "#f");
    }

    #[test]
    fn invalid_urls_are_none() {
        assert!(parse("not a url", None).is_none());
        assert!(parse("/x", Some("also not")).is_none());
    }

    #[test]
    fn setters_follow_whatwg() {
        let p = set("https://a.test/x", "port", "8080").unwrap();
        assert_eq!(p[0], "https://a.test:8080/x");
        let p = set("https://a.test:443/x", "port", "443").unwrap();
        assert_eq!(p[7], "");
        let p = set("https://a.test/x", "search", "q=a b").unwrap();
        assert_eq!(p[9], "?q=a%20b");
    }

    #[test]
    fn file_hosts_opaque_paths_and_punycode_follow_the_current_standard() {
        // Cases from the WPT URL data where the `url` crate differs.
        assert_eq!(parse("file:///w|/m", None).unwrap()[0], "file:///w:/m");
        assert_eq!(
            parse("/", Some("file://h/C:/a/b")).unwrap()[0],
            "file://h/C:/"
        );
        assert_eq!(
            parse("non-special:opaque  ?hi", None).unwrap()[0],
            "non-special:opaque %20?hi"
        );
        assert_eq!(
            parse("///test", Some("http://example.org/")).unwrap()[0],
            "http://test/"
        );
        // Labels that are not valid Punycode are refused, by the parser and the setters.
        assert!(parse("https://xn--/", None).is_none());
        assert!(parse("http://a.b.c.xn--pokxncvks", None).is_none());
        assert_eq!(
            set("https://example.com/", "hostname", "xn--").unwrap()[0],
            "https://example.com/"
        );
        assert!(set("https://example.com/", "href", "https://xn--/").is_none());
        assert_eq!(
            parse("https://bücher.example/", None).unwrap()[6],
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn form_encoding_round_trips() {
        let pairs = form_parse("?a=1&b=x+y&c=%C3%A9");
        assert_eq!(
            pairs,
            vec![
                vec!["a".to_string(), "1".into()],
                vec!["b".into(), "x y".into()],
                vec!["c".into(), "é".into()]
            ]
        );
        assert_eq!(
            form_serialize(&[("a b".into(), "é&".into())]),
            "a+b=%C3%A9%26"
        );
    }
}
