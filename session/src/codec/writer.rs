//! Encoding into a caller-owned buffer with BodyLength and CheckSum patched at the end.
//!
//! The body is written after a gap sized for the longest header (`8=<BeginString>|9=nnnnnnn|`);
//! `finish` writes the real header right-aligned against the body, so nothing is moved and the
//! message is the returned range of the buffer.
//!
//! The writer emits fields in the order it is called: a conforming message writes the standard
//! header after MsgType in ascending tag order (34, 49, 52, 56, ...), then the body. `finish`
//! puts 8 and 9 in front and CheckSum at the end.

use super::tags;
use super::value::Decimal;
use super::SOH;
use crate::digits::{copy_short, count_digits, write_fixed, write_u64};
use crate::time::{TimePrecision, TimestampFormatter, UtcTime};
use thiserror::Error;

/// `tag=` as little-endian bytes of one word and its length, for tags of up to 7 digits.
///
/// Always inlined: the writer's callers pass constant tags, so the loop folds to a constant.
#[inline(always)]
fn tag_word(tag: u32) -> Option<(u64, usize)> {
    if tag == 0 || tag > 9_999_999 {
        return None;
    }
    let mut word = u64::from(b'=');
    let mut len = 1;
    let mut t = tag;
    while t > 0 {
        word = (word << 8) | u64::from(b'0' + (t % 10) as u8);
        t /= 10;
        len += 1;
    }
    // Each digit (least significant first) pushed the earlier bytes up: the first digit ends
    // in the lowest byte, which is the first byte stored.
    Some((word, len))
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The buffer is too small for the message.
    #[error("encode buffer of {capacity} bytes is too small for the message")]
    BufferTooSmall {
        /// The buffer's size.
        capacity: usize,
    },
    /// The body is longer than BodyLength's seven digits allow.
    #[error("body of {len} bytes exceeds the 9,999,999 bytes BodyLength can carry")]
    BodyTooLong {
        /// The body's length.
        len: usize,
    },
}

const MAX_LEN_DIGITS: usize = 7;

/// Writes one message into a caller-owned buffer.
#[derive(Debug)]
pub struct MessageWriter<'b> {
    buf: &'b mut [u8],
    begin_string: &'b [u8],
    body_start: usize,
    pos: usize,
    overflow: bool,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message: reserves the header and writes MsgType(35).
    pub fn new(buf: &'b mut [u8], begin_string: &'b [u8], msg_type: &[u8]) -> Self {
        let body_start = 2 + begin_string.len() + 1 + 2 + MAX_LEN_DIGITS + 1;
        let mut w = MessageWriter {
            overflow: body_start > buf.len(),
            buf,
            begin_string,
            body_start,
            pos: body_start,
        };
        w.bytes(tags::MSG_TYPE, msg_type);
        w
    }

    /// Bytes written so far after the header gap (MsgType included).
    pub fn body_len(&self) -> usize {
        self.pos - self.body_start
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        match self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos += bytes.len();
            }
            None => self.overflow = true,
        }
    }

    /// Writes `tag=`, lets `value` fill the rest of the buffer and report its length, then
    /// writes SOH: one bounds check per field, and values are formatted straight into place.
    /// Always inlined so that `tag=` of a constant tag is a constant word.
    #[inline(always)]
    fn field_with(
        &mut self,
        tag: u32,
        value: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> &mut Self {
        if self.overflow {
            return self;
        }
        let Some(rest) = self.buf.get_mut(self.pos..) else {
            self.overflow = true;
            return self;
        };
        let vstart = match (tag_word(tag), rest.get_mut(..8)) {
            // The common case: `tag=` as one 8-byte store (the bytes past it are overwritten
            // by the value or left beyond the message), no call to a variable-length copy.
            (Some((word, len)), Some(dst)) => {
                dst.copy_from_slice(&word.to_le_bytes());
                len
            }
            _ => {
                let mut tb = itoa::Buffer::new();
                let t = tb.format(tag).as_bytes();
                if rest.len() <= t.len() + 1 {
                    self.overflow = true;
                    return self;
                }
                rest[..t.len()].copy_from_slice(t);
                rest[t.len()] = b'=';
                t.len() + 1
            }
        };
        match rest.get_mut(vstart..).and_then(value) {
            Some(n) if vstart + n < rest.len() => {
                rest[vstart + n] = SOH;
                self.pos += vstart + n + 1;
            }
            _ => self.overflow = true,
        }
        self
    }

    /// A field with a raw value (string, char, data: the caller's bytes as they are).
    ///
    /// The value is not checked for SOH: only a data field (see [`MessageWriter::data`]) may
    /// carry one, and the caller knows which field it is writing.
    #[inline]
    pub fn bytes(&mut self, tag: u32, value: &[u8]) -> &mut Self {
        self.field_with(tag, |dst| copy_short(dst, value))
    }

    /// A string field.
    #[inline]
    pub fn str(&mut self, tag: u32, value: &str) -> &mut Self {
        self.bytes(tag, value.as_bytes())
    }

    /// An unsigned integer field.
    #[inline]
    pub fn uint(&mut self, tag: u32, value: u64) -> &mut Self {
        self.field_with(tag, |dst| write_u64(dst, value))
    }

    /// A signed integer field.
    #[inline]
    pub fn int(&mut self, tag: u32, value: i64) -> &mut Self {
        self.field_with(tag, |dst| {
            if value < 0 {
                *dst.first_mut()? = b'-';
                Some(1 + write_u64(dst.get_mut(1..)?, value.unsigned_abs())?)
            } else {
                write_u64(dst, value.unsigned_abs())
            }
        })
    }

    /// A one-byte char field.
    #[inline]
    pub fn char(&mut self, tag: u32, value: u8) -> &mut Self {
        self.field_with(tag, |dst| {
            *dst.first_mut()? = value;
            Some(1)
        })
    }

    /// A boolean field (`Y`/`N`).
    #[inline]
    pub fn bool(&mut self, tag: u32, value: bool) -> &mut Self {
        self.char(tag, if value { b'Y' } else { b'N' })
    }

    /// A decimal field (price, quantity) without floats.
    #[inline]
    pub fn decimal(&mut self, tag: u32, value: Decimal) -> &mut Self {
        self.field_with(tag, |dst| value.write(dst))
    }

    /// A UTCTimestamp field, formatted through the caller's cached formatter.
    #[inline]
    pub fn timestamp(
        &mut self,
        tag: u32,
        fmt: &mut TimestampFormatter,
        t: UtcTime,
        precision: TimePrecision,
    ) -> &mut Self {
        self.field_with(tag, |dst| fmt.format(t, precision, dst))
    }

    /// A length-prefixed data field pair: the length tag, then the data (which may hold SOH).
    pub fn data(&mut self, len_tag: u32, data_tag: u32, data: &[u8]) -> &mut Self {
        self.uint(len_tag, data.len() as u64);
        self.bytes(data_tag, data)
    }

    /// Pre-encoded `tag=value<SOH>` fields, appended as they are (a body copied from a stored
    /// message on resend).
    pub fn raw_fields(&mut self, fields: &[u8]) -> &mut Self {
        self.put(fields);
        self
    }

    /// Patches BodyLength and appends CheckSum; returns the message's range in the buffer.
    pub fn finish(self) -> Result<std::ops::Range<usize>, EncodeError> {
        let capacity = self.buf.len();
        if self.overflow || self.pos + 7 > capacity {
            return Err(EncodeError::BufferTooSmall { capacity });
        }
        let body_len = self.pos - self.body_start;
        let len_digits = count_digits(body_len as u64);
        if len_digits > MAX_LEN_DIGITS {
            return Err(EncodeError::BodyTooLong { len: body_len });
        }
        let header_len = 2 + self.begin_string.len() + 1 + 2 + len_digits + 1;
        let start = self.body_start - header_len;
        let header = &mut self.buf[start..self.body_start];
        header[..2].copy_from_slice(b"8=");
        // The header slice was sized for the BeginString, so the copy cannot come up short.
        let at = 2 + copy_short(&mut header[2..], self.begin_string).unwrap_or(0);
        header[at..at + 3].copy_from_slice(&[SOH, b'9', b'=']);
        write_fixed(&mut header[at + 3..at + 3 + len_digits], body_len as u64);
        header[at + 3 + len_digits] = SOH;
        let sum = super::checksum(&self.buf[start..self.pos]);
        let trailer = [
            b'1',
            b'0',
            b'=',
            b'0' + sum / 100,
            b'0' + (sum / 10) % 10,
            b'0' + sum % 10,
            SOH,
        ];
        self.buf[self.pos..self.pos + 7].copy_from_slice(&trailer);
        Ok(start..self.pos + 7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;

    #[test]
    fn writes_a_valid_message() {
        let mut buf = [0u8; 256];
        let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"0");
        w.uint(34, 2).str(49, "A").str(56, "B");
        let r = w.finish().unwrap();
        assert_eq!(
            &buf[r.clone()],
            b"8=FIX.4.4\x019=20\x0135=0\x0134=2\x0149=A\x0156=B\x0110=126\x01"
        );
        let mut d = Decoder::new();
        assert!(d.decode(&buf[r]).is_ok());
    }

    #[test]
    fn tags_of_every_width() {
        for tag in [
            1u32,
            9,
            10,
            35,
            999,
            1000,
            9_999_999,
            10_000_000,
            123_456_789,
        ] {
            let mut buf = [0u8; 64];
            let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"0");
            w.str(tag, "v");
            let r = w.finish().unwrap();
            let want = format!("\x01{tag}=v\x01");
            let text = String::from_utf8_lossy(&buf[r]).into_owned();
            assert!(text.contains(&want), "{text:?}");
        }
        assert_eq!(
            tag_word(35),
            Some((u64::from_le_bytes(*b"35=\0\0\0\0\0"), 3))
        );
        assert_eq!(tag_word(0), None);
    }

    #[test]
    fn every_buffer_size_fails_cleanly_or_writes_the_message() {
        let mut full = [0u8; 128];
        let mut w = MessageWriter::new(&mut full, b"FIX.4.4", b"D");
        w.str(55, "AAPL")
            .uint(34, 12)
            .decimal(44, Decimal::new(-12345, 2));
        let r = w.finish().unwrap();
        let want = full[r].to_vec();
        for size in 0..128 {
            let mut buf = vec![0u8; size];
            let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"D");
            w.str(55, "AAPL")
                .uint(34, 12)
                .decimal(44, Decimal::new(-12345, 2));
            match w.finish() {
                Ok(r) => assert_eq!(&buf[r], &want[..], "size {size}"),
                Err(e) => assert_eq!(e, EncodeError::BufferTooSmall { capacity: size }),
            }
        }
    }

    #[test]
    fn too_small_buffer_is_an_error() {
        let mut buf = [0u8; 30];
        let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"0");
        w.str(58, "a long text that does not fit");
        assert_eq!(
            w.finish(),
            Err(EncodeError::BufferTooSmall { capacity: 30 })
        );
    }
}
