//! Finds frame boundaries in a byte stream, the way QuickFIX's parser does.
//!
//! The framer is stateless: the connection keeps its read buffer and asks, each time bytes
//! arrive, what the front of the buffer holds. A frame's end is found by BodyLength and then the
//! next `<SOH>10=` from there, so a message with a wrong BodyLength still comes out as one frame
//! (which the decoder then rejects as garbled) instead of derailing the stream.

use super::decode::parse_len;
use super::SOH;

/// The default ceiling on BodyLength: 1 MiB.
pub const DEFAULT_MAX_BODY_LEN: usize = 1 << 20;

/// What the front of a read buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStatus {
    /// A frame of this many bytes starts at offset 0.
    Complete(usize),
    /// The start of a frame; more bytes are needed.
    Incomplete,
    /// This many bytes of garbage precede the next possible frame: drop them and ask again.
    Skip(usize),
    /// The frame declares a body larger than the ceiling (or runs past it without a trailer);
    /// the connection should be closed rather than the frame buffered.
    Oversize {
        /// The declared (or observed) body length.
        body_len: usize,
    },
}

/// Splits a byte stream into FIX frames.
#[derive(Debug, Clone, Copy)]
pub struct Framer {
    max_body_len: usize,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(DEFAULT_MAX_BODY_LEN)
    }
}

const START: &[u8] = b"8=FIX";
const TRAILER: &[u8] = b"\x0110=";
/// `8=` + the longest BeginString we accept + SOH.
const MAX_BEGIN_FIELD: usize = 2 + 16 + 1;

impl Framer {
    /// A framer refusing bodies larger than `max_body_len` bytes.
    pub fn new(max_body_len: usize) -> Self {
        Framer { max_body_len }
    }

    /// The ceiling on BodyLength.
    pub fn max_body_len(&self) -> usize {
        self.max_body_len
    }

    /// The most bytes a read buffer needs to hold one legal frame.
    pub fn max_frame_len(&self) -> usize {
        MAX_BEGIN_FIELD + 2 + 9 + 1 + self.max_body_len + 7
    }

    /// What the front of `buf` holds.
    pub fn check(&self, buf: &[u8]) -> FrameStatus {
        if !buf.starts_with(START) {
            if START.starts_with(buf) {
                return FrameStatus::Incomplete;
            }
            return FrameStatus::Skip(resync(buf, 1));
        }
        let Some(begin_end) = memchr::memchr(SOH, &buf[..buf.len().min(MAX_BEGIN_FIELD)]) else {
            return if buf.len() < MAX_BEGIN_FIELD {
                FrameStatus::Incomplete
            } else {
                FrameStatus::Skip(resync(buf, 1))
            };
        };
        let rest = &buf[begin_end + 1..];
        if rest.len() < 2 {
            return FrameStatus::Incomplete;
        }
        if &rest[..2] != b"9=" {
            return FrameStatus::Skip(resync(buf, 1));
        }
        let digits = &rest[2..rest.len().min(2 + 10)];
        let Some(len_end) = memchr::memchr(SOH, digits) else {
            return if digits.len() < 10 {
                FrameStatus::Incomplete
            } else {
                FrameStatus::Skip(resync(buf, 1))
            };
        };
        let Some(body_len) = parse_len(&digits[..len_end]) else {
            return FrameStatus::Skip(resync(buf, 1));
        };
        if body_len > self.max_body_len {
            return FrameStatus::Oversize { body_len };
        }
        let body_start = begin_end + 1 + 2 + len_end + 1;
        let body_end = body_start + body_len;
        // QuickFIX looks for the trailer from the SOH that should end the body, so a wrong
        // BodyLength still yields one frame ending at the next CheckSum.
        let search_from = body_end - 1;
        if buf.len() < search_from + TRAILER.len() {
            return FrameStatus::Incomplete;
        }
        // The common case: the trailer is where BodyLength says, with three CheckSum digits.
        if let Some(t) = buf.get(search_from..search_from + TRAILER.len() + 4) {
            if t[..TRAILER.len()] == *TRAILER
                && t[TRAILER.len() + 3] == SOH
                && !t[4..7].contains(&SOH)
            {
                return FrameStatus::Complete(search_from + TRAILER.len() + 4);
            }
        }
        match memchr::memmem::find(&buf[search_from..], TRAILER) {
            Some(i) => {
                let value_start = search_from + i + TRAILER.len();
                match memchr::memchr(SOH, &buf[value_start..]) {
                    Some(j) => FrameStatus::Complete(value_start + j + 1),
                    None if buf.len() - body_start > self.max_body_len + 16 => {
                        FrameStatus::Oversize {
                            body_len: buf.len() - body_start,
                        }
                    }
                    None => FrameStatus::Incomplete,
                }
            }
            None if buf.len() - body_start > self.max_body_len + 16 => FrameStatus::Oversize {
                body_len: buf.len() - body_start,
            },
            None => FrameStatus::Incomplete,
        }
    }
}

/// Bytes to drop so that the buffer starts at the next `8=FIX` at or after `from`, keeping a
/// tail that could be the start of one.
fn resync(buf: &[u8], from: usize) -> usize {
    match memchr::memmem::find(&buf[from.min(buf.len())..], START) {
        Some(i) => from + i,
        None => {
            // Keep the longest suffix that is a prefix of START.
            let keep = (1..START.len())
                .rev()
                .find(|&k| k <= buf.len() - from.min(buf.len()) && buf.ends_with(&START[..k]))
                .unwrap_or(0);
            buf.len() - keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"8=FIX.4.4\x019=5\x0135=0\x0110=163\x01";

    #[test]
    fn complete_incomplete_and_split() {
        let f = Framer::default();
        assert_eq!(f.check(MSG), FrameStatus::Complete(MSG.len()));
        for cut in 0..MSG.len() {
            assert_eq!(
                f.check(&MSG[..cut]),
                FrameStatus::Incomplete,
                "cut at {cut}"
            );
        }
        let mut two = MSG.to_vec();
        two.extend_from_slice(MSG);
        assert_eq!(f.check(&two), FrameStatus::Complete(MSG.len()));
    }

    #[test]
    fn skips_garbage_to_next_start() {
        let f = Framer::default();
        let mut buf = b"xx35=0\x01".to_vec();
        buf.extend_from_slice(MSG);
        assert_eq!(f.check(&buf), FrameStatus::Skip(7));
        assert_eq!(f.check(b"garbage8=F"), FrameStatus::Skip(7));
        assert_eq!(f.check(b"8=FIX.4.4\x0135=0\x01"), FrameStatus::Skip(15));
    }

    #[test]
    fn wrong_body_length_still_frames_to_next_trailer() {
        let f = Framer::default();
        let short = b"8=FIX.4.4\x019=2\x0135=0\x0134=2\x0110=000\x01";
        assert_eq!(f.check(short), FrameStatus::Complete(short.len()));
        let mut long = b"8=FIX.4.4\x019=30\x0135=0\x0110=000\x01".to_vec();
        assert_eq!(f.check(&long), FrameStatus::Incomplete);
        long.extend_from_slice(MSG);
        assert_eq!(f.check(&long), FrameStatus::Complete(long.len()));
    }

    #[test]
    fn a_checksum_of_other_than_three_digits_ends_at_its_soh() {
        // Not the three digits the fast check expects: the trailer search decides.
        let f = Framer::default();
        let short = b"8=FIX.4.4\x019=5\x0135=0\x0110=16\x018=FIX.4.4\x01";
        assert_eq!(f.check(short), FrameStatus::Complete(25));
        let long = b"8=FIX.4.4\x019=5\x0135=0\x0110=1634\x01";
        assert_eq!(f.check(long), FrameStatus::Complete(long.len()));
    }

    #[test]
    fn oversize_is_refused_without_buffering() {
        let f = Framer::new(100);
        assert_eq!(
            f.check(b"8=FIX.4.4\x019=101\x01"),
            FrameStatus::Oversize { body_len: 101 }
        );
    }
}
