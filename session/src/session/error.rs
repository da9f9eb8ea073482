//! Errors of the session: caller mistakes and store failures. Peer misbehaviour is not an
//! error: it is answered on the wire and reported as an [`super::Event`].

use crate::codec::EncodeError;
use thiserror::Error;

/// Why a session call failed.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The store failed to read or write.
    #[error("session {session}: message store failed: {source}")]
    Store {
        /// The session.
        session: String,
        /// The store's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An application message was sent while not logged on.
    #[error("session {session}: cannot send MsgType {msg_type:?} while not logged on")]
    NotLoggedOn {
        /// The session.
        session: String,
        /// The message type.
        msg_type: String,
    },
    /// Sequence numbers were to be reset while a connection is up.
    #[error("session {session}: cannot reset sequence numbers while connected; log out first")]
    Connected {
        /// The session.
        session: String,
    },
    /// A message could not be encoded.
    #[error("session {session}: cannot encode MsgType {msg_type:?}: {source}")]
    Encode {
        /// The session.
        session: String,
        /// The message type.
        msg_type: String,
        /// Why.
        #[source]
        source: EncodeError,
    },
}
