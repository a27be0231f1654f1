//! Time-zone operations behind the JS `Intl` (`js/intl.js`): QuickJS has no `Intl`, so verge
//! provides a small one. The IANA database comes from `chrono-tz` (compiled in); everything
//! locale-shaped (patterns, names, number formatting) is JS data in `js/intl.js`.
//!
//! See `js/intl.js` for the supported locales and options.

use chrono::{DateTime, Datelike, Offset, Timelike};
use chrono_tz::{OffsetName, Tz};
use rquickjs::prelude::*;
use rquickjs::{Ctx, Exception, Object, Result};

/// The canonical spelling of the IANA zone `name` (ASCII case-insensitive), or `None` when the
/// zone is unknown. `UTC`, `Etc/UTC`, `Etc/GMT`, `GMT` and their aliases resolve to `"UTC"`, as
/// in V8.
pub fn canonical_time_zone(name: &str) -> Option<String> {
    const UTC_ALIASES: [&str; 8] = [
        "utc",
        "etc/utc",
        "etc/gmt",
        "gmt",
        "etc/universal",
        "etc/zulu",
        "universal",
        "zulu",
    ];
    let lower = name.to_ascii_lowercase();
    if UTC_ALIASES.contains(&lower.as_str()) {
        return Some("UTC".into());
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name))
        .map(|tz| tz.name().to_string())
}

/// Local calendar fields of an instant in a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonedFields {
    /// Proleptic Gregorian year (astronomical numbering: 0 is 1 BC).
    pub year: i32,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-59.
    pub second: u32,
    /// 0-999.
    pub millisecond: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// Offset from UTC in seconds (east positive).
    pub offset_seconds: i32,
    /// The zone's abbreviation at that instant (`"EST"`, `"CET"`, `"+0530"`...).
    pub abbreviation: String,
}

/// The fields of `epoch_ms` (a JS time value) in `zone` (a canonical name), or `None` if the zone
/// is unknown or the instant is out of range.
pub fn zoned_fields(epoch_ms: f64, zone: &str) -> Option<ZonedFields> {
    if !epoch_ms.is_finite() {
        return None;
    }
    let utc = DateTime::from_timestamp_millis(epoch_ms.floor() as i64)?;
    let tz: Tz = if zone == "UTC" {
        Tz::UTC
    } else {
        zone.parse().ok()?
    };
    let local = utc.with_timezone(&tz);
    let off = local.offset();
    Some(ZonedFields {
        year: local.year(),
        month: local.month(),
        day: local.day(),
        hour: local.hour(),
        minute: local.minute(),
        second: local.second(),
        millisecond: local.timestamp_subsec_millis(),
        weekday: local.weekday().num_days_from_sunday(),
        offset_seconds: off.fix().local_minus_utc(),
        abbreviation: off.abbreviation().unwrap_or_default().to_string(),
    })
}

/// Installs `internal.intl.{canonicalTimeZone, zoned, timeZones}`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    ops.set(
        "canonicalTimeZone",
        Func::from(|name: String| canonical_time_zone(&name)),
    )?;
    ops.set(
        "zoned",
        Func::from(
            |ctx: Ctx<'js>, epoch_ms: f64, zone: String| -> Result<Vec<rquickjs::Value<'js>>> {
                let f = zoned_fields(epoch_ms, &zone)
                    .ok_or_else(|| Exception::throw_range(&ctx, "Invalid time value"))?;
                let nums = [
                    f.year as f64,
                    f.month as f64,
                    f.day as f64,
                    f.hour as f64,
                    f.minute as f64,
                    f.second as f64,
                    f.millisecond as f64,
                    f.weekday as f64,
                    f.offset_seconds as f64,
                ];
                let mut out: Vec<rquickjs::Value<'js>> = nums
                    .iter()
                    .map(|n| rquickjs::Value::new_float(ctx.clone(), *n))
                    .collect();
                out.push(rquickjs::String::from_str(ctx.clone(), &f.abbreviation)?.into_value());
                Ok(out)
            },
        ),
    )?;
    ops.set(
        "timeZones",
        Func::from(|| {
            let mut v: Vec<String> = chrono_tz::TZ_VARIANTS
                .iter()
                .map(|t| t.name().to_string())
                .filter(|n| !n.starts_with("Etc/") && n.contains('/'))
                .collect();
            v.push("UTC".into());
            v.sort();
            v
        }),
    )?;
    internal.set("intl", ops)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_resolve_case_insensitively() {
        assert_eq!(
            canonical_time_zone("america/new_york").as_deref(),
            Some("America/New_York")
        );
        assert_eq!(canonical_time_zone("Etc/UTC").as_deref(), Some("UTC"));
        assert_eq!(canonical_time_zone("gmt").as_deref(), Some("UTC"));
        assert_eq!(canonical_time_zone("Mars/Base"), None);
    }

    #[test]
    fn zoned_fields_follow_dst() {
        let winter = zoned_fields(0.0, "America/New_York").unwrap();
        assert_eq!(
            (winter.year, winter.month, winter.day, winter.hour),
            (1969, 12, 31, 19)
        );
        assert_eq!(
            (winter.offset_seconds, winter.abbreviation.as_str()),
            (-5 * 3600, "EST")
        );
        let summer = zoned_fields(1_720_926_245_000.0, "America/New_York").unwrap();
        assert_eq!(
            (summer.offset_seconds, summer.abbreviation.as_str()),
            (-4 * 3600, "EDT")
        );
        let kolkata = zoned_fields(0.0, "Asia/Kolkata").unwrap();
        assert_eq!(kolkata.offset_seconds, 5 * 3600 + 1800);
        assert_eq!(zoned_fields(-1.0, "UTC").unwrap().millisecond, 999);
        assert!(zoned_fields(f64::NAN, "UTC").is_none());
    }
}
