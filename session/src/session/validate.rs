//! The pluggable checks the session runs on inbound messages and the resend veto.

use crate::codec::{Message, MessageWriter};
use crate::reject::Rejection;
use std::fmt::Debug;

/// A data-dictionary check, run on every inbound message before the session acts on it.
///
/// The session crate's dictionary `Validator` implements this; a session without one performs
/// only the session-level checks (CompIDs, SendingTime, sequence numbers).
pub trait MessageValidator: Debug + Send + Sync {
    /// `Err` with the reason and the tag to blame when the message breaks the dictionary.
    fn validate(&self, msg: &Message<'_>) -> Result<(), Rejection>;
}

/// The application's say over which stored messages are replayed on a ResendRequest.
///
/// A message it declines is gap-filled instead (stale orders, for example).
pub trait ResendFilter: Debug + Send {
    /// Whether to resend `msg` (as stored, before the header is rewritten).
    fn resend(&mut self, msg: &Message<'_>) -> bool;
}

/// The data dictionary's validator is the usual check.
impl MessageValidator for crate::dict::Validator {
    #[inline]
    fn validate(&self, msg: &Message<'_>) -> Result<(), Rejection> {
        crate::dict::Validator::validate(self, msg)
    }
}

/// The application's say over admin messages: fields it adds to those we send (a Username and
/// Password on our Logon) and whether a Logon we receive is accepted.
///
/// Called on the session's thread while the session handles the message, so a refusal takes
/// effect before any answer goes out.
pub trait AdminHook: Debug + Send {
    /// Adds fields to an outgoing admin message (`msg_type` is `A`, `0`, `1`, `2`, `4` or
    /// `5`), after the session's own body fields.
    fn on_outgoing(&mut self, _msg_type: &[u8], _w: &mut MessageWriter<'_>) {}

    /// Judges a Logon the peer sent, after the session's own checks passed. `Err(text)`
    /// refuses it: the session answers with a Logout carrying `text` and disconnects.
    fn check_logon(&mut self, _logon: &Message<'_>) -> Result<(), String> {
        Ok(())
    }
}
