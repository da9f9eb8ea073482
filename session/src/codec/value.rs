//! Typed field values parsed from borrowed bytes, without floats on the value path.

use crate::digits::{count_digits, write_fixed};
use crate::time::{parse_date, parse_utc_time_only, parse_utc_timestamp, Date, TimeOfDay, UtcTime};

/// A type a field value can be read as. `parse` returns `None` for a value of the wrong format.
pub trait FieldValue<'a>: Sized {
    /// Parses the raw value bytes.
    fn parse(v: &'a [u8]) -> Option<Self>;
}

impl<'a> FieldValue<'a> for &'a [u8] {
    fn parse(v: &'a [u8]) -> Option<Self> {
        Some(v)
    }
}

impl<'a> FieldValue<'a> for &'a str {
    fn parse(v: &'a [u8]) -> Option<Self> {
        std::str::from_utf8(v).ok()
    }
}

impl<'a> FieldValue<'a> for u64 {
    /// FIX int without a sign: digits only (a leading `+` is not FIX), leading zeros allowed
    /// (`00023` is 23, as the spec says), overflow refused rather than wrapped.
    ///
    /// Read on every inbound message (MsgSeqNum): up to 19 digits cannot overflow, so they skip
    /// the checked multiply and add per digit (~13 instructions a digit checked, 4 unchecked);
    /// only longer values take the checked loop.
    #[inline]
    fn parse(v: &'a [u8]) -> Option<Self> {
        if v.is_empty() {
            return None;
        }
        let mut n = 0u64;
        if v.len() <= 19 {
            for &b in v {
                let d = b.wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                n = n * 10 + u64::from(d);
            }
            return Some(n);
        }
        for &b in v {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(d))?;
        }
        Some(n)
    }
}

impl<'a> FieldValue<'a> for u32 {
    fn parse(v: &'a [u8]) -> Option<Self> {
        u64::parse(v).and_then(|n| u32::try_from(n).ok())
    }
}

impl<'a> FieldValue<'a> for i64 {
    /// FIX int with an optional `-`; `-0` is 0 and the full range down to `i64::MIN` parses.
    fn parse(v: &'a [u8]) -> Option<Self> {
        match v.split_first() {
            Some((b'-', rest)) => 0i64.checked_sub_unsigned(u64::parse(rest)?),
            _ => u64::parse(v).and_then(|n| i64::try_from(n).ok()),
        }
    }
}

impl<'a> FieldValue<'a> for i32 {
    fn parse(v: &'a [u8]) -> Option<Self> {
        i64::parse(v).and_then(|n| i32::try_from(n).ok())
    }
}

impl<'a> FieldValue<'a> for bool {
    fn parse(v: &'a [u8]) -> Option<Self> {
        match v {
            b"Y" => Some(true),
            b"N" => Some(false),
            _ => None,
        }
    }
}

/// A FIX `char`: exactly one byte.
impl<'a> FieldValue<'a> for u8 {
    fn parse(v: &'a [u8]) -> Option<Self> {
        match v {
            [c] => Some(*c),
            _ => None,
        }
    }
}

impl<'a> FieldValue<'a> for UtcTime {
    fn parse(v: &'a [u8]) -> Option<Self> {
        parse_utc_timestamp(v)
    }
}

/// UTCDateOnly and LocalMktDate: `YYYYMMDD`.
impl<'a> FieldValue<'a> for Date {
    fn parse(v: &'a [u8]) -> Option<Self> {
        parse_date(v)
    }
}

/// UTCTimeOnly: `HH:MM:SS[.f{1,9}]`.
impl<'a> FieldValue<'a> for TimeOfDay {
    fn parse(v: &'a [u8]) -> Option<Self> {
        parse_utc_time_only(v)
    }
}

/// A FIX float (price, qty, amount) as `mantissa × 10^-scale`, exact and float-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits as an integer, sign included.
    pub mantissa: i64,
    /// Digits after the decimal point.
    pub scale: u8,
}

impl Decimal {
    /// `mantissa × 10^-scale`.
    pub const fn new(mantissa: i64, scale: u8) -> Decimal {
        Decimal { mantissa, scale }
    }

    /// The longest text [`Decimal::write`] produces: sign, 19 digits, a point and 255 decimals
    /// (or a leading `0.`).
    pub const MAX_TEXT_LEN: usize = 1 + 20 + 1 + 255;

    /// Writes the value as FIX text and returns the bytes used, `None` if `out` is too short.
    ///
    /// The scale is kept (`-12.50` stays `-12.50`, it is not normalised to `-12.5`): a price's
    /// precision is information. A zero mantissa is written without a sign whatever the text
    /// it came from (`-0.0` reads as mantissa 0): FIX has no negative zero.
    #[inline]
    pub fn write(&self, out: &mut [u8]) -> Option<usize> {
        let m = self.mantissa.unsigned_abs();
        let scale = usize::from(self.scale);
        let neg = usize::from(self.mantissa < 0);
        // Digits left of the point (at least one: `0.05`), then the scale's digits.
        let int_len = count_digits(m).saturating_sub(scale).max(1);
        let len = neg + int_len + if scale > 0 { 1 + scale } else { 0 };
        let out = out.get_mut(..len)?;
        if neg == 1 {
            out[0] = b'-';
        }
        if scale == 0 {
            write_fixed(&mut out[neg..], m);
        } else {
            // Right to left: the fraction's digits, then what is left of the mantissa.
            let (int, frac) = out[neg..].split_at_mut(int_len);
            let rest = write_fixed(&mut frac[1..], m);
            frac[0] = b'.';
            write_fixed(int, rest);
        }
        Some(len)
    }
}

impl<'a> FieldValue<'a> for Decimal {
    /// `[-]digits[.digits]` (also `5.` and `.5`); no exponent, no `+`, at least one digit, a
    /// mantissa within `i64` and at most 255 decimals. `-0` and `-0.00` read as zero.
    fn parse(v: &'a [u8]) -> Option<Self> {
        let (neg, digits) = match v.split_first()? {
            (b'-', rest) => (true, rest),
            _ => (false, v),
        };
        let mut m: u64 = 0;
        let mut scale: u8 = 0;
        let mut seen_point = false;
        let mut any_digit = false;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d <= 9 {
                any_digit = true;
                m = m.checked_mul(10)?.checked_add(u64::from(d))?;
                if seen_point {
                    scale = scale.checked_add(1)?;
                }
            } else if b == b'.' && !seen_point {
                seen_point = true;
            } else {
                return None;
            }
        }
        if !any_digit {
            return None;
        }
        let mantissa = if neg {
            0i64.checked_sub_unsigned(m)?
        } else {
            i64::try_from(m).ok()?
        };
        Some(Decimal { mantissa, scale })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-by-digit checked parse `u64::parse` shortcuts for up to 19 digits.
    fn checked_u64(v: &[u8]) -> Option<u64> {
        if v.is_empty() {
            return None;
        }
        v.iter().try_fold(0u64, |n, &b| {
            let d = b.wrapping_sub(b'0');
            (d <= 9).then_some(())?;
            n.checked_mul(10)?.checked_add(u64::from(d))
        })
    }

    #[test]
    fn u64_parse_agrees_with_the_checked_parse_at_every_length() {
        let mut cases: Vec<Vec<u8>> = [
            &b""[..],
            b"0",
            b"1",
            b"00023",
            b"+1",
            b"-1",
            b"1a",
            b" 1",
            b"9999999999999999999",
            b"18446744073709551615",
            b"18446744073709551616",
            b"99999999999999999999",
            b"000000000000000000001",
        ]
        .iter()
        .map(|c| c.to_vec())
        .collect();
        for n in [
            0u64,
            7,
            10,
            12_345,
            u64::from(u32::MAX),
            u64::MAX / 3,
            u64::MAX,
        ] {
            cases.push(n.to_string().into_bytes());
        }
        for len in 0..=21 {
            cases.push(vec![b'9'; len]);
            cases.push(vec![b'/'; len]);
            cases.push(vec![b':'; len]);
        }
        for c in cases {
            assert_eq!(
                u64::parse(&c),
                checked_u64(&c),
                "{:?}",
                String::from_utf8_lossy(&c)
            );
        }
    }

    #[test]
    fn integers() {
        assert_eq!(u64::parse(b"0"), Some(0));
        assert_eq!(u64::parse(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(u64::parse(b"18446744073709551616"), None);
        assert_eq!(u64::parse(b"000000000000000000000023"), Some(23));
        assert_eq!(i64::parse(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i64::parse(b"9223372036854775808"), None);
        assert_eq!(i64::parse(b"-0"), Some(0));
        assert_eq!(i64::parse(b"-"), None);
        assert_eq!(i64::parse(b"--1"), None);
        assert_eq!(i32::parse(b"-2147483648"), Some(i32::MIN));
        assert_eq!(u64::parse(b"1x"), None);
        assert_eq!(u64::parse(b""), None);
        assert_eq!(i64::parse(b"-42"), Some(-42));
        assert_eq!(u32::parse(b"4294967296"), None);
    }

    #[test]
    fn decimals_round_trip_without_floats() {
        for (text, m, s) in [
            ("12.50", 1250, 2),
            ("-0.001", -1, 3),
            ("7", 7, 0),
            ("0.5", 5, 1),
            ("100.", 100, 0),
        ] {
            let d = Decimal::parse(text.as_bytes()).unwrap();
            assert_eq!((d.mantissa, d.scale), (m, s), "{text}");
        }
        let mut buf = [0u8; 32];
        for (m, s, want) in [
            (1250, 2, "12.50"),
            (-1, 3, "-0.001"),
            (7, 0, "7"),
            (5, 1, "0.5"),
        ] {
            let n = Decimal {
                mantissa: m,
                scale: s,
            }
            .write(&mut buf)
            .unwrap();
            assert_eq!(&buf[..n], want.as_bytes());
        }
        assert_eq!(Decimal::parse(b"."), None);
        assert_eq!(Decimal::parse(b"1.2.3"), None);
        assert_eq!(Decimal::parse(b"-"), None);
        assert_eq!(Decimal::parse(b"1e5"), None);
        assert_eq!(Decimal::parse(b"+1"), None);
    }

    #[test]
    fn decimal_edges() {
        // Negative zero reads as zero and writes without a sign.
        assert_eq!(Decimal::parse(b"-0"), Some(Decimal::new(0, 0)));
        assert_eq!(Decimal::parse(b"-0.00"), Some(Decimal::new(0, 2)));
        let mut buf = [0u8; Decimal::MAX_TEXT_LEN];
        let n = Decimal::new(0, 2).write(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"0.00");
        // The whole i64 range, both ways.
        for m in [i64::MIN, i64::MAX] {
            for s in [0u8, 3, 19, 25, 255] {
                let d = Decimal::new(m, s);
                let n = d.write(&mut buf).unwrap();
                assert_eq!(Decimal::parse(&buf[..n]), Some(d), "{m} {s}");
            }
        }
        assert_eq!(Decimal::parse(b"9223372036854775808"), None);
        assert_eq!(Decimal::parse(b"-9223372036854775809"), None);
        assert_eq!(Decimal::new(1, 0).write(&mut [0u8; 0]), None);
        assert_eq!(Decimal::new(-15, 3).write(&mut [0u8; 5]), None);
    }

    #[test]
    fn decimals_write_as_text_arithmetic_does() {
        // The reference: the mantissa's digits, zero-padded to more than the scale, with the
        // point inserted `scale` digits from the right.
        let reference = |m: i64, s: u8| {
            let digits = format!("{:0>w$}", m.unsigned_abs(), w = usize::from(s) + 1);
            let (int, frac) = digits.split_at(digits.len() - usize::from(s));
            let sign = if m < 0 { "-" } else { "" };
            if s == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            }
        };
        let mut buf = [0u8; Decimal::MAX_TEXT_LEN];
        for m in (-2000..2000).chain([i64::MAX, i64::MIN + 1, 10i64.pow(18), -(10i64.pow(17))]) {
            for s in [0u8, 1, 2, 3, 4, 8, 18, 19, 20, 21, 40] {
                let n = Decimal::new(m, s).write(&mut buf).unwrap();
                assert_eq!(
                    std::str::from_utf8(&buf[..n]).unwrap(),
                    reference(m, s),
                    "{m} {s}"
                );
            }
        }
    }

    #[test]
    fn chars_and_bools() {
        assert_eq!(u8::parse(b"1"), Some(b'1'));
        assert_eq!(u8::parse(b"12"), None);
        assert_eq!(bool::parse(b"Y"), Some(true));
        assert_eq!(bool::parse(b"y"), None);
    }
}
