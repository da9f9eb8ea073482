//! Fills every NewOrderSingle at its price: the counterparty of the latency bench.

use spinfix::{AppReject, Application, Ctx};
use spinfix_session::codec::Message;

/// Answers each NewOrderSingle(D) with an ExecutionReport(8), filled at the order's price.
///
/// The report is written straight into the session's transmit buffer from the callback: no
/// allocation, no copy of the order beyond the fields echoed.
#[derive(Debug, Default)]
pub struct Executor {
    executions: u64,
}

impl Application for Executor {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() != b"D" {
            return Err(AppReject::UnsupportedMessageType);
        }
        self.executions += 1;
        let id = self.executions;
        let field = |tag| msg.get(tag).unwrap_or_default();
        let (qty, px) = (field(38), field(44));
        // A refused send means the session is no longer logged on: the peer will not get this
        // report, and its order is handled again after it logs back on and resends.
        let _ = ctx.send(b"8", |w| {
            w.bytes(6, if px.is_empty() { b"0" } else { px }) // AvgPx
                .bytes(11, field(11)) // ClOrdID
                .bytes(14, qty) // CumQty
                .uint(17, id) // ExecID
                .uint(37, id) // OrderID
                .bytes(38, qty) // OrderQty
                .char(39, b'2') // OrdStatus: filled
                .bytes(54, field(54)) // Side
                .bytes(55, field(55)) // Symbol
                .char(150, b'F') // ExecType: trade
                .char(151, b'0'); // LeavesQty
        });
        Ok(())
    }
}
