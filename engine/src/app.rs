//! The application behind the engine's sessions, called on the session thread.
//!
//! Callbacks run on the thread that owns the session, between two inputs of its state machine,
//! so a callback that answers (an ExecutionReport for a NewOrderSingle) writes straight into the
//! session's transmit buffer: no queue, no thread hop, no copy. That is the lowest-latency reply
//! path the engine has; [`crate::SessionHandle`] is the way in from other threads.

use crate::store::EngineStore;
use spinfix_session::codec::{Message, MessageWriter};
use spinfix_session::config::SessionConfig;
use spinfix_session::session::{AdminHook, Event, ResendFilter, Session, SessionError};
use spinfix_session::time::Now;

/// How the application refuses an application message it was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppReject {
    /// It does not handle this MsgType: BusinessMessageReject(j) with reason 3 on FIX.4.2 and
    /// later, a session Reject before.
    UnsupportedMessageType,
    /// A business-level refusal: BusinessMessageReject(j) with this BusinessRejectReason(380).
    Business {
        /// BusinessRejectReason(380).
        reason: u32,
        /// Text(58).
        text: &'static str,
    },
}

/// Callbacks of the sessions of one session thread.
///
/// Every method has a default that does nothing, except [`Application::on_message`].
pub trait Application: Send {
    /// A session was created (once per session, before its first connection).
    fn on_create(&mut self, _session: &SessionConfig) {}

    /// The application's say over which stored messages a resend replays; `None` replays all.
    fn resend_filter(&mut self, _session: &SessionConfig) -> Option<Box<dyn ResendFilter>> {
        None
    }

    /// The application's say over admin messages of `session`: fields added to our Logon (a
    /// Username and Password) and the verdict on the peer's Logon. `None`: the session's own
    /// checks decide alone. Runs on the session's thread, inside the session's handling.
    fn admin_hook(&mut self, _session: &SessionConfig) -> Option<Box<dyn AdminHook>> {
        None
    }

    /// The Logon exchange completed.
    fn on_logon(&mut self, _ctx: &mut Ctx<'_>) {}

    /// A logged-on session ended.
    fn on_logout(&mut self, _ctx: &mut Ctx<'_>) {}

    /// Any session event (logon and logout included), after the specific callback.
    fn on_event(&mut self, _ctx: &mut Ctx<'_>, _event: &Event) {}

    /// An in-sequence application message, delivered exactly once and in order.
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject>;

    /// Called once per duty cycle so the application can send on its own initiative without
    /// crossing a thread. Returns how much work it did (0 lets the thread idle).
    fn poll(&mut self, _sessions: &mut Sessions<'_>) -> usize {
        0
    }
}

/// One session, lent to a callback for the duration of the call.
#[derive(Debug)]
pub struct Ctx<'s> {
    pub(crate) session: &'s mut Session<EngineStore>,
    pub(crate) index: usize,
    pub(crate) now: Now,
}

impl<'s> Ctx<'s> {
    /// `BeginString:Sender->Target`.
    pub fn session_id(&self) -> &str {
        self.session.id()
    }

    /// The session's position in the engine's configuration order.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The time of the current duty cycle.
    pub fn now(&self) -> Now {
        self.now
    }

    /// Whether the Logon exchange has completed.
    pub fn is_logged_on(&self) -> bool {
        self.session.is_logged_on()
    }

    /// Sends an application message whose body `body` writes; the session adds the header
    /// and trailer. Returns its MsgSeqNum.
    pub fn send<F: FnMut(&mut MessageWriter<'_>)>(
        &mut self,
        msg_type: &[u8],
        body: F,
    ) -> Result<u64, SessionError> {
        self.session.send(self.now, msg_type, body)
    }

    /// Like [`Ctx::send`], with further header fields (routing such as OnBehalfOfCompID,
    /// PossResend) written in their place in the header.
    pub fn send_with_header<F: FnMut(&mut MessageWriter<'_>)>(
        &mut self,
        msg_type: &[u8],
        header: &[(u32, &[u8])],
        body: F,
    ) -> Result<u64, SessionError> {
        self.session
            .send_with_header(self.now, msg_type, header, body)
    }

    /// The protocol version of the session.
    pub fn version(&self) -> spinfix_session::config::Version {
        self.session.config().version()
    }

    /// Sends an application message with a pre-encoded body (`tag=value<SOH>` fields).
    pub fn send_body(&mut self, msg_type: &[u8], body: &[u8]) -> Result<u64, SessionError> {
        self.session.send_body(self.now, msg_type, body)
    }

    /// Starts a Logout exchange.
    pub fn logout(&mut self, reason: Option<&str>) -> Result<(), SessionError> {
        self.session.logout(self.now, reason)
    }

    /// The next MsgSeqNum this session will send.
    pub fn next_sender_seq(&self) -> u64 {
        self.session.next_sender_seq()
    }

    /// The next MsgSeqNum this session expects.
    pub fn next_target_seq(&self) -> u64 {
        self.session.next_target_seq()
    }
}

/// All sessions of a session thread, lent to [`Application::poll`].
#[derive(Debug)]
pub struct Sessions<'s> {
    pub(crate) slots: &'s mut [crate::slot::SessionSlot],
    pub(crate) now: Now,
}

impl<'s> Sessions<'s> {
    /// How many sessions this thread owns.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it owns none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The time of the current duty cycle.
    pub fn now(&self) -> Now {
        self.now
    }

    /// The session at `index` (configuration order), if there is one.
    pub fn get(&mut self, index: usize) -> Option<Ctx<'_>> {
        let now = self.now;
        self.slots.get_mut(index).map(|s| Ctx {
            session: &mut s.session,
            index,
            now,
        })
    }
}

/// An application that refuses every application message: for engines whose owner only needs the
/// session layer (and for [`crate::Engine::builder`]'s type).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoApplication;

impl Application for NoApplication {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _msg: &Message<'_>) -> Result<(), AppReject> {
        Err(AppReject::UnsupportedMessageType)
    }
}
