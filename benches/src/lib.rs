//! Shared fixtures for spinfix's criterion benches: realistic FIX.4.4 application messages that
//! every layer's bench (codec, validation, session, ring, journal) can reuse, so their figures
//! are comparable.
//!
//! The messages are built with the project's own [`MessageWriter`], so a fixture is always a
//! well-formed frame (correct BodyLength and CheckSum) whatever the writer's internals become.

pub mod count;

use spinfix_session::codec::{tags, Decimal, EncodeError, MessageWriter};
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};
use std::ops::Range;

/// BeginString of every fixture.
pub const BEGIN_STRING: &[u8] = b"FIX.4.4";
/// SenderCompID of the fixtures (the order sender's side).
pub const SENDER: &str = "SENDERCOMP";
/// TargetCompID of the fixtures.
pub const TARGET: &str = "TARGETCOMP";
/// A fixed SendingTime/TransactTime: 2023-11-14 22:13:20.123456789 UTC.
pub const FIXED_TIME: UtcTime = UtcTime::from_unix(1_700_000_000, 123_456_789);
/// A buffer size that holds any fixture with room to spare.
pub const FIXTURE_BUF_LEN: usize = 512;

/// Writes the standard header fields after MsgType in ascending tag order (34, 49, 52, 56).
fn header(
    w: &mut MessageWriter<'_>,
    fmt: &mut TimestampFormatter,
    sender: &str,
    target: &str,
    seq: u64,
    now: UtcTime,
) {
    w.uint(tags::MSG_SEQ_NUM, seq)
        .str(tags::SENDER_COMP_ID, sender)
        .timestamp(tags::SENDING_TIME, fmt, now, TimePrecision::Millis)
        .str(tags::TARGET_COMP_ID, target);
}

/// Encodes a ~200-byte NewOrderSingle (limit buy of 1000 AAPL at 123.45) into `buf`.
///
/// This is the message the codec's latency targets are stated for; the encode bench calls it
/// as it is, so it must stay allocation-free.
pub fn encode_new_order_single(
    buf: &mut [u8],
    fmt: &mut TimestampFormatter,
    seq: u64,
    cl_ord_id: u64,
    now: UtcTime,
) -> Result<Range<usize>, EncodeError> {
    let mut w = MessageWriter::new(buf, BEGIN_STRING, b"D");
    header(&mut w, fmt, SENDER, TARGET, seq, now);
    w.str(1, "ACCOUNT01")
        .uint(tags::CL_ORD_ID, cl_ord_id)
        .char(21, b'1')
        .decimal(
            38,
            Decimal {
                mantissa: 1000,
                scale: 0,
            },
        )
        .char(40, b'2')
        .decimal(
            44,
            Decimal {
                mantissa: 12345,
                scale: 2,
            },
        )
        .char(54, b'1')
        .str(55, "AAPL")
        .char(59, b'0')
        .timestamp(60, fmt, now, TimePrecision::Millis)
        .str(207, "XNAS")
        .str(528, "A");
    w.finish()
}

/// Encodes an ExecutionReport (partial fill of the NewOrderSingle above) into `buf`, from the
/// acceptor's side (sender and target swapped).
pub fn encode_execution_report(
    buf: &mut [u8],
    fmt: &mut TimestampFormatter,
    seq: u64,
    cl_ord_id: u64,
    now: UtcTime,
) -> Result<Range<usize>, EncodeError> {
    let mut w = MessageWriter::new(buf, BEGIN_STRING, b"8");
    header(&mut w, fmt, TARGET, SENDER, seq, now);
    let px = Decimal {
        mantissa: 12345,
        scale: 2,
    };
    w.str(1, "ACCOUNT01")
        .decimal(6, px)
        .uint(tags::CL_ORD_ID, cl_ord_id)
        .decimal(
            14,
            Decimal {
                mantissa: 400,
                scale: 0,
            },
        )
        .uint(17, 900_000 + seq)
        .decimal(
            31,
            Decimal {
                mantissa: 12345,
                scale: 2,
            },
        )
        .decimal(
            32,
            Decimal {
                mantissa: 400,
                scale: 0,
            },
        )
        .uint(37, 700_000 + cl_ord_id)
        .decimal(
            38,
            Decimal {
                mantissa: 1000,
                scale: 0,
            },
        )
        .char(39, b'1')
        .char(40, b'2')
        .decimal(44, px)
        .char(54, b'1')
        .str(55, "AAPL")
        .timestamp(60, fmt, now, TimePrecision::Millis)
        .char(150, b'F')
        .decimal(
            151,
            Decimal {
                mantissa: 600,
                scale: 0,
            },
        );
    w.finish()
}

/// The NewOrderSingle fixture as owned bytes (seq 1234, ClOrdID 1234, [`FIXED_TIME`]).
pub fn new_order_single() -> Result<Vec<u8>, EncodeError> {
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    let r = encode_new_order_single(&mut buf, &mut fmt, 1234, 1234, FIXED_TIME)?;
    Ok(buf[r].to_vec())
}

/// The ExecutionReport fixture as owned bytes (seq 1234, ClOrdID 1234, [`FIXED_TIME`]).
pub fn execution_report() -> Result<Vec<u8>, EncodeError> {
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    let r = encode_execution_report(&mut buf, &mut fmt, 1234, 1234, FIXED_TIME)?;
    Ok(buf[r].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spinfix_session::codec::Decoder;

    #[test]
    fn fixtures_decode_and_have_the_advertised_size() {
        let mut d = Decoder::new();
        let nos = new_order_single().unwrap();
        assert!((180..=220).contains(&nos.len()), "{}", nos.len());
        assert_eq!(d.decode(&nos).unwrap().msg_type(), b"D");
        let er = execution_report().unwrap();
        assert_eq!(d.decode(&er).unwrap().msg_type(), b"8");
    }
}
