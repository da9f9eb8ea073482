//! spinfix's connections: non-blocking sockets polled with mio, no async runtime.
//!
//! One [`Reactor`] per I/O thread owns a `mio::Poll`, its listening ports ([`AcceptorConfig`])
//! and outbound sessions ([`InitiatorConfig`]). The engine calls [`Reactor::poll`] once per duty
//! cycle with the time it read; complete frames and [`ConnectionEvent`]s come out through a
//! [`Handler`], and [`Reactor::send`] writes a session's bytes (queueing, bounded, what the
//! socket cannot take yet).
//!
//! This crate frames with the session crate's [`Framer`](spinfix_session::codec::Framer) and
//! reads only the header of an acceptor's first Logon; it knows nothing of sequence numbers.
//!
//! ```no_run
//! use spinfix_io::{
//!     AcceptorConfig, ConnectionEvent, Handler, InitiatorConfig, IoError, Reactor, SessionId,
//!     SessionKey,
//! };
//! use spinfix_session::time::MonoTime;
//! use std::time::{Duration, Instant};
//!
//! struct Sessions;
//! impl Handler for Sessions {
//!     fn on_frame(&mut self, _session: SessionId, _frame: &[u8], _received: MonoTime) {
//!         // Decode in place and hand to the session; `frame` is only valid during the call.
//!     }
//!     fn on_event(&mut self, _event: ConnectionEvent) {
//!         // Established -> session.handle_connected(); Lost/Failed -> handle_disconnected().
//!     }
//! }
//!
//! let mut reactor = Reactor::new()?;
//! let bind = "0.0.0.0:9876".parse().expect("address");
//! let _acceptor = reactor.add_acceptor(AcceptorConfig::new(
//!     bind,
//!     vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT")],
//! ))?;
//! let host = "127.0.0.1:9877".parse().expect("address");
//! let _initiator = reactor.add_initiator(InitiatorConfig::new(
//!     SessionKey::new("FIX.4.4", "CLIENT", "SERVER"),
//!     vec![host],
//! ))?;
//! let origin = Instant::now();
//! let mut sessions = Sessions;
//! while !reactor.is_stopped() {
//!     let now = MonoTime(origin.elapsed().as_nanos() as u64);
//!     let work = reactor.poll(now, Some(Duration::ZERO), &mut sessions)?;
//!     // ... reactor.send(session, bytes) for what the sessions produced ...
//!     if work == 0 { /* idle strategy: spin, yield or park */ }
//! }
//! # Ok::<(), IoError>(())
//! ```
//!
//! - [`config`]: what to listen on and connect to (QuickFIX-compatible defaults).
//! - [`state`]: the connection lifecycle, legal transitions only.
//! - [`event`]: what the reactor reports.
//! - [`error`]: [`IoError`], the codes operators see.

mod buffer;
pub mod config;
mod conn;
pub mod error;
pub mod event;
mod reactor;
mod route;
mod socket;
pub mod state;
mod tls;

pub use config::{
    AcceptorConfig, BufferLimits, HostSelectionPolicy, InitiatorConfig, SessionKey, SocketOptions,
    TlsClientSettings, TlsServerSettings,
};
pub use error::IoError;
pub use event::{ConnectionEvent, ConnectionType};
pub use reactor::{AcceptorHandle, Handler, Reactor};
pub use state::ConnState;

/// A session registered with a [`Reactor`]: the handle frames, events and `send` use.
///
/// Numbered from 0 in registration order (an acceptor's sessions in the order of its config),
/// so the engine can index its own tables with [`SessionId::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) u32);

impl SessionId {
    /// The id at `index` in registration order (an engine passing ids between threads as
    /// integers); an index the reactor never issued names no session and its calls fail.
    pub fn from_index(index: usize) -> SessionId {
        SessionId(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// The position in registration order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

// The engine builds a reactor on its start-up thread and moves it to its I/O thread.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Reactor>();
};

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session#{}", self.0)
    }
}
