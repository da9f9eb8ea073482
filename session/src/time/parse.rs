//! UTCTimestamp parsing, for SendingTime and OrigSendingTime checks.

use super::format::days_from_civil;
use super::{Date, TimeOfDay, UtcTime};

/// Parses `YYYYMMDD-HH:MM:SS[.f{1,9}]` into a [`UtcTime`]; `None` if it is not one.
///
/// Leap second 60 is accepted as FIX allows it and folds into the next minute.
pub fn parse_utc_timestamp(s: &[u8]) -> Option<UtcTime> {
    if s.len() < 17 || s[8] != b'-' {
        return None;
    }
    let date = parse_date(&s[..8])?;
    let tod = parse_utc_time_only(&s[9..])?;
    let days = days_from_civil(
        i64::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    );
    // UtcTime spans 1677..2262: a valid date outside that range is not representable, and
    // refusing it beats wrapping into a wrong time.
    days.checked_mul(86_400_000_000_000)?
        .checked_add(i64::try_from(tod.0).ok()?)
        .map(UtcTime)
}

/// Parses `YYYYMMDD`, the format of UTCDateOnly and LocalMktDate, checking the calendar.
pub fn parse_date(s: &[u8]) -> Option<Date> {
    if s.len() != 8 {
        return None;
    }
    let (year, month, day) = (digits(&s[0..4])?, digits(&s[4..6])?, digits(&s[6..8])?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

/// Parses `HH:MM:SS[.f{1,9}]`, the format of UTCTimeOnly, into nanoseconds since midnight.
/// Second 60 (a leap second) is accepted.
pub fn parse_utc_time_only(s: &[u8]) -> Option<TimeOfDay> {
    if s.len() < 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, mi, sec) = (digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut nanos = 0u32;
    if s.len() > 8 {
        let frac = &s[9..];
        if s[8] != b'.' || frac.is_empty() || frac.len() > 9 {
            return None;
        }
        let mut scale = 100_000_000u32;
        for &b in frac {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            nanos += u32::from(d) * scale;
            scale /= 10;
        }
    }
    let secs = u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(sec);
    Some(TimeOfDay(secs * 1_000_000_000 + u64::from(nanos)))
}

/// A fixed-width run of ASCII digits as a number (at most 4 digits here).
#[inline]
fn digits(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
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
            b"20231114-22:13",
            b"20231114-22:60:00",
            b"20231114-22:13:61",
            b"20231114-2:13:20.1",
            b"-0231114-22:13:20",
        ] {
            assert_eq!(
                parse_utc_timestamp(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn out_of_range_years_are_refused_not_wrapped() {
        assert_eq!(parse_utc_timestamp(b"99991231-23:59:59"), None);
        assert_eq!(parse_utc_timestamp(b"00000101-00:00:00"), None);
        assert_eq!(
            parse_utc_timestamp(b"22620411-23:47:16.854775807"),
            Some(UtcTime(i64::MAX))
        );
        assert_eq!(parse_utc_timestamp(b"22620411-23:47:16.854775808"), None);
    }

    #[test]
    fn leap_second_folds_into_next_minute() {
        assert_eq!(
            parse_utc_timestamp(b"20161231-23:59:60"),
            parse_utc_timestamp(b"20170101-00:00:00")
        );
    }

    #[test]
    fn dates_and_times_of_day() {
        assert_eq!(
            parse_date(b"20240229"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            &b"20230229"[..],
            b"2024022",
            b"202402290",
            b"2024-229",
            b"20241301",
        ] {
            assert_eq!(parse_date(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            parse_utc_time_only(b"01:02:03.5"),
            Some(TimeOfDay(3_723_500_000_000))
        );
        assert_eq!(
            parse_utc_time_only(b"23:59:60"),
            Some(TimeOfDay(86_400_000_000_000))
        );
        for bad in [
            &b"24:00:00"[..],
            b"1:02:03",
            b"01:02:03.",
            b"01:02:03,5",
            b"01-02-03",
        ] {
            assert_eq!(
                parse_utc_time_only(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
