//! Compatibility dates and flags.
//!
//! The known flags and the dates from which they are on by default are the table
//! "Compatibility flags that change observable behaviour" in `shared/spec/wrangler-config.md`.
//! Every flag can be turned off with `no_<flag>`; where workerd has a differently spelled
//! opposite (`url_original`, `streams_disable_constructors`, ...) that is accepted too.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ConfigError;

/// A calendar date in `YYYY-MM-DD` form, as used by `compatibility_date`.
///
/// Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompatDate {
    /// Year, e.g. 2025.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31 (checked against the month).
    pub day: u8,
}

impl CompatDate {
    /// A date, checked to exist in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<CompatDate> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(CompatDate { year, month, day })
    }

    /// Today's date in UTC according to the system clock.
    pub fn today_utc() -> CompatDate {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        CompatDate::from_days_since_epoch(days)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> CompatDate {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        CompatDate {
            year: u16::try_from(year).unwrap_or(u16::MAX),
            // Both are in range by construction of the algorithm.
            month: u8::try_from(month).expect("month is 1..=12"),
            day: u8::try_from(day).expect("day is 1..=31"),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl FromStr for CompatDate {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<CompatDate, ConfigError> {
        let invalid = |reason| ConfigError::InvalidDate {
            value: s.to_string(),
            reason,
        };
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(invalid("expected YYYY-MM-DD"));
        }
        // All ten bytes are ASCII, so slicing by byte index is safe.
        let year: u16 = s[0..4].parse().map_err(|_| invalid("bad year"))?;
        let month: u8 = s[5..7].parse().map_err(|_| invalid("bad month"))?;
        let day: u8 = s[8..10].parse().map_err(|_| invalid("bad day"))?;
        if !(1..=12).contains(&month) {
            return Err(invalid("month must be 01..12"));
        }
        CompatDate::new(year, month, day).ok_or_else(|| invalid("no such day in that month"))
    }
}

impl fmt::Display for CompatDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One known flag: its name, its explicitly spelled opposite (besides `no_<name>`), the date
/// from which it is on by default, and a flag it implies when set.
struct FlagSpec {
    name: &'static str,
    opposite: Option<&'static str>,
    default_from: Option<(u16, u8, u8)>,
    implies: Option<&'static str>,
}

const fn flag(
    name: &'static str,
    opposite: Option<&'static str>,
    default_from: Option<(u16, u8, u8)>,
) -> FlagSpec {
    FlagSpec {
        name,
        opposite,
        default_from,
        implies: None,
    }
}

/// Flags verge knows, from the spec table plus `nodejs_compat_v2`, `nodejs_als`,
/// `websocket_standard_binary_type` and `global_fetch_strictly_public`.
const FLAGS: &[FlagSpec] = &[
    flag(
        "formdata_parser_supports_files",
        Some("formdata_parser_converts_files_to_strings"),
        Some((2021, 11, 3)),
    ),
    flag(
        "durable_object_fetch_requires_full_url",
        Some("durable_object_fetch_allows_relative_url"),
        Some((2021, 11, 10)),
    ),
    flag(
        "fetch_refuses_unknown_protocols",
        Some("fetch_treats_unknown_protocols_as_http"),
        Some((2021, 11, 10)),
    ),
    flag("url_standard", Some("url_original"), Some((2022, 10, 31))),
    flag(
        "streams_enable_constructors",
        Some("streams_disable_constructors"),
        Some((2022, 11, 30)),
    ),
    flag(
        "transformstream_enable_standard_constructor",
        Some("transformstream_disable_standard_constructor"),
        Some((2022, 11, 30)),
    ),
    flag(
        "http_headers_getsetcookie",
        Some("http_headers_no_getsetcookie"),
        Some((2023, 3, 1)),
    ),
    flag("queues_json_messages", None, Some((2024, 3, 18))),
    flag("rpc", None, Some((2024, 4, 3))),
    flag("upper_case_all_http_methods", None, Some((2024, 10, 14))),
    flag(
        "urlpattern_standard",
        Some("urlpattern_original"),
        Some((2025, 5, 1)),
    ),
    flag(
        "enable_ctx_exports",
        Some("disable_ctx_exports"),
        Some((2025, 11, 17)),
    ),
    flag("delete_all_deletes_alarm", None, Some((2026, 2, 24))),
    flag("websocket_standard_binary_type", None, Some((2026, 3, 17))),
    flag("web_socket_auto_reply_to_close", None, Some((2026, 4, 7))),
    flag("nodejs_compat", None, Some((2026, 8, 4))),
    FlagSpec {
        name: "nodejs_compat_v2",
        opposite: None,
        default_from: Some((2026, 8, 4)),
        implies: Some("nodejs_compat"),
    },
    flag("nodejs_als", None, None),
    // In the templates of create-cloudflare, Astro and OpenNext.
    flag(
        "global_fetch_strictly_public",
        Some("global_fetch_private_origin"),
        None,
    ),
];

/// How a flag name relates to a known flag.
fn lookup(name: &str) -> Option<(&'static FlagSpec, bool)> {
    FLAGS.iter().find_map(|spec| {
        if spec.name == name {
            Some((spec, true))
        } else if spec.opposite == Some(name) || name.strip_prefix("no_") == Some(spec.name) {
            Some((spec, false))
        } else {
            None
        }
    })
}

/// Whether `name` is a flag verge knows (either polarity).
pub fn is_known_flag(name: &str) -> bool {
    lookup(name).is_some()
}

/// Resolved compatibility behaviour: the date's defaults overridden by explicit flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatFlags {
    date: CompatDate,
    /// Canonical flag name → explicitly on/off.
    explicit: BTreeMap<&'static str, bool>,
}

/// Why [`CompatFlags::resolve`] rejected a flag list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagProblem {
    /// The flag at this index is not known.
    Unknown(usize),
    /// Flags at these indices turn the same behaviour on and off.
    Conflict(usize, usize),
}

impl CompatFlags {
    /// Resolve `flags` against `date`.
    pub fn resolve(date: CompatDate, flags: &[String]) -> Result<CompatFlags, FlagProblem> {
        let mut explicit = BTreeMap::new();
        let mut set_at: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (i, f) in flags.iter().enumerate() {
            let (spec, on) = lookup(f).ok_or(FlagProblem::Unknown(i))?;
            if let Some(prev) = explicit.insert(spec.name, on)
                && prev != on
            {
                let first = set_at.get(spec.name).copied().unwrap_or(i);
                return Err(FlagProblem::Conflict(first, i));
            }
            set_at.insert(spec.name, i);
        }
        Ok(CompatFlags { date, explicit })
    }

    /// The compatibility date the defaults come from.
    pub fn date(&self) -> CompatDate {
        self.date
    }

    /// Whether `flag` is in effect. `flag` may be either polarity: `enabled("no_rpc")` is
    /// `!enabled("rpc")`. Unknown names are never enabled.
    pub fn enabled(&self, flag: &str) -> bool {
        match lookup(flag) {
            Some((spec, true)) => self.spec_enabled(spec),
            Some((spec, false)) => !self.spec_enabled(spec),
            None => false,
        }
    }

    fn spec_enabled(&self, spec: &FlagSpec) -> bool {
        if let Some(&on) = self.explicit.get(spec.name) {
            return on;
        }
        let implied = FLAGS.iter().any(|other| {
            other.implies == Some(spec.name) && self.explicit.get(other.name) == Some(&true)
        });
        if implied {
            return true;
        }
        match spec.default_from {
            Some((y, m, d)) => {
                self.date
                    >= CompatDate {
                        year: y,
                        month: m,
                        day: d,
                    }
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> CompatDate {
        s.parse().expect("test date")
    }

    fn flags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn date_parses_and_displays_round_trip() {
        let d = date("2024-02-29");
        assert_eq!((d.year, d.month, d.day), (2024, 2, 29));
        assert_eq!(d.to_string(), "2024-02-29");
    }

    #[test]
    fn date_rejects_days_that_do_not_exist() {
        for bad in [
            "2023-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
        ] {
            let err = bad.parse::<CompatDate>().expect_err(bad);
            assert!(err.to_string().contains(bad), "{err}");
        }
        assert!("1900-02-29".parse::<CompatDate>().is_err());
        assert!("2000-02-29".parse::<CompatDate>().is_ok());
    }

    #[test]
    fn date_rejects_wrong_shapes() {
        for bad in [
            "2024-1-01",
            "2024/01/01",
            "24-01-01",
            "2024-01-01T00",
            "",
            "２０２４-01-01",
        ] {
            assert!(bad.parse::<CompatDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        assert!(date("2023-12-31") < date("2024-01-01"));
        assert!(date("2024-02-01") > date("2024-01-31"));
    }

    #[test]
    fn days_since_epoch_convert_to_calendar_dates() {
        assert_eq!(CompatDate::from_days_since_epoch(0), date("1970-01-01"));
        assert_eq!(
            CompatDate::from_days_since_epoch(19_782),
            date("2024-02-29")
        );
        assert!(CompatDate::today_utc() > date("2024-01-01"));
    }

    #[test]
    fn flags_default_on_from_their_date() {
        let before = CompatFlags::resolve(date("2024-04-02"), &[]).expect("no flags");
        let after = CompatFlags::resolve(date("2024-04-03"), &[]).expect("no flags");
        assert!(!before.enabled("rpc"));
        assert!(after.enabled("rpc"));
        assert!(after.enabled("queues_json_messages"));
        assert!(!after.enabled("no_rpc"));
    }

    #[test]
    fn explicit_flag_wins_over_date() {
        let on = CompatFlags::resolve(date("2021-01-01"), &flags(&["url_standard"])).expect("ok");
        assert!(on.enabled("url_standard"));
        assert!(!on.enabled("url_original"));
        let off = CompatFlags::resolve(date("2025-01-01"), &flags(&["url_original"])).expect("ok");
        assert!(!off.enabled("url_standard"));
        let off =
            CompatFlags::resolve(date("2025-01-01"), &flags(&["no_url_standard"])).expect("ok");
        assert!(!off.enabled("url_standard"));
    }

    #[test]
    fn every_flag_has_a_no_prefixed_opposite() {
        for spec in FLAGS {
            let off = format!("no_{}", spec.name);
            assert!(is_known_flag(&off), "{off}");
            let r = CompatFlags::resolve(date("2030-01-01"), &[off]).expect("known");
            assert!(!r.enabled(spec.name), "{}", spec.name);
        }
    }

    #[test]
    fn named_opposites_are_accepted() {
        for name in [
            "formdata_parser_converts_files_to_strings",
            "durable_object_fetch_allows_relative_url",
            "fetch_treats_unknown_protocols_as_http",
            "url_original",
            "streams_disable_constructors",
            "no_queues_json_messages",
            "nodejs_als",
            "nodejs_compat_v2",
        ] {
            assert!(is_known_flag(name), "{name}");
        }
    }

    #[test]
    fn unknown_flag_is_reported_by_index() {
        let err = CompatFlags::resolve(date("2025-01-01"), &flags(&["rpc", "warp_drive"]));
        assert_eq!(err, Err(FlagProblem::Unknown(1)));
    }

    #[test]
    fn a_flag_and_its_opposite_conflict() {
        let err = CompatFlags::resolve(
            date("2025-01-01"),
            &flags(&["rpc", "nodejs_compat", "no_rpc"]),
        );
        assert_eq!(err, Err(FlagProblem::Conflict(0, 2)));
    }

    #[test]
    fn nodejs_compat_v2_implies_nodejs_compat() {
        let r =
            CompatFlags::resolve(date("2025-01-01"), &flags(&["nodejs_compat_v2"])).expect("ok");
        assert!(r.enabled("nodejs_compat"));
        let r = CompatFlags::resolve(date("2025-01-01"), &[]).expect("ok");
        assert!(!r.enabled("nodejs_compat"));
        assert!(!r.enabled("nodejs_als"));
    }
}
