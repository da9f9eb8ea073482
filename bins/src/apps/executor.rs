//! Acknowledges every NewOrderSingle: the counterparty of the latency bench.

use spinfix::{AppReject, Application, Ctx};
use spinfix_session::codec::Message;

/// Answers each NewOrderSingle(D) with an ExecutionReport(8) acknowledging it (ExecType and
/// OrdStatus New), carrying the order's identifiers back.
///
/// The report is written straight into the session's transmit buffer from the callback: no
/// allocation, no copy of the order beyond the fields echoed. Its fields are the ones the
/// bench's baselines move, so the byte counts match.
#[derive(Debug)]
pub struct Executor {
    order_ids: IdCounter,
    exec_ids: IdCounter,
}

impl Default for Executor {
    fn default() -> Self {
        Executor {
            order_ids: IdCounter::new(b"OID-"),
            exec_ids: IdCounter::new(b"EXE-"),
        }
    }
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

/// The ids [`numbered`] writes for 1, 2, 3, ..., counted up in their decimal text: the next id
/// touches one digit nine times in ten, where formatting `n` anew costs twelve divisions.
#[derive(Debug, Clone)]
pub struct IdCounter {
    id: [u8; 16],
}

impl IdCounter {
    /// A counter whose first [`IdCounter::next`] is `prefix` and 1.
    pub fn new(prefix: &[u8; 4]) -> Self {
        IdCounter::starting_after(prefix, 0)
    }

    /// A counter whose next id is `prefix` and `n + 1`.
    pub fn starting_after(prefix: &[u8; 4], n: u64) -> Self {
        IdCounter {
            id: numbered(prefix, n),
        }
    }

    /// The next id (after 999999999999 the digits wrap to zero).
    #[inline]
    pub fn next(&mut self) -> &[u8; 16] {
        for d in self.id[4..].iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                break;
            }
        }
        &self.id
    }
}

impl Application for Executor {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() != b"D" {
            return Err(AppReject::UnsupportedMessageType);
        }
        let (order_id, exec_id) = (self.order_ids.next(), self.exec_ids.next());
        let field = |tag| msg.get(tag).unwrap_or_default();
        let qty = field(38);
        // A refused send means the session is no longer logged on: the peer will not get this
        // report, and its order is handled again after it logs back on and resends.
        let _ = ctx.send(b"8", |w| {
            w.bytes(37, order_id) // OrderID
                .bytes(17, exec_id) // ExecID
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
    use super::{numbered, IdCounter};

    #[test]
    fn ids_are_fixed_width() {
        assert_eq!(&numbered(b"OID-", 42), b"OID-000000000042");
    }

    #[test]
    fn the_counter_writes_what_numbered_does() {
        let mut c = IdCounter::new(b"EXE-");
        for n in 1..=12_345u64 {
            assert_eq!(c.next(), &numbered(b"EXE-", n), "{n}");
        }
        let mut c = IdCounter::starting_after(b"EXE-", 999_999_999_998);
        assert_eq!(c.next(), b"EXE-999999999999");
        assert_eq!(c.next(), b"EXE-000000000000");
    }
}
