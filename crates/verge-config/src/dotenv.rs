//! `.dev.vars` / `.env` parsing and the rules for which of those files are read.
//!
//! Syntax: `KEY=value`, `export KEY=value`, `# comment` lines, blank lines,
//! `KEY="double quoted"` (escapes `\n`, `\r`, `\t`, `\"`, `\\`; may span lines),
//! `KEY='single quoted'` and ``KEY=`backticks` `` (literal; may span lines), and an inline
//! comment after an unquoted value when `#` follows whitespace (`KEY=a # note` → `a`,
//! `KEY=a#b` → `a#b`). A later duplicate key replaces the earlier value in place.

use std::path::{Path, PathBuf};

use crate::ConfigError;

/// Parse dotenv text into ordered `(key, value)` pairs.
///
/// ```
/// let pairs = verge_config::parse_dotenv("A=1\nexport B=\"two\\nlines\" # note\n").unwrap();
/// assert_eq!(pairs, vec![("A".into(), "1".into()), ("B".into(), "two\nlines".into())]);
/// ```
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    parse_named(text, "dotenv")
}

/// [`parse_dotenv`] with errors naming `file`.
pub(crate) fn parse_named(text: &str, file: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start_line = i + 1;
        let err = |message: String| ConfigError::Dotenv {
            file: file.to_string(),
            line: start_line,
            message,
        };
        let line = lines[i].trim_start_matches('\u{feff}').trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = match line.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
            _ => line,
        };
        let Some((key, rest)) = line.split_once('=') else {
            return Err(err(format!("expected KEY=value, found \"{line}\"")));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(err(format!("invalid key \"{key}\"")));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => {
                // Gather text until the closing quote, possibly across lines.
                let mut body = String::new();
                let mut remaining = &rest[1..];
                let after = loop {
                    match find_closing(remaining, q) {
                        Some(end) => {
                            body.push_str(&remaining[..end]);
                            break &remaining[end + 1..];
                        }
                        None => {
                            body.push_str(remaining);
                            if i >= lines.len() {
                                return Err(err(format!(
                                    "unterminated {q}-quoted value for {key}"
                                )));
                            }
                            body.push('\n');
                            remaining = lines[i];
                            i += 1;
                        }
                    }
                };
                let after = after.trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(err(format!(
                        "unexpected \"{after}\" after the quoted value of {key}"
                    )));
                }
                if q == '"' { unescape(&body) } else { body }
            }
            _ => strip_inline_comment(rest).trim_end().to_string(),
        };
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key.to_string(), value)),
        }
    }
    Ok(out)
}

/// Byte index of the first `quote` in `s` not escaped by a backslash (escapes only count in
/// double quotes).
fn find_closing(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (idx, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote == '"' {
            escaped = true;
        } else if c == quote {
            return Some(idx);
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn strip_inline_comment(value: &str) -> &str {
    if value.starts_with('#') {
        return "";
    }
    let bytes = value.as_bytes();
    for (idx, &b) in bytes.iter().enumerate() {
        if b == b'#' && idx > 0 && (bytes[idx - 1] == b' ' || bytes[idx - 1] == b'\t') {
            return &value[..idx];
        }
    }
    value
}

/// Which secrets files exist or could exist next to the config, and which are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretFiles {
    /// Files to read, lowest precedence first (later files override earlier ones).
    pub read: Vec<PathBuf>,
    /// Every candidate file, existing or not, for watching.
    pub candidates: Vec<PathBuf>,
}

/// Pick the secrets files for `env` in `dir` (the config file's directory).
///
/// `.dev.vars.<env>` replaces `.dev.vars`; when no `.dev.vars*` file exists, `.env` files are
/// merged with precedence `.env.<env>.local` > `.env.local` > `.env.<env>` > `.env`.
pub(crate) fn secret_files(dir: &Path, env: Option<&str>) -> SecretFiles {
    let dev_vars = dir.join(".dev.vars");
    let dev_vars_env = env.map(|e| dir.join(format!(".dev.vars.{e}")));
    let mut dotenv_chain = vec![dir.join(".env")];
    if let Some(e) = env {
        dotenv_chain.push(dir.join(format!(".env.{e}")));
    }
    dotenv_chain.push(dir.join(".env.local"));
    if let Some(e) = env {
        dotenv_chain.push(dir.join(format!(".env.{e}.local")));
    }

    let mut candidates = vec![dev_vars.clone()];
    candidates.extend(dev_vars_env.clone());
    candidates.extend(dotenv_chain.iter().cloned());

    let read = match dev_vars_env.filter(|p| p.is_file()) {
        Some(p) => vec![p],
        None if dev_vars.is_file() => vec![dev_vars],
        None => dotenv_chain.into_iter().filter(|p| p.is_file()).collect(),
    };
    SecretFiles { read, candidates }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_dotenv(text).expect("valid dotenv")
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn plain_pairs_comments_and_blank_lines_parse_in_order() {
        let text = "# header\n\nB=2\nA = 1 \n  # indented comment\n";
        assert_eq!(pairs(text), vec![kv("B", "2"), kv("A", "1")]);
    }

    #[test]
    fn export_prefix_is_accepted() {
        assert_eq!(
            pairs("export KEY=v\nexported=x"),
            vec![kv("KEY", "v"), kv("exported", "x")]
        );
    }

    #[test]
    fn inline_comment_after_unquoted_value_is_dropped_but_hash_inside_is_kept() {
        assert_eq!(
            pairs("A=value # note\nB=a#b\nC=#only\nD="),
            vec![kv("A", "value"), kv("B", "a#b"), kv("C", ""), kv("D", "")]
        );
    }

    #[test]
    fn double_quoted_values_unescape_and_keep_hashes() {
        assert_eq!(
            pairs(r#"A="line1\nline2\t\"q\" \\ # not a comment" # comment"#),
            vec![kv("A", "line1\nline2\t\"q\" \\ # not a comment")]
        );
    }

    #[test]
    fn double_quoted_values_may_span_lines() {
        let text = "KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1";
        assert_eq!(
            pairs(text),
            vec![
                kv("KEY", "-----BEGIN-----\nabc\n-----END-----"),
                kv("NEXT", "1")
            ]
        );
    }

    #[test]
    fn single_quoted_values_are_literal() {
        assert_eq!(pairs(r"A='a\nb # c'"), vec![kv("A", r"a\nb # c")]);
        assert_eq!(pairs("A=`x'y\"z`"), vec![kv("A", "x'y\"z")]);
    }

    #[test]
    fn later_duplicate_replaces_earlier_value_in_place() {
        assert_eq!(pairs("A=1\nB=2\nA=3"), vec![kv("A", "3"), kv("B", "2")]);
    }

    #[test]
    fn unterminated_quote_is_an_error_naming_the_line() {
        let err = parse_dotenv("OK=1\nBAD=\"never closed\nmore").expect_err("unterminated");
        assert!(matches!(err, ConfigError::Dotenv { line: 2, .. }), "{err}");
        assert!(err.to_string().contains("BAD"), "{err}");
    }

    #[test]
    fn line_without_equals_is_an_error() {
        let err = parse_dotenv("JUSTAKEY").expect_err("no =");
        assert_eq!(
            err.to_string(),
            "dotenv:1: expected KEY=value, found \"JUSTAKEY\""
        );
    }

    #[test]
    fn garbage_after_closing_quote_is_an_error() {
        assert!(parse_dotenv("A=\"x\" y").is_err());
    }

    #[test]
    fn env_specific_dev_vars_replaces_dev_vars() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".dev.vars"), "A=1").expect("write");
        std::fs::write(dir.path().join(".dev.vars.staging"), "A=2").expect("write");
        std::fs::write(dir.path().join(".env"), "A=3").expect("write");
        let files = secret_files(dir.path(), Some("staging"));
        assert_eq!(files.read, vec![dir.path().join(".dev.vars.staging")]);
        let files = secret_files(dir.path(), Some("prod"));
        assert_eq!(files.read, vec![dir.path().join(".dev.vars")]);
        assert!(
            files
                .candidates
                .contains(&dir.path().join(".dev.vars.prod"))
        );
        assert!(
            files
                .candidates
                .contains(&dir.path().join(".env.prod.local"))
        );
    }

    #[test]
    fn dotenv_files_are_read_lowest_precedence_first_when_no_dev_vars_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [".env", ".env.local", ".env.staging", ".env.staging.local"] {
            std::fs::write(dir.path().join(name), "A=1").expect("write");
        }
        let files = secret_files(dir.path(), Some("staging"));
        let names: Vec<_> = files
            .read
            .iter()
            .map(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            [".env", ".env.staging", ".env.local", ".env.staging.local"]
        );
    }
}
