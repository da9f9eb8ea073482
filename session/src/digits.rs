//! Decimal digits and short copies written straight into an output slice.
//!
//! The encoder's integers (MsgSeqNum, ClOrdID, BodyLength, quantities, a timestamp's fraction)
//! are short, and formatting them into a scratch buffer and then copying the result with a
//! variable-length `memcpy` cost more than the digits themselves. Counting the digits first lets
//! them be written in place, two at a time, right to left; short values are copied with two
//! overlapping fixed-size moves instead of a call.

/// `"00" "01" ... "99"`: two digits per lookup.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// The number of decimal digits of `v` (1 for zero).
#[inline]
pub(crate) fn count_digits(v: u64) -> usize {
    let v = v | 1;
    // floor(log10(2) * bit length) is the digit count or one less; a table settles which.
    let bits = 64 - v.leading_zeros() as usize;
    let t = (bits * 1233) >> 12;
    t + 1 - usize::from(v < POW10[t])
}

/// Writes the lowest `out.len()` digits of `v` into `out`, zero-padded on the left, and returns
/// what is left of `v` (`v / 10^out.len()`): a decimal's integer part comes from its fraction's
/// digits without a division by a run-time power of ten.
#[inline]
pub(crate) fn write_fixed(out: &mut [u8], mut v: u64) -> u64 {
    let mut i = out.len();
    while i >= 2 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        out[i - 2..i].copy_from_slice(&PAIRS[d..d + 2]);
        i -= 2;
    }
    if i == 1 {
        out[0] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    v
}

/// Writes `v` in decimal at the start of `out`; `None` when `out` is too short.
#[inline]
pub(crate) fn write_u64(out: &mut [u8], v: u64) -> Option<usize> {
    let n = count_digits(v);
    write_fixed(out.get_mut(..n)?, v);
    Some(n)
}

/// Copies `src` to the start of `dst`; `None` when `dst` is too short.
///
/// Values of 4 to 16 bytes (CompIDs, symbols, account names) move as two overlapping words
/// rather than through a `memcpy` call.
#[inline]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) -> Option<usize> {
    let n = src.len();
    let dst = dst.get_mut(..n)?;
    if (8..=16).contains(&n) {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if (4..8).contains(&n) {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n < 4 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    } else {
        dst.copy_from_slice(src);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<u64> {
        let mut v = vec![0, 1, 9, u64::MAX, u64::MAX - 1];
        for &p in &POW10 {
            v.extend([p - 1, p, p + 1, p.saturating_mul(3)]);
        }
        v.extend((0..2000).map(|i| i * 7919));
        v
    }

    #[test]
    fn counts_digits_at_every_power_of_ten() {
        for v in samples() {
            assert_eq!(count_digits(v), v.to_string().len(), "{v}");
        }
    }

    #[test]
    fn writes_what_display_writes() {
        for v in samples() {
            let mut buf = [0u8; 24];
            let n = write_u64(&mut buf, v).unwrap();
            assert_eq!(&buf[..n], v.to_string().as_bytes());
            let n = v.to_string().len();
            assert_eq!(write_u64(&mut buf[..n - 1], v), None);
        }
    }

    #[test]
    fn fixed_width_pads_and_truncates() {
        let mut b = [0u8; 5];
        assert_eq!(write_fixed(&mut b, 42), 0);
        assert_eq!(&b, b"00042");
        assert_eq!(write_fixed(&mut b[..3], 123_456), 123);
        assert_eq!(&b[..3], b"456");
        assert_eq!(write_fixed(&mut b[..2], 123), 1);
        assert_eq!(&b[..2], b"23");
        assert_eq!(write_fixed(&mut b[..0], 7), 7);
    }

    #[test]
    fn short_copies_of_every_length() {
        let src: Vec<u8> = (1..=40).collect();
        for n in 0..=40 {
            let mut dst = [0u8; 48];
            assert_eq!(copy_short(&mut dst, &src[..n]), Some(n));
            assert_eq!(&dst[..n], &src[..n]);
            assert!(
                dst[n..].iter().all(|&b| b == 0),
                "len {n} wrote past its end"
            );
            if n > 0 {
                assert_eq!(copy_short(&mut dst[..n - 1], &src[..n]), None);
            }
        }
    }
}
