//! Host operations behind the JS `URL` and `URLSearchParams` classes (`js/url.js`).
//!
//! Parsing and the WHATWG setters come from the `url` crate (which passes the WPT URL suite);
//! the JS classes only hold the serialized URL and keep `searchParams` in sync.

use rquickjs::prelude::*;
use rquickjs::{Ctx, Object, Result};
use url::{Url, quirks};
use verge_js::string::Usv;

/// `[href, origin, protocol, username, password, host, hostname, port, pathname, search, hash]`
pub type UrlParts = Vec<String>;

fn parts(u: &Url) -> UrlParts {
    vec![
        quirks::href(u).to_string(),
        quirks::origin(u),
        quirks::protocol(u).to_string(),
        quirks::username(u).to_string(),
        quirks::password(u).to_string(),
        quirks::host(u).to_string(),
        quirks::hostname(u).to_string(),
        quirks::port(u).to_string(),
        quirks::pathname(u).to_string(),
        quirks::search(u).to_string(),
        quirks::hash(u).to_string(),
    ]
}

/// Parses `input` against an optional `base`; `None` when either is not a valid URL.
pub fn parse(input: &str, base: Option<&str>) -> Option<UrlParts> {
    let url = match base {
        Some(b) => Url::parse(b).ok()?.join(input).ok()?,
        None => Url::parse(input).ok()?,
    };
    Some(parts(&url))
}

/// Applies a WHATWG setter (`which` is the component's name) to `href`.
pub fn set(href: &str, which: &str, value: &str) -> Option<UrlParts> {
    let mut u = Url::parse(href).ok()?;
    let ok = match which {
        "href" => {
            u = Url::parse(value).ok()?;
            true
        }
        "protocol" => quirks::set_protocol(&mut u, value).is_ok(),
        "username" => quirks::set_username(&mut u, value).is_ok(),
        "password" => quirks::set_password(&mut u, value).is_ok(),
        "host" => quirks::set_host(&mut u, value).is_ok(),
        "hostname" => quirks::set_hostname(&mut u, value).is_ok(),
        "port" => quirks::set_port(&mut u, value).is_ok(),
        "pathname" => {
            quirks::set_pathname(&mut u, value);
            true
        }
        "search" => {
            quirks::set_search(&mut u, value);
            true
        }
        "hash" => {
            quirks::set_hash(&mut u, value);
            true
        }
        _ => false,
    };
    // Setters that fail leave the URL unchanged, as the standard says.
    let _ = ok;
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
