//! What the session tells its owner, drained with `poll_event`.
//!
//! Events are plain `Copy` values so that queueing one never allocates; texts a human needs are
//! derived from the variant, not carried.

use crate::reject::RejectReason;

/// Why the session wants the connection closed (or noticed it closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectReason {
    /// No Logon (or Logon answer) within the logon timeout.
    LogonTimeout,
    /// Our Logout was not answered within the logout timeout.
    LogoutTimeout,
    /// The peer stayed silent through a TestRequest.
    HeartbeatTimeout,
    /// The peer logged out and we answered.
    LogoutReceived,
    /// The peer answered our Logout.
    LogoutComplete,
    /// The first message on the connection was not a Logon.
    FirstMessageNotLogon,
    /// The Logon named another BeginString.
    WrongBeginString,
    /// The Logon named other CompIDs.
    WrongCompId,
    /// The Logon was garbled, failed validation, or had a bad SendingTime.
    InvalidLogon,
    /// The peer's Logon arrived before we (the initiator) sent ours.
    UnexpectedLogonResponse,
    /// A Logon arrived on a session that is already logged on.
    DuplicateLogon,
    /// MsgSeqNum lower than expected without PossDupFlag.
    SeqNumTooLow,
    /// NextExpectedMsgSeqNum(789) claims messages we never sent.
    NextExpectedTooHigh,
    /// The peer's EncryptMethod(98) is not 0.
    UnsupportedEncryptMethod,
    /// Too many out-of-order messages to hold while a gap is filled.
    QueueFull,
    /// The application asked to close without a Logout exchange.
    Requested,
    /// The application's [`super::AdminHook`] refused the peer's Logon.
    LogonRefused,
}

impl DisconnectReason {
    /// A short description for logs.
    pub const fn text(self) -> &'static str {
        match self {
            DisconnectReason::LogonTimeout => "timed out waiting for logon",
            DisconnectReason::LogoutTimeout => "timed out waiting for logout response",
            DisconnectReason::HeartbeatTimeout => "timed out waiting for heartbeat",
            DisconnectReason::LogoutReceived => "logout received",
            DisconnectReason::LogoutComplete => "logout complete",
            DisconnectReason::FirstMessageNotLogon => "first message was not a logon",
            DisconnectReason::WrongBeginString => "logon with wrong BeginString",
            DisconnectReason::WrongCompId => "logon with wrong CompIDs",
            DisconnectReason::InvalidLogon => "invalid logon",
            DisconnectReason::UnexpectedLogonResponse => "logon response before request",
            DisconnectReason::DuplicateLogon => "logon on a live session",
            DisconnectReason::SeqNumTooLow => "MsgSeqNum too low",
            DisconnectReason::NextExpectedTooHigh => "NextExpectedMsgSeqNum too high",
            DisconnectReason::UnsupportedEncryptMethod => "unsupported EncryptMethod",
            DisconnectReason::QueueFull => "too many queued out-of-order messages",
            DisconnectReason::Requested => "disconnect requested",
            DisconnectReason::LogonRefused => "logon refused by the application",
        }
    }
}

/// Something the session's owner should know or act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The Logon exchange completed. `reset` when sequence numbers were reset by it.
    LoggedOn {
        /// Whether 141=Y was part of the exchange.
        reset: bool,
    },
    /// A logged-on session ended.
    LoggedOut,
    /// We rejected a message at the session level.
    RejectSent {
        /// RefSeqNum(45), if the message had one.
        ref_seq: Option<u64>,
        /// SessionRejectReason(373).
        reason: RejectReason,
    },
    /// We sent a BusinessMessageReject.
    BusinessRejectSent {
        /// RefSeqNum(45).
        ref_seq: Option<u64>,
        /// BusinessRejectReason(380).
        reason: u32,
    },
    /// The peer rejected one of our messages.
    RejectReceived {
        /// RefSeqNum(45).
        ref_seq: Option<u64>,
    },
    /// A MsgSeqNum higher than expected arrived: messages are missing.
    GapDetected {
        /// The first missing number.
        expected: u64,
        /// The number received.
        received: u64,
    },
    /// We sent a ResendRequest.
    ResendRequested {
        /// BeginSeqNo(7).
        begin: u64,
        /// The last number we need (EndSeqNo(16) may say 0 for "all").
        end: u64,
    },
    /// The gap we asked to be resent is filled.
    ResendDone {
        /// The last number of the range.
        end: u64,
    },
    /// We finished answering a ResendRequest of the peer.
    ResendServed {
        /// BeginSeqNo(7).
        begin: u64,
        /// The last number replayed or gap-filled.
        end: u64,
    },
    /// The peer moved our expected number with a SequenceReset.
    SequenceReset {
        /// The new expected number.
        new_seq: u64,
    },
    /// A garbled frame was ignored (bad BodyLength, CheckSum or structure).
    Garbled,
    /// A message of the store could not be read during a resend; it was gap-filled.
    ResendStoreError {
        /// The sequence number that could not be read.
        seq: u64,
    },
    /// The application refused the peer's Logon; a Logout with its reason went out.
    LogonRefused,
    /// Close the connection once the pending transmit bytes are written.
    Disconnect(DisconnectReason),
}
