//! `xs:dateTime` and `xs:duration` parsing.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::DateTimeError;

/// Parses an `xs:dateTime`. A value without a time-zone designator is taken as UTC
/// (SAML requires UTC; some metadata omits the `Z`).
pub fn parse_datetime(value: &str) -> Result<OffsetDateTime, DateTimeError> {
    let v = value.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    let has_zone = v.ends_with('Z')
        || v.get(v.len().saturating_sub(6)..)
            .is_some_and(|tail| tail.starts_with('+') || tail.starts_with('-'));
    if !has_zone && let Ok(t) = OffsetDateTime::parse(&format!("{v}Z"), &Rfc3339) {
        return Ok(t);
    }
    Err(DateTimeError::DateTime(value.to_string()))
}

/// Formats a time as `xs:dateTime` in UTC (RFC 3339 with `Z`).
pub fn format_datetime(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Parses a non-negative `xs:duration` (`PnYnMnDTnHnMnS`, fractional seconds allowed).
/// Years count as 365 days and months as 30 days.
pub fn parse_duration(value: &str) -> Result<Duration, DateTimeError> {
    let err = || DateTimeError::Duration(value.to_string());
    let v = value.trim();
    let rest = v.strip_prefix('P').ok_or_else(err)?;
    if rest.is_empty() || rest.ends_with('T') {
        return Err(err());
    }
    let (date, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut secs: f64 = 0.0;
    let mut seen_any = false;
    let mut scan = |part: &str, units: &[(char, f64)], allow_fraction_last: bool| {
        let mut num = String::new();
        let mut idx = 0usize;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let pos = units[idx..]
                .iter()
                .position(|(u, _)| *u == c)
                .ok_or_else(err)?;
            idx += pos;
            let (unit, factor) = units.get(idx).copied().ok_or_else(err)?;
            if num.is_empty() || (num.contains('.') && !(allow_fraction_last && unit == 'S')) {
                return Err(err());
            }
            let n: f64 = num.parse().map_err(|_| err())?;
            secs += n * factor;
            seen_any = true;
            num.clear();
            idx += 1;
        }
        if num.is_empty() { Ok(()) } else { Err(err()) }
    };
    scan(
        date,
        &[
            ('Y', 365.0 * 86400.0),
            ('M', 30.0 * 86400.0),
            ('D', 86400.0),
        ],
        false,
    )?;
    if let Some(t) = time_part {
        scan(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)], true)?;
    }
    if !seen_any || !secs.is_finite() || secs > 1e12 {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT6H"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("P1D"), Ok(Duration::from_secs(86400)));
        assert_eq!(
            parse_duration("P1DT1H30M1.5S"),
            Ok(Duration::from_secs_f64(86400.0 + 5400.0 + 1.5))
        );
        assert_eq!(parse_duration("P1Y"), Ok(Duration::from_secs(365 * 86400)));
        assert_eq!(parse_duration("PT0S"), Ok(Duration::ZERO));
        for bad in [
            "", "P", "PT", "-P1D", "P1H", "PT1D", "P1.5D", "1D", "P1DT", "PT1S1M", "PD",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn datetimes() {
        let t = parse_datetime("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_767_323_045);
        assert_eq!(
            parse_datetime("2026-01-02T03:04:05.123Z")
                .unwrap()
                .unix_timestamp(),
            t.unix_timestamp()
        );
        assert_eq!(parse_datetime("2026-01-02T03:04:05").unwrap(), t);
        assert_eq!(parse_datetime("2026-01-02T04:04:05+01:00").unwrap(), t);
        assert!(parse_datetime("yesterday").is_err());
        assert_eq!(format_datetime(t), "2026-01-02T03:04:05Z");
    }
}
