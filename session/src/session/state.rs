//! Where a session stands in its lifecycle, as flags the rules consult.

/// The lifecycle stage, as the owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// No connection.
    Disconnected,
    /// Connected; the Logon exchange has not completed.
    AwaitingLogon,
    /// Logged on.
    LoggedOn,
    /// We sent a Logout and wait for the answer.
    LoggingOut,
}

/// What has happened on the current connection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    pub connected: bool,
    pub sent_logon: bool,
    pub received_logon: bool,
    pub sent_logout: bool,
    pub sent_reset: bool,
    pub received_reset: bool,
}

/// Our outstanding ResendRequest: the whole gap and the end of the chunk asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResendRange {
    pub begin: u64,
    pub end: u64,
    pub chunk_end: u64,
}
