//! Deadlines: heartbeats on send silence, TestRequests and timeouts on receive silence, and the
//! logon and logout timeouts.

use super::{DisconnectReason, Session, SessionError};
use crate::codec::tags::{self, msg_type};
use crate::store::MessageStore;
use crate::time::Now;
use crate::timer::TimerKind;

impl<S: MessageStore> Session<S> {
    /// Time passed: acts on every deadline that is due at `now`.
    pub fn handle_timeout(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        let t = now.mono;
        if !self.flags.connected {
            self.timers.cancel_all();
            return Ok(());
        }
        if self.timers.expired(TimerKind::Logon, t) {
            self.timers.cancel(TimerKind::Logon);
            if !self.flags.received_logon {
                return self.disconnect_for(DisconnectReason::LogonTimeout);
            }
        }
        if self.timers.expired(TimerKind::Logout, t) {
            return self.disconnect_for(DisconnectReason::LogoutTimeout);
        }
        if self.timers.expired(TimerKind::TestRequest, t) {
            if self.test_requests > 0 {
                return self.disconnect_for(DisconnectReason::HeartbeatTimeout);
            }
            self.send_message(msg_type::TEST_REQUEST, &[], &mut |w| {
                w.str(tags::TEST_REQ_ID, "TEST");
            })?;
            self.test_requests += 1;
            // The peer has the same delay again to answer before we give up.
            let again = self.test_request_delay();
            let at = self
                .timers
                .get(TimerKind::TestRequest)
                .unwrap_or(t)
                .saturating_add(again);
            self.timers.arm(TimerKind::TestRequest, at);
        }
        if self.timers.expired(TimerKind::Heartbeat, t) {
            if self.test_requests == 0 {
                self.send_message(msg_type::HEARTBEAT, &[], &mut |_| {})?;
            } else {
                self.timers
                    .arm(TimerKind::Heartbeat, t.saturating_add(self.hbi));
            }
        }
        Ok(())
    }
}
