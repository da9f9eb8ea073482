//! SendingTime formatting from a cached per-second prefix.
//!
//! A calendar computation (days → year/month/day) per message costs more than the rest of the
//! header; messages in one second share the `YYYYMMDD-HH:MM:SS` part, so it is computed once per
//! second and only the fraction is formatted per message.

use super::UtcTime;
use crate::digits::write_fixed;

/// The longest timestamp: `YYYYMMDD-HH:MM:SS.nnnnnnnnn`.
pub const TIMESTAMP_MAX_LEN: usize = 27;

/// How many fractional digits a UTCTimestamp carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimePrecision {
    /// `YYYYMMDD-HH:MM:SS`
    Seconds,
    /// `.sss`, the FIX default and what the QuickFIX acceptance suite expects.
    #[default]
    Millis,
    /// `.ssssss`
    Micros,
    /// `.sssssssss`
    Nanos,
}

impl TimePrecision {
    /// Number of fractional digits.
    pub const fn digits(self) -> usize {
        match self {
            TimePrecision::Seconds => 0,
            TimePrecision::Millis => 3,
            TimePrecision::Micros => 6,
            TimePrecision::Nanos => 9,
        }
    }
}

/// Formats UTC timestamps, caching the date-and-seconds prefix of the last second seen.
#[derive(Debug, Clone)]
pub struct TimestampFormatter {
    cached_sec: i64,
    prefix: [u8; 17],
}

impl Default for TimestampFormatter {
    fn default() -> Self {
        Self::new()
    }
}

impl TimestampFormatter {
    /// A formatter with an empty cache.
    pub fn new() -> Self {
        let mut f = TimestampFormatter {
            cached_sec: 0,
            prefix: [0; 17],
        };
        f.prefix = civil_prefix(0);
        f
    }

    /// Writes `t` at `precision` into `out` and returns the bytes written.
    ///
    /// Returns `None` when `out` is shorter than the formatted timestamp.
    #[inline]
    pub fn format(
        &mut self,
        t: UtcTime,
        precision: TimePrecision,
        out: &mut [u8],
    ) -> Option<usize> {
        let digits = precision.digits();
        let len = if digits == 0 { 17 } else { 18 + digits };
        let out = out.get_mut(..len)?;
        let sec = t.unix_secs();
        if sec != self.cached_sec {
            self.cached_sec = sec;
            self.prefix = civil_prefix(sec);
        }
        out[..17].copy_from_slice(&self.prefix);
        if digits > 0 {
            out[17] = b'.';
            // Constant divisors: a multiply each, where 10^(9 - digits) would be a division.
            let nanos = u64::from(t.subsec_nanos());
            let frac = match precision {
                TimePrecision::Seconds | TimePrecision::Millis => nanos / 1_000_000,
                TimePrecision::Micros => nanos / 1_000,
                TimePrecision::Nanos => nanos,
            };
            write_fixed(&mut out[18..], frac);
        }
        Some(len)
    }
}

/// `YYYYMMDD-HH:MM:SS` for whole seconds since the epoch (proleptic Gregorian, years 0..=9999).
///
/// Once a second, so kept out of line: `format` stays small enough to inline.
#[cold]
#[inline(never)]
fn civil_prefix(unix_secs: i64) -> [u8; 17] {
    let days = unix_secs.div_euclid(86_400);
    let sod = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(0, 9999) as u32;
    let (hh, mm, ss) = (
        (sod / 3600) as u32,
        ((sod / 60) % 60) as u32,
        (sod % 60) as u32,
    );
    let mut p = [0u8; 17];
    put_digits(&mut p[0..4], y);
    put_digits(&mut p[4..6], m);
    put_digits(&mut p[6..8], d);
    p[8] = b'-';
    put_digits(&mut p[9..11], hh);
    p[11] = b':';
    put_digits(&mut p[12..14], mm);
    p[14] = b':';
    put_digits(&mut p[15..17], ss);
    p
}

fn put_digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01: Howard Hinnant's `days_from_civil`.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(t: UtcTime, p: TimePrecision) -> String {
        let mut f = TimestampFormatter::new();
        let mut buf = [0u8; TIMESTAMP_MAX_LEN];
        let n = f.format(t, p, &mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn formats_every_precision() {
        let t = UtcTime::from_unix(1_700_000_000, 123_456_789);
        assert_eq!(fmt(t, TimePrecision::Seconds), "20231114-22:13:20");
        assert_eq!(fmt(t, TimePrecision::Millis), "20231114-22:13:20.123");
        assert_eq!(fmt(t, TimePrecision::Micros), "20231114-22:13:20.123456");
        assert_eq!(fmt(t, TimePrecision::Nanos), "20231114-22:13:20.123456789");
    }

    #[test]
    fn cache_follows_the_second() {
        let mut f = TimestampFormatter::new();
        let mut buf = [0u8; TIMESTAMP_MAX_LEN];
        for (secs, want) in [
            (951_782_400, "20000229-00:00:00.000"),
            (951_868_799, "20000229-23:59:59.000"),
            (951_868_800, "20000301-00:00:00.000"),
        ] {
            let n = f
                .format(UtcTime::from_unix(secs, 0), TimePrecision::Millis, &mut buf)
                .unwrap();
            assert_eq!(&buf[..n], want.as_bytes());
        }
    }

    #[test]
    fn short_buffer_is_refused() {
        let mut f = TimestampFormatter::new();
        let mut buf = [0u8; 20];
        assert_eq!(f.format(UtcTime(0), TimePrecision::Millis, &mut buf), None);
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
