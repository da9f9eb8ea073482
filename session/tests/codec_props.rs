//! Property tests of the codec: what must hold for every input, not just the examples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use spinfix_session::codec::{
    tags, Decimal, Decoder, FieldValue, FrameStatus, Framer, MessageWriter,
};
use spinfix_session::time::{parse_utc_timestamp, TimePrecision, TimestampFormatter, UtcTime};

/// One body field as a test generates it.
#[derive(Debug, Clone)]
enum BodyField {
    /// An ordinary field: any bytes but SOH.
    Plain(u32, Vec<u8>),
    /// A length/data pair whose data may hold SOH (and anything else, `10=` included).
    Data(u32, u32, Vec<u8>),
}

const DATA_PAIRS: [(u32, u32); 4] = [(95, 96), (212, 213), (90, 91), (93, 89)];

/// Tags an ordinary field may use: not the framing tags, not a length or data tag.
fn plain_tag() -> impl Strategy<Value = u32> {
    (1u32..6000).prop_filter("framing, length or data tag", |&t| {
        !matches!(t, 8 | 9 | 10 | 35)
            && tags::data_tag_for_length(t).is_none()
            && !DATA_PAIRS.iter().any(|p| p.1 == t)
            && !matches!(
                t,
                349 | 351 | 353 | 355 | 357 | 359 | 361 | 363 | 365 | 446 | 619 | 622 | 1278
            )
    })
}

fn body_field() -> impl Strategy<Value = BodyField> {
    prop_oneof![
        4 => (plain_tag(), vec(any::<u8>().prop_filter("SOH", |&b| b != 1), 0..24))
            .prop_map(|(t, v)| BodyField::Plain(t, v)),
        1 => (0..DATA_PAIRS.len(), vec(prop_oneof![Just(1u8), any::<u8>()], 0..40))
            .prop_map(|(i, d)| BodyField::Data(DATA_PAIRS[i].0, DATA_PAIRS[i].1, d)),
    ]
}

#[derive(Debug, Clone)]
struct Msg {
    begin: &'static [u8],
    msg_type: Vec<u8>,
    body: Vec<BodyField>,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        prop_oneof![
            Just(&b"FIX.4.2"[..]),
            Just(&b"FIX.4.4"[..]),
            Just(&b"FIXT.1.1"[..])
        ],
        vec(b'0'..=b'z', 1..3),
        vec(body_field(), 0..30),
    )
        .prop_map(|(begin, msg_type, body)| Msg {
            begin,
            msg_type,
            body,
        })
}

fn encode(m: &Msg) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = MessageWriter::new(&mut buf, m.begin, &m.msg_type);
    for f in &m.body {
        match f {
            BodyField::Plain(t, v) => w.bytes(*t, v),
            BodyField::Data(lt, dt, d) => w.data(*lt, *dt, d),
        };
    }
    let r = w.finish().unwrap();
    buf[r].to_vec()
}

/// The (tag, value) list a decoder should see for the body.
fn expected_body(m: &Msg) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    for f in &m.body {
        match f {
            BodyField::Plain(t, v) => out.push((*t, v.clone())),
            BodyField::Data(lt, dt, d) => {
                out.push((*lt, d.len().to_string().into_bytes()));
                out.push((*dt, d.clone()));
            }
        }
    }
    out
}

/// Feeds `stream` to a framer in the given chunk sizes, the way a connection would: append the
/// chunk to a read buffer, then take frames from the front until it needs more.
fn frame_stream(stream: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, usize) {
    let framer = Framer::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut frames = Vec::new();
    let mut skipped = 0;
    let mut at = 0;
    let mut cuts = cuts.iter().copied().chain(std::iter::repeat(usize::MAX));
    while at < stream.len() {
        let n = cuts.next().unwrap().clamp(1, stream.len() - at);
        buf.extend_from_slice(&stream[at..at + n]);
        at += n;
        loop {
            match framer.check(&buf) {
                FrameStatus::Complete(len) => frames.push(buf.drain(..len).collect()),
                FrameStatus::Skip(len) => {
                    assert!(len > 0 && len <= buf.len());
                    skipped += len;
                    buf.drain(..len);
                }
                FrameStatus::Incomplete => break,
                FrameStatus::Oversize { body_len } => panic!("oversize {body_len}"),
            }
        }
    }
    (frames, skipped + buf.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_is_the_identity(m in msg()) {
        let bytes = encode(&m);
        let mut d = Decoder::new();
        let decoded = d.decode(&bytes).unwrap();
        prop_assert_eq!(decoded.begin_string(), m.begin);
        prop_assert_eq!(decoded.msg_type(), &m.msg_type[..]);
        let fields: Vec<(u32, Vec<u8>)> = decoded.iter().map(|(t, v)| (t, v.to_vec())).collect();
        let n = fields.len();
        prop_assert_eq!(fields[0].0, 8);
        prop_assert_eq!(fields[1].0, 9);
        prop_assert_eq!(fields[2].0, 35);
        prop_assert_eq!(fields[n - 1].0, 10);
        prop_assert_eq!(&fields[3..n - 1], &expected_body(&m)[..]);
        // The framer agrees that the whole encoding is one frame.
        prop_assert_eq!(Framer::default().check(&bytes), FrameStatus::Complete(bytes.len()));
    }

    #[test]
    fn decoder_never_panics_on_any_bytes(bytes in vec(any::<u8>(), 0..300)) {
        let mut d = Decoder::new();
        let _ = d.decode(&bytes);
    }

    #[test]
    fn decoder_never_panics_on_a_damaged_frame(
        m in msg(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = encode(&m);
        for (at, b, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = b,
                1 => { bytes.insert(i, b); }
                _ => bytes.truncate(i),
            }
        }
        let mut d = Decoder::new();
        if let Ok(msg) = d.decode(&bytes) {
            // Whatever was accepted is a consistent view.
            for f in msg.fields() {
                let _ = msg.value_of(f);
            }
            let _ = msg.after_msg_type();
        }
        let _ = Framer::default().check(&bytes);
        let _ = Framer::new(16).check(&bytes);
    }

    #[test]
    fn framer_never_panics_on_any_bytes(bytes in vec(any::<u8>(), 0..300), max in 0usize..64) {
        let _ = Framer::new(max).check(&bytes);
        let mut with_start = b"8=FIX.4.4\x019=".to_vec();
        with_start.extend_from_slice(&bytes);
        let _ = Framer::new(max).check(&with_start);
        let _ = Framer::default().check(&with_start);
    }

    #[test]
    fn framer_over_any_split_yields_the_original_frames(
        msgs in vec(msg(), 1..6),
        cuts in vec(1usize..64, 0..40),
    ) {
        let frames: Vec<Vec<u8>> = msgs.iter().map(encode).collect();
        let stream = frames.concat();
        let (got, left) = frame_stream(&stream, &cuts);
        prop_assert_eq!(left, 0);
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn framer_resynchronises_past_garbage(
        msgs in vec((msg(), vec(b'a'..=b'z', 0..20)), 1..5),
        cuts in vec(1usize..64, 0..40),
    ) {
        let frames: Vec<Vec<u8>> = msgs.iter().map(|(m, _)| encode(m)).collect();
        let mut stream = Vec::new();
        let mut garbage = 0;
        for ((_, g), f) in msgs.iter().zip(&frames) {
            stream.extend_from_slice(g);
            stream.extend_from_slice(f);
            garbage += g.len();
        }
        let (got, left) = frame_stream(&stream, &cuts);
        prop_assert_eq!(left, garbage);
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn decimal_write_then_parse_is_the_identity(mantissa in any::<i64>(), scale in any::<u8>()) {
        let d = Decimal::new(mantissa, scale);
        let mut buf = [0u8; Decimal::MAX_TEXT_LEN];
        let n = d.write(&mut buf).unwrap();
        prop_assert_eq!(Decimal::parse(&buf[..n]), Some(d));
    }

    #[test]
    fn decimal_parse_then_write_keeps_the_text(
        neg in any::<bool>(),
        int in "[1-9][0-9]{0,8}|0",
        frac in proptest::option::of("[0-9]{1,9}"),
    ) {
        let text = format!("{}{}{}", if neg { "-" } else { "" }, int,
            frac.as_ref().map(|f| format!(".{f}")).unwrap_or_default());
        let d = Decimal::parse(text.as_bytes()).unwrap();
        let mut buf = [0u8; Decimal::MAX_TEXT_LEN];
        let n = d.write(&mut buf).unwrap();
        let is_zero = d.mantissa == 0;
        // Negative zero is the one text that does not come back: it is written unsigned.
        let want = if is_zero { text.trim_start_matches('-').to_string() } else { text };
        prop_assert_eq!(String::from_utf8(buf[..n].to_vec()).unwrap(), want);
    }

    #[test]
    fn timestamp_format_then_parse_is_the_identity(
        // All of UtcTime's range (1677 to 2262) but the partial second at its floor.
        ns in (i64::MIN + 1_000_000_000)..=i64::MAX,
        p in prop_oneof![
            Just(TimePrecision::Seconds),
            Just(TimePrecision::Millis),
            Just(TimePrecision::Micros),
            Just(TimePrecision::Nanos),
        ],
    ) {
        let t = UtcTime(ns);
        let mut f = TimestampFormatter::new();
        let mut buf = [0u8; 32];
        let n = f.format(t, p, &mut buf).unwrap();
        let unit = 10i64.pow(9 - p.digits() as u32);
        let truncated = UtcTime(t.unix_secs() * 1_000_000_000 + i64::from(t.subsec_nanos()) / unit * unit);
        prop_assert_eq!(parse_utc_timestamp(&buf[..n]), Some(truncated));
        // A warm formatter (cache on another second) writes the same text.
        let mut warm = TimestampFormatter::new();
        let mut buf2 = [0u8; 32];
        let _ = warm.format(UtcTime(ns / 2), p, &mut buf2);
        let n2 = warm.format(t, p, &mut buf2).unwrap();
        prop_assert_eq!(&buf[..n], &buf2[..n2]);
    }
}
