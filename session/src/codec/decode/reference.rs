//! The decoder's rules written the plainest way (a byte at a time, no word tricks), kept as
//! the oracle the optimised decoder is checked against: same fields on success, same error on
//! failure, for any input.

use super::{parse_len, DecodeError, Field};
use crate::codec::{checksum, tags, SOH};

/// Decodes `frame` by the rules [`super::Decoder::decode`] documents.
pub(crate) fn decode(frame: &[u8]) -> Result<Vec<Field>, DecodeError> {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0usize;
    let mut pending: Option<(u32, usize)> = None;
    while pos < frame.len() {
        let field_start = pos;
        let (tag, eq) = tag_at(frame, pos)?;
        match (fields.len(), tag) {
            (0, 8) | (1, 9) | (2, 35) => {}
            (0, found) => return Err(DecodeError::BeginStringNotFirst { found }),
            (1, found) => {
                return Err(DecodeError::BodyLengthNotSecond {
                    found,
                    offset: field_start,
                })
            }
            (2, found) => {
                return Err(DecodeError::MsgTypeNotThird {
                    found,
                    offset: field_start,
                })
            }
            _ => {}
        }
        let vstart = eq + 1;
        let vend = match pending.take() {
            Some((data_tag, len)) if data_tag == tag => {
                let e = vstart + len;
                if e < frame.len() && frame[e] == SOH {
                    e
                } else {
                    return Err(DecodeError::BadDataLength {
                        tag,
                        offset: vstart,
                        len,
                    });
                }
            }
            _ => match frame[vstart..].iter().position(|&b| b == SOH) {
                Some(i) => vstart + i,
                None => {
                    return Err(DecodeError::Unterminated {
                        tag,
                        offset: field_start,
                    })
                }
            },
        };
        if let Some(data_tag) = tags::data_tag_for_length(tag) {
            if let Some(len) = parse_len(&frame[vstart..vend]) {
                pending = Some((data_tag, len));
            }
        }
        fields.push(Field {
            tag,
            start: vstart as u32,
            end: vend as u32,
        });
        pos = vend + 1;
        if tag == tags::CHECK_SUM {
            break;
        }
    }
    let n = fields.len();
    if n == 0 {
        return Err(DecodeError::BeginStringNotFirst { found: 0 });
    }
    if n < 4 {
        return Err(DecodeError::BadTrailer { offset: pos });
    }
    let trailer = fields[n - 1];
    let at = trailer.start as usize - 3;
    if trailer.tag != tags::CHECK_SUM || pos != frame.len() || trailer.end - trailer.start != 3 {
        return Err(DecodeError::BadTrailer { offset: at });
    }
    let declared_sum = match parse_len(&frame[trailer.range()]) {
        Some(v) if v < 256 => v as u8,
        _ => return Err(DecodeError::BadTrailer { offset: at }),
    };
    let bl = fields[1];
    let Some(declared) = parse_len(&frame[bl.range()]) else {
        return Err(DecodeError::BadBodyLength {
            value: String::from_utf8_lossy(&frame[bl.range()]).into_owned(),
            offset: bl.start as usize,
        });
    };
    let actual = at - (bl.end as usize + 1);
    if declared != actual {
        return Err(DecodeError::BodyLengthMismatch { declared, actual });
    }
    let computed = frame[..at].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    debug_assert_eq!(computed, checksum(&frame[..at]));
    if computed != declared_sum {
        return Err(DecodeError::ChecksumMismatch {
            declared: declared_sum,
            computed,
        });
    }
    Ok(fields)
}

/// `tag=` at `pos`: one to nine digits, no leading zero.
fn tag_at(frame: &[u8], pos: usize) -> Result<(u32, usize), DecodeError> {
    let mut tag = 0u32;
    let mut i = pos;
    loop {
        let Some(&b) = frame.get(i) else {
            return Err(DecodeError::Unterminated { tag, offset: pos });
        };
        let digits = i - pos;
        match b {
            b'=' if digits > 0 => return Ok((tag, i)),
            b'1'..=b'9' if digits < 9 => {}
            b'0' if digits > 0 && digits < 9 => {}
            _ => return Err(DecodeError::BadTag { offset: pos }),
        }
        tag = tag * 10 + u32::from(b - b'0');
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// A tag as text: mostly valid, sometimes long, zero-led, empty or not a number.
    fn tag_text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => (1u32..1000).prop_map(|t| t.to_string().into_bytes()),
            2 => (1000u32..=999_999_999).prop_map(|t| t.to_string().into_bytes()),
            1 => prop::sample::select(vec![
                &b"95"[..], b"96", b"212", b"213", b"90", b"91", b"10",
            ]).prop_map(|t| t.to_vec()),
            1 => vec(prop::sample::select(b"0123456789=\x01a".to_vec()), 0..12),
        ]
    }

    fn value_text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => vec(prop::sample::select(b"AZ09.-:".to_vec()), 0..30),
            1 => vec(any::<u8>(), 0..12),
            1 => (0usize..12).prop_map(|n| n.to_string().into_bytes()),
        ]
    }

    /// A well-formed header and trailer around arbitrary fields, then optional damage.
    fn frame() -> impl Strategy<Value = Vec<u8>> {
        (
            vec((tag_text(), value_text()), 0..20),
            prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
            prop::option::of(any::<prop::sample::Index>()),
        )
            .prop_map(|(fields, damage, cut)| {
                let mut body = b"35=D\x01".to_vec();
                for (t, v) in fields {
                    body.extend_from_slice(&t);
                    body.push(b'=');
                    body.extend_from_slice(&v);
                    body.push(SOH);
                }
                let mut m = format!("8=FIX.4.4\x019={}\x01", body.len()).into_bytes();
                m.extend_from_slice(&body);
                let sum = checksum(&m);
                m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
                if let Some((at, b)) = damage {
                    let i = at.index(m.len());
                    m[i] = b;
                }
                if let Some(at) = cut {
                    m.truncate(at.index(m.len() + 1));
                }
                m
            })
    }

    fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
        let mut d = Decoder::new();
        let fast = d.decode(bytes).map(|m| m.fields().to_vec());
        prop_assert_eq!(fast, decode(bytes), "{:?}", String::from_utf8_lossy(bytes));
        Ok(())
    }

    /// A frame of valid fields of ordinary tags (no data fields, no CheckSum in the body).
    fn plain_frame() -> impl Strategy<Value = Vec<u8>> {
        let tag = (1u32..=9_999_999)
            .prop_filter("ordinary", |&t| {
                t != tags::CHECK_SUM && tags::data_tag_for_length(t).is_none()
            })
            .prop_map(|t| t.to_string().into_bytes());
        let value = vec(prop::sample::select(b"AZ09.-:=\xff".to_vec()), 0..40);
        (vec((tag, value), 0..30), 1usize..10).prop_map(|(fields, bl)| {
            let mut body = b"35=D\x01".to_vec();
            for (t, v) in fields {
                body.extend_from_slice(&t);
                body.push(b'=');
                body.extend_from_slice(&v);
                body.push(SOH);
            }
            // BodyLength with leading zeros too: `9=0005` is a length of 5.
            let mut m = format!("8=FIX.4.4\x019={:0bl$}\x01", body.len()).into_bytes();
            m.extend_from_slice(&body);
            let sum = checksum(&m);
            m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
            m
        })
    }

    /// A frame of `fields` (tag, value) after `35=D`, with a correct BodyLength and CheckSum.
    fn framed(fields: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut body = b"35=D\x01".to_vec();
        for (t, v) in fields {
            body.extend_from_slice(t.to_string().as_bytes());
            body.push(b'=');
            body.extend_from_slice(v);
            body.push(SOH);
        }
        let mut m = format!("8=FIX.4.4\x019={}\x01", body.len()).into_bytes();
        m.extend_from_slice(&body);
        let sum = checksum(&m);
        m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
        m
    }

    #[test]
    fn fast_path_agrees_at_every_block_position() {
        // A first value of every length from 0 to 150 moves every later SOH and `=` across
        // every offset of the 8-, 16- and 64-byte boundaries, and the body's length across
        // every remainder (bodies shorter than a block included); the fields after it are of
        // one, two, three and four-digit tags with short and long values.
        let rest: Vec<(u32, Vec<u8>)> = [
            (1, &b"ACCOUNT01"[..]),
            (11, b"1"),
            (38, b"1000"),
            (207, b"XNAS"),
            (1128, b"9"),
            (44, b"123.45"),
            (58, b"a long text value of more than a word"),
            (5, b""),
            (12345, b"x"),
            (60, b"20231114-22:13:20.123"),
        ]
        .iter()
        .map(|&(t, v)| (t, v.to_vec()))
        .collect();
        let mut fields = vec![Field::EMPTY; 40];
        for first in 0..150 {
            for upto in [0, 1, 2, 5, rest.len()] {
                let mut all = vec![(55u32, vec![b'v'; first])];
                all.extend_from_slice(&rest[..upto]);
                let bytes = framed(&all);
                let n = super::super::fast::decode_each(&bytes, &mut fields);
                let want = decode(&bytes).unwrap();
                assert_eq!(n.map(|n| &fields[..n]), Some(&want[..]), "{first} {upto}");
                // A `=` or a SOH in place of each byte of the first value: the fast path may
                // refuse the frame, but whatever the decoder answers is the reference's answer.
                for at in 0..first {
                    for b in [b'=', SOH] {
                        let mut bad = all.clone();
                        bad[0].1[at] = b;
                        let bytes = framed(&bad);
                        if let Some(n) = super::super::fast::decode_each(&bytes, &mut fields) {
                            assert_eq!(&fields[..n], &decode(&bytes).unwrap()[..]);
                        }
                        check(&bytes).unwrap();
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn fast_path_takes_plain_frames_and_agrees(bytes in plain_frame()) {
            let mut fields = vec![Field::EMPTY; 40];
            let n = super::super::fast::decode_each(&bytes, &mut fields);
            prop_assert!(n.is_some(), "{:?}", String::from_utf8_lossy(&bytes));
            let want = decode(&bytes).unwrap();
            prop_assert_eq!(&fields[..n.unwrap()], &want[..]);
            check(&bytes)?;
        }

        #[test]
        fn decoder_agrees_with_the_reference_on_frames(bytes in frame()) {
            check(&bytes)?;
        }

        #[test]
        fn decoder_agrees_with_the_reference_on_any_bytes(
            bytes in vec(prop::sample::select(b"0123456789=\x01ab8".to_vec()), 0..80)
        ) {
            check(&bytes)?;
        }
    }
}
