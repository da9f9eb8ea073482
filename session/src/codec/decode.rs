//! Zero-copy decoding of one framed message into a view over the caller's bytes.

use super::error::{DecodeError, ValueError};
use super::tags;
use super::value::FieldValue;

mod block;
mod checked;
mod fast;
#[cfg(test)]
mod reference;

/// One field of a decoded message: its tag and the byte range of its value in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The tag number.
    pub tag: u32,
    start: u32,
    end: u32,
}

impl Field {
    /// An unused slot of the index.
    #[cfg(test)]
    pub(super) const EMPTY: Field = Field {
        tag: 0,
        start: 0,
        end: 0,
    };

    /// The value's byte range within the frame.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Decodes frames; owns the reusable field index so decoding allocates nothing once warm.
#[derive(Debug)]
pub struct Decoder {
    fields: Vec<Field>,
    fast_path: fast::Variant,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with room for 64 fields before its index first grows.
    pub fn new() -> Self {
        Decoder {
            fields: Vec::with_capacity(64),
            fast_path: fast::Variant::detect(),
        }
    }

    /// Decodes one complete frame (as the [`super::Framer`] delimits it).
    ///
    /// Checks BeginString first, BodyLength second, MsgType third and CheckSum last with three
    /// digits, and recomputes both BodyLength and CheckSum. Fields are kept in wire order,
    /// repeated tags included, so that groups and duplicates can be judged by the validator.
    ///
    /// A well-formed frame takes a fast path that reads each field with one word load (see
    /// `decode/fast.rs`); anything it is not sure of (an error, a data field, a long tag) is
    /// decoded again by the general path, which names the rule that broke.
    // Inlined into callers: out of line, its register saves and call cost 24 instructions a
    // decode (36 an order in the session bench) around the fast path's own call.
    #[inline]
    pub fn decode<'a>(&'a mut self, frame: &'a [u8]) -> Result<Message<'a>, DecodeError> {
        if frame.len() > MAX_FRAME_LEN {
            self.fields.clear();
            return Err(DecodeError::FrameTooLong { len: frame.len() });
        }
        let n = match fast::decode(self.fast_path, frame, &mut self.fields[..]) {
            Some(n) => n,
            None => checked::decode(frame, &mut self.fields)?,
        };
        Ok(Message {
            buf: frame,
            fields: &self.fields[..n],
        })
    }
}

/// The longest frame the decoder accepts: field offsets are kept as `u32` to halve the index.
pub(crate) const MAX_FRAME_LEN: usize = u32::MAX as usize;

/// A non-negative decimal length with no sign, at most 9 digits. Leading zeros are accepted
/// (FIX `int` and `Length` allow them: `9=0005` is a BodyLength of 5).
#[inline]
pub(crate) fn parse_len(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 9 {
        return None;
    }
    let mut n = 0usize;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + usize::from(b - b'0');
    }
    Some(n)
}

/// A decoded message: a view of field ranges into the frame it was decoded from.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    buf: &'a [u8],
    fields: &'a [Field],
}

impl<'a> Message<'a> {
    /// The whole frame, as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// All fields in wire order, header and trailer included.
    pub fn fields(&self) -> &'a [Field] {
        self.fields
    }

    /// The value bytes of a field of this message.
    pub fn value_of(&self, field: &Field) -> &'a [u8] {
        &self.buf[field.range()]
    }

    /// Tag and value of every field in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &'a [u8])> + 'a {
        let buf = self.buf;
        self.fields.iter().map(move |f| (f.tag, &buf[f.range()]))
    }

    /// The first occurrence of `tag`, if any.
    #[inline]
    pub fn get(&self, tag: u32) -> Option<&'a [u8]> {
        // Four fields a step: one loop test per four tag compares. (An index of the first
        // field of each tag below 256, filled by the decoder, cost more per decode than it
        // saved on four lookups: not kept.)
        let mut quads = self.fields.chunks_exact(4);
        let found = quads
            .find_map(|q| q.iter().find(|f| f.tag == tag))
            .or_else(|| quads.remainder().iter().find(|f| f.tag == tag));
        found.map(|f| &self.buf[f.range()])
    }

    /// The first occurrence of `tag` parsed as `T`; `Ok(None)` when absent.
    #[inline]
    pub fn get_as<T: FieldValue<'a>>(&self, tag: u32) -> Result<Option<T>, ValueError> {
        match self.get(tag) {
            None => Ok(None),
            Some(v) => T::parse(v)
                .map(Some)
                .ok_or_else(|| ValueError::format(tag, v)),
        }
    }

    /// The first occurrence of `tag` parsed as `T`, which must be present.
    #[inline]
    pub fn require<T: FieldValue<'a>>(&self, tag: u32) -> Result<T, ValueError> {
        self.get_as(tag)?.ok_or(ValueError::Missing { tag })
    }

    /// BeginString(8).
    pub fn begin_string(&self) -> &'a [u8] {
        self.value_of(&self.fields[0])
    }

    /// MsgType(35).
    pub fn msg_type(&self) -> &'a [u8] {
        self.value_of(&self.fields[2])
    }

    /// MsgSeqNum(34), if present and numeric.
    pub fn seq_num(&self) -> Option<u64> {
        self.get_as::<u64>(tags::MSG_SEQ_NUM).ok().flatten()
    }

    /// Whether a field is `Y`.
    pub fn flag(&self, tag: u32) -> bool {
        self.get(tag) == Some(b"Y")
    }

    /// The byte range of the body: after MsgType(35)'s field up to CheckSum(10)'s tag.
    /// Header fields that follow the body in a malformed message stay inside this range.
    pub fn after_msg_type(&self) -> std::ops::Range<usize> {
        let start = self.fields[2].end as usize + 1;
        let end = self.fields[self.fields.len() - 1].start as usize - 3;
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        let body = body.replace('|', "\x01");
        let mut m = format!("8=FIX.4.4\x019={}\x01{}", body.len(), body).into_bytes();
        let sum = crate::codec::checksum(&m);
        m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
        m
    }

    #[test]
    fn decodes_fields_in_wire_order() {
        let f = frame("35=D|34=2|49=A|56=B|11=X|11=Y|");
        let mut d = Decoder::new();
        let m = d.decode(&f).unwrap();
        assert_eq!(m.begin_string(), b"FIX.4.4");
        assert_eq!(m.msg_type(), b"D");
        assert_eq!(m.seq_num(), Some(2));
        let tags: Vec<u32> = m.iter().map(|(t, _)| t).collect();
        assert_eq!(tags, [8, 9, 35, 34, 49, 56, 11, 11, 10]);
        assert_eq!(m.get(11), Some(&b"X"[..]));
    }

    #[test]
    fn get_finds_the_first_occurrence_at_every_position() {
        // Bodies of 0 to 12 fields (every remainder of the four-field step), tags repeated.
        for n in 0..12u32 {
            let body: String = (0..n).map(|i| format!("{}={i}|", 100 + i % 5)).collect();
            let f = frame(&format!("35=D|{body}"));
            let mut d = Decoder::new();
            let m = d.decode(&f).unwrap();
            for tag in [8, 9, 35, 10, 99, 100, 101, 102, 103, 104, 105] {
                let want = m.iter().find(|&(t, _)| t == tag).map(|(_, v)| v);
                assert_eq!(m.get(tag), want, "{n} {tag}");
            }
        }
    }

    #[test]
    fn raw_data_may_contain_soh() {
        let f = frame("35=B|95=5|96=a\x01b=c|58=x|");
        let mut d = Decoder::new();
        let m = d.decode(&f).unwrap();
        assert_eq!(m.get(96), Some(&b"a\x01b=c"[..]));
        assert_eq!(m.get(58), Some(&b"x"[..]));
    }

    #[test]
    fn reports_each_broken_rule() {
        let mut d = Decoder::new();
        let good = frame("35=0|34=2|");
        let mut bad_sum = good.clone();
        let n = bad_sum.len();
        bad_sum[n - 2] = if bad_sum[n - 2] == b'0' { b'1' } else { b'0' };
        assert!(matches!(
            d.decode(&bad_sum),
            Err(DecodeError::ChecksumMismatch { .. })
        ));

        let wrong_len = b"8=FIX.4.4\x019=3\x0135=0\x0134=2\x0110=000\x01";
        assert!(matches!(
            d.decode(wrong_len),
            Err(DecodeError::BodyLengthMismatch {
                declared: 3,
                actual: 10
            })
        ));
        let swapped = b"8=FIX.4.4\x0135=0\x019=5\x0110=000\x01";
        assert!(matches!(
            d.decode(swapped),
            Err(DecodeError::BodyLengthNotSecond {
                found: 35,
                offset: 10
            })
        ));
        let garbled_tag = b"8=FIX.4.4\x019=5\x0135=0\x014x9=1\x0110=000\x01";
        assert!(matches!(
            d.decode(garbled_tag),
            Err(DecodeError::BadTag { offset: 19 })
        ));
        let short_sum = b"8=FIX.4.4\x019=5\x0135=0\x0110=0\x01";
        assert!(matches!(
            d.decode(short_sum),
            Err(DecodeError::BadTrailer { .. })
        ));
    }
}
