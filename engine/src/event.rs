//! What the engine tells the application thread, off the message path.

use spinfix_io::ConnectionEvent;
use spinfix_session::session::Event;

/// An event of the engine, delivered over a bounded crossbeam channel.
///
/// If the application does not drain the channel, events beyond its capacity are counted and
/// dropped ([`crate::Engine::dropped_events`]) rather than stalling the session thread.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// A connection lifecycle event (`fix.connection.*`).
    Connection(ConnectionEvent),
    /// A session event.
    Session {
        /// `BeginString:Sender->Target`.
        session: String,
        /// What happened.
        event: Event,
    },
    /// A session failed in a way that closed its connection (a journal that cannot be written,
    /// for example).
    SessionError {
        /// `BeginString:Sender->Target`.
        session: String,
        /// The error, rendered.
        detail: String,
    },
    /// The engine has logged every session out and closed its sockets.
    Stopped,
}
