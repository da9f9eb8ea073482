//! Session-level Reject(3) and BusinessMessageReject(j), with reverse routing.

use super::header::{reverse_route, HeaderView};
use super::{DisconnectReason, Event, Session, SessionError};
use crate::codec::tags::{self, msg_type};
use crate::codec::Message;
use crate::config::Version;
use crate::reject::{RejectReason, Rejection};
use crate::store::MessageStore;
use crate::time::Now;

/// BusinessRejectReason(380) 3: unsupported message type.
pub const BUSINESS_REJECT_UNSUPPORTED_MESSAGE_TYPE: u32 = 3;

impl<S: MessageStore> Session<S> {
    /// Sends a session-level Reject(3) for `msg` on behalf of the application (for example a
    /// dictionary check of its own). The message's number was already consumed.
    pub fn reject_message(
        &mut self,
        now: Now,
        msg: &Message<'_>,
        rejection: Rejection,
    ) -> Result<(), SessionError> {
        self.now = now;
        let h = HeaderView::scan(msg);
        self.reject(msg, &h, rejection)
    }

    /// Refuses an application message type the application does not support: a
    /// BusinessMessageReject on FIX.4.2 and later, a session Reject ("Unsupported message type")
    /// before.
    pub fn reject_unsupported(&mut self, now: Now, msg: &Message<'_>) -> Result<(), SessionError> {
        self.now = now;
        if self.cfg.version >= Version::Fix42 {
            self.business_reject(
                now,
                msg,
                BUSINESS_REJECT_UNSUPPORTED_MESSAGE_TYPE,
                "Unsupported Message Type",
            )
        } else {
            // FIX.4.0/4.1 Reject carries no reason code: the text alone says why, in QuickFIX's
            // words.
            let h = HeaderView::scan(msg);
            self.reject_as(
                msg,
                &h,
                Rejection::message(RejectReason::InvalidMsgType),
                None,
                Some(b"Unsupported message type"),
            )
        }
    }

    /// Sends a BusinessMessageReject(j) for `msg` (FIX.4.2 and later).
    pub fn business_reject(
        &mut self,
        now: Now,
        msg: &Message<'_>,
        reason: u32,
        text: &str,
    ) -> Result<(), SessionError> {
        self.now = now;
        if !self.flags.received_logon {
            return Ok(());
        }
        let h = HeaderView::scan(msg);
        let mut route = [(0u32, &b""[..]); 6];
        let n = reverse_route(msg, &mut route);
        let mt = msg.msg_type();
        let appl = if self.cfg.version == Version::Fixt11 {
            self.cfg.default_appl_ver_id.clone()
        } else {
            None
        };
        self.send_message(msg_type::BUSINESS_MESSAGE_REJECT, &route[..n], &mut |w| {
            if let Some(s) = h.seq {
                w.uint(tags::REF_SEQ_NUM, s);
            }
            w.str(tags::TEXT, text);
            w.bytes(tags::REF_MSG_TYPE, mt);
            w.uint(tags::BUSINESS_REJECT_REASON, u64::from(reason));
            // On FIXT.1.1, QuickFIX names the application version the reject speaks, and its
            // counterparties expect it there.
            if let Some(appl) = appl.as_deref() {
                w.str(tags::DEFAULT_APPL_VER_ID, appl);
            }
        })?;
        if h.seq == Some(self.seq.next_in) {
            self.incr_in()?;
        }
        self.push_event(Event::BusinessRejectSent {
            ref_seq: h.seq,
            reason,
        });
        Ok(())
    }

    /// Sends Reject(3) for `msg`; consumes its number when it is the expected one (except a
    /// Logon or SequenceReset, whose handlers own the number).
    pub(crate) fn reject(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
        rej: Rejection,
    ) -> Result<(), SessionError> {
        let mut it = itoa::Buffer::new();
        let tag_text = rej.tag.map(|t| it.format(t).as_bytes());
        self.reject_as(msg, h, rej, tag_text, None)
    }

    /// [`Session::reject`] with RefTagID as the peer wrote it (which may not be a valid tag) and,
    /// where given, a Text(58) other than the reason's standard one.
    pub(crate) fn reject_as(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
        rej: Rejection,
        tag_text: Option<&[u8]>,
        text_override: Option<&[u8]>,
    ) -> Result<(), SessionError> {
        if !self.flags.received_logon {
            return self.disconnect_for(DisconnectReason::InvalidLogon);
        }
        let v = self.cfg.version;
        let mt = msg.msg_type();
        let mut route = [(0u32, &b""[..]); 6];
        let n = reverse_route(msg, &mut route);
        let code = rej.reason.code();
        let with_reason = (v == Version::Fix42 && code <= 11) || v > Version::Fix42;
        let ref_tag = (v >= Version::Fix42).then_some(tag_text).flatten();
        let mut text_buf = [0u8; 96];
        let text: &[u8] = match tag_text {
            Some(ts) if v < Version::Fix42 => {
                let t = rej.reason.text();
                let len = t.len() + 2 + ts.len() + 1;
                if len <= text_buf.len() {
                    text_buf[..t.len()].copy_from_slice(t.as_bytes());
                    text_buf[t.len()..t.len() + 2].copy_from_slice(b" (");
                    text_buf[t.len() + 2..len - 1].copy_from_slice(ts);
                    text_buf[len - 1] = b')';
                    &text_buf[..len]
                } else {
                    t.as_bytes()
                }
            }
            _ => rej.reason.text().as_bytes(),
        };
        let text = text_override.unwrap_or(text);
        self.send_message(msg_type::REJECT, &route[..n], &mut |w| {
            if let Some(s) = h.seq {
                w.uint(tags::REF_SEQ_NUM, s);
            }
            w.bytes(tags::TEXT, text);
            if let Some(t) = ref_tag {
                w.bytes(tags::REF_TAG_ID, t);
            }
            if v >= Version::Fix42 && !mt.is_empty() {
                w.bytes(tags::REF_MSG_TYPE, mt);
            }
            if with_reason {
                w.uint(tags::SESSION_REJECT_REASON, u64::from(code));
            }
        })?;
        if mt != msg_type::LOGON
            && mt != msg_type::SEQUENCE_RESET
            && h.seq == Some(self.seq.next_in)
        {
            self.incr_in()?;
        }
        self.push_event(Event::RejectSent {
            ref_seq: h.seq,
            reason: rej.reason,
        });
        Ok(())
    }
}
