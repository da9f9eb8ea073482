//! Value format checks per [`FieldType`], without allocation or floats.
//!
//! The default rules are QuickFIX C++ 1.15.1's, byte for byte, because a counterparty tested
//! against QuickFIX expects exactly its verdicts: e.g. `100.` is a valid price, `+1` is not, a
//! UTCTimestamp's day may be 31 in any month and its fraction may be empty. The strict rules
//! (opt-in) add the calendar and the formats QuickFIX leaves unchecked (LocalMktDate, MonthYear,
//! DayOfMonth, TZ times, Currency, Country).

use super::types::FieldType;

/// Whether `v` is a well-formed value of type `ty`.
#[inline]
pub fn is_valid(ty: FieldType, v: &[u8], strict: bool) -> bool {
    match ty {
        t if t.is_integer() => is_int(v),
        t if t.is_decimal() => is_decimal(v),
        FieldType::Char => v.len() == 1,
        FieldType::Boolean => v == b"Y" || v == b"N",
        FieldType::UtcTimestamp => is_utc_timestamp(v, strict),
        FieldType::UtcTimeOnly => is_utc_time_only(v),
        FieldType::UtcDateOnly => is_date(v, strict),
        _ if !strict => true,
        FieldType::LocalMktDate => is_date(v, true),
        FieldType::MonthYear => is_month_year(v),
        FieldType::DayOfMonth => matches!(two_digits_or_one(v), Some(1..=31)),
        FieldType::TzTimeOnly => is_tz_time_only(v),
        FieldType::TzTimestamp => is_tz_timestamp(v),
        FieldType::LocalMktTime => is_utc_time_only(v),
        FieldType::Currency => v.len() == 3 && v.iter().all(u8::is_ascii_alphanumeric),
        FieldType::Country => v.len() == 2 && v.iter().all(u8::is_ascii_alphanumeric),
        _ => true,
    }
}

/// `-?[0-9]+`, any length (QuickFIX does not bound it).
#[inline]
pub fn is_int(v: &[u8]) -> bool {
    let digits = match v.split_first() {
        Some((b'-', rest)) => rest,
        _ => v,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `-?D*(.D*)?` with at least one digit before or after the point.
#[inline]
pub fn is_decimal(v: &[u8]) -> bool {
    let rest = match v.split_first() {
        Some((b'-', rest)) => rest,
        _ => v,
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = &rest[int_len..];
    let frac_len = match after.split_first() {
        None => return int_len > 0,
        Some((b'.', frac)) => {
            if !frac.iter().all(u8::is_ascii_digit) {
                return false;
            }
            frac.len()
        }
        Some(_) => return false,
    };
    int_len + frac_len > 0
}

fn digits(v: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

fn two_digits_or_one(v: &[u8]) -> Option<u32> {
    match v.len() {
        1 | 2 => digits(v),
        _ => None,
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYYMMDD`; the day is checked against the month only when `calendar`.
fn is_date(v: &[u8], calendar: bool) -> bool {
    if v.len() != 8 {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&v[..4]), digits(&v[4..6]), digits(&v[6..8])) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= if calendar { days_in_month(y, m) } else { 31 }
}

/// `HH:MM:SS` with hour <= 23, minute <= 59, second <= 60.
fn is_hms(v: &[u8]) -> bool {
    if v.len() != 8 || v[2] != b':' || v[5] != b':' {
        return false;
    }
    matches!(
        (digits(&v[..2]), digits(&v[3..5]), digits(&v[6..8])),
        (Some(0..=23), Some(0..=59), Some(0..=60))
    )
}

/// `.` followed by digits only (QuickFIX accepts an empty fraction).
fn is_fraction(v: &[u8]) -> bool {
    match v.split_first() {
        None => true,
        Some((b'.', rest)) => rest.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// `YYYYMMDD-HH:MM:SS[.f*]`, 17 to 27 bytes.
fn is_utc_timestamp(v: &[u8], strict: bool) -> bool {
    (17..=27).contains(&v.len())
        && v[8] == b'-'
        && is_date(&v[..8], strict)
        && is_hms(&v[9..17])
        && is_fraction(&v[17..])
        && (!strict || v.len() != 18)
}

/// `HH:MM:SS[.f*]`, 8 to 18 bytes.
fn is_utc_time_only(v: &[u8]) -> bool {
    (8..=18).contains(&v.len()) && is_hms(&v[..8]) && is_fraction(&v[8..])
}

/// `YYYYMM`, `YYYYMMDD` or `YYYYMMwN`.
fn is_month_year(v: &[u8]) -> bool {
    if v.len() < 6 || !matches!(digits(&v[4..6]), Some(1..=12)) || digits(&v[..4]).is_none() {
        return false;
    }
    match &v[6..] {
        [] => true,
        [b'w', n] => (b'1'..=b'5').contains(n),
        [_, _] => is_date(v, true),
        _ => false,
    }
}

/// `Z`, `+hh`, `-hh`, `+hh:mm` or `-hh:mm` (FIX TZ offsets).
fn is_tz_offset(v: &[u8]) -> bool {
    match v {
        b"Z" => true,
        [b'+' | b'-', h1, h2] => matches!(digits(&[*h1, *h2]), Some(0..=14)),
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!(digits(&[*h1, *h2]), Some(0..=14))
                && matches!(digits(&[*m1, *m2]), Some(0..=59))
        }
        _ => false,
    }
}

/// `HH:MM[:SS[.f*]]` then a TZ offset.
fn is_tz_time_only(v: &[u8]) -> bool {
    let end = v
        .iter()
        .position(|&b| matches!(b, b'Z' | b'+' | b'-'))
        .unwrap_or(v.len());
    let (time, tz) = v.split_at(end);
    let time_ok = match time.len() {
        5 => {
            time[2] == b':'
                && matches!(
                    (digits(&time[..2]), digits(&time[3..5])),
                    (Some(0..=23), Some(0..=59))
                )
        }
        8.. => is_hms(&time[..8]) && is_fraction(&time[8..]),
        _ => false,
    };
    time_ok && is_tz_offset(tz)
}

/// `YYYYMMDD-` then a TZTimeOnly.
fn is_tz_timestamp(v: &[u8]) -> bool {
    v.len() > 9 && v[8] == b'-' && is_date(&v[..8], true) && is_tz_time_only(&v[9..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_quickfix() {
        for ok in [
            "0",
            "100.",
            ".5",
            "-.5",
            "-1.25",
            "002000.00",
            "1234567890123456789012",
        ] {
            assert!(is_decimal(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", ".", "-.", "+200.00", "1e5", "1.2.3", " 1", "1 ", "1.x",
        ] {
            assert!(!is_decimal(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn timestamps_follow_quickfix() {
        assert!(is_utc_timestamp(b"20230131-23:59:60", false));
        assert!(is_utc_timestamp(b"20230231-00:00:00.", false));
        assert!(!is_utc_timestamp(b"20230231-00:00:00", true));
        assert!(is_utc_timestamp(b"20230101-00:00:00.123456789", false));
        assert!(!is_utc_timestamp(b"20230101-00:00:00.1234567890", false));
        assert!(!is_utc_timestamp(b"20231301-00:00:00", false));
        assert!(!is_utc_timestamp(b"20230101-24:00:00", false));
    }

    #[test]
    fn strict_formats() {
        assert!(is_month_year(b"202303"));
        assert!(is_month_year(b"20230315"));
        assert!(is_month_year(b"202303w2"));
        assert!(!is_month_year(b"202313"));
        assert!(!is_month_year(b"202303w9"));
        assert!(is_tz_time_only(b"07:39Z"));
        assert!(is_tz_time_only(b"07:39:00.123-05:30"));
        assert!(!is_tz_time_only(b"07:39"));
        assert!(is_tz_timestamp(b"20230101-07:39+01"));
        assert!(!is_tz_timestamp(b"2023010107:39+01"));
    }
}
