//! Frames the decoder refuses only because a tag is not a positive integer (`0=`, `-1=`).
//!
//! QuickFIX reads such a tag as a number, so the message is well-framed and earns a Reject
//! (Invalid tag number, RefTagID as written) rather than being dropped as garbled. The decoder
//! rightly refuses the tag; this cold path re-frames the message without it so the session can
//! judge and reject it like any other.

use crate::codec::{checksum, MessageWriter, SOH};

/// A frame with its invalid tags removed: BeginString, MsgType, the remaining fields after
/// MsgType (each `tag=value<SOH>`), and the first invalid tag as written.
#[derive(Debug)]
pub(crate) struct Stripped<'a> {
    pub begin_string: &'a [u8],
    pub msg_type: &'a [u8],
    pub rest: Vec<u8>,
    pub bad_tag: &'a [u8],
}

fn is_tag(t: &[u8]) -> bool {
    matches!(t.first(), Some(b'1'..=b'9')) && t.len() <= 9 && t.iter().all(u8::is_ascii_digit)
}

fn is_numeric_text(t: &[u8]) -> bool {
    let d = t.strip_prefix(b"-").unwrap_or(t);
    !d.is_empty() && d.len() <= 10 && d.iter().all(u8::is_ascii_digit)
}

/// `Some` when `frame` is well framed (BodyLength, CheckSum right) and its only fault is tags
/// that are numbers but not valid tag numbers.
pub(crate) fn strip_invalid_tags(frame: &[u8]) -> Option<Stripped<'_>> {
    let body = frame.strip_suffix(&[SOH])?;
    let mut fields = body.split(|&b| b == SOH);
    let begin = fields.next()?.strip_prefix(b"8=")?;
    let len_field = fields.next()?;
    let declared: usize = std::str::from_utf8(len_field.strip_prefix(b"9=")?)
        .ok()?
        .parse()
        .ok()?;
    let mt = fields.next()?.strip_prefix(b"35=")?;
    let body_start = 2 + begin.len() + 1 + len_field.len() + 1;
    let trailer_at = frame.len().checked_sub(7)?;
    if frame.get(trailer_at..trailer_at + 3)? != b"10=" || trailer_at < body_start {
        return None;
    }
    if trailer_at - body_start != declared {
        return None;
    }
    let sum = &frame[trailer_at + 3..trailer_at + 6];
    let sum: u8 = std::str::from_utf8(sum).ok()?.parse().ok()?;
    if checksum(&frame[..trailer_at]) != sum {
        return None;
    }
    let mut rest = Vec::with_capacity(frame.len());
    let mut bad = None;
    let inner = &frame[body_start..trailer_at];
    let mut parts = inner.split(|&b| b == SOH).peekable();
    // The first part is MsgType, already taken.
    parts.next()?;
    for f in parts {
        if f.is_empty() {
            continue;
        }
        let eq = f.iter().position(|&b| b == b'=')?;
        let tag = &f[..eq];
        if is_tag(tag) {
            rest.extend_from_slice(f);
            rest.push(SOH);
        } else if is_numeric_text(tag) {
            bad.get_or_insert(tag);
        } else {
            return None;
        }
    }
    Some(Stripped {
        begin_string: begin,
        msg_type: mt,
        rest,
        bad_tag: bad?,
    })
}

/// Encodes the stripped message as a well-formed frame.
pub(crate) fn reframe(s: &Stripped<'_>) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; s.rest.len() + s.begin_string.len() + s.msg_type.len() + 64];
    let mut w = MessageWriter::new(&mut buf, s.begin_string, s.msg_type);
    w.raw_fields(&s.rest);
    let r = w.finish().ok()?;
    Some(buf[r].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> Vec<u8> {
        let body = body.replace('|', "\x01");
        let mut m = format!("8=FIX.4.2\x019={}\x01{}", body.len(), body).into_bytes();
        let sum = checksum(&m);
        m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
        m
    }

    #[test]
    fn strips_numeric_invalid_tags_only() {
        let f = framed("35=0|34=3|49=TW|-1=HI|56=ISLD|");
        let s = strip_invalid_tags(&f).unwrap();
        assert_eq!(s.bad_tag, b"-1");
        assert_eq!(s.rest, b"34=3\x0149=TW\x0156=ISLD\x01");
        let g = framed("35=0|34=3|4garbled9=TW|");
        assert!(strip_invalid_tags(&g).is_none());
        let mut bad_sum = framed("35=0|0=x|");
        let n = bad_sum.len();
        bad_sum[n - 2] = if bad_sum[n - 2] == b'0' { b'1' } else { b'0' };
        assert!(strip_invalid_tags(&bad_sum).is_none());
    }
}
