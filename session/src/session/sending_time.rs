//! SendingTime parsing with the date-and-seconds part cached.
//!
//! Messages in the same second share `YYYYMMDD-HH:MM:SS`; the calendar arithmetic for it is
//! most of the cost of parsing a timestamp, so it is done once per second of the peer's clock.

use crate::time::{parse_utc_timestamp, UtcTime};

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SendingTimeCache {
    prefix: [u8; 17],
    base: Option<UtcTime>,
}

impl SendingTimeCache {
    /// Parses a UTCTimestamp, reusing the previous whole second when the prefix matches.
    #[inline]
    pub fn parse(&mut self, v: &[u8]) -> Option<UtcTime> {
        if v.len() >= 17 && v[..17] == self.prefix {
            if let Some(base) = self.base {
                if let Some(frac) = fraction(&v[17..]) {
                    return Some(UtcTime(base.0 + frac));
                }
            }
        }
        let t = parse_utc_timestamp(v)?;
        if v.len() >= 17 {
            self.prefix.copy_from_slice(&v[..17]);
            self.base = Some(UtcTime(t.0 - i64::from(t.subsec_nanos())));
        }
        Some(t)
    }
}

/// Nanoseconds per unit of a fraction's last digit, by its digit count (1 to 9): a lookup where
/// `10i64.pow` looped on every inbound message.
const SCALE: [i64; 10] = [
    0,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// Nanoseconds of `""` or `.d{1,9}`.
#[inline]
fn fraction(v: &[u8]) -> Option<i64> {
    match v {
        [] => Some(0),
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let mut n: i64 = 0;
            for &b in digits {
                if !b.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + i64::from(b - b'0');
            }
            Some(n * SCALE[digits.len()])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_parse_agrees_with_full_parse() {
        let mut c = SendingTimeCache::default();
        for v in [
            &b"20260101-12:00:00.123"[..],
            b"20260101-12:00:00.5",
            b"20260101-12:00:00",
            b"20260101-12:00:00.123456789",
            b"20260101-12:00:01.001",
            b"20260101-12:00:00.1x",
            b"20260101-12:00:00.",
        ] {
            assert_eq!(
                c.parse(v),
                parse_utc_timestamp(v),
                "{}",
                String::from_utf8_lossy(v)
            );
        }
        // Every fraction length, and one too long.
        for digits in 1..=10 {
            let v = format!("20260101-12:00:00.{}", &"9876543210"[..digits]);
            assert_eq!(
                c.parse(v.as_bytes()),
                parse_utc_timestamp(v.as_bytes()),
                "{v}"
            );
        }
    }
}
