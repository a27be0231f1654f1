//! Splitting a SQL file into statements, as `wrangler d1 execute --file` does before running
//! them as one batch.

/// Splits `sql` on top-level `;`, respecting quotes (`'…'`, `"…"`, `` `…` ``, `[…]`),
/// comments (`-- …`, `/* … */`) and `CREATE TRIGGER … BEGIN … END` bodies. Statements are
/// trimmed, keep their comments, and lose the terminating `;`; empty ones (only whitespace
/// or comments) are dropped.
///
/// ```
/// let stmts = verge_d1::split_sql("CREATE TABLE t (x); -- note\nINSERT INTO t VALUES ('a;b');");
/// assert_eq!(stmts, vec!["CREATE TABLE t (x)", "-- note\nINSERT INTO t VALUES ('a;b')"]);
/// ```
pub fn split_sql(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Words seen at the top level of the current statement, upper-cased, for trigger bodies.
    let mut words: Vec<String> = Vec::new();
    let mut depth_begin = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i, bytes[i]),
            b'[' => i = skip_quoted(bytes, i, b']'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
            }
            b';' if depth_begin == 0 => {
                push_statement(&mut out, &sql[start..i]);
                words.clear();
                i += 1;
                start = i;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(bytes.len(), |p| i + p);
                let word = sql[i..end].to_ascii_uppercase();
                let is_trigger = words.first().is_some_and(|w| w == "CREATE")
                    && words.iter().any(|w| w == "TRIGGER");
                let opens = (word == "BEGIN" && (is_trigger || depth_begin > 0))
                    || (word == "CASE" && depth_begin > 0);
                if opens {
                    depth_begin += 1;
                } else if word == "END" && depth_begin > 0 {
                    depth_begin -= 1;
                }
                if words.len() < 4 {
                    words.push(word);
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    push_statement(&mut out, &sql[start..]);
    out
}

fn skip_quoted(bytes: &[u8], open: usize, close: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            // A doubled quote is an escaped quote (not for `[…]`).
            if close != b']' && bytes.get(i + 1) == Some(&close) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn push_statement(out: &mut Vec<String>, stmt: &str) {
    let trimmed = stmt.trim();
    if !only_comments(trimmed) {
        out.push(trimmed.to_owned());
    }
}

fn only_comments(mut s: &str) -> bool {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return true;
        }
        if let Some(r) = s.strip_prefix("--") {
            s = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = s.strip_prefix("/*") {
            s = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        let sql = "INSERT INTO t VALUES ('a;''b', \"c;\", [d;]); /* x; */ SELECT 1;\n-- only a comment;\n";
        assert_eq!(
            split_sql(sql),
            vec![
                "INSERT INTO t VALUES ('a;''b', \"c;\", [d;])",
                "/* x; */ SELECT 1"
            ]
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET n = CASE WHEN n > 1 THEN 1 ELSE 2 END; DELETE FROM u; END; SELECT 2";
        assert_eq!(
            split_sql(sql),
            vec![
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET n = CASE WHEN n > 1 THEN 1 ELSE 2 END; DELETE FROM u; END",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn empty_input_has_no_statements() {
        assert!(split_sql("  ;\n -- c\n ; ").is_empty());
    }
}
