//! Reading the inbound header in one pass, and writing ours in ascending tag order.
//!
//! QuickFIX writes 8, 9, 35 and then the remaining header tags in ascending order; peers and the
//! acceptance suite compare field order literally, so every message we write follows it.

use crate::codec::tags::*;
use crate::codec::{FieldValue, Message, MessageWriter};
use crate::config::SessionConfig;
use crate::time::{TimePrecision, TimestampFormatter, UtcTime};

/// The header fields the session judges, found in one scan of the message.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HeaderView<'a> {
    /// MsgSeqNum(34) parsed; `None` if absent or not a number.
    pub seq: Option<u64>,
    /// MsgSeqNum(34) present but not a number.
    pub seq_bad: bool,
    pub poss_dup: bool,
    pub sender: Option<&'a [u8]>,
    pub target: Option<&'a [u8]>,
    pub sending_time: Option<&'a [u8]>,
    pub orig_sending_time: Option<&'a [u8]>,
}

impl<'a> HeaderView<'a> {
    /// One pass over the fields. Once the four required fields are found, the scan stops at
    /// the first body field: a message that puts header fields after its body is refused by
    /// validation (tag out of order) before any of them matter.
    #[inline]
    pub fn scan(msg: &Message<'a>) -> HeaderView<'a> {
        let mut h = HeaderView::default();
        // A subslice rather than `skip(3)`, whose state was tested on every field.
        for f in msg.fields().get(3..).unwrap_or_default() {
            match f.tag {
                MSG_SEQ_NUM if h.seq.is_none() && !h.seq_bad => {
                    h.seq = u64::parse(msg.value_of(f));
                    h.seq_bad = h.seq.is_none();
                }
                POSS_DUP_FLAG => h.poss_dup = msg.value_of(f) == b"Y",
                SENDER_COMP_ID if h.sender.is_none() => h.sender = Some(msg.value_of(f)),
                TARGET_COMP_ID if h.target.is_none() => h.target = Some(msg.value_of(f)),
                SENDING_TIME if h.sending_time.is_none() => h.sending_time = Some(msg.value_of(f)),
                ORIG_SENDING_TIME if h.orig_sending_time.is_none() => {
                    h.orig_sending_time = Some(msg.value_of(f))
                }
                tag if !is_header_tag(tag) && h.complete() => break,
                _ => {}
            }
        }
        h
    }

    #[inline]
    fn complete(&self) -> bool {
        (self.seq.is_some() || self.seq_bad)
            && self.sender.is_some()
            && self.target.is_some()
            && self.sending_time.is_some()
    }
}

/// Whether two short byte strings are equal, without a `memcmp` call for the CompIDs and
/// BeginString compared on every message: 4 to 16 bytes are two overlapping word compares.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| s.get(at..).and_then(|s| s.first_chunk::<8>()).copied();
    let half = |s: &[u8], at: usize| s.get(at..).and_then(|s| s.first_chunk::<4>()).copied();
    match a.len() {
        8..=16 => {
            let last = a.len() - 8;
            word(a, 0) == word(b, 0) && word(a, last) == word(b, last)
        }
        // BeginString (`FIX.4.4`) is seven bytes.
        4..=7 => {
            let last = a.len() - 4;
            half(a, 0) == half(b, 0) && half(a, last) == half(b, last)
        }
        _ => a == b,
    }
}

/// The variable part of a header: what differs between a fresh message, a resend and a reject.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderSpec<'a> {
    pub seq: u64,
    pub poss_dup: bool,
    pub sending_time: UtcTime,
    pub orig_sending_time: Option<UtcTime>,
    /// Further header fields (routing, kept header fields of a resent message), any order.
    pub extra: &'a [(u32, &'a [u8])],
}

/// Extra header fields kept in order at most; more are dropped (a header has far fewer).
const MAX_EXTRA: usize = 24;

/// Writes the header after MsgType: the session's own fields plus `spec.extra`, by ascending tag.
///
/// The session's own fields are listed in ascending tag order already, so the extras (usually
/// none) are sorted on their own and merged in: a fresh message writes its four header fields
/// straight, without building and sorting a list. On equal tags ours come first, as a stable
/// sort of ours-then-extras would put them.
#[inline]
pub(crate) fn write_header(
    w: &mut MessageWriter<'_>,
    cfg: &SessionConfig,
    fmt: &mut TimestampFormatter,
    precision: TimePrecision,
    spec: &HeaderSpec<'_>,
) {
    let mut extra: [(u32, &[u8]); MAX_EXTRA] = [(0, &[]); MAX_EXTRA];
    let mut n = 0usize;
    for &(tag, v) in spec.extra.iter().take(MAX_EXTRA) {
        // Insertion into the sorted prefix, after any equal tag: stable.
        let mut j = n;
        while j > 0 && extra[j - 1].0 > tag {
            extra[j] = extra[j - 1];
            j -= 1;
        }
        extra[j] = (tag, v);
        n += 1;
    }
    let mut rest = &extra[..n];
    // A macro, not a closure: each field is written with its tag as a constant, so `tag=`
    // folds to one immediate store (through a closure the tag's digits were computed per call).
    macro_rules! put {
        ($tag:expr, $write:ident($($v:expr),*)) => {{
            while let Some((&(t, b), more)) = rest.split_first() {
                if t >= $tag {
                    break;
                }
                w.bytes(t, b);
                rest = more;
            }
            w.$write($tag, $($v),*);
        }};
    }
    put!(MSG_SEQ_NUM, uint(spec.seq));
    if spec.poss_dup {
        put!(POSS_DUP_FLAG, bytes(b"Y"));
    }
    put!(SENDER_COMP_ID, bytes(cfg.sender_comp_id.as_bytes()));
    if let Some(v) = &cfg.sender_sub_id {
        put!(SENDER_SUB_ID, bytes(v.as_bytes()));
    }
    put!(SENDING_TIME, timestamp(fmt, spec.sending_time, precision));
    put!(TARGET_COMP_ID, bytes(cfg.target_comp_id.as_bytes()));
    if let Some(v) = &cfg.target_sub_id {
        put!(TARGET_SUB_ID, bytes(v.as_bytes()));
    }
    if let Some(t) = spec.orig_sending_time {
        put!(ORIG_SENDING_TIME, timestamp(fmt, t, precision));
    }
    if let Some(v) = &cfg.sender_location_id {
        put!(SENDER_LOCATION_ID, bytes(v.as_bytes()));
    }
    if let Some(v) = &cfg.target_location_id {
        put!(TARGET_LOCATION_ID, bytes(v.as_bytes()));
    }
    for &(t, b) in rest {
        w.bytes(t, b);
    }
}

/// Routing fields of a message turned around for a reply (115↔128, 116↔129, 144↔145); empty
/// values are not turned around. Returns how many of `out` were filled.
pub(crate) fn reverse_route<'a>(msg: &Message<'a>, out: &mut [(u32, &'a [u8]); 6]) -> usize {
    const PAIRS: [(u32, u32); 6] = [
        (ON_BEHALF_OF_COMP_ID, DELIVER_TO_COMP_ID),
        (ON_BEHALF_OF_SUB_ID, DELIVER_TO_SUB_ID),
        (ON_BEHALF_OF_LOCATION_ID, DELIVER_TO_LOCATION_ID),
        (DELIVER_TO_COMP_ID, ON_BEHALF_OF_COMP_ID),
        (DELIVER_TO_SUB_ID, ON_BEHALF_OF_SUB_ID),
        (DELIVER_TO_LOCATION_ID, ON_BEHALF_OF_LOCATION_ID),
    ];
    let mut n = 0;
    for (from, to) in PAIRS {
        if let Some(v) = msg.get(from) {
            if !v.is_empty() {
                out[n] = (to, v);
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!same_bytes(&a, &b), "{len} {at}");
            }
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }
}
