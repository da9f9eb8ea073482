//! UTCTimestamp parsing, for SendingTime and OrigSendingTime checks.

use super::format::days_from_civil;
use super::UtcTime;

/// Parses `YYYYMMDD-HH:MM:SS[.f{1,9}]` into a [`UtcTime`]; `None` if it is not one.
///
/// Leap second 60 is accepted as FIX allows it and folds into the next minute.
pub fn parse_utc_timestamp(s: &[u8]) -> Option<UtcTime> {
    if s.len() < 17 || s[8] != b'-' || s[11] != b':' || s[14] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &b in &s[r] {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(12..14)?, num(15..17)?);
    if !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    let mut nanos = 0u32;
    if s.len() > 17 {
        let frac = &s[18..];
        if s[17] != b'.' || frac.is_empty() || frac.len() > 9 {
            return None;
        }
        for (i, &b) in frac.iter().enumerate() {
            if !b.is_ascii_digit() {
                return None;
            }
            nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
        }
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec);
    Some(UtcTime::from_unix(secs, nanos))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_precisions() {
        let base = UtcTime::from_unix(1_700_000_000, 0);
        assert_eq!(parse_utc_timestamp(b"20231114-22:13:20"), Some(base));
        assert_eq!(
            parse_utc_timestamp(b"20231114-22:13:20.5"),
            Some(UtcTime::from_unix(1_700_000_000, 500_000_000))
        );
        assert_eq!(
            parse_utc_timestamp(b"20231114-22:13:20.123456789"),
            Some(UtcTime::from_unix(1_700_000_000, 123_456_789))
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            &b""[..],
            b"20231114 22:13:20",
            b"20231314-22:13:20",
            b"20230230-22:13:20",
            b"20231114-24:00:00",
            b"20231114-22:13:20.",
            b"20231114-22:13:20.1234567890",
            b"2023111a-22:13:20",
            b"20231114-22:13:20x123",
        ] {
            assert_eq!(
                parse_utc_timestamp(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
