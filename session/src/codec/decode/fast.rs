//! The fast path for well-formed frames: each field is read with one eight-byte load.
//!
//! The trailer is checked first (`<SOH>10=nnn<SOH>` closes the frame), so every field before it
//! starts at least eight bytes before the end and its first word can be loaded without a
//! length check per byte. From that word come the tag (a digit check and a multiply-shift
//! conversion, no loop), the `=` and, for most short values, the closing SOH; longer values
//! continue with the word search. Nothing here produces an error: whatever the path is not
//! sure of (a malformed tag or header, a tag of eight or more digits, a data field whose value
//! may hold SOH, a CheckSum(10) before the end, a wrong BodyLength or CheckSum) returns `None`
//! and the frame is decoded again by `checked`, which names the rule. So the two paths agree on
//! every frame the fast one accepts, and a test holds both to a plain reference decoder.

use super::{parse_len, Field};
use crate::codec::scan::{find_soh, soh_in_word, word_tag};
use crate::codec::{checksum, tags, SOH};

/// `<SOH>10=` and the closing SOH of the trailer as one word, with the mask of those bytes.
const TRAILER: u64 = u64::from_le_bytes([SOH, b'1', b'0', b'=', 0, 0, 0, SOH]);
const TRAILER_MASK: u64 = u64::from_le_bytes([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff]);

/// Tags the fast path leaves to the general one: the length tags (their data field may hold
/// SOH) and CheckSum(10) (before the end of the frame it ends the message early).
const GENERAL_PATH_TAGS: [u64; 20] = {
    let mut bits = tags::LENGTH_TAG_BITS;
    bits[0] |= 1 << tags::CHECK_SUM;
    bits
};

/// Decodes a well-formed frame into `fields`; returns the field count, or `None` when the
/// general path must decide. `fields` may hold stale entries past the returned count: slots
/// are overwritten in place rather than pushed, so the steady state does no length updates.
#[inline]
pub(super) fn decode(frame: &[u8], fields: &mut Vec<Field>) -> Option<usize> {
    let len = frame.len();
    let trailer = u64::from_le_bytes(*frame.last_chunk::<8>()?);
    if trailer & TRAILER_MASK != TRAILER {
        return None;
    }
    let declared_sum = three_digits(frame.get(len - 4..len - 1)?)?;
    // Offset of the trailer's `10=`: the body's last SOH is just before it.
    let body_end = len - 7;
    let mut n = 0usize;
    let mut start = 0usize;
    while start < body_end {
        // start <= len - 8: the word is inside the frame.
        let w = u64::from_le_bytes(*frame.get(start..)?.first_chunk::<8>()?);
        let (tag, k) = word_tag(w)?;
        if is_general_path_tag(tag) {
            return None;
        }
        // The tag's bytes are digits and byte k is `=`, so a SOH in the word is the value's.
        let vend = match soh_in_word(w) {
            Some(i) => start + i,
            // Found by len - 8 at the latest: the trailer's SOH is a SOH.
            None => find_soh(frame, start + 8)?,
        };
        put(
            fields,
            n,
            Field {
                tag,
                start: (start + k + 1) as u32,
                end: vend as u32,
            },
        );
        n += 1;
        start = vend + 1;
    }
    if start != body_end || n < 3 {
        return None;
    }
    let head = fields.get(..3)?;
    if head[0].tag != tags::BEGIN_STRING
        || head[1].tag != tags::BODY_LENGTH
        || head[2].tag != tags::MSG_TYPE
    {
        return None;
    }
    let bl = head[1];
    let declared_len = parse_len(frame.get(bl.range())?)?;
    if declared_len != body_end - (bl.end as usize + 1) {
        return None;
    }
    if checksum(frame.get(..body_end)?) != declared_sum {
        return None;
    }
    put(
        fields,
        n,
        Field {
            tag: tags::CHECK_SUM,
            start: (len - 4) as u32,
            end: (len - 1) as u32,
        },
    );
    Some(n + 1)
}

/// Writes field `i`, reusing the slot when the index already has one.
#[inline(always)]
fn put(fields: &mut Vec<Field>, i: usize, field: Field) {
    match fields.get_mut(i) {
        Some(slot) => *slot = field,
        None => fields.push(field),
    }
}

#[inline(always)]
fn is_general_path_tag(tag: u32) -> bool {
    let word = GENERAL_PATH_TAGS
        .get((tag / 64) as usize)
        .copied()
        .unwrap_or(0);
    word & (1 << (tag % 64)) != 0
}

/// The CheckSum value: exactly three digits, below 256.
#[inline(always)]
fn three_digits(v: &[u8]) -> Option<u8> {
    let n = parse_len(v)?;
    u8::try_from(n).ok()
}
