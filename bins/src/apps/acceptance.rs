//! The application the QuickFIX acceptance scripts expect behind the acceptor.
//!
//! Echoes Email(C) and NewOrderSingle(D), and SecurityDefinition(d) on FIX.4.2 and later; drops a
//! PossResend(97=Y) `D` whose ClOrdID this session has seen since its last logout; refuses every
//! other application message as unsupported. An echo is a fresh message: the incoming
//! PossDupFlag and OrigSendingTime are not copied, routing header fields are.

use spinfix::{AppReject, Application, Ctx};
use spinfix_session::codec::tags::is_header_tag;
use spinfix_session::codec::Message;
use spinfix_session::config::Version;
use spinfix_session::session::Event;
use std::collections::HashSet;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Acceptance {
    /// ClOrdIDs seen per session (by index) since its last logout.
    seen: Vec<HashSet<Vec<u8>>>,
}

/// Header tags the session writes itself: never copied from the message echoed.
fn session_owned(tag: u32) -> bool {
    matches!(tag, 34 | 43 | 49 | 50 | 52 | 56 | 57 | 122 | 142 | 143)
}

impl Acceptance {
    fn seen(&mut self, index: usize) -> &mut HashSet<Vec<u8>> {
        if self.seen.len() <= index {
            self.seen.resize_with(index + 1, HashSet::new);
        }
        &mut self.seen[index]
    }
}

impl Application for Acceptance {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        if let Event::LoggedOut = event {
            self.seen(ctx.index()).clear();
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        let echo = match msg.msg_type() {
            b"C" => true,
            b"D" => {
                let id = msg.get(11).unwrap_or_default().to_vec();
                let repeat = !self.seen(ctx.index()).insert(id);
                if msg.flag(97) && repeat {
                    return Ok(());
                }
                true
            }
            b"d" => ctx.version() >= Version::Fix42,
            _ => false,
        };
        if !echo {
            return Err(AppReject::UnsupportedMessageType);
        }
        let mut body: Vec<(u32, &[u8])> = msg
            .iter()
            .skip(3)
            .filter(|(t, _)| !is_header_tag(*t) && !matches!(*t, 10 | 89 | 93))
            .collect();
        body.sort_by_key(|(t, _)| *t);
        let header: Vec<(u32, &[u8])> = msg
            .iter()
            .skip(3)
            .filter(|(t, _)| is_header_tag(*t) && !session_owned(*t))
            .collect();
        // A refused send means the session logged out meanwhile; nothing to echo to.
        let _ = ctx.send_with_header(msg.msg_type(), &header, |w| {
            for (t, v) in &body {
                w.bytes(*t, v);
            }
        });
        Ok(())
    }
}
