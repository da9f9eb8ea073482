//! A session as a session thread keeps it: the state machine, its decoder and its I/O id.

use crate::store::EngineStore;
use spinfix_io::SessionId;
use spinfix_session::codec::Decoder;
use spinfix_session::session::Session;
use spinfix_session::time::MonoTime;

/// One session of a session thread.
#[derive(Debug)]
pub struct SessionSlot {
    /// The protocol state machine.
    pub(crate) session: Session<EngineStore>,
    /// Where its connection lives in the reactor.
    pub(crate) io: SessionId,
    /// Reused for every inbound frame: decoding allocates nothing once warm.
    pub(crate) decoder: Decoder,
    /// A message released from the gap queue, copied out before it is handled again.
    pub(crate) queued: Vec<u8>,
    /// The deadline the timer wheel holds for this session: never later than the session's own
    /// earliest deadline, often earlier (re-armed only when that moves earlier; see
    /// `core::flush_slot`).
    pub(crate) armed: Option<MonoTime>,
    /// Cleared by an operator's logout: connections are refused (acceptor) or not attempted
    /// (initiator) until an operator's logon.
    pub(crate) enabled: bool,
    /// A connection arrived while disabled: close it at the next flush.
    pub(crate) refuse: bool,
    /// An operator's reset waits for the Logout to finish.
    pub(crate) pending_reset: bool,
}

impl SessionSlot {
    pub(crate) fn new(session: Session<EngineStore>, io: SessionId) -> Self {
        SessionSlot {
            session,
            io,
            decoder: Decoder::new(),
            queued: Vec::with_capacity(1024),
            armed: None,
            enabled: true,
            refuse: false,
            pending_reset: false,
        }
    }
}
