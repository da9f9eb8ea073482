//! The Logon and Logout exchanges.

use super::header::HeaderView;
use super::{DisconnectReason, Event, Session, SessionError};
use crate::codec::tags::{self, msg_type};
use crate::codec::{FieldValue, Message};
use crate::config::{Role, Version};
use crate::seq::SeqVerdict;
use crate::store::MessageStore;
use crate::time::Now;
use crate::timer::TimerKind;
use std::time::Duration;

impl<S: MessageStore> Session<S> {
    /// Sends our Logon (initiator). [`Session::handle_connected`] calls it for initiators; call
    /// it directly only to log on again on a live connection after a Logout was refused.
    pub fn logon(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        if !self.flags.connected || self.flags.sent_logon {
            return Ok(());
        }
        if self.cfg.reset_on_logon && !self.flags.received_reset {
            self.reset_seqs()?;
            self.flags.sent_reset = true;
        }
        // After an operator's reset the peer must be told: 141=Y on the numbers already reset.
        if std::mem::take(&mut self.reset_next_logon) {
            self.flags.sent_reset = true;
        }
        self.send_logon_message(
            self.cfg.heart_bt_int,
            self.flags.sent_reset,
            self.seq.next_in,
        )?;
        self.timers.arm(
            TimerKind::Logon,
            now.mono.saturating_add(self.cfg.logon_timeout),
        );
        Ok(())
    }

    /// Starts a Logout: sends it, then waits for the answer up to the logout timeout.
    pub fn logout(&mut self, now: Now, reason: Option<&str>) -> Result<(), SessionError> {
        self.now = now;
        if !self.flags.connected || self.flags.sent_logout {
            return Ok(());
        }
        if !self.flags.received_logon {
            return self.disconnect_for(DisconnectReason::Requested);
        }
        self.send_logout(reason)
    }

    pub(crate) fn send_logout(&mut self, text: Option<&str>) -> Result<(), SessionError> {
        self.send_message(msg_type::LOGOUT, &[], &mut |w| {
            if let Some(t) = text {
                w.str(tags::TEXT, t);
            }
        })?;
        self.flags.sent_logout = true;
        self.timers.arm(
            TimerKind::Logout,
            self.now.mono.saturating_add(self.cfg.logout_timeout),
        );
        Ok(())
    }

    fn send_logon_message(
        &mut self,
        hbi: Duration,
        reset: bool,
        next_expected: u64,
    ) -> Result<(), SessionError> {
        let fixt = self.cfg.version == Version::Fixt11;
        let appl = self.cfg.default_appl_ver_id.clone();
        let next_expected = self
            .cfg
            .enable_next_expected_msg_seq_num
            .then_some(next_expected);
        self.send_message(msg_type::LOGON, &[], &mut |w| {
            w.uint(tags::ENCRYPT_METHOD, 0);
            w.uint(tags::HEART_BT_INT, hbi.as_secs());
            if reset {
                w.bool(tags::RESET_SEQ_NUM_FLAG, true);
            }
            if let Some(n) = next_expected {
                w.uint(tags::NEXT_EXPECTED_MSG_SEQ_NUM, n);
            }
            if fixt {
                if let Some(a) = &appl {
                    w.str(tags::DEFAULT_APPL_VER_ID, a);
                }
            }
        })?;
        self.flags.sent_logon = true;
        Ok(())
    }

    pub(crate) fn on_logon(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
    ) -> Result<(), SessionError> {
        let reset = msg.flag(tags::RESET_SEQ_NUM_FLAG);
        if self.flags.received_logon && !reset && !self.flags.sent_logout {
            return self.disconnect_for(DisconnectReason::DuplicateLogon);
        }
        if self.cfg.role == Role::Initiator && !self.flags.sent_logon && !reset {
            return self.disconnect_for(DisconnectReason::UnexpectedLogonResponse);
        }
        let hbi = match msg.get(tags::HEART_BT_INT).map(u64::parse) {
            Some(Some(s)) if s <= 86_400 => Duration::from_secs(s),
            _ => {
                if self.flags.received_logon {
                    return self.reject(
                        msg,
                        h,
                        crate::reject::Rejection::tag(
                            crate::reject::RejectReason::RequiredTagMissing,
                            tags::HEART_BT_INT,
                        ),
                    );
                }
                return self.disconnect_for(DisconnectReason::InvalidLogon);
            }
        };
        if let Some(m) = msg.get(tags::ENCRYPT_METHOD) {
            if m != b"0" && !self.flags.received_logon {
                return self.disconnect_for(DisconnectReason::UnsupportedEncryptMethod);
            }
        }
        self.flags.received_reset = reset;
        if reset && !self.flags.sent_reset {
            self.reset_seqs()?;
        }
        if self.cfg.role == Role::Acceptor && self.cfg.reset_on_logon {
            self.reset_seqs()?;
        }
        if !self.verify(msg, h, false, true)? {
            return Ok(());
        }
        if let Some(hook) = self.admin.as_mut() {
            if let Err(text) = hook.check_logon(msg) {
                self.push_event(Event::LogonRefused);
                self.send_logout(Some(&text))?;
                return self.disconnect_for(DisconnectReason::LogonRefused);
            }
        }
        self.flags.received_logon = true;
        if self.cfg.role == Role::Acceptor {
            self.set_heart_bt_int(hbi);
        }
        let seq = h.seq.unwrap_or(0);
        let too_high = matches!(self.seq.verdict(seq), SeqVerdict::TooHigh { .. });
        let answer = self.cfg.role == Role::Acceptor || (reset && !self.flags.sent_reset);
        if answer {
            let next_expected = if too_high {
                self.seq.next_in
            } else {
                seq.saturating_add(1)
            };
            self.flags.sent_logon = false;
            self.send_logon_message(hbi, reset, next_expected)?;
        }
        let was_reset = self.flags.sent_reset || reset;
        self.flags.sent_reset = false;
        self.flags.received_reset = false;
        self.timers.cancel(TimerKind::Logon);
        self.push_event(Event::LoggedOn { reset: was_reset });
        if !self.hbi.is_zero() {
            let now = self.now.mono;
            self.timers
                .arm(TimerKind::Heartbeat, now.saturating_add(self.hbi));
            self.timers.arm(
                TimerKind::TestRequest,
                now.saturating_add(self.test_request_delay()),
            );
        }
        if too_high && !reset {
            self.target_too_high(msg, seq, true)?;
        } else {
            self.incr_in()?;
        }
        if self.cfg.enable_next_expected_msg_seq_num {
            if let Some(Ok(Some(n))) = msg
                .get(tags::NEXT_EXPECTED_MSG_SEQ_NUM)
                .map(|_| msg.get_as::<u64>(tags::NEXT_EXPECTED_MSG_SEQ_NUM))
            {
                let next_out = self.seq.next_out;
                if n > next_out {
                    let text = format!(
                        "NextExpectedMsgSeqNum(789) too high, expecting at most {next_out} but received {n}"
                    );
                    self.send_logout(Some(&text))?;
                    return self.disconnect_for(DisconnectReason::NextExpectedTooHigh);
                }
                if n < next_out && !answer {
                    self.start_replay(n, next_out - 1);
                } else if n < next_out {
                    // Our own Logon answer took a number after the request was made.
                    self.start_replay(n, next_out.saturating_sub(2));
                }
            }
        }
        Ok(())
    }

    /// HeartBtInt plus the allowance: the receive silence after which we send a TestRequest.
    #[inline]
    pub(crate) fn test_request_delay(&self) -> Duration {
        self.tr_delay
    }

    /// Sets the negotiated HeartBtInt and the receive-silence delay derived from it.
    pub(crate) fn set_heart_bt_int(&mut self, hbi: Duration) {
        self.hbi = hbi;
        self.tr_delay = hbi.mul_f64(1.0 + self.cfg.test_request_allowance.max(0.0));
    }
}
