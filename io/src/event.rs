//! What the reactor reports about connections.
//!
//! Every lifecycle transition (see [`crate::state`]) produces exactly one event, so a handler
//! that tracks events always knows each session's [`ConnState`](crate::ConnState). Events are
//! rare next to frames; they may allocate.

use crate::error::IoError;
use crate::SessionId;
use std::net::SocketAddr;

/// Whether a connection was accepted or initiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionType {
    /// Accepted on a listening port.
    Acceptor,
    /// Opened by us.
    Initiator,
}

/// One connection event (`fix.connection.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// An initiator started an attempt on `remote`: stopped→pending or disconnected→pending.
    Connecting {
        /// The session.
        session: SessionId,
        /// The host being tried.
        remote: SocketAddr,
    },
    /// `fix.connection.established`: pending→connected (initiator) or stopped→connected
    /// (acceptor, once the first Logon routed to `session`).
    Established {
        /// The session now bound to the connection.
        session: SessionId,
        /// The remote host and port.
        remote: SocketAddr,
        /// Whether the connection runs over TLS.
        tls: bool,
    },
    /// `fix.connection.lost`: connected→disconnected.
    Lost {
        /// The session that lost its connection.
        session: SessionId,
        /// The remote host and port.
        remote: SocketAddr,
        /// Why.
        error: IoError,
    },
    /// `fix.connection.failed`: pending→disconnected (an initiator's attempt failed).
    Failed {
        /// The session whose attempt failed.
        session: SessionId,
        /// The host and port tried.
        remote: SocketAddr,
        /// Why: refused, timed out or handshake failed.
        error: IoError,
    },
    /// `fix.connection.stopped`: every connection of this type was closed by [`crate::Reactor::stop`].
    Stopped {
        /// Which side stopped.
        kind: ConnectionType,
    },
    /// `fix.connection.error`: a problem not tied to a session's lifecycle (a bind failure, a
    /// rejected or failed inbound connection, a handshake failure before routing).
    Error {
        /// The remote end, when there is one.
        remote: Option<SocketAddr>,
        /// The session, when one was identified (a second connection for a connected session).
        session: Option<SessionId>,
        /// What went wrong.
        error: IoError,
    },
}
