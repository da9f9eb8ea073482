//! The general decoding path: any frame, a field at a time, naming the first rule that breaks.
//!
//! The fast path hands every frame it is not sure of to this one, so this is where errors are
//! worded and where data fields (whose values may hold SOH) are delimited by their length.

use super::{parse_len, Field, MAX_FRAME_LEN};
use crate::codec::error::DecodeError;
use crate::codec::scan::{find_soh, read_tag};
use crate::codec::{checksum, tags, SOH};

/// Decodes `frame` into the first slots of `fields`; returns the number of fields.
///
/// Slots are overwritten and the vector only grows, so it keeps the most fields any frame had:
/// the fast path, which only writes existing slots, then has room for frames of that size.
///
/// Cold and out of line: inlined, it made `Decoder::decode` save six registers and set up a
/// large frame on every call, the fast path's included (~25 instructions per decode).
#[cold]
#[inline(never)]
pub(super) fn decode(frame: &[u8], fields: &mut Vec<Field>) -> Result<usize, DecodeError> {
    debug_assert!(frame.len() <= MAX_FRAME_LEN);
    let mut n = 0usize;
    let mut pos = 0usize;
    // (data tag, declared length) after a length tag such as RawDataLength(95): the next
    // field, if it is that data tag, is delimited by the length rather than by SOH.
    let mut pending_data_len: Option<(u32, usize)> = None;
    while pos < frame.len() {
        let field_start = pos;
        let (tag, eq) = read_tag(frame, pos)?;
        if n < 3 {
            check_header_order(n, tag, field_start)?;
        }
        let vstart = eq + 1;
        let vend = match pending_data_len.take() {
            Some((data_tag, len)) if data_tag == tag => data_end(frame, tag, vstart, len)?,
            _ => match find_soh(frame, vstart) {
                Some(i) => i,
                None => {
                    return Err(DecodeError::Unterminated {
                        tag,
                        offset: field_start,
                    })
                }
            },
        };
        if let Some(data_tag) = tags::data_tag_for_length(tag) {
            // A length that does not parse leaves the data field to be delimited by SOH;
            // the validator then judges the length field's format.
            if let Some(len) = parse_len(&frame[vstart..vend]) {
                pending_data_len = Some((data_tag, len));
            }
        }
        // Both fit in u32: the frame is at most MAX_FRAME_LEN bytes.
        put(
            fields,
            n,
            Field {
                tag,
                start: vstart as u32,
                end: vend as u32,
            },
        );
        n += 1;
        pos = vend + 1;
        if tag == tags::CHECK_SUM {
            break;
        }
    }
    if n < 4 {
        return Err(if n == 0 {
            DecodeError::BeginStringNotFirst { found: 0 }
        } else {
            DecodeError::BadTrailer { offset: pos }
        });
    }
    let trailer = fields[n - 1];
    let trailer_tag_offset = trailer.start as usize - 3;
    if trailer.tag != tags::CHECK_SUM || pos != frame.len() || trailer.end - trailer.start != 3 {
        return Err(DecodeError::BadTrailer {
            offset: trailer_tag_offset,
        });
    }
    let declared_sum = parse_len(&frame[trailer.range()])
        .filter(|&v| v < 256)
        .ok_or(DecodeError::BadTrailer {
            offset: trailer_tag_offset,
        })? as u8;
    let bl = fields[1];
    let declared_len = parse_len(&frame[bl.range()]).ok_or_else(|| DecodeError::BadBodyLength {
        value: String::from_utf8_lossy(&frame[bl.range()]).into_owned(),
        offset: bl.start as usize,
    })?;
    let actual_len = trailer_tag_offset - (bl.end as usize + 1);
    if declared_len != actual_len {
        return Err(DecodeError::BodyLengthMismatch {
            declared: declared_len,
            actual: actual_len,
        });
    }
    let computed = checksum(&frame[..trailer_tag_offset]);
    if computed != declared_sum {
        return Err(DecodeError::ChecksumMismatch {
            declared: declared_sum,
            computed,
        });
    }
    Ok(n)
}

/// The end of a length-delimited data field's value: `len` bytes from `vstart`, which must be
/// followed by SOH inside the frame.
fn data_end(frame: &[u8], tag: u32, vstart: usize, len: usize) -> Result<usize, DecodeError> {
    let end = vstart.checked_add(len).filter(|&e| e < frame.len());
    match end {
        Some(e) if frame[e] == SOH => Ok(e),
        _ => Err(DecodeError::BadDataLength {
            tag,
            offset: vstart,
            len,
        }),
    }
}

/// The first three fields must be 8, 9, 35 in that order.
#[inline]
fn check_header_order(idx: usize, tag: u32, offset: usize) -> Result<(), DecodeError> {
    match (idx, tag) {
        (0, tags::BEGIN_STRING) | (1, tags::BODY_LENGTH) | (2, tags::MSG_TYPE) => Ok(()),
        (0, found) => Err(DecodeError::BeginStringNotFirst { found }),
        (1, found) => Err(DecodeError::BodyLengthNotSecond { found, offset }),
        (_, found) => Err(DecodeError::MsgTypeNotThird { found, offset }),
    }
}

/// Writes field `i`, reusing the slot when the index already has one.
fn put(fields: &mut Vec<Field>, i: usize, field: Field) {
    match fields.get_mut(i) {
        Some(slot) => *slot = field,
        None => fields.push(field),
    }
}
