//! The byte images of the orders and reports the baselines exchange.
//!
//! They are complete, valid FIX.4.4 messages with the fields a real order flow carries (the
//! header with CompIDs, sequence number and microsecond SendingTime; ClOrdID, Account,
//! HandlInst, Symbol, Side, TransactTime, OrderQty, OrdType, Price, TimeInForce; the report's
//! OrderID, ExecID, ExecType, OrdStatus, LeavesQty, CumQty, AvgPx), so the raw TCP floor moves
//! exactly the bytes an engine would: about 200 bytes out and 220 back. The QuickFIX peer
//! builds the same fields with the same CompIDs.

use super::error::BenchError;
use spinfix_session::codec::{tags, MessageWriter};

/// The initiator's SenderCompID in every contender.
pub const INITIATOR_COMP_ID: &str = "SPINFIX-INI";
/// The acceptor's SenderCompID in every contender.
pub const ACCEPTOR_COMP_ID: &str = "SPINFIX-ACC";

const BEGIN_STRING: &[u8] = b"FIX.4.4";
const SENDING_TIME: &str = "20261122-02:45:00.123456";
const SEQ_NUM: u64 = 1_000;

const ACCOUNT: u32 = 1;
const AVG_PX: u32 = 6;
const CUM_QTY: u32 = 14;
const EXEC_ID: u32 = 17;
const HANDL_INST: u32 = 21;
const ORDER_ID: u32 = 37;
const ORDER_QTY: u32 = 38;
const ORD_STATUS: u32 = 39;
const ORD_TYPE: u32 = 40;
const PRICE: u32 = 44;
const SIDE: u32 = 54;
const SYMBOL: u32 = 55;
const TIME_IN_FORCE: u32 = 59;
const TRANSACT_TIME: u32 = 60;
const EXEC_TYPE: u32 = 150;
const LEAVES_QTY: u32 = 151;

/// A NewOrderSingle and the ExecutionReport that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    /// The NewOrderSingle (35=D), about 200 bytes.
    pub order: Vec<u8>,
    /// The ExecutionReport (35=8), about 220 bytes.
    pub report: Vec<u8>,
}

impl Images {
    /// Encodes both messages.
    pub fn new() -> Result<Images, BenchError> {
        Ok(Images {
            order: new_order_single()?,
            report: execution_report()?,
        })
    }
}

fn header<'b>(buf: &'b mut [u8], msg_type: &[u8], sender: &str, target: &str) -> MessageWriter<'b> {
    let mut w = MessageWriter::new(buf, BEGIN_STRING, msg_type);
    w.uint(tags::MSG_SEQ_NUM, SEQ_NUM)
        .str(tags::SENDER_COMP_ID, sender)
        .str(tags::SENDING_TIME, SENDING_TIME)
        .str(tags::TARGET_COMP_ID, target);
    w
}

/// The NewOrderSingle image.
pub fn new_order_single() -> Result<Vec<u8>, BenchError> {
    let mut buf = [0u8; 512];
    let mut w = header(&mut buf, b"D", INITIATOR_COMP_ID, ACCEPTOR_COMP_ID);
    w.str(tags::CL_ORD_ID, "ORD-000001234567")
        .str(ACCOUNT, "ACC-0001")
        .char(HANDL_INST, b'1')
        .str(SYMBOL, "AAPL")
        .char(SIDE, b'1')
        .str(TRANSACT_TIME, SENDING_TIME)
        .uint(ORDER_QTY, 100)
        .char(ORD_TYPE, b'2')
        .str(PRICE, "187.25")
        .char(TIME_IN_FORCE, b'0');
    let range = w.finish().map_err(|source| BenchError::Encode {
        message: "NewOrderSingle",
        source,
    })?;
    Ok(buf[range].to_vec())
}

/// The ExecutionReport image.
pub fn execution_report() -> Result<Vec<u8>, BenchError> {
    let mut buf = [0u8; 512];
    let mut w = header(&mut buf, b"8", ACCEPTOR_COMP_ID, INITIATOR_COMP_ID);
    w.str(ORDER_ID, "OID-000001234567")
        .str(EXEC_ID, "EXE-000001234567")
        .char(EXEC_TYPE, b'0')
        .char(ORD_STATUS, b'0')
        .char(SIDE, b'1')
        .str(tags::CL_ORD_ID, "ORD-000001234567")
        .str(ACCOUNT, "ACC-0001")
        .str(SYMBOL, "AAPL")
        .uint(ORDER_QTY, 100)
        .char(ORD_TYPE, b'2')
        .uint(LEAVES_QTY, 100)
        .uint(CUM_QTY, 0)
        .uint(AVG_PX, 0);
    let range = w.finish().map_err(|source| BenchError::Encode {
        message: "ExecutionReport",
        source,
    })?;
    Ok(buf[range].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spinfix_session::codec::Decoder;

    #[test]
    fn sizes_are_realistic() {
        let images = Images::new().unwrap();
        assert!(
            (190..=210).contains(&images.order.len()),
            "{}",
            images.order.len()
        );
        assert!(
            (210..=230).contains(&images.report.len()),
            "{}",
            images.report.len()
        );
    }

    #[test]
    fn images_decode_as_the_messages_they_claim_to_be() {
        let images = Images::new().unwrap();
        let mut d = Decoder::new();
        let order = d.decode(&images.order).unwrap();
        assert_eq!(order.get(tags::MSG_TYPE), Some(&b"D"[..]));
        assert_eq!(order.get(SYMBOL), Some(&b"AAPL"[..]));
        let report = d.decode(&images.report).unwrap();
        assert_eq!(report.get(tags::MSG_TYPE), Some(&b"8"[..]));
        assert_eq!(report.get(LEAVES_QTY), Some(&b"100"[..]));
    }
}
