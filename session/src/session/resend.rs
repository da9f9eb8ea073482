//! Both sides of resending: asking for a gap, and answering the peer's ResendRequest.
//!
//! An answer streams: a [`Replay`] cursor walks the range one stored message at a time as the
//! transmit buffer drains, so a request for a million messages never loads them together.
//! Admin messages (which we do not store) and messages the [`super::ResendFilter`] declines
//! collapse into one SequenceReset-GapFill per run.

use super::header::{HeaderSpec, HeaderView};
use super::state::ResendRange;
use super::{Event, Session, SessionError};
use crate::codec::tags::is_header_tag;
use crate::codec::tags::{self, msg_type};
use crate::codec::{FieldValue, Message};
use crate::config::Version;
use crate::reject::{RejectReason, Rejection};
use crate::seq::SeqVerdict;
use crate::store::MessageStore;
use crate::time::{parse_utc_timestamp, UtcTime};

/// Stop encoding replayed messages once this many bytes wait to be written.
const REPLAY_HIGH_WATER: usize = 32 * 1024;

/// Where an answer to a ResendRequest stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Replay {
    begin: u64,
    next: u64,
    end: u64,
    gap_from: Option<u64>,
}

impl<S: MessageStore> Session<S> {
    /// Asks the peer to resend `begin..=end` (or the first chunk of it).
    pub(crate) fn send_resend_request(&mut self, begin: u64, end: u64) -> Result<(), SessionError> {
        let chunk = self.cfg.resend_request_chunk_size;
        let chunk_end = if chunk > 0 && end - begin + 1 > chunk {
            begin + chunk - 1
        } else {
            end
        };
        let wire_end = if chunk_end < end {
            chunk_end
        } else if self.cfg.version >= Version::Fix42 {
            0
        } else {
            999_999
        };
        self.resend_range = Some(ResendRange {
            begin,
            end,
            chunk_end,
        });
        self.send_message(msg_type::RESEND_REQUEST, &[], &mut |w| {
            w.uint(tags::BEGIN_SEQ_NO, begin);
            w.uint(tags::END_SEQ_NO, wire_end);
        })?;
        self.push_event(Event::ResendRequested { begin, end });
        Ok(())
    }

    /// After an in-order message numbered `seq`: is our outstanding request satisfied?
    #[inline]
    pub(crate) fn check_resend_satisfied(&mut self, seq: u64) -> Result<(), SessionError> {
        let Some(r) = self.resend_range else {
            return Ok(());
        };
        if seq < r.chunk_end {
            return Ok(());
        }
        if r.chunk_end < r.end {
            return self.send_resend_request(r.chunk_end + 1, r.end);
        }
        self.resend_range = None;
        self.push_event(Event::ResendDone { end: r.end });
        Ok(())
    }

    pub(crate) fn on_resend_request(
        &mut self,
        msg: &Message<'_>,
        h: &HeaderView<'_>,
    ) -> Result<(), SessionError> {
        if !self.verify(msg, h, false, false)? {
            return Ok(());
        }
        let begin = match msg.get(tags::BEGIN_SEQ_NO).map(u64::parse) {
            Some(Some(b)) => b,
            Some(None) => {
                return self.reject(
                    msg,
                    h,
                    Rejection::tag(RejectReason::IncorrectDataFormat, tags::BEGIN_SEQ_NO),
                )
            }
            None => {
                return self.reject(
                    msg,
                    h,
                    Rejection::tag(RejectReason::RequiredTagMissing, tags::BEGIN_SEQ_NO),
                )
            }
        };
        let end = match msg.get(tags::END_SEQ_NO).map(u64::parse) {
            Some(Some(e)) => e,
            Some(None) => {
                return self.reject(
                    msg,
                    h,
                    Rejection::tag(RejectReason::IncorrectDataFormat, tags::END_SEQ_NO),
                )
            }
            None => {
                return self.reject(
                    msg,
                    h,
                    Rejection::tag(RejectReason::RequiredTagMissing, tags::END_SEQ_NO),
                )
            }
        };
        // Both sides have gaps: our own ResendRequest goes out before we replay theirs.
        let seq = h.seq.unwrap_or(0);
        let verdict = self.seq.verdict(seq);
        if let SeqVerdict::TooHigh { .. } = verdict {
            self.target_too_high(msg, seq, true)?;
        }
        let v = self.cfg.version;
        let next_out = self.seq.next_out;
        let last = next_out - 1;
        let end = if (v >= Version::Fix42 && end == 0)
            || (v <= Version::Fix42 && end == 999_999)
            || end >= next_out
        {
            last
        } else {
            end
        };
        if !self.cfg.persist_messages {
            if begin <= end {
                let new_seq = (end + 1).min(next_out);
                self.write_gap_fill(begin, new_seq)?;
            }
        } else {
            self.start_replay(begin, end);
        }
        if verdict == SeqVerdict::InOrder {
            self.incr_in()?;
        }
        Ok(())
    }

    /// Starts answering `begin..=end` (nothing if empty). A replay still running is finished
    /// first so the two answers do not interleave.
    pub(crate) fn start_replay(&mut self, begin: u64, end: u64) {
        if begin > end || begin == 0 {
            return;
        }
        while self.replay.is_some() {
            self.pump_replay_unbounded();
        }
        self.replay = Some(Replay {
            begin,
            next: begin,
            end,
            gap_from: None,
        });
        self.pump_replay();
    }

    fn pump_replay_unbounded(&mut self) {
        while self.replay.is_some() {
            self.pump_replay_until(usize::MAX);
        }
    }

    /// Encodes replayed messages until the transmit buffer holds enough or the range is done.
    pub(crate) fn pump_replay(&mut self) {
        self.pump_replay_until(REPLAY_HIGH_WATER);
    }

    fn pump_replay_until(&mut self, high_water: usize) {
        while let Some(mut r) = self.replay {
            if self.tx.len() >= high_water {
                return;
            }
            if r.next > r.end {
                if let Some(g) = r.gap_from {
                    if self.write_gap_fill(g, r.end + 1).is_err() {
                        self.push_event(Event::ResendStoreError { seq: g });
                    }
                }
                self.replay = None;
                self.tx.append(&mut self.tx_after);
                self.push_event(Event::ResendServed {
                    begin: r.begin,
                    end: r.end,
                });
                return;
            }
            let seq = r.next;
            r.next += 1;
            match self.replay_one(seq, r.gap_from) {
                Ok(true) => r.gap_from = None,
                Ok(false) => {
                    r.gap_from.get_or_insert(seq);
                }
                Err(_) => {
                    self.push_event(Event::ResendStoreError { seq });
                    r.gap_from.get_or_insert(seq);
                }
            }
            self.replay = Some(r);
        }
    }

    /// Resends stored message `seq` if it is an application message the filter allows (after
    /// gap-filling from `gap_from`); `false` if it belongs in a gap fill.
    fn replay_one(&mut self, seq: u64, gap_from: Option<u64>) -> Result<bool, SessionError> {
        let Session {
            store,
            replay_decoder,
            filter,
            cfg,
            fmt,
            tx,
            now,
            ..
        } = self;
        let stored = match store.outbound(seq) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(false),
            Err(e) => {
                return Err(SessionError::Store {
                    session: cfg.session_id(),
                    source: Box::new(e),
                })
            }
        };
        let Ok(msg) = replay_decoder.decode(stored) else {
            return Ok(false);
        };
        if msg_type::is_admin(msg.msg_type()) {
            return Ok(false);
        }
        if let Some(f) = filter.as_mut() {
            if !f.resend(&msg) {
                return Ok(false);
            }
        }
        if let Some(g) = gap_from {
            encode_gap_fill(cfg, fmt, tx, now.utc, g, seq).map_err(|source| {
                SessionError::Encode {
                    session: cfg.session_id(),
                    msg_type: "4".into(),
                    source,
                }
            })?;
        }
        // Keep the stored header fields that are not rewritten; the body goes as stored.
        let mut extra: [(u32, &[u8]); 16] = [(0, &b""[..]); 16];
        let mut n = 0;
        let mut orig = None;
        let mut body_start = None;
        let fields = msg.fields();
        for (i, f) in fields.iter().enumerate().skip(3) {
            if f.tag == tags::CHECK_SUM {
                break;
            }
            if !is_header_tag(f.tag) {
                body_start = Some(i);
                break;
            }
            match f.tag {
                tags::SENDING_TIME => orig = parse_utc_timestamp(msg.value_of(f)),
                tags::MSG_SEQ_NUM
                | tags::POSS_DUP_FLAG
                | tags::ORIG_SENDING_TIME
                | tags::SENDER_COMP_ID
                | tags::TARGET_COMP_ID
                | tags::SENDER_SUB_ID
                | tags::TARGET_SUB_ID
                | tags::SENDER_LOCATION_ID
                | tags::TARGET_LOCATION_ID => {}
                tag if n < extra.len() => {
                    extra[n] = (tag, msg.value_of(f));
                    n += 1;
                }
                _ => {}
            }
        }
        let body: &[u8] = match body_start {
            Some(i) => {
                let f = fields[i];
                let tag_len = itoa::Buffer::new().format(f.tag).len() + 1;
                let start = f.range().start - tag_len;
                let end = fields[fields.len() - 1].range().start - 3;
                &stored[start..end]
            }
            None => &[],
        };
        let spec = HeaderSpec {
            seq,
            poss_dup: true,
            sending_time: now.utc,
            orig_sending_time: Some(orig.unwrap_or(now.utc)),
            extra: &extra[..n],
        };
        tx.encode(cfg, fmt, msg.msg_type(), &spec, &mut |w| {
            w.raw_fields(body);
        })
        .map_err(|source| SessionError::Encode {
            session: cfg.session_id(),
            msg_type: String::from_utf8_lossy(msg.msg_type()).into_owned(),
            source,
        })?;
        Ok(true)
    }

    /// A SequenceReset-GapFill numbered `begin` moving the peer to `new_seq`.
    pub(crate) fn write_gap_fill(&mut self, begin: u64, new_seq: u64) -> Result<(), SessionError> {
        encode_gap_fill(
            &self.cfg,
            &mut self.fmt,
            &mut self.tx,
            self.now.utc,
            begin,
            new_seq,
        )
        .map_err(|source| SessionError::Encode {
            session: self.id.clone(),
            msg_type: "4".into(),
            source,
        })
    }
}

fn encode_gap_fill(
    cfg: &crate::config::SessionConfig,
    fmt: &mut crate::time::TimestampFormatter,
    tx: &mut super::outbound::TxBuf,
    now: UtcTime,
    begin: u64,
    new_seq: u64,
) -> Result<(), crate::codec::EncodeError> {
    let spec = HeaderSpec {
        seq: begin,
        poss_dup: true,
        sending_time: now,
        orig_sending_time: Some(now),
        extra: &[],
    };
    tx.encode(cfg, fmt, msg_type::SEQUENCE_RESET, &spec, &mut |w| {
        w.uint(tags::NEW_SEQ_NO, new_seq);
        w.bool(tags::GAP_FILL_FLAG, true);
    })
    .map(|_| ())
}
