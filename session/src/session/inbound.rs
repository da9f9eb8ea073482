//! Inbound messages: garbled-frame handling, header checks, sequence rules, dispatch.
//!
//! The order of checks follows QuickFIX: CompIDs present, BeginString, first-message-is-Logon,
//! dictionary validation, then per message type the `verify` step (SendingTime, CompIDs,
//! sequence number) before the message is acted on and its number consumed.

use super::garbled::{reframe, strip_invalid_tags};
use super::header::{same_bytes, HeaderView};
use super::{DisconnectReason, Event, Session, SessionError};
use crate::codec::tags::{self, msg_type};
use crate::codec::{DecodeError, Decoder, FieldValue, Message};
use crate::reject::{RejectReason, Rejection};
use crate::seq::SeqVerdict;
use crate::store::MessageStore;
use crate::time::{parse_utc_timestamp, Now};
use crate::timer::TimerKind;

impl<S: MessageStore> Session<S> {
    /// One complete frame arrived. Returns the decoded message when it is an in-sequence
    /// application message to hand to the application; everything else the session handles.
    ///
    /// `decoder` is the caller's so that the returned view borrows the caller, not the session.
    pub fn handle_frame<'a>(
        &mut self,
        now: Now,
        frame: &'a [u8],
        decoder: &'a mut Decoder,
    ) -> Result<Option<Message<'a>>, SessionError> {
        self.now = now;
        if !self.flags.connected {
            return Ok(None);
        }
        let msg = match decoder.decode(frame) {
            Ok(m) => m,
            Err(e) => {
                self.on_garbled(frame, &e)?;
                return Ok(None);
            }
        };
        // The audit journal keeps every well-formed frame once, as it arrived (a message the gap
        // queue hands back for a second pass was kept the first time).
        if !std::mem::take(&mut self.requeued) && self.store.journals_inbound() {
            if let Some(seq) = msg.seq_num() {
                if let Err(e) = self.store.append_inbound(seq, now.utc, frame) {
                    return Err(self.store_err(e));
                }
            }
        }
        let deliver = self.handle_message(&msg, None)?;
        Ok(deliver.then_some(msg))
    }

    /// A garbled frame consumes no sequence number; a garbled Logon ends the connection.
    fn on_garbled(&mut self, frame: &[u8], err: &DecodeError) -> Result<(), SessionError> {
        if !self.flags.received_logon {
            self.push_event(Event::Garbled);
            if memchr::memmem::find(frame, b"\x0135=A\x01").is_some() {
                self.disconnect_for(DisconnectReason::InvalidLogon)?;
            }
            return Ok(());
        }
        if let DecodeError::BadTag { .. } = err {
            if let Some(stripped) = strip_invalid_tags(frame) {
                if let Some(clean) = reframe(&stripped) {
                    let mut dec = Decoder::new();
                    if let Ok(msg) = dec.decode(&clean) {
                        self.handle_message(&msg, Some(stripped.bad_tag))?;
                        return Ok(());
                    }
                }
            }
        }
        self.push_event(Event::Garbled);
        Ok(())
    }

    /// Acts on one decoded message; `true` when the application should receive it.
    /// `invalid_tag`: the message carried this tag, not a valid tag number (stripped from it).
    pub(crate) fn handle_message(
        &mut self,
        msg: &Message<'_>,
        invalid_tag: Option<&[u8]>,
    ) -> Result<bool, SessionError> {
        let h = HeaderView::scan(msg);
        let mt = msg.msg_type();
        let logged_on = self.flags.received_logon;
        if h.sender.is_none() || h.target.is_none() {
            if !logged_on {
                self.disconnect_for(DisconnectReason::InvalidLogon)?;
            } else {
                let tag = if h.sender.is_none() {
                    tags::SENDER_COMP_ID
                } else {
                    tags::TARGET_COMP_ID
                };
                self.reject(
                    msg,
                    &h,
                    Rejection::tag(RejectReason::RequiredTagMissing, tag),
                )?;
            }
            return Ok(false);
        }
        if !same_bytes(msg.begin_string(), self.cfg.begin_string.as_bytes()) {
            if !logged_on {
                self.disconnect_for(DisconnectReason::WrongBeginString)?;
            } else if mt == msg_type::LOGOUT {
                self.on_logout(msg, &h)?;
            } else {
                self.send_logout(Some("Incorrect BeginString"))?;
                self.incr_in()?;
            }
            return Ok(false);
        }
        if !logged_on {
            if mt != msg_type::LOGON {
                self.disconnect_for(DisconnectReason::FirstMessageNotLogon)?;
                return Ok(false);
            }
            if self.cfg.check_comp_id && !self.comp_ids_match(&h) {
                self.disconnect_for(DisconnectReason::WrongCompId)?;
                return Ok(false);
            }
        }
        if let Some(tag) = invalid_tag {
            let rej = Rejection::message(RejectReason::InvalidTagNumber);
            self.reject_as(msg, &h, rej, Some(tag), None)?;
            return Ok(false);
        }
        if let Some(v) = &self.cfg.validator {
            if let Err(rej) = v.validate(msg) {
                if mt == msg_type::LOGON && !logged_on {
                    self.disconnect_for(DisconnectReason::InvalidLogon)?;
                } else {
                    self.reject(msg, &h, rej)?;
                }
                return Ok(false);
            }
        }
        match mt {
            msg_type::LOGON => self.on_logon(msg, &h)?,
            msg_type::HEARTBEAT => {
                if self.verify(msg, &h, true, true)? {
                    self.incr_in()?;
                }
            }
            msg_type::TEST_REQUEST => self.on_test_request(msg, &h)?,
            msg_type::RESEND_REQUEST => self.on_resend_request(msg, &h)?,
            msg_type::REJECT => {
                if self.verify(msg, &h, false, true)? {
                    self.push_event(Event::RejectReceived {
                        ref_seq: msg.get_as::<u64>(tags::REF_SEQ_NUM).ok().flatten(),
                    });
                    self.incr_in()?;
                }
            }
            msg_type::SEQUENCE_RESET => self.on_sequence_reset(msg, &h)?,
            msg_type::LOGOUT => self.on_logout(msg, &h)?,
            _ => {
                if self.verify(msg, &h, true, true)? {
                    self.incr_in()?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn comp_ids_match(&self, h: &HeaderView<'_>) -> bool {
        let same = |v: Option<&[u8]>, id: &str| v.is_some_and(|v| same_bytes(v, id.as_bytes()));
        same(h.sender, &self.cfg.target_comp_id) && same(h.target, &self.cfg.sender_comp_id)
    }

    /// The checks every message passes before it is acted on. `false`: it was answered (reject,
    /// logout, queue, resend request) or ignored, and must not be processed further.
    pub(crate) fn verify(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
        check_high: bool,
        check_low: bool,
    ) -> Result<bool, SessionError> {
        let logged_on = self.flags.received_logon;
        let sending = match h.sending_time {
            None => {
                return self.refuse(
                    msg,
                    h,
                    Rejection::tag(RejectReason::RequiredTagMissing, tags::SENDING_TIME),
                )
            }
            Some(v) => match self.sending_times.parse(v) {
                Some(t) => t,
                None => {
                    return self.refuse(
                        msg,
                        h,
                        Rejection::tag(RejectReason::IncorrectDataFormat, tags::SENDING_TIME),
                    )
                }
            },
        };
        let seq = if check_high || check_low {
            match h.seq {
                Some(s) => Some(s),
                None => {
                    let reason = if h.seq_bad {
                        RejectReason::IncorrectDataFormat
                    } else {
                        RejectReason::RequiredTagMissing
                    };
                    return self.refuse(msg, h, Rejection::tag(reason, tags::MSG_SEQ_NUM));
                }
            }
        } else {
            None
        };
        if self.cfg.check_latency && self.now.utc.abs_diff(sending) > self.cfg.max_latency {
            if !logged_on {
                self.disconnect_for(DisconnectReason::InvalidLogon)?;
            } else {
                self.reject(
                    msg,
                    h,
                    Rejection::message(RejectReason::SendingTimeAccuracyProblem),
                )?;
                self.send_logout(None)?;
            }
            return Ok(false);
        }
        if self.cfg.check_comp_id && !self.comp_ids_match(h) {
            if !logged_on {
                self.disconnect_for(DisconnectReason::WrongCompId)?;
            } else {
                self.reject(msg, h, Rejection::message(RejectReason::CompIdProblem))?;
                self.send_logout(None)?;
            }
            return Ok(false);
        }
        if let Some(seq) = seq {
            match self.seq.verdict(seq) {
                SeqVerdict::TooHigh { .. } if check_high => {
                    self.target_too_high(msg, seq, false)?;
                    return Ok(false);
                }
                SeqVerdict::TooLow { expected } if check_low => {
                    if !h.poss_dup {
                        let text =
                            format!("MsgSeqNum too low, expecting {expected} but received {seq}");
                        self.send_logout(Some(&text))?;
                        self.disconnect_for(DisconnectReason::SeqNumTooLow)?;
                    } else {
                        self.check_poss_dup(msg, h, sending)?;
                    }
                    return Ok(false);
                }
                _ => {}
            }
            self.check_resend_satisfied(seq)?;
        }
        self.test_requests = 0;
        if !self.hbi.is_zero() {
            self.timers.arm(
                TimerKind::TestRequest,
                self.now.mono.saturating_add(self.test_request_delay()),
            );
        }
        Ok(true)
    }

    /// Rejects a message whose header is unusable (or disconnects before logon).
    fn refuse(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
        rej: Rejection,
    ) -> Result<bool, SessionError> {
        if self.flags.received_logon {
            self.reject(msg, h, rej)?;
        } else {
            self.disconnect_for(DisconnectReason::InvalidLogon)?;
        }
        Ok(false)
    }

    /// A duplicate with PossDupFlag: ignored, unless OrigSendingTime is missing or later than
    /// SendingTime.
    fn check_poss_dup(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
        sending: crate::time::UtcTime,
    ) -> Result<(), SessionError> {
        if msg.msg_type() == msg_type::SEQUENCE_RESET {
            return Ok(());
        }
        match h.orig_sending_time.map(parse_utc_timestamp) {
            None => self.reject(
                msg,
                h,
                Rejection::tag(RejectReason::RequiredTagMissing, tags::ORIG_SENDING_TIME),
            ),
            Some(None) => self.reject(
                msg,
                h,
                Rejection::tag(RejectReason::IncorrectDataFormat, tags::ORIG_SENDING_TIME),
            ),
            Some(Some(orig)) if orig > sending => {
                self.reject(
                    msg,
                    h,
                    Rejection::message(RejectReason::SendingTimeAccuracyProblem),
                )?;
                self.send_logout(None)
            }
            Some(Some(_)) => Ok(()),
        }
    }

    /// A number higher than expected: hold the message and ask for the gap (once).
    pub(crate) fn target_too_high(
        &mut self,
        msg: &Message<'_>,
        seq: u64,
        answered: bool,
    ) -> Result<(), SessionError> {
        let expected = self.seq.next_in;
        self.push_event(Event::GapDetected {
            expected,
            received: seq,
        });
        let answered =
            answered || matches!(msg.msg_type(), msg_type::LOGON | msg_type::RESEND_REQUEST);
        if self
            .queue
            .push(
                seq,
                msg.as_bytes(),
                answered,
                self.cfg.max_queued_messages,
                self.cfg.max_queued_bytes,
            )
            .is_err()
        {
            return self.disconnect_for(DisconnectReason::QueueFull);
        }
        if let Some(r) = self.resend_range {
            if !self.cfg.send_redundant_resend_requests && seq >= r.begin {
                return Ok(());
            }
        }
        self.send_resend_request(expected, seq - 1)
    }

    fn on_test_request(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
    ) -> Result<(), SessionError> {
        if !self.verify(msg, h, true, true)? {
            return Ok(());
        }
        let id = msg.get(tags::TEST_REQ_ID);
        self.send_message(msg_type::HEARTBEAT, &[], &mut |w| {
            if let Some(id) = id {
                w.bytes(tags::TEST_REQ_ID, id);
            }
        })?;
        self.incr_in()
    }

    fn on_sequence_reset(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
    ) -> Result<(), SessionError> {
        let gap_fill = msg.flag(tags::GAP_FILL_FLAG);
        if !self.verify(msg, h, gap_fill, gap_fill)? {
            return Ok(());
        }
        let Some(raw) = msg.get(tags::NEW_SEQ_NO) else {
            return self.reject(
                msg,
                h,
                Rejection::tag(RejectReason::RequiredTagMissing, tags::NEW_SEQ_NO),
            );
        };
        let Some(new_seq) = u64::parse(raw) else {
            return self.reject(
                msg,
                h,
                Rejection::tag(RejectReason::IncorrectDataFormat, tags::NEW_SEQ_NO),
            );
        };
        let expected = self.seq.next_in;
        if new_seq > expected {
            self.set_next_in(new_seq)?;
            self.push_event(Event::SequenceReset { new_seq });
            self.check_resend_satisfied(new_seq - 1)?;
        } else if new_seq < expected {
            self.reject(msg, h, Rejection::message(RejectReason::ValueIsIncorrect))?;
        }
        Ok(())
    }

    fn on_logout(&mut self, msg: &Message<'_>, h: &HeaderView<'_>) -> Result<(), SessionError> {
        if !self.verify(msg, h, false, false)? {
            return Ok(());
        }
        let answered_ours = self.flags.sent_logout;
        if !answered_ours {
            self.send_logout(None)?;
        }
        self.incr_in()?;
        if self.cfg.reset_on_logout {
            self.reset_seqs()?;
        }
        self.disconnect_for(if answered_ours {
            DisconnectReason::LogoutComplete
        } else {
            DisconnectReason::LogoutReceived
        })
    }
}
