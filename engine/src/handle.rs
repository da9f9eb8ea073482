//! Sending on a session from another thread.
//!
//! Each [`SessionHandle`] is one producer with its own bounded queue to the session thread, so
//! producers never contend with each other, and a full queue is an error the caller sees
//! ([`HandleError::Full`]) instead of a silent drop or an unbounded buffer.

use crossbeam_channel::{Sender, TrySendError};
use thiserror::Error;

/// A message handed to the session thread.
#[derive(Debug)]
pub(crate) struct Outbound {
    pub(crate) msg_type: Vec<u8>,
    pub(crate) body: Vec<u8>,
}

/// Why a [`SessionHandle::send`] did not queue the message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HandleError {
    /// The producer's queue holds `capacity` messages the session thread has not taken yet.
    #[error("session {session}: send queue full ({capacity} messages)")]
    Full {
        /// The session.
        session: String,
        /// The queue's bound.
        capacity: usize,
    },
    /// The engine has stopped.
    #[error("session {session}: the engine has stopped")]
    Closed {
        /// The session.
        session: String,
    },
}

/// Sends application messages on one session from any thread.
///
/// The message goes out on the session thread's next duty cycle. If the session is not logged
/// on then, the session thread reports a [`crate::EngineEvent::SessionError`].
#[derive(Debug)]
pub struct SessionHandle {
    pub(crate) session: String,
    pub(crate) capacity: usize,
    pub(crate) tx: Sender<Outbound>,
}

impl SessionHandle {
    /// The session's name, `BeginString:Sender->Target`.
    pub fn session_id(&self) -> &str {
        &self.session
    }

    /// Queues an application message: `msg_type` and its body as `tag=value<SOH>` fields.
    pub fn send(&self, msg_type: &[u8], body: &[u8]) -> Result<(), HandleError> {
        let out = Outbound {
            msg_type: msg_type.to_vec(),
            body: body.to_vec(),
        };
        self.tx.try_send(out).map_err(|e| match e {
            TrySendError::Full(_) => HandleError::Full {
                session: self.session.clone(),
                capacity: self.capacity,
            },
            TrySendError::Disconnected(_) => HandleError::Closed {
                session: self.session.clone(),
            },
        })
    }
}
