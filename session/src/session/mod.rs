//! The FIX session state machine, driven from outside (sans-I/O).
//!
//! # Contract
//!
//! A [`Session`] never reads a clock, touches a socket or calls back into the application. Its
//! owner feeds it inputs, each with the current time, and drains its outputs:
//!
//! Inputs (`handle_*` and commands):
//! - [`Session::handle_connected`] when a connection is up (an initiator sends its Logon);
//! - [`Session::handle_frame`] for each complete frame the [`crate::codec::Framer`] delimits.
//!   It returns the decoded message when it is an in-sequence application message for the
//!   application; after every call, drain [`Session::next_queued`] and feed each frame it
//!   yields back to `handle_frame` (messages held behind a gap, now in order);
//! - [`Session::handle_timeout`] when [`Session::poll_timeout`]'s deadline has passed;
//! - [`Session::handle_disconnected`] when the transport closed;
//! - [`Session::send`], [`Session::logon`], [`Session::logout`], and the reject helpers.
//!
//! Outputs, drained after every input in this order:
//! 1. [`Session::poll_transmit`] until `None`: bytes to write to the connection, in order;
//! 2. [`Session::poll_event`] until `None`: [`Event`]s; on [`Event::Disconnect`] close the
//!    connection once the bytes of step 1 are written;
//! 3. [`Session::poll_timeout`]: the earliest deadline, to arm the engine's timer wheel.
//!
//! The application receives messages as [`crate::codec::Message`] views into the caller's
//! frame and [`Decoder`], not into the session, so it may call [`Session::send`] while it holds
//! one.
//!
//! # Choices, and why
//!
//! - Rules follow QuickFIX C++ 1.15.1 (the acceptance suite pins field order, texts and
//!   which check wins); where the FIX spec and QuickFIX differ, QuickFIX's behaviour is kept.
//! - Only application messages are stored: a resend turns every admin message into part of a
//!   GapFill anyway, so storing them would cost a journal write per heartbeat for nothing.
//! - Messages past a gap are copied into a bounded queue ([`SessionConfig`] limits); the
//!   in-order path never copies. Queued Logon and ResendRequest messages were acted on when
//!   they arrived and only advance the number when released.
//! - A resend streams from the store while the transmit buffer drains; messages sent during it
//!   are held and follow it, so the peer sees sequence numbers in order.
//! - The data dictionary is a pluggable [`MessageValidator`] so sessions without one (tests,
//!   trusted links) pay nothing for it.

mod error;
mod events;
mod garbled;
mod header;
mod heartbeat;
mod inbound;
mod logon;
mod outbound;
mod queue;
mod reject;
mod resend;
mod sending_time;
mod state;
mod validate;

pub use error::SessionError;
pub use events::{DisconnectReason, Event};
pub use state::SessionState;
pub use validate::{AdminHook, MessageValidator, ResendFilter};

use crate::codec::tags::msg_type;
use crate::codec::{Decoder, MessageWriter};
use crate::config::SessionConfig;
use crate::seq::SeqNums;
use crate::store::MessageStore;
use crate::time::{MonoTime, Now, TimestampFormatter};
use crate::timer::{TimerKind, Timers};
use header::HeaderSpec;
use outbound::TxBuf;
use queue::InboundQueue;
use resend::Replay;
use state::{Flags, ResendRange};
use std::collections::VecDeque;
use std::time::Duration;

const EVENT_CAPACITY: usize = 64;

/// One FIX session: the protocol rules between one pair of CompIDs, over successive
/// connections. See the [module documentation](self) for the calling contract.
#[derive(Debug)]
pub struct Session<S: MessageStore> {
    cfg: SessionConfig,
    id: String,
    store: S,
    seq: SeqNums,
    flags: Flags,
    /// The negotiated HeartBtInt (zero: no heartbeats).
    hbi: Duration,
    /// HeartBtInt plus the TestRequest allowance.
    tr_delay: Duration,
    /// TestRequests sent since the peer was last heard.
    test_requests: u32,
    timers: Timers,
    resend_range: Option<ResendRange>,
    queue: InboundQueue,
    replay: Option<Replay>,
    tx: TxBuf,
    /// Messages written while a replay streams: they go out after it.
    tx_after: TxBuf,
    fmt: TimestampFormatter,
    replay_decoder: Decoder,
    events: VecDeque<Event>,
    filter: Option<Box<dyn ResendFilter>>,
    admin: Option<Box<dyn AdminHook>>,
    /// The next frame handed in is one [`Session::next_queued`] released (already journaled).
    requeued: bool,
    /// An operator reset the numbers: our next Logon says so with ResetSeqNumFlag(141)=Y.
    reset_next_logon: bool,
    now: Now,
    sending_times: sending_time::SendingTimeCache,
}

impl<S: MessageStore> Session<S> {
    /// A disconnected session over `store` (whose sequence numbers it resumes from).
    pub fn new(cfg: SessionConfig, store: S) -> Self {
        let seq = SeqNums {
            next_out: store.next_sender_seq(),
            next_in: store.next_target_seq(),
        };
        Session {
            id: cfg.session_id(),
            hbi: cfg.heart_bt_int,
            tr_delay: cfg
                .heart_bt_int
                .mul_f64(1.0 + cfg.test_request_allowance.max(0.0)),
            cfg,
            store,
            seq,
            flags: Flags::default(),
            test_requests: 0,
            timers: Timers::default(),
            resend_range: None,
            queue: InboundQueue::default(),
            replay: None,
            tx: TxBuf::new(),
            tx_after: TxBuf::new(),
            fmt: TimestampFormatter::new(),
            replay_decoder: Decoder::new(),
            events: VecDeque::with_capacity(EVENT_CAPACITY),
            filter: None,
            admin: None,
            requeued: false,
            reset_next_logon: false,
            now: Now::default(),
            sending_times: sending_time::SendingTimeCache::default(),
        }
    }

    /// Lets the application add fields to our admin messages and refuse a peer's Logon.
    pub fn set_admin_hook(&mut self, hook: Box<dyn AdminHook>) {
        self.admin = Some(hook);
    }

    /// Lets the application veto the replay of individual messages on a ResendRequest.
    pub fn set_resend_filter(&mut self, filter: Box<dyn ResendFilter>) {
        self.filter = Some(filter);
    }

    /// The settings.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// `BeginString:Sender->Target`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, for the owner's maintenance (flush policy, inspection).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The next MsgSeqNum we will send.
    pub fn next_sender_seq(&self) -> u64 {
        self.seq.next_out
    }

    /// The next MsgSeqNum we expect.
    pub fn next_target_seq(&self) -> u64 {
        self.seq.next_in
    }

    /// The negotiated (acceptor) or configured (initiator) HeartBtInt.
    pub fn heart_bt_int(&self) -> Duration {
        self.hbi
    }

    /// How many out-of-order messages are held.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        let f = &self.flags;
        if !f.connected {
            SessionState::Disconnected
        } else if f.sent_logout {
            SessionState::LoggingOut
        } else if f.received_logon && f.sent_logon {
            SessionState::LoggedOn
        } else {
            SessionState::AwaitingLogon
        }
    }

    /// Whether there is anything to drain: bytes to transmit (a resend in progress counts) or
    /// events. A duty cycle asks every session each time, so it is three loads.
    #[inline]
    pub fn has_output(&self) -> bool {
        !self.tx.is_empty() || self.replay.is_some() || !self.events.is_empty()
    }

    /// Whether the Logon exchange has completed on the current connection.
    pub fn is_logged_on(&self) -> bool {
        self.flags.connected && self.flags.received_logon && self.flags.sent_logon
    }

    // ---- inputs -------------------------------------------------------------------------

    /// A connection is up. An initiator sends its Logon; an acceptor starts the logon timeout.
    pub fn handle_connected(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        self.flags = Flags {
            connected: true,
            ..Flags::default()
        };
        self.tx.clear();
        self.tx_after.clear();
        self.replay = None;
        self.queue.clear();
        self.resend_range = None;
        self.test_requests = 0;
        self.timers.cancel_all();
        self.set_heart_bt_int(self.cfg.heart_bt_int);
        self.timers.arm(
            TimerKind::Logon,
            now.mono.saturating_add(self.cfg.logon_timeout),
        );
        if self.cfg.role == crate::config::Role::Initiator {
            self.logon(now)?;
        }
        Ok(())
    }

    /// The transport closed (by either side). Idempotent after [`Event::Disconnect`].
    pub fn handle_disconnected(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        if self.flags.connected {
            self.end_connection()?;
        }
        Ok(())
    }

    /// Sends an application message whose body `body` writes (header and trailer are ours).
    /// Returns its MsgSeqNum.
    pub fn send<F: FnMut(&mut MessageWriter<'_>)>(
        &mut self,
        now: Now,
        msg_type: &[u8],
        mut body: F,
    ) -> Result<u64, SessionError> {
        self.now = now;
        if !self.is_logged_on() {
            return Err(SessionError::NotLoggedOn {
                session: self.id.clone(),
                msg_type: String::from_utf8_lossy(msg_type).into_owned(),
            });
        }
        self.send_message(msg_type, &[], &mut body)
    }

    /// Like [`Session::send`], with further header fields (routing such as OnBehalfOfCompID,
    /// PossResend) written in their place in the header.
    pub fn send_with_header<F: FnMut(&mut MessageWriter<'_>)>(
        &mut self,
        now: Now,
        msg_type: &[u8],
        header: &[(u32, &[u8])],
        mut body: F,
    ) -> Result<u64, SessionError> {
        self.now = now;
        if !self.is_logged_on() {
            return Err(SessionError::NotLoggedOn {
                session: self.id.clone(),
                msg_type: String::from_utf8_lossy(msg_type).into_owned(),
            });
        }
        self.send_message(msg_type, header, &mut body)
    }

    /// Sends an application message with a pre-encoded body (`tag=value<SOH>` fields).
    pub fn send_body(
        &mut self,
        now: Now,
        msg_type: &[u8],
        body: &[u8],
    ) -> Result<u64, SessionError> {
        self.send(now, msg_type, |w| {
            w.raw_fields(body);
        })
    }

    /// Starts a new sequence epoch by hand (an operator's reset, a new trading day): both
    /// numbers back to 1, the store's messages set aside. Only while disconnected; a connected
    /// session is logged out first.
    pub fn reset_sequence_numbers(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        if self.flags.connected {
            return Err(SessionError::Connected {
                session: self.id.clone(),
            });
        }
        self.reset_next_logon = true;
        self.reset_seqs()
    }

    /// Asks the session to close without a Logout exchange (the owner closes on the event).
    pub fn disconnect(&mut self, now: Now) -> Result<(), SessionError> {
        self.now = now;
        if self.flags.connected {
            self.disconnect_for(DisconnectReason::Requested)?;
        }
        Ok(())
    }

    // ---- outputs ------------------------------------------------------------------------

    /// Copies pending outbound bytes into `buf`; `None` when nothing is pending.
    ///
    /// A resend streams from the store: each call encodes only what fits the transmit buffer.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.tx.is_empty() && self.replay.is_some() {
            self.pump_replay();
        }
        if self.tx.is_empty() || buf.is_empty() {
            return None;
        }
        let n = self.tx.len().min(buf.len());
        buf[..n].copy_from_slice(&self.tx.pending()[..n]);
        self.tx.consume(n);
        Some(n)
    }

    /// The pending outbound bytes without copying; follow with [`Session::consume_transmit`].
    pub fn transmit_pending(&mut self) -> &[u8] {
        if self.tx.is_empty() && self.replay.is_some() {
            self.pump_replay();
        }
        self.tx.pending()
    }

    /// Marks `n` bytes of [`Session::transmit_pending`] as written.
    pub fn consume_transmit(&mut self, n: usize) {
        self.tx.consume(n);
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline at which [`Session::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<MonoTime> {
        self.timers.earliest()
    }

    /// The next message held behind a gap that is now in order, copied into `out` for the
    /// caller to decode and pass to [`Session::handle_frame`]. `false` when none is ready.
    pub fn next_queued(&mut self, out: &mut Vec<u8>) -> Result<bool, SessionError> {
        while self.is_logged_on() {
            let Some(q) = self.queue.take(self.seq.next_in) else {
                return Ok(false);
            };
            if q.answered {
                self.incr_in()?;
                continue;
            }
            out.clear();
            out.extend_from_slice(&q.frame);
            self.requeued = true;
            return Ok(true);
        }
        Ok(false)
    }

    // ---- shared internals ---------------------------------------------------------------

    pub(crate) fn push_event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub(crate) fn store_err<E: std::error::Error + Send + Sync + 'static>(
        &self,
        e: E,
    ) -> SessionError {
        SessionError::Store {
            session: self.id.clone(),
            source: Box::new(e),
        }
    }

    pub(crate) fn incr_in(&mut self) -> Result<(), SessionError> {
        self.seq.next_in = self.seq.next_in.saturating_add(1);
        let n = self.seq.next_in;
        self.store
            .set_next_target_seq(n)
            .map_err(|e| self.store_err(e))
    }

    pub(crate) fn set_next_in(&mut self, n: u64) -> Result<(), SessionError> {
        self.seq.next_in = n;
        self.store
            .set_next_target_seq(n)
            .map_err(|e| self.store_err(e))
    }

    /// Both sequence numbers back to 1, a new store epoch.
    pub(crate) fn reset_seqs(&mut self) -> Result<(), SessionError> {
        self.store
            .reset(self.now.utc)
            .map_err(|e| self.store_err(e))?;
        self.seq = SeqNums::default();
        self.queue.clear();
        self.resend_range = None;
        Ok(())
    }

    /// Encodes a message with the next MsgSeqNum, persists it if it is an application message,
    /// and restarts the heartbeat clock.
    pub(crate) fn send_message(
        &mut self,
        msg_type: &[u8],
        extra: &[(u32, &[u8])],
        body: &mut dyn FnMut(&mut MessageWriter<'_>),
    ) -> Result<u64, SessionError> {
        let seq = self.seq.next_out;
        let spec = HeaderSpec {
            seq,
            poss_dup: false,
            sending_time: self.now.utc,
            orig_sending_time: None,
            extra,
        };
        let tx = if self.replay.is_some() {
            &mut self.tx_after
        } else {
            &mut self.tx
        };
        // The application's fields follow ours on admin messages (a Logon's password).
        let mut hook = match self.admin.as_mut() {
            Some(h) if msg_type::is_admin(msg_type) => Some(h),
            _ => None,
        };
        let mut with_hook = |w: &mut MessageWriter<'_>| {
            body(w);
            if let Some(h) = hook.as_mut() {
                h.on_outgoing(msg_type, w);
            }
        };
        let range = tx
            .encode(&self.cfg, &mut self.fmt, msg_type, &spec, &mut with_hook)
            .map_err(|source| SessionError::Encode {
                session: self.id.clone(),
                msg_type: String::from_utf8_lossy(msg_type).into_owned(),
                source,
            })?;
        if self.cfg.persist_messages && !msg_type::is_admin(msg_type) {
            let bytes = tx.bytes(range);
            if let Err(e) = self.store.append_outbound(seq, self.now.utc, bytes) {
                return Err(self.store_err(e));
            }
        }
        self.seq.next_out = seq.saturating_add(1);
        self.store
            .set_next_sender_seq(self.seq.next_out)
            .map_err(|e| self.store_err(e))?;
        self.sent_now();
        Ok(seq)
    }

    /// Restarts the send-silence clock.
    fn sent_now(&mut self) {
        if self.flags.received_logon && !self.hbi.is_zero() {
            self.timers
                .arm(TimerKind::Heartbeat, self.now.mono.saturating_add(self.hbi));
        }
    }

    /// Asks the owner to close, and forgets the connection.
    pub(crate) fn disconnect_for(&mut self, reason: DisconnectReason) -> Result<(), SessionError> {
        self.push_event(Event::Disconnect(reason));
        self.end_connection()
    }

    fn end_connection(&mut self) -> Result<(), SessionError> {
        let was_logged_on = self.flags.received_logon;
        self.flags = Flags::default();
        self.timers.cancel_all();
        self.queue.clear();
        self.replay = None;
        self.tx.append(&mut self.tx_after);
        self.resend_range = None;
        self.test_requests = 0;
        if was_logged_on {
            self.push_event(Event::LoggedOut);
        }
        if self.cfg.reset_on_disconnect {
            self.reset_seqs()?;
        }
        Ok(())
    }
}
