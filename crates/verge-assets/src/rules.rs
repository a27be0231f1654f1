//! `_headers` and `_redirects`: parsed as wrangler parses them (the same checks, limits and
//! messages), matched as Cloudflare's asset worker matches them: `*` is a splat (any text,
//! `:splat` in the value or destination), `:name` a placeholder (one path segment; in the host
//! of an `https://host/path` rule, one label).

use std::collections::HashMap;

use crate::limits::{
    MAX_DYNAMIC_REDIRECT_RULES, MAX_HEADER_RULES, MAX_LINE_LENGTH, MAX_STATIC_REDIRECT_RULES,
};

/// A problem with one line of a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// 1-based line number, when the problem is about one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn invalid(line: usize, message: impl Into<String>) -> Invalid {
    Invalid {
        line: Some(line),
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    Splat,
    /// A placeholder; `host` ones stop at `.` too.
    Param {
        name: String,
        host: bool,
    },
}

/// A rule's source pattern (a path, or `https://host/path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    /// Matched against `https://<host><path>` rather than the path.
    pub cross_host: bool,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Pattern {
    /// Compiles `rule`.
    pub fn new(rule: &str) -> Pattern {
        let cross_host = rule.starts_with("https://");
        let host_end = if cross_host {
            rule[8..].find('/').map(|i| i + 8).unwrap_or(rule.len())
        } else {
            0
        };
        let b = rule.as_bytes();
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'*' {
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Splat);
                i += 1;
            } else if b[i] == b':' && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic() {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && is_word(b[end]) {
                    end += 1;
                }
                // In the host (after `https://`; a port's digits are no name).
                let host = cross_host && i < host_end;
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Param {
                    name: rule[start..end].to_string(),
                    host,
                });
                i = end;
            } else {
                let ch = rule[i..].chars().next().expect("in bounds");
                lit.push(ch);
                i += ch.len_utf8();
            }
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        Pattern { tokens, cross_host }
    }

    /// Matches `text` whole; the captures are `splat` and each placeholder's name.
    pub fn matches(&self, text: &str) -> Option<Vec<(String, String)>> {
        let mut caps = Vec::new();
        if match_at(&self.tokens, text, &mut caps) {
            Some(caps)
        } else {
            None
        }
    }

    /// Whether it has a splat or a placeholder.
    pub fn is_dynamic(&self) -> bool {
        self.tokens.iter().any(|t| !matches!(t, Token::Lit(_)))
    }
}

fn match_at(tokens: &[Token], text: &str, caps: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Lit(l) => text
            .strip_prefix(l.as_str())
            .is_some_and(|t| match_at(rest, t, caps)),
        Token::Splat | Token::Param { .. } => {
            let (name, stop): (&str, &[char]) = match first {
                Token::Param { name, host: true } => (name, &['/', '.']),
                Token::Param { name, host: false } => (name, &['/']),
                _ => ("splat", &[]),
            };
            // Greedy, then shorter (as a regex would): `.*` for a splat, `[^/]+` for a
            // placeholder.
            let max = text.find(stop).unwrap_or(text.len());
            let min = usize::from(!matches!(first, Token::Splat));
            let mut end = max;
            loop {
                if end >= min && text.is_char_boundary(end) {
                    let n = caps.len();
                    caps.push((name.to_string(), text[..end].to_string()));
                    if match_at(rest, &text[end..], caps) {
                        return true;
                    }
                    caps.truncate(n);
                }
                if end == 0 {
                    return false;
                }
                end -= 1;
            }
        }
    }
}

/// Replaces `:name` in `s` with each capture's value (in capture order, as the asset worker
/// does).
pub fn replace(s: &str, caps: &[(String, String)]) -> String {
    let mut out = s.to_string();
    for (name, value) in caps {
        out = out.replace(&format!(":{name}"), value);
    }
    out
}

/// wrangler's `validateUrl`: a path (made to start with `/`) or an `https://` URL, normalized;
/// `only_relative` refuses URLs, `no_ports` refuses hosts with ports.
fn validate_url(
    token: &str,
    only_relative: bool,
    no_ports: bool,
    keep_search_and_hash: bool,
) -> Result<String, String> {
    if let Some(after) = token.strip_prefix("https://") {
        let after = after.trim_start_matches('/');
        let (host, path) = after.split_once('/').unwrap_or((after, ""));
        if !host.is_empty() {
            if only_relative {
                return Err(format!(
                    "Only relative URLs are allowed. Skipping absolute URL {token}."
                ));
            }
            if no_ports
                && host
                    .rsplit_once(':')
                    .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
            {
                return Err(format!(
                    "Specifying ports is not supported. Skipping absolute URL {token}."
                ));
            }
            return Ok(format!(
                "https://{host}{}",
                pathname(&format!("/{path}"), keep_search_and_hash)
            ));
        }
    }
    let token = if only_relative && !token.starts_with('/') {
        format!("/{token}")
    } else {
        token.to_string()
    };
    if token.starts_with('/') {
        return Ok(pathname(&token, keep_search_and_hash));
    }
    Err(if only_relative {
        "URLs should begin with a forward-slash.".into()
    } else {
        "URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with \"https://\").".into()
    })
}

/// The path of `path` as the URL parser normalizes it (dot segments, percent-encoding of
/// what must be), with the query and fragment when asked.
fn pathname(path: &str, keep_search_and_hash: bool) -> String {
    let base = url::Url::parse("relative://x").expect("valid base");
    match base.join(&format!("//x{path}")) {
        Ok(u) => {
            let mut s = u.path().to_string();
            if keep_search_and_hash {
                if let Some(q) = u.query() {
                    s.push('?');
                    s.push_str(q);
                }
                if let Some(f) = u.fragment() {
                    s.push('#');
                    s.push_str(f);
                }
            }
            s
        }
        Err(_) => path.to_string(),
    }
}

/// One `_headers` rule.
#[derive(Debug, Clone)]
pub struct HeaderRule {
    /// Where it applies.
    pub pattern: Pattern,
    /// Headers to set, names lower-case, in file order (repeated names joined with `, `).
    pub set: Vec<(String, String)>,
    /// Headers to remove (`! Name`).
    pub unset: Vec<String>,
}

/// Parses `_headers` (wrangler's `parseHeaders`).
pub fn parse_headers(input: &str) -> (Vec<HeaderRule>, Vec<Invalid>) {
    struct Open {
        path: String,
        line: usize,
        set: Vec<(String, String)>,
        unset: Vec<String>,
    }
    let mut rules: Vec<HeaderRule> = Vec::new();
    let mut problems = Vec::new();
    let mut open: Option<Open> = None;
    let lines: Vec<&str> = input.split('\n').collect();
    let close = |o: Open, rules: &mut Vec<HeaderRule>, problems: &mut Vec<Invalid>| {
        if o.set.is_empty() && o.unset.is_empty() {
            problems.push(invalid(o.line, "No headers specified"));
        } else {
            rules.push(HeaderRule {
                pattern: Pattern::new(&o.path),
                set: o.set,
                unset: o.unset,
            });
        }
    };
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if skipped(n, line, &mut problems) {
            continue;
        }
        let is_path = line.starts_with('/')
            || line
                .find("://")
                .is_some_and(|at| at > 0 && !line[..at].contains(char::is_whitespace));
        if is_path {
            if rules.len() >= MAX_HEADER_RULES {
                problems.push(Invalid {
                    line: None,
                    message: format!(
                        "Maximum number of rules supported is {MAX_HEADER_RULES}. Skipping remaining {} lines of file.",
                        lines.len() - i
                    ),
                });
                open = None;
                break;
            }
            if let Some(o) = open.take() {
                close(o, &mut rules, &mut problems);
            }
            match validate_url(line, false, true, false) {
                Ok(path) => {
                    open = Some(Open {
                        path,
                        line: n,
                        set: Vec::new(),
                        unset: Vec::new(),
                    })
                }
                Err(e) => problems.push(invalid(n, e)),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            match &mut open {
                None => problems.push(invalid(
                    n,
                    "Expected a path beginning with at least one forward-slash",
                )),
                Some(o) => match line.strip_prefix("! ") {
                    Some(h) => o.unset.push(h.trim().to_string()),
                    None => problems.push(invalid(
                        n,
                        "Expected a colon-separated header pair (e.g. name: value)",
                    )),
                },
            }
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name.contains(' ') {
            problems.push(invalid(n, "Header name cannot include spaces"));
            continue;
        }
        if name.is_empty() {
            problems.push(invalid(n, "No header name specified"));
            continue;
        }
        if value.is_empty() {
            problems.push(invalid(n, "No header value specified"));
            continue;
        }
        let Some(o) = &mut open else {
            problems.push(invalid(
                n,
                format!("Path should come before header ({name}: {value})"),
            ));
            continue;
        };
        match o.set.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(value);
            }
            None => o.set.push((name, value.to_string())),
        }
    }
    if let Some(o) = open {
        close(o, &mut rules, &mut problems);
    }
    (rules, problems)
}

/// One `_redirects` rule.
#[derive(Debug, Clone)]
pub struct RedirectRule {
    /// The source.
    pub from: Pattern,
    /// The destination (may hold `:splat` and placeholders).
    pub to: String,
    /// 200 (rewrite), 301, 302, 303, 307 or 308.
    pub status: u16,
    /// Line in the file (static rules: the first one for a path wins).
    pub line: usize,
}

/// `_redirects`, split as the asset worker uses it.
#[derive(Debug, Default)]
pub struct Redirects {
    /// Exact-path rules by source (`/path` or `https://host/path`).
    pub statics: HashMap<String, RedirectRule>,
    /// The rest, in file order.
    pub dynamic: Vec<RedirectRule>,
}

/// Whether line `n` (trimmed) of a `_headers` or `_redirects` file is skipped: blank, a `#`
/// comment, or longer than [`MAX_LINE_LENGTH`] (said in `problems`).
fn skipped(n: usize, line: &str, problems: &mut Vec<Invalid>) -> bool {
    if line.is_empty() || line.starts_with('#') {
        return true;
    }
    if line.len() > MAX_LINE_LENGTH {
        problems.push(Invalid {
            line: None,
            message: format!(
                "Ignoring line {n} as it exceeds the maximum allowed length of {MAX_LINE_LENGTH}."
            ),
        });
        return true;
    }
    false
}

/// Parses `_redirects` (wrangler's `parseRedirects` and `constructRedirects`), with
/// `html_handling_none` telling whether `html_handling` is `none`.
pub fn parse_redirects(input: &str, html_handling_none: bool) -> (Redirects, Vec<Invalid>) {
    let mut out = Redirects::default();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let (mut statics, mut dynamics) = (0usize, 0usize);
    let mut static_phase = true;
    let lines: Vec<&str> = input.split('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if skipped(n, line, &mut problems) {
            continue;
        }
        // A trailing comment (whitespace then `#`) is dropped.
        let content = match line.find(|c: char| c.is_whitespace()) {
            Some(_) => {
                let mut cut = line.len();
                let b = line.as_bytes();
                for j in 1..b.len() {
                    if b[j] == b'#' && (b[j - 1] as char).is_whitespace() {
                        cut = j;
                        break;
                    }
                }
                line[..cut].trim_end()
            }
            None => line,
        };
        let tokens: Vec<&str> = content.split_whitespace().collect();
        if tokens.len() < 2 || tokens.len() > 3 {
            problems.push(invalid(
                n,
                format!(
                    "Expected exactly 2 or 3 whitespace-separated tokens. Got {}.",
                    tokens.len()
                ),
            ));
            continue;
        }
        let from = match validate_url(tokens[0], true, true, false) {
            Ok(f) => f,
            Err(e) => {
                problems.push(invalid(n, e));
                continue;
            }
        };
        let pattern = Pattern::new(&from);
        if static_phase && !pattern.is_dynamic() {
            statics += 1;
            if statics > MAX_STATIC_REDIRECT_RULES {
                problems.push(Invalid {
                    line: None,
                    message: format!(
                        "Maximum number of static rules supported is {MAX_STATIC_REDIRECT_RULES}. Skipping line."
                    ),
                });
                continue;
            }
        } else {
            dynamics += 1;
            static_phase = false;
            if dynamics > MAX_DYNAMIC_REDIRECT_RULES {
                problems.push(Invalid {
                    line: None,
                    message: format!(
                        "Maximum number of dynamic rules supported is {MAX_DYNAMIC_REDIRECT_RULES}. Skipping remaining {} lines of file.",
                        lines.len() - i
                    ),
                });
                break;
            }
        }
        let to = match validate_url(tokens[1], false, false, true) {
            Ok(t) => t,
            Err(e) => {
                problems.push(invalid(n, e));
                continue;
            }
        };
        let status_text = tokens.get(2).copied().unwrap_or("302");
        let status = match status_text.parse::<u16>() {
            Ok(s @ (200 | 301 | 302 | 303 | 307 | 308)) => s,
            _ => {
                problems.push(invalid(
                    n,
                    format!(
                        "Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got {status_text}."
                    ),
                ));
                continue;
            }
        };
        let relative = !to.starts_with("https://");
        let to_index = to.ends_with("/index") || to.ends_with("/index.html");
        if relative
            && ((from.ends_with("/*") && to_index)
                || (from.ends_with('/') && to_index && !html_handling_none))
        {
            problems.push(invalid(
                n,
                "Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.",
            ));
            continue;
        }
        if !seen.insert(from.clone()) {
            problems.push(invalid(
                n,
                format!("Ignoring duplicate rule for path {from}."),
            ));
            continue;
        }
        if status == 200 && !relative {
            problems.push(invalid(
                n,
                format!("Proxy (200) redirects can only point to relative paths. Got {to}"),
            ));
            continue;
        }
        let rule = RedirectRule {
            from: pattern,
            to,
            status,
            line: n,
        };
        if static_phase && !rule.from.is_dynamic() {
            out.statics.insert(from, rule);
        } else {
            out.dynamic.push(rule);
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_splats_and_placeholders() {
        let p = Pattern::new("/blog/:year/:slug/*");
        let caps = p.matches("/blog/2024/hello/a/b").unwrap();
        assert_eq!(
            replace("/posts/:year-:slug?:splat", &caps),
            "/posts/2024-hello?a/b"
        );
        assert!(p.matches("/blog/2024").is_none());
        assert!(Pattern::new("/a/:x").matches("/a/").is_none());
        assert_eq!(
            Pattern::new("/*").matches("/").unwrap(),
            vec![("splat".to_string(), String::new())]
        );
        let host = Pattern::new("https://:sub.example.com/*");
        assert!(host.cross_host);
        assert_eq!(
            host.matches("https://shop.example.com/x").unwrap()[0],
            ("sub".to_string(), "shop".to_string())
        );
        assert!(host.matches("https://a.b.example.com/x").is_none());
    }

    #[test]
    fn redirects_follow_wranglers_rules_and_limits() {
        let (r, problems) = parse_redirects(
            "# comment\n/a /b\n/c /d 301 # trailing comment\n/e https://x.test/ 308\n/f /g 999\n/h\n\
             /blog/* /new/:splat\n/dup /x\n/dup /y\n/loop/* /loop/index.html\n/p https://x.test/p 200\n",
            false,
        );
        assert_eq!(r.statics["/a"].status, 302);
        assert_eq!(r.statics["/c"].to, "/d");
        assert_eq!(r.statics["/e"].to, "https://x.test/");
        assert_eq!(r.dynamic.len(), 2);
        // After a dynamic rule, exact paths are dynamic too.
        assert!(!r.statics.contains_key("/dup"));
        let msgs: Vec<String> = problems
            .iter()
            .map(|p| format!("{:?}: {}", p.line, p.message))
            .collect();
        assert_eq!(
            msgs,
            [
                "Some(5): Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got 999.",
                "Some(6): Expected exactly 2 or 3 whitespace-separated tokens. Got 1.",
                "Some(9): Ignoring duplicate rule for path /dup.",
                "Some(10): Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.",
                "Some(11): Proxy (200) redirects can only point to relative paths. Got https://x.test/p",
            ]
        );
        let many: String = (0..150).map(|i| format!("/d{i}/* /x\n")).collect();
        let (r, problems) = parse_redirects(&many, false);
        assert_eq!(r.dynamic.len(), 100);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .contains("Maximum number of dynamic rules supported is 100")
        );
    }

    #[test]
    fn headers_parse_with_wranglers_rules_and_stop_at_the_limit() {
        let (rules, problems) = parse_headers(
            "/*\n  X-Frame-Options: DENY\n  X-A: 1\n  x-a: 2\n/secure/*\n  ! X-Frame-Options\nNo-Path: x\n/empty\n",
        );
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0].set,
            [
                ("x-frame-options".into(), "DENY".into()),
                ("x-a".into(), "1, 2".into())
            ]
        );
        assert_eq!(rules[1].unset, ["X-Frame-Options"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let huge: String = (0..100_000).map(|i| format!("/p{i}\n  X: {i}\n")).collect();
        let (rules, problems) = parse_headers(&huge);
        assert_eq!(rules.len(), 100);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .starts_with("Maximum number of rules supported is 100. Skipping remaining")
        );
        let long = format!("/a\n  X: {}\n", "y".repeat(3000));
        let (_, problems) = parse_headers(&long);
        assert!(
            problems[0]
                .message
                .contains("exceeds the maximum allowed length of 2000")
        );
    }
}
