//! Sends orders and prints the reports: a smoke test against any acceptor.

use crossbeam_channel::Sender;
use spinfix::{AppReject, Application, Ctx, Sessions};
use spinfix_session::codec::Message;
use spinfix_session::time::MonoTime;
use std::time::Duration;

/// Sends `orders` NewOrderSingles on the first session, one every `interval`, and passes every
/// application message it receives to `print` (a line with `|` for SOH).
///
/// Printing happens on the thread that drains `print`, never on the session thread.
#[derive(Debug)]
pub struct Trade {
    orders: u64,
    interval: Duration,
    sent: u64,
    next_at: MonoTime,
    print: Sender<String>,
}

impl Trade {
    /// See the type's documentation.
    pub fn new(orders: u64, interval: Duration, print: Sender<String>) -> Self {
        Trade {
            orders,
            interval,
            sent: 0,
            next_at: MonoTime(0),
            print,
        }
    }
}

impl Application for Trade {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        let line = String::from_utf8_lossy(msg.as_bytes()).replace('\x01', "|");
        let _ = self.print.try_send(line);
        Ok(())
    }

    fn poll(&mut self, sessions: &mut Sessions<'_>) -> usize {
        let now = sessions.now();
        if self.sent >= self.orders || now.mono < self.next_at {
            return 0;
        }
        let Some(mut ctx) = sessions.get(0) else {
            return 0;
        };
        if !ctx.is_logged_on() {
            return 0;
        }
        let id = self.sent + 1;
        let sent = ctx.send(b"D", |w| {
            w.uint(11, id) // ClOrdID
                .char(21, b'1') // HandlInst
                .uint(38, 100) // OrderQty
                .char(40, b'2') // OrdType: limit
                .str(44, "25.50") // Price
                .char(54, b'1') // Side: buy
                .str(55, "INTC") // Symbol
                .timestamp(
                    60,
                    &mut spinfix_session::time::TimestampFormatter::new(),
                    now.utc,
                    spinfix_session::time::TimePrecision::Millis,
                ); // TransactTime
        });
        if sent.is_ok() {
            self.sent = id;
            self.next_at = now.mono.saturating_add(self.interval);
            1
        } else {
            0
        }
    }
}
