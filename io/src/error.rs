//! The crate's one error type.
//!
//! Each variant carries the detail an operator needs to act without a debugger: the address,
//! the session or file involved and what the OS or the TLS library said. Details are owned
//! strings because errors are rare and leave the hot path; this keeps the type `Clone` so the
//! same error can be returned to the caller and reported in an event.

use std::net::SocketAddr;
use thiserror::Error;

/// What went wrong with a connection or its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IoError {
    /// The acceptor's port could not be bound (in use, no permission, bad address).
    #[error("PORT_BIND_FAILED: cannot listen on {addr}: {detail}")]
    PortBindFailed {
        /// The address that was to be bound.
        addr: SocketAddr,
        /// What the OS said.
        detail: String,
    },
    /// The TLS handshake failed (unknown CA, wrong name, missing client certificate, plain
    /// bytes on a TLS port).
    #[error("SSL_HANDSHAKE_FAILED with {peer}: {detail}")]
    SslHandshakeFailed {
        /// The remote end.
        peer: SocketAddr,
        /// What rustls said.
        detail: String,
    },
    /// An outbound connection attempt did not succeed (refused, unreachable, timed out).
    #[error("CONNECTION_REFUSED by {peer}: {detail}")]
    ConnectionRefused {
        /// The host tried.
        peer: SocketAddr,
        /// Why.
        detail: String,
    },
    /// An open connection ended or had to be closed.
    #[error("CONNECTION_LOST with {peer}: {detail}")]
    ConnectionLost {
        /// The remote end.
        peer: SocketAddr,
        /// Why (peer closed, reset, over-size frame, slow reader, unknown CompIDs, ...).
        detail: String,
    },
    /// A setting, certificate or key is missing or invalid; names the setting or file.
    #[error("CONFIG_ERROR: {detail}")]
    ConfigError {
        /// Which setting or file, with its value, and what is wrong with it.
        detail: String,
    },
    /// `send` or `disconnect` named a session that has no open connection right now.
    #[error("session {session} is not connected")]
    NotConnected {
        /// The session, as `BeginString:Sender->Target`.
        session: String,
    },
    /// The poller itself failed: the reactor cannot go on.
    #[error("poll failed: {detail}")]
    Poll {
        /// What the OS said.
        detail: String,
    },
}

impl IoError {
    /// The error's code as operators know it (`PORT_BIND_FAILED`, `SSL_HANDSHAKE_FAILED`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            IoError::PortBindFailed { .. } => "PORT_BIND_FAILED",
            IoError::SslHandshakeFailed { .. } => "SSL_HANDSHAKE_FAILED",
            IoError::ConnectionRefused { .. } => "CONNECTION_REFUSED",
            IoError::ConnectionLost { .. } => "CONNECTION_LOST",
            IoError::ConfigError { .. } => "CONFIG_ERROR",
            IoError::NotConnected { .. } => "NOT_CONNECTED",
            IoError::Poll { .. } => "POLL_FAILED",
        }
    }

    pub(crate) fn config(detail: impl Into<String>) -> IoError {
        IoError::ConfigError {
            detail: detail.into(),
        }
    }

    pub(crate) fn lost(peer: SocketAddr, detail: impl Into<String>) -> IoError {
        IoError::ConnectionLost {
            peer,
            detail: detail.into(),
        }
    }
}
