//! Box-drawn tables for CLI output (`verge d1 execute`), like wrangler's.

use crate::database::D1Value;

/// A value as the table shows it.
pub fn display_value(value: &D1Value) -> String {
    match value {
        D1Value::Null => "null".to_owned(),
        D1Value::Integer(i) => i.to_string(),
        D1Value::Real(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        D1Value::Real(f) => f.to_string(),
        D1Value::Text(s) => s.clone(),
        D1Value::Blob(b) => {
            let items: Vec<String> = b.iter().map(u8::to_string).collect();
            format!("[{}]", items.join(","))
        }
    }
}

/// Formats `columns` and `rows` as a box-drawn table, one line per row, ending in `\n`.
/// Newlines and tabs inside values are shown as spaces so rows stay on one line.
pub fn format_table(columns: &[String], rows: &[Vec<D1Value>]) -> String {
    let clean = |s: String| s.replace(['\n', '\r', '\t'], " ");
    let header: Vec<String> = columns.iter().cloned().map(clean).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|v| clean(display_value(v))).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let rule = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}\n", parts.join(mid))
    };
    let line = |cells: &[String]| {
        let parts: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = w - cell.chars().count();
                format!(" {cell}{} ", " ".repeat(pad))
            })
            .collect();
        format!("│{}│\n", parts.join("│"))
    };
    let mut out = rule("┌", "┬", "┐");
    out.push_str(&line(&header));
    out.push_str(&rule("├", "┼", "┤"));
    for row in &body {
        out.push_str(&line(row));
    }
    out.push_str(&rule("└", "┴", "┘"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_table_pads_columns_to_the_widest_cell() {
        let table = format_table(
            &["id".into(), "name".into()],
            &[
                vec![D1Value::Integer(1), D1Value::Text("alice".into())],
                vec![D1Value::Integer(22), D1Value::Null],
            ],
        );
        let expected = "\
┌────┬───────┐
│ id │ name  │
├────┼───────┤
│ 1  │ alice │
│ 22 │ null  │
└────┴───────┘
";
        assert_eq!(table, expected);
    }

    #[test]
    fn blobs_and_reals_display_readably() {
        assert_eq!(display_value(&D1Value::Blob(vec![1, 2])), "[1,2]");
        assert_eq!(display_value(&D1Value::Real(2.0)), "2");
        assert_eq!(display_value(&D1Value::Real(2.5)), "2.5");
    }
}
