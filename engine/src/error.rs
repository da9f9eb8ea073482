//! The engine's errors.

use thiserror::Error;

/// Why the engine could not start, or a call on it failed.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A session could not be configured.
    #[error("session {session}: {source}")]
    Session {
        /// `BeginString:Sender->Target`.
        session: String,
        /// What the session crate refused.
        #[source]
        source: spinfix_session::config::ConfigError,
    },
    /// A session's journal could not be opened.
    #[error("session {session}: journal: {source}")]
    Journal {
        /// `BeginString:Sender->Target`.
        session: String,
        /// The journal's error (names the file and offset).
        #[source]
        source: spinfix_store::JournalError,
    },
    /// A data dictionary could not be loaded.
    #[error("session {session}: data dictionary: {detail}")]
    Dictionary {
        /// `BeginString:Sender->Target`.
        session: String,
        /// What went wrong (names the file).
        detail: String,
    },
    /// A socket could not be set up (PORT_BIND_FAILED, CONFIG_ERROR for TLS files, ...).
    #[error(transparent)]
    Io(#[from] spinfix_io::IoError),
    /// The session thread could not be started or stopped.
    #[error("thread: {0}")]
    Thread(String),
    /// No session has this name.
    #[error("no session named {0:?}")]
    UnknownSession(String),
    /// The engine has stopped.
    #[error("the engine has stopped")]
    Stopped,
}
