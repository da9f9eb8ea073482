//! Scanning for the decoder: the general path reads tags a byte at a time and looks for the
//! value's closing SOH eight bytes at a time; the fast path reads a whole `tag=` from one word.
//!
//! Measured on the NewOrderSingle fixture (best of 300 rounds, same machine and load):
//! memchr per value 175 ns/message (its per-call dispatch costs more than a short value), a
//! byte loop 142 ns, eight bytes at a time (SWAR) 141 ns; reading the tag with SWAR as well
//! made it slower (225 ns: a multiply chain per tag on the critical path), as did 64-byte SOH
//! bitmasks (259 ns). So: the simple tag loop, and a SWAR word search for the SOH, which also
//! stays fast for long values (timestamps, texts). All safe code: the word loads are
//! `from_le_bytes` of checked slices.

use super::error::DecodeError;
use super::SOH;

const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;

/// 0x80 in the byte of `w` that is the first (lowest) zero byte, and possibly in later bytes.
///
/// Cheaper than [`zero_bytes`] by one operation; a borrow can flag bytes after a real zero but
/// never before it, so the lowest flag is exact, which is all a "first X" search needs.
#[inline(always)]
fn first_zero_byte(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & (ONES << 7)
}

/// [`first_zero_byte`] of four bytes.
#[inline(always)]
fn first_zero_byte32(w: u32) -> u32 {
    w.wrapping_sub(0x0101_0101) & !w & 0x8080_8080
}

/// Bit i set when byte i of `w` (bytes in wire order) is SOH.
#[inline(always)]
pub(crate) fn soh_bits(w: u64) -> u64 {
    let flags = zero_bytes(w ^ (ONES * u64::from(SOH)));
    // Gathers the eight flag bits (0x80 of each byte) into the top byte: the multiplier puts
    // byte i's bit at 56 + i, and no two partial products meet, so nothing carries.
    ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The tag at the start of `w` (bytes in wire order) and the index of its value (one past the
/// `=`), when the `=` is within the word and everything before it is a valid tag (digits, no
/// leading zero). `None` leaves the verdict to the byte loop.
///
/// Branch-free apart from the verdict: one digit check over all tag bytes and a multiply-shift
/// conversion. Tags of up to four digits (nearly all of them) have their `=` in bytes 1 to 4,
/// searched as one `u32` so that every constant is an immediate: the same search over the whole
/// word reloaded three 64-bit constants per field, 110 instructions a NewOrderSingle more.
/// Longer tags, and a word with no `=` in those bytes, take the cold 64-bit variant.
#[inline(always)]
pub(crate) fn word_tag(w: u64) -> Option<(u32, usize)> {
    let eqs = first_zero_byte32((w >> 8) as u32 ^ 0x3d3d_3d3d);
    if eqs == 0 {
        return long_word_tag(w);
    }
    // 8j + 7 for the `=` at byte j + 1 (so k = j + 1). An `=` at byte 0 (an empty tag) is not
    // searched for: the digit check below refuses it.
    let bit = eqs.trailing_zeros();
    let x = w as u32 ^ 0x3030_3030;
    // Right-align the tag's bytes: the `=` and what follows shift out, zero bytes (digit 0)
    // shift in, so one shift (by 32 - 8k = 31 - bit) both masks and aligns.
    let v = x << (31 - bit);
    // The `=` is byte k = bit / 8 + 1. The value's index rather than k is returned: the phi of
    // the two paths' k kept a caller from folding its `+ 1` into one `lea` (two instructions
    // a field).
    let value_at = (bit / 8) as usize + 2;
    // No leading zero (digit 0 in byte 0).
    if x & 0xff == 0 {
        return None;
    }
    Some((aligned_digits32(v)?, value_at))
}

/// [`word_tag`] when bytes 1 to 4 hold no `=`: a tag of five to seven digits, or `None` (an `=`
/// at byte 0, which is an empty tag, or none in the word).
#[cold]
fn long_word_tag(w: u64) -> Option<(u32, usize)> {
    let k = (first_zero_byte(w ^ (ONES * u64::from(b'='))).trailing_zeros() / 8) as usize;
    if !(5..8).contains(&k) {
        return None;
    }
    // No leading zero: word_number allows them, a tag does not.
    if w & 0xff == u64::from(b'0') {
        return None;
    }
    Some((word_number(w, k)?, k + 1))
}

/// The number that the first `k` bytes of `w` (bytes in wire order) spell in ASCII digits,
/// leading zeros allowed; `None` when `k` is not 1 to 8 or one of those bytes is not a digit.
///
/// For lengths and the CheckSum, whose digits end at a known offset: one digit check and two or
/// three multiplies, where the byte loop took ten instructions a digit. Up to four digits (a
/// CheckSum, nearly every BodyLength) are read as a `u32`, whose constants are immediates.
#[inline(always)]
pub(crate) fn word_number(w: u64, k: usize) -> Option<u32> {
    match k {
        1..=4 => short_number(w as u32, k),
        5..=8 => long_number(w, k),
        _ => None,
    }
}

/// [`word_number`] of one to four digits.
#[inline(always)]
fn short_number(w: u32, k: usize) -> Option<u32> {
    // Right-align the digits: the bytes after them shift out, zero bytes (digit 0) shift in.
    aligned_digits32((w ^ 0x3030_3030) << (32 - 8 * k))
}

/// [`word_number`] of five to eight digits.
#[inline(always)]
fn long_number(w: u64, k: usize) -> Option<u32> {
    aligned_digits64((w ^ (ONES * u64::from(b'0'))) << (64 - 8 * k))
}

/// The number of four right-aligned digits less `'0'` (leading zero bytes allowed, as digit
/// 0); `None` when a byte is not 0 to 9.
#[inline(always)]
fn aligned_digits32(v: u32) -> Option<u32> {
    // Digits are 0..=9: no high nibble, and adding 6 does not make one. A carry out of an
    // invalid byte only reaches later bytes, so the test can fail but never wrongly pass.
    if (v | v.wrapping_add(0x0606_0606)) & 0xf0f0_f0f0 != 0 {
        return None;
    }
    // Combine adjacent digits into pairs and pairs into the number.
    let v = v.wrapping_mul(10 << 8 | 1) >> 8;
    Some((v & 0x00ff_00ff).wrapping_mul(100 << 16 | 1) >> 16)
}

/// [`aligned_digits32`] of eight digits.
#[inline(always)]
fn aligned_digits64(v: u64) -> Option<u32> {
    if (v | v.wrapping_add(ONES * 6)) & HIGH_NIBBLES != 0 {
        return None;
    }
    let v = v.wrapping_mul(10 << 8 | 1) >> 8;
    let v = (v & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 << 16 | 1) >> 16;
    let v = (v & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 << 32 | 1) >> 32;
    // At most 99,999,999.
    Some(v as u32)
}

/// 0x80 in each byte of `w` that is zero, 0 elsewhere (exact: no carry crosses bytes).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    !(((w & LOWS).wrapping_add(LOWS)) | w | LOWS)
}

/// Reads `tag=` at `pos`; returns the tag and the offset of the `=`.
///
/// A tag is a positive integer of at most 9 digits without leading zeros: `0=`, `035=` and
/// `=` are all invalid tags, as QuickFIX and the FIX spec treat them.
#[inline]
pub(crate) fn read_tag(frame: &[u8], pos: usize) -> Result<(u32, usize), DecodeError> {
    let bad = DecodeError::BadTag { offset: pos };
    match frame.get(pos) {
        Some(b'1'..=b'9') => {}
        Some(_) => return Err(bad),
        None => {
            return Err(DecodeError::Unterminated {
                tag: 0,
                offset: pos,
            })
        }
    }
    let mut tag: u32 = 0;
    let mut i = pos;
    while i < frame.len() {
        let b = frame[i];
        if b == b'=' {
            return Ok((tag, i));
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 || i - pos >= 9 {
            return Err(bad);
        }
        tag = tag * 10 + u32::from(d);
        i += 1;
    }
    Err(DecodeError::Unterminated { tag, offset: pos })
}

/// Offset of the first SOH at or after `from`.
#[inline]
pub(crate) fn find_soh(frame: &[u8], from: usize) -> Option<usize> {
    let mut p = from;
    while let Some(word) = frame.get(p..p + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let flags = zero_bytes(u64::from_le_bytes(w) ^ (ONES * u64::from(SOH)));
        if flags != 0 {
            return Some(p + (flags.trailing_zeros() / 8) as usize);
        }
        p += 8;
    }
    frame
        .get(p..)?
        .iter()
        .position(|&b| b == SOH)
        .map(|i| p + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(read_tag(b"35=D", 0), Ok((35, 2)));
        assert_eq!(read_tag(b"123456789=x", 0), Ok((123_456_789, 9)));
        assert_eq!(read_tag(b"x|8=", 2), Ok((8, 3)));
        for bad in [&b"0="[..], b"035=", b"=", b"3a=", b"1234567890=", b"1 ="] {
            assert_eq!(read_tag(bad, 0), Err(DecodeError::BadTag { offset: 0 }));
        }
        assert_eq!(
            read_tag(b"35", 0),
            Err(DecodeError::Unterminated { tag: 35, offset: 0 })
        );
        assert_eq!(
            read_tag(b"", 0),
            Err(DecodeError::Unterminated { tag: 0, offset: 0 })
        );
    }

    fn word(bytes: &[u8]) -> u64 {
        let mut w = [b'x'; 8];
        w[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        u64::from_le_bytes(w)
    }

    #[test]
    fn word_tags_agree_with_the_byte_loop() {
        // Every tag of one to four digits, a spread of longer ones, each followed by `=`.
        let tags = (1u32..10_000).chain((10_000..10_000_000).step_by(997));
        for t in tags {
            let text = format!("{t}=v");
            let want = read_tag(text.as_bytes(), 0).unwrap();
            assert_eq!(
                word_tag(word(text.as_bytes())),
                Some((want.0, want.1 + 1)),
                "{text}"
            );
        }
        assert_eq!(word_tag(word(b"9999999=")), Some((9_999_999, 8)));
        // Eight digits do not fit the word with their `=`: the byte loop decides.
        assert_eq!(word_tag(word(b"12345678=")), None);
        // Malformed: each must be refused (the byte loop then names the error).
        let bad: [&[u8]; 13] = [
            b"=1",
            // An `=` at byte 0 is not searched for by the short path: the digit check refuses it.
            b"=1=",
            b"=123=",
            b"=12345=",
            b"0=",
            b"01=",
            b"1a=",
            b":=",
            b"/=",
            b"1\x01=",
            b"12 4=",
            b"\xff1=",
            b"123456:=",
        ];
        for b in bad {
            assert_eq!(word_tag(word(b)), None, "{:?}", String::from_utf8_lossy(b));
            assert!(read_tag(b, 0).is_err() || b.len() > 8);
        }
    }

    #[test]
    fn word_numbers_agree_with_parse_len() {
        // Every length of one to eight digits, leading zeros included, each cut from a word
        // whose later bytes are not digits, digits, or SOH.
        let texts = (0u32..2_000)
            .chain((2_000..100_000_000).step_by(9_973))
            .flat_map(|n| [format!("{n}"), format!("{n:08}"), format!("{n:03}")]);
        for text in texts {
            for tail in ["=\x01\x01\x01\x01\x01\x01\x01\x01", "99999999", "\x01"] {
                let bytes = format!("{text}{tail}");
                let k = text.len();
                let want = crate::codec::decode::parse_len(text.as_bytes()).map(|v| v as u32);
                assert_eq!(
                    word_number(word(bytes.as_bytes()), k),
                    want,
                    "{bytes:?} {k}"
                );
            }
        }
        assert_eq!(word_number(word(b"12345678"), 0), None);
        assert_eq!(word_number(word(b"12345678"), 9), None);
        // Each non-digit byte, at each of the eight places, is refused.
        for at in 0..8 {
            for b in (0u8..=255).filter(|b| !b.is_ascii_digit()) {
                let mut w = *b"12345678";
                w[at] = b;
                for k in at + 1..=8 {
                    assert_eq!(word_number(word(&w), k), None, "{w:?} {k}");
                }
                assert!(word_number(word(&w), at).is_some() || at == 0);
            }
        }
    }

    #[test]
    fn soh_bits_mark_every_soh() {
        for pattern in 0u32..256 {
            let bytes: Vec<u8> = (0..8)
                .map(|i| {
                    if pattern & (1 << i) != 0 {
                        SOH
                    } else {
                        [0x81, 0, 2, 0xff][i % 4]
                    }
                })
                .collect();
            assert_eq!(soh_bits(word(&bytes)), u64::from(pattern));
        }
    }

    #[test]
    fn finds_every_soh_in_words_and_tail() {
        let mut frame = vec![b'a'; 300];
        let sohs = [0usize, 5, 7, 8, 63, 64, 65, 127, 128, 200, 295, 299];
        for &i in &sohs {
            frame[i] = SOH;
        }
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = find_soh(&frame, from) {
            found.push(i);
            from = i + 1;
        }
        assert_eq!(found, sohs);
        assert_eq!(find_soh(&frame, 300), None);
        assert_eq!(find_soh(&frame, 301), None);
        assert_eq!(find_soh(b"abc", 0), None);
        // Bytes with the high bit set next to a SOH must not confuse the word test.
        assert_eq!(
            find_soh(b"\xff\x81\x80\x01\xfe\xff\xff\xff\x01", 0),
            Some(3)
        );
        assert_eq!(
            find_soh(b"\x00\x02\x03\x11\x21\x41\x81\xc1\x01", 0),
            Some(8)
        );
    }
}
