//! The parsing half of `URLPattern` (<https://urlpattern.spec.whatwg.org/>), on Deno's
//! `urlpattern` crate; the class is JS (`js/url_pattern.js`).
//!
//! The split follows Deno's: Rust parses the constructor string or init dictionary,
//! canonicalizes each component and generates its pattern string, regular expression source
//! and group names; JS compiles those sources with the engine's own `RegExp` (flags `u`, or
//! `ui` with `ignoreCase`; `v`/`vi` for a source only unicode-sets mode accepts) and runs them. Matching therefore has ECMAScript regular-expression
//! semantics, including lookaround in custom groups such as `(\\d+(?=x))`, which a Rust regex
//! engine would reject.

use rquickjs::prelude::*;
use rquickjs::{Array, Ctx, Exception, Object, Result, Value};
use urlpattern::quirks::{self, StringOrInit, UrlPatternInit};
use urlpattern::regexp::RegExp;
use urlpattern::{RegexSyntax, UrlPatternOptions};

/// A regular expression kept as ECMAScript source; JS compiles and runs it.
struct JsRegExp(String);

impl RegExp for JsRegExp {
    fn syntax() -> RegexSyntax {
        RegexSyntax::EcmaScript
    }

    fn parse(pattern: &str, _flags: &str, _force_eval: bool) -> std::result::Result<Self, ()> {
        Ok(JsRegExp(pattern.to_string()))
    }

    fn matches<'a>(&self, _text: &'a str) -> Option<Vec<Option<&'a str>>> {
        // Never called: matching happens in JS (`js/url_pattern.js`).
        None
    }

    fn pattern_string(&self) -> &str {
        &self.0
    }
}

/// The component names, in the order every op uses.
pub const COMPONENTS: [&str; 8] = [
    "protocol", "username", "password", "hostname", "port", "pathname", "search", "hash",
];

/// One compiled component: its normalized pattern string, regular expression source and group
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledComponent {
    /// The normalized pattern (what the `pathname` etc. getters return).
    pub pattern: String,
    /// ECMAScript regular expression source, anchored with `^...$`.
    pub regexp: String,
    /// Group names in capture order (`"0"`, `"1"`, ... for unnamed groups).
    pub names: Vec<String>,
}

/// A parsed pattern: the eight components in [`COMPONENTS`] order.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    /// The components, in [`COMPONENTS`] order.
    pub components: Vec<CompiledComponent>,
    /// Whether any component has a custom regular-expression group.
    pub has_regexp_groups: bool,
}

/// What a `URLPattern` input is: a URL (or constructor) string, or an init dictionary.
pub enum Input {
    /// A string, parsed as a constructor string or a URL.
    Str(String),
    /// A `URLPatternInit`: the eight components and `baseURL`, each optional.
    Init(Box<UrlPatternInit>),
}

impl Input {
    fn as_quirks(&self) -> StringOrInit<'_> {
        match self {
            Input::Str(s) => StringOrInit::String(s.as_str().into()),
            Input::Init(i) => StringOrInit::Init((**i).clone()),
        }
    }
}

/// Parses a pattern. Errors are the crate's messages (TypeErrors in JS).
pub fn compile(
    input: &Input,
    base: Option<&str>,
    ignore_case: bool,
) -> std::result::Result<CompiledPattern, String> {
    let init = quirks::process_construct_pattern_input(input.as_quirks(), base)
        .map_err(|e| e.to_string())?;
    let options = UrlPatternOptions {
        ignore_case,
        ..Default::default()
    };
    let p = quirks::parse_pattern::<JsRegExp>(init, options).map_err(|e| e.to_string())?;
    let components = [
        p.protocol, p.username, p.password, p.hostname, p.port, p.pathname, p.search, p.hash,
    ]
    .into_iter()
    .map(|c| CompiledComponent {
        pattern: c.pattern_string,
        regexp: c.regexp_string,
        names: c.group_name_list,
    })
    .collect();
    Ok(CompiledPattern {
        components,
        has_regexp_groups: p.has_regexp_groups,
    })
}

/// The eight component strings to match for `input` (and `base`), or `None` when the input
/// cannot match any pattern (an unparsable URL). `Err` for an init dictionary with a separate
/// base URL.
pub fn match_input(
    input: &Input,
    base: Option<&str>,
) -> std::result::Result<Option<Vec<String>>, String> {
    let Some((mi, _)) =
        quirks::process_match_input(input.as_quirks(), base).map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    Ok(quirks::parse_match_input(mi).map(|m| {
        vec![
            m.protocol, m.username, m.password, m.hostname, m.port, m.pathname, m.search, m.hash,
        ]
    }))
}

/// Reads the JS-side input: a string, or an array `[protocol, ..., hash, baseURL]` of strings
/// or `null`s (js/url_pattern.js flattens the init dictionary).
fn input_from_js(v: &Value<'_>) -> Result<Input> {
    if let Some(s) = v.as_string() {
        return Ok(Input::Str(verge_js::string::to_usv(s)?));
    }
    let arr = Array::from_value(v.clone())?;
    let mut f: Vec<Option<String>> = Vec::with_capacity(9);
    for i in 0..9 {
        f.push(arr.get(i)?);
    }
    let mut it = f.into_iter();
    let mut next = || it.next().flatten();
    Ok(Input::Init(Box::new(UrlPatternInit {
        protocol: next(),
        username: next(),
        password: next(),
        hostname: next(),
        port: next(),
        pathname: next(),
        search: next(),
        hash: next(),
        base_url: next(),
    })))
}

/// Installs `internal.urlPattern.{compile, match}`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    ops.set(
        "compile",
        Func::from(
            |ctx: Ctx<'js>,
             input: Value<'js>,
             base: Option<String>,
             ignore_case: bool|
             -> Result<Object<'js>> {
                let input = input_from_js(&input)?;
                let p = compile(&input, base.as_deref(), ignore_case).map_err(|m| {
                    Exception::throw_type(&ctx, &format!("Failed to construct 'URLPattern': {m}"))
                })?;
                let out = Object::new(ctx.clone())?;
                let comps = Array::new(ctx.clone())?;
                for (i, c) in p.components.into_iter().enumerate() {
                    let o = Object::new(ctx.clone())?;
                    o.set("pattern", c.pattern)?;
                    o.set("regexp", c.regexp)?;
                    o.set("names", c.names)?;
                    comps.set(i, o)?;
                }
                out.set("components", comps)?;
                out.set("hasRegExpGroups", p.has_regexp_groups)?;
                Ok(out)
            },
        ),
    )?;
    ops.set(
        "match",
        Func::from(
            |ctx: Ctx<'js>,
             input: Value<'js>,
             base: Option<String>|
             -> Result<Option<Vec<String>>> {
                let input = input_from_js(&input)?;
                match_input(&input, base.as_deref()).map_err(|m| {
                    Exception::throw_type(
                        &ctx,
                        &format!("Failed to execute 'exec' on 'URLPattern': {m}"),
                    )
                })
            },
        ),
    )?;
    internal.set("urlPattern", ops)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Input {
        Input::Str(x.to_string())
    }

    #[test]
    fn named_groups_compile_to_anchored_segment_regexps() {
        let p = compile(&s("/users/:id"), Some("https://example.com"), false).unwrap();
        let path = &p.components[5];
        assert_eq!(path.pattern, "/users/:id");
        assert_eq!(path.regexp, "^/users(?:/([^/]+?))$");
        assert_eq!(path.names, vec!["id"]);
        assert_eq!(p.components[0].pattern, "https");
        assert!(!p.has_regexp_groups);
    }

    #[test]
    fn custom_regexp_groups_are_reported() {
        let p = compile(&s("https://a.test/(\\d+)"), None, false).unwrap();
        assert!(p.has_regexp_groups);
        assert_eq!(p.components[5].names, vec!["0"]);
    }

    #[test]
    fn relative_patterns_need_a_base() {
        let e = compile(&s("/x"), None, false).unwrap_err();
        assert!(e.contains("base URL"), "{e}");
    }

    #[test]
    fn match_input_splits_urls_into_components() {
        let m = match_input(&s("https://u:p@a.test:8080/x?q=1#h"), None)
            .unwrap()
            .unwrap();
        assert_eq!(
            m,
            vec!["https", "u", "p", "a.test", "8080", "/x", "q=1", "h"]
        );
        assert!(match_input(&s("not a url"), None).unwrap().is_none());
    }
}
