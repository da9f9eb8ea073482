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
                    h.seq = seq_num(msg.value_of(f));
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

/// `u64::parse` (digits only, leading zeros allowed, overflow refused) for MsgSeqNum, read on
/// every inbound message: up to 19 digits cannot overflow, so they skip the checked multiply
/// and add per digit (~13 instructions a digit there, 4 here); longer values take `u64::parse`.
#[inline]
pub(crate) fn seq_num(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return u64::parse(v);
    }
    let mut n = 0u64;
    for &b in v {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
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

/// A header field value to write.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HVal<'a> {
    Bytes(&'a [u8]),
    Uint(u64),
    Time(UtcTime),
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

const MAX_HEADER: usize = 32;

/// Writes the header after MsgType: the session's own fields plus `spec.extra`, by ascending tag.
#[inline]
pub(crate) fn write_header(
    w: &mut MessageWriter<'_>,
    cfg: &SessionConfig,
    fmt: &mut TimestampFormatter,
    precision: TimePrecision,
    spec: &HeaderSpec<'_>,
) {
    let mut list: [(u32, HVal<'_>); MAX_HEADER] = [(0, HVal::Uint(0)); MAX_HEADER];
    let mut n = 0usize;
    macro_rules! push {
        ($tag:expr, $v:expr) => {
            if n < MAX_HEADER {
                list[n] = ($tag, $v);
                n += 1;
            }
        };
    }
    push!(MSG_SEQ_NUM, HVal::Uint(spec.seq));
    if spec.poss_dup {
        push!(POSS_DUP_FLAG, HVal::Bytes(b"Y"));
    }
    push!(SENDER_COMP_ID, HVal::Bytes(cfg.sender_comp_id.as_bytes()));
    if let Some(v) = &cfg.sender_sub_id {
        push!(SENDER_SUB_ID, HVal::Bytes(v.as_bytes()));
    }
    push!(SENDING_TIME, HVal::Time(spec.sending_time));
    push!(TARGET_COMP_ID, HVal::Bytes(cfg.target_comp_id.as_bytes()));
    if let Some(v) = &cfg.target_sub_id {
        push!(TARGET_SUB_ID, HVal::Bytes(v.as_bytes()));
    }
    if let Some(t) = spec.orig_sending_time {
        push!(ORIG_SENDING_TIME, HVal::Time(t));
    }
    if let Some(v) = &cfg.sender_location_id {
        push!(SENDER_LOCATION_ID, HVal::Bytes(v.as_bytes()));
    }
    if let Some(v) = &cfg.target_location_id {
        push!(TARGET_LOCATION_ID, HVal::Bytes(v.as_bytes()));
    }
    for &(tag, v) in spec.extra {
        push!(tag, HVal::Bytes(v));
    }
    let list = &mut list[..n];
    // Insertion sort: the list is short and nearly sorted, and must stay stable.
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && list[j - 1].0 > list[j].0 {
            list.swap(j - 1, j);
            j -= 1;
        }
    }
    for &(tag, v) in list.iter() {
        match v {
            HVal::Bytes(b) => w.bytes(tag, b),
            HVal::Uint(u) => w.uint(tag, u),
            HVal::Time(t) => w.timestamp(tag, fmt, t, precision),
        };
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
    fn seq_num_is_u64_parse() {
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
                seq_num(&c),
                u64::parse(&c),
                "{:?}",
                String::from_utf8_lossy(&c)
            );
        }
    }

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
