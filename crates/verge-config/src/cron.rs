//! Cron expressions as Cloudflare's Cron Triggers read them: five fields (minute, hour,
//! day of month, month, day of week), UTC, day of week `1`–`7` = `SUN`–`SAT` (not Unix's
//! `0`–`6`), names of days and months, `L`, `W`, `LW`, `#`, ranges, lists and steps
//! (workers-api.md §9). Parsing and evaluation are `saffron`'s, the parser Cloudflare wrote
//! for Cron Triggers; the config check and the scheduler use this one function.

/// The five fields, for error messages.
const FIELDS: [&str; 5] = ["minute", "hour", "day of month", "month", "day of week"];

/// Parses `expr` as a Cron Trigger; the error says what is wrong with it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let sunday = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
/// assert!(verge_config::parse_cron("*/5 * * * *").unwrap().contains(sunday));
/// // 1 is Sunday, as on Cloudflare.
/// assert!(verge_config::parse_cron("0 0 * * 1").unwrap().contains(sunday));
/// assert!(verge_config::parse_cron("0 0 * *").is_err());
/// ```
pub fn parse_cron(expr: &str) -> Result<saffron::Cron, String> {
    let parts: Vec<&str> = expr.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!("has {} fields, expected 5", parts.len()));
    }
    if let Ok(cron) = expr.parse::<saffron::Cron>() {
        return Ok(cron);
    }
    // Say which field is at fault: each alone, with the others `*`.
    let bad: Vec<String> = (0..5)
        .filter(|&i| {
            let mut alone = ["*"; 5];
            alone[i] = parts[i];
            alone.join(" ").parse::<saffron::Cron>().is_err()
        })
        .map(|i| format!("{} \"{}\"", FIELDS[i], parts[i]))
        .collect();
    Err(if bad.is_empty() {
        "is not a valid cron expression".to_string()
    } else {
        format!(
            "is not a valid cron expression: invalid {} (minute 0-59, hour 0-23, day of month 1-31 or L/W, month 1-12 or JAN-DEC, day of week 1-7 = SUN-SAT or SUN-SAT, with L and #)",
            bad.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn next(expr: &str, from: &str) -> String {
        let from = DateTime::parse_from_rfc3339(from)
            .unwrap()
            .with_timezone(&Utc);
        parse_cron(expr)
            .unwrap()
            .next_after(from)
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn cloudflare_syntax_parses_and_evaluates_in_utc() {
        // 2025-06-01 is a Sunday.
        assert_eq!(
            next("*/5 * * * *", "2025-06-01T00:01:00Z"),
            "2025-06-01T00:05:00+00:00"
        );
        assert_eq!(
            next("0 3 * * 1", "2025-06-01T04:00:00Z"),
            "2025-06-08T03:00:00+00:00"
        );
        assert_eq!(
            next("0 3 * * SUN", "2025-06-01T04:00:00Z"),
            "2025-06-08T03:00:00+00:00"
        );
        // Last Friday of the month (6 = FRI).
        assert_eq!(
            next("0 18 * * 6L", "2025-06-01T00:00:00Z"),
            "2025-06-27T18:00:00+00:00"
        );
        // Last weekday of the month.
        assert_eq!(
            next("59 23 LW * *", "2025-05-01T00:00:00Z"),
            "2025-05-30T23:59:00+00:00"
        );
        // Second Monday (2 = MON).
        assert_eq!(
            next("0 0 * * 2#2", "2025-06-01T00:00:00Z"),
            "2025-06-09T00:00:00+00:00"
        );
        assert_eq!(
            next("0 0 1 JAN *", "2025-06-01T00:00:00Z"),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(
            next("0 12 15W * *", "2025-06-01T00:00:00Z"),
            "2025-06-16T12:00:00+00:00"
        );
        assert_eq!(
            next("0 0 L * *", "2025-06-01T00:00:00Z"),
            "2025-06-30T00:00:00+00:00"
        );
    }

    #[test]
    fn malformed_expressions_say_why() {
        assert_eq!(
            parse_cron("0 3 * *").unwrap_err(),
            "has 4 fields, expected 5"
        );
        for (expr, field) in [
            ("61 * * * *", "minute \"61\""),
            ("* 24 * * *", "hour \"24\""),
            ("* * 32 * *", "day of month \"32\""),
            ("* * * FOO *", "month \"FOO\""),
            // Unix's 0 for Sunday is not Cloudflare's.
            ("0 0 * * 0", "day of week \"0\""),
        ] {
            let e = parse_cron(expr).unwrap_err();
            assert!(e.contains(&format!("invalid {field}")), "{expr}: {e}");
        }
        assert!(parse_cron("@daily").is_err());
    }
}
