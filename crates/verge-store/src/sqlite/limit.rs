//! `DELETE … [ORDER BY …] LIMIT …` and `UPDATE … [ORDER BY …] LIMIT …`, which D1 accepts.
//!
//! D1's SQLite is built with `SQLITE_ENABLE_UPDATE_DELETE_LIMIT`. That option needs a parser
//! generated (by lemon) from SQLite's canonical sources with the extra grammar; the amalgamation
//! every SQLite crate ships has a parser generated without it, so the flag alone changes
//! nothing. SQLite itself runs such a statement as its `sqlite3LimitWhere()` rewrite:
//! `WHERE rowid IN (SELECT rowid FROM t WHERE … ORDER BY … LIMIT …)`. When SQLite refuses a
//! statement, [`rewrite`] parses it with `sqlite3-parser` (a port of SQLite's grammar that
//! has these clauses) and, for a `DELETE`/`UPDATE` with `ORDER BY` or `LIMIT`, returns that
//! same rewrite for SQLite to compile. It works on the syntax tree, never on keywords; the
//! result goes through the same authorizer and limits as any statement.
//!
//! Parameters keep their numbers: before parsing, every parameter token is replaced by
//! `?N`, with `N` the number SQLite gives it in the original text, since the rewrite moves
//! `RETURNING` after the `LIMIT`. A `WITHOUT ROWID` table has no `rowid`, so there the
//! rewritten statement fails with SQLite's "no such column: rowid".

use std::collections::HashMap;
use std::fmt::{self, Display, Formatter, Write as _};

use sqlite3_parser::ast::fmt::ToTokens;
use sqlite3_parser::ast::{Cmd, Stmt};
use sqlite3_parser::lexer::Scanner;
use sqlite3_parser::lexer::sql::{Parser, Tokenizer};
use sqlite3_parser::{Bump, FallibleIterator as _};

/// What to do with a statement SQLite's parser refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Compile this instead.
    Sql(String),
    /// Fail with this message, as SQLite built with the option does.
    Error(&'static str),
}

/// The statement SQLite can compile for `sql`, a `DELETE` or `UPDATE` with `ORDER BY` or
/// `LIMIT`; `None` for anything else (the caller keeps SQLite's own error).
pub fn rewrite(sql: &str) -> Option<Rewrite> {
    let numbered = number_parameters(sql)?;
    let bump = Bump::new();
    let mut parser = Parser::new(&bump, numbered.as_bytes());
    let Ok(Some(Cmd::Stmt(stmt))) = parser.next() else {
        return None;
    };
    // One statement only, as `prepare` takes.
    if !matches!(parser.next(), Ok(None)) {
        return None;
    }
    let mut out = String::new();
    match stmt {
        Stmt::Delete {
            with,
            tbl_name,
            indexed,
            where_clause,
            returning,
            order_by,
            limit,
        } => {
            let Some(limit) = limit else {
                return order_by.map(|_| Rewrite::Error("ORDER BY without LIMIT on DELETE"));
            };
            if let Some(with) = with {
                write!(out, "{} ", Tokens(&with)).ok()?;
            }
            out.push_str("DELETE FROM ");
            push_table(&mut out, &tbl_name, indexed.as_ref())?;
            push_subquery(
                &mut out,
                &tbl_name,
                indexed.as_ref(),
                where_clause.as_ref(),
                order_by,
                limit,
            )?;
            push_returning(&mut out, returning)?;
        }
        Stmt::Update {
            with,
            or_conflict,
            tbl_name,
            indexed,
            sets,
            from,
            where_clause,
            returning,
            order_by,
            limit,
        } => {
            // `UPDATE … FROM` joins other tables, which a rowid subquery cannot express.
            if from.is_some() {
                return None;
            }
            let Some(limit) = limit else {
                return order_by.map(|_| Rewrite::Error("ORDER BY without LIMIT on UPDATE"));
            };
            if let Some(with) = with {
                write!(out, "{} ", Tokens(&with)).ok()?;
            }
            out.push_str("UPDATE ");
            if let Some(or_conflict) = or_conflict {
                write!(out, "OR {} ", Tokens(&or_conflict)).ok()?;
            }
            push_table(&mut out, &tbl_name, indexed.as_ref())?;
            out.push_str(" SET ");
            push_list(&mut out, sets)?;
            push_subquery(
                &mut out,
                &tbl_name,
                indexed.as_ref(),
                where_clause.as_ref(),
                order_by,
                limit,
            )?;
            push_returning(&mut out, returning)?;
        }
        _ => return None,
    }
    Some(Rewrite::Sql(out))
}

/// `t [INDEXED BY i]`.
fn push_table<T: ToTokens, I: ToTokens>(
    out: &mut String,
    table: &T,
    indexed: Option<&I>,
) -> Option<()> {
    write!(out, "{}", Tokens(table)).ok()?;
    if let Some(indexed) = indexed {
        write!(out, " {}", Tokens(indexed)).ok()?;
    }
    Some(())
}

/// ` WHERE rowid IN (SELECT rowid FROM t … WHERE … ORDER BY … LIMIT …)`.
fn push_subquery<T: ToTokens, I: ToTokens, W: ToTokens, O: ToTokens, L: ToTokens>(
    out: &mut String,
    table: &T,
    indexed: Option<&I>,
    where_clause: Option<&W>,
    order_by: Option<&[O]>,
    limit: &L,
) -> Option<()> {
    out.push_str(" WHERE rowid IN (SELECT rowid FROM ");
    push_table(out, table, indexed)?;
    if let Some(w) = where_clause {
        write!(out, " WHERE {}", Tokens(w)).ok()?;
    }
    if let Some(order_by) = order_by {
        out.push_str(" ORDER BY ");
        push_list(out, order_by)?;
    }
    write!(out, " {})", Tokens(limit)).ok()
}

fn push_returning<R: ToTokens>(out: &mut String, returning: Option<&[R]>) -> Option<()> {
    if let Some(returning) = returning {
        out.push_str(" RETURNING ");
        push_list(out, returning)?;
    }
    Some(())
}

fn push_list<T: ToTokens>(out: &mut String, items: &[T]) -> Option<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write!(out, "{}", Tokens(item)).ok()?;
    }
    Some(())
}

/// Formats a syntax-tree node as SQL.
struct Tokens<'a, T>(&'a T);

impl<T: ToTokens> Display for Tokens<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.to_fmt(f)
    }
}

/// `sql` with each parameter written as `?N`, `N` being the number SQLite assigns it
/// (`sqlite3ExprAssignVarNumber`): `?` takes the next number, `?NNN` its own, a name the
/// number of its first use or else the next. `None` when `sql` does not tokenize.
fn number_parameters(sql: &str) -> Option<String> {
    let input = sql.as_bytes();
    let mut scanner = Scanner::new(Tokenizer::new());
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    let mut next = 0u32;
    let mut names: HashMap<&[u8], u32> = HashMap::new();
    loop {
        let (start, token, end) = scanner.scan(input).ok()?;
        let Some((text, kind)) = token else { break };
        if kind != sqlite3_parser::dialect::TokenType::TK_VARIABLE {
            continue;
        }
        let n = if input[start] == b'?' {
            if text.is_empty() {
                next += 1;
                next
            } else {
                let n: u32 = std::str::from_utf8(text).ok()?.parse().ok()?;
                next = next.max(n);
                n
            }
        } else if let Some(&n) = names.get(text) {
            n
        } else {
            next += 1;
            names.insert(text, next);
            next
        };
        out.push_str(&sql[copied..start]);
        write!(out, "?{n}").ok()?;
        copied = end;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(s: &str) -> Option<Rewrite> {
        Some(Rewrite::Sql(s.to_string()))
    }

    #[test]
    fn delete_and_update_with_limit_become_rowid_subqueries() {
        assert_eq!(
            rewrite("DELETE FROM t WHERE a > 1 RETURNING * LIMIT 1"),
            sql(
                "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE a > 1 LIMIT 1) RETURNING *"
            )
        );
        assert_eq!(
            rewrite(
                "update or ignore t set b = b + 1 where a = 'x' order by a desc limit 2 offset 1"
            ),
            sql(
                "UPDATE OR IGNORE t SET b = b + 1 WHERE rowid IN (SELECT rowid FROM t WHERE a = 'x' ORDER BY a DESC LIMIT 2 OFFSET 1)"
            )
        );
    }

    #[test]
    fn parameters_keep_their_numbers_when_returning_moves() {
        assert_eq!(
            rewrite("DELETE FROM t WHERE a = :a RETURNING ?, :a LIMIT ?"),
            sql(
                "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE a = ?1 LIMIT ?3) RETURNING ?2, ?1"
            )
        );
        assert_eq!(
            number_parameters("SELECT ?5, ?, '?', \"?\" -- ?\n, @x, @x").as_deref(),
            Some("SELECT ?5, ?6, '?', \"?\" -- ?\n, ?7, ?7")
        );
    }

    #[test]
    fn other_statements_are_left_to_sqlite() {
        assert_eq!(rewrite("DELETE FROM t WHERE a = 1"), None);
        assert_eq!(rewrite("SELECT 1 LIMIT 1"), None);
        assert_eq!(
            rewrite("DELETE FROM t LIMIT 1; DELETE FROM t LIMIT 1"),
            None
        );
        assert_eq!(rewrite("UPDATE t SET a = u.a FROM u LIMIT 1"), None);
        assert_eq!(
            rewrite("DELETE FROM t ORDER BY a"),
            Some(Rewrite::Error("ORDER BY without LIMIT on DELETE"))
        );
        assert_eq!(rewrite("DELETE FROM"), None);
    }
}
