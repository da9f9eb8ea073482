//! Acknowledges every NewOrderSingle: the counterparty of the latency bench.

use spinfix::{AppReject, Application, Ctx};
use spinfix_session::codec::Message;

/// Answers each NewOrderSingle(D) with an ExecutionReport(8) acknowledging it (ExecType and
/// OrdStatus New), carrying the order's identifiers back.
///
/// The report is written straight into the session's transmit buffer from the callback: no
/// allocation, no copy of the order beyond the fields echoed. Its fields are the ones the
/// bench's baselines move, so the byte counts match.
#[derive(Debug, Default)]
pub struct Executor {
    executions: u64,
}

/// `prefix` and `n` in 12 digits, without allocating: the bench's ClOrdIDs and the executor's
/// OrderIDs and ExecIDs.
pub fn numbered(prefix: &[u8; 4], n: u64) -> [u8; 16] {
    let mut id = [b'0'; 16];
    id[..4].copy_from_slice(prefix);
    let mut v = n;
    for b in id[4..].iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
    id
}

impl Application for Executor {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() != b"D" {
            return Err(AppReject::UnsupportedMessageType);
        }
        self.executions += 1;
        let n = self.executions;
        let field = |tag| msg.get(tag).unwrap_or_default();
        let qty = field(38);
        // A refused send means the session is no longer logged on: the peer will not get this
        // report, and its order is handled again after it logs back on and resends.
        let _ = ctx.send(b"8", |w| {
            w.bytes(37, &numbered(b"OID-", n)) // OrderID
                .bytes(17, &numbered(b"EXE-", n)) // ExecID
                .char(150, b'0') // ExecType: new
                .char(39, b'0') // OrdStatus: new
                .bytes(54, field(54)) // Side
                .bytes(11, field(11)); // ClOrdID
            if !field(1).is_empty() {
                w.bytes(1, field(1)); // Account
            }
            w.bytes(55, field(55)) // Symbol
                .bytes(38, qty) // OrderQty
                .bytes(40, field(40)) // OrdType
                .bytes(151, qty) // LeavesQty
                .char(14, b'0') // CumQty
                .char(6, b'0'); // AvgPx
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn ids_are_fixed_width() {
        assert_eq!(&numbered(b"OID-", 42), b"OID-000000000042");
    }
}
