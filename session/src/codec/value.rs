//! Typed field values parsed from borrowed bytes, without floats on the value path.

use crate::time::{parse_utc_timestamp, UtcTime};

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
    /// FIX int without a sign: digits only (a leading `+` is not FIX).
    fn parse(v: &'a [u8]) -> Option<Self> {
        if v.is_empty() || v.len() > 19 {
            return None;
        }
        let mut n = 0u64;
        for &b in v {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u64::from(b - b'0');
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
    fn parse(v: &'a [u8]) -> Option<Self> {
        match v.split_first() {
            Some((b'-', rest)) => u64::parse(rest)
                .and_then(|n| i64::try_from(n).ok())
                .map(|n| -n),
            _ => u64::parse(v).and_then(|n| i64::try_from(n).ok()),
        }
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

/// A FIX float (price, qty, amount) as `mantissa × 10^-scale`, exact and float-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits as an integer, sign included.
    pub mantissa: i64,
    /// Digits after the decimal point.
    pub scale: u8,
}

impl Decimal {
    /// Writes the value as FIX text (`-12.50` keeps its scale) and returns the bytes used.
    pub fn write(&self, out: &mut [u8]) -> Option<usize> {
        let mut tmp = itoa::Buffer::new();
        let digits = tmp.format(self.mantissa.unsigned_abs()).as_bytes();
        let scale = usize::from(self.scale);
        let int_len = digits.len().saturating_sub(scale).max(1);
        let len = usize::from(self.mantissa < 0) + int_len + if scale > 0 { 1 + scale } else { 0 };
        let out = out.get_mut(..len)?;
        let mut i = 0;
        if self.mantissa < 0 {
            out[0] = b'-';
            i = 1;
        }
        let pad = (scale + 1).saturating_sub(digits.len());
        let mut padded = [b'0'; 40];
        padded[pad..pad + digits.len()].copy_from_slice(digits);
        let all = &padded[..pad + digits.len()];
        let split = all.len() - scale;
        out[i..i + split].copy_from_slice(&all[..split]);
        i += split;
        if scale > 0 {
            out[i] = b'.';
            out[i + 1..i + 1 + scale].copy_from_slice(&all[split..]);
        }
        Some(len)
    }
}

impl<'a> FieldValue<'a> for Decimal {
    fn parse(v: &'a [u8]) -> Option<Self> {
        let (neg, digits) = match v.split_first()? {
            (b'-', rest) => (true, rest),
            _ => (false, v),
        };
        if digits.is_empty() {
            return None;
        }
        let mut m: i64 = 0;
        let mut scale: Option<u8> = None;
        let mut any_digit = false;
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    any_digit = true;
                    m = m.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
                    if let Some(s) = scale.as_mut() {
                        *s = s.checked_add(1).filter(|&s| s <= 18)?;
                    }
                }
                b'.' if scale.is_none() => scale = Some(0),
                _ => return None,
            }
        }
        if !any_digit {
            return None;
        }
        Some(Decimal {
            mantissa: if neg { -m } else { m },
            scale: scale.unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(u64::parse(b"0"), Some(0));
        assert_eq!(u64::parse(b"18446744073709551615"), None);
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
    }

    #[test]
    fn chars_and_bools() {
        assert_eq!(u8::parse(b"1"), Some(b'1'));
        assert_eq!(u8::parse(b"12"), None);
        assert_eq!(bool::parse(b"Y"), Some(true));
        assert_eq!(bool::parse(b"y"), None);
    }
}
