//! Times on the command line: unix seconds, or an amount of time ago (`30m`, `24h`, `7d`).

use super::error::CliError;

/// Unix seconds for `text` at `now`: pure, so every hostile input is a unit test. Refuses
/// (never panics on) text that is not ASCII, a negative or overflowing amount, and a unit
/// other than s, m, h, d, w.
pub fn parse(text: &str, now: i64) -> Result<i64, CliError> {
    let text = text.trim();
    let bad = || CliError::BadTime(text.to_owned());
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    // The unit is the last character, whatever its width (`split_at` on a byte index would
    // panic inside a multi-byte character such as `é`).
    let mut chars = text.chars();
    let unit = chars.next_back().ok_or_else(bad)?;
    let amount = chars.as_str();
    // Only digits: `-5m` (a time in the future) and `+5m` are refused, not misread.
    if amount.is_empty() || !amount.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let amount: i64 = amount.parse().map_err(|_| bad())?;
    let unit_seconds: i64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(CliError::BadTimeUnit(text.to_owned())),
    };
    amount
        .checked_mul(unit_seconds)
        .and_then(|ago| now.checked_sub(ago))
        .ok_or_else(bad)
}

/// `2026-11-22 01:32:59 UTC` for a unix time (civil-from-days, proleptic Gregorian).
pub fn format(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        assert_eq!(parse("1700000000", 0).unwrap(), 1_700_000_000);
        assert_eq!(parse("24h", 100_000).unwrap(), 100_000 - 86_400);
        assert_eq!(parse("7d", 1_000_000).unwrap(), 1_000_000 - 604_800);
        assert!(parse("yesterday", 0).is_err());
        assert!(parse("5y", 0).is_err());
    }

    /// Issue 13 item 21: hostile input is an error, never a panic.
    #[test]
    fn item21_hostile_times_are_errors() {
        let now = 1_700_000_000;
        for text in [
            "5é",
            "é",
            "",
            " ",
            "-5m",
            "+5m",
            "m",
            "5 m",
            "5mm",
            "999999999999999999999d",
            "99999999999999w",
            "\u{0}",
        ] {
            assert!(parse(text, now).is_err(), "{text:?}");
        }
        assert!(matches!(parse("5é", now), Err(CliError::BadTimeUnit(_))));
        assert!(matches!(parse("", now), Err(CliError::BadTime(_))));
        assert_eq!(parse(" 30m ", now).unwrap(), now - 1_800);
        assert_eq!(parse("0s", now).unwrap(), now);
        assert_eq!(parse("-5", now).unwrap(), -5);
        assert!(parse("9223372036854775807s", i64::MIN).is_err());
    }

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format(1_234_567_890), "2009-02-13 23:31:30 UTC");
        assert_eq!(format(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
