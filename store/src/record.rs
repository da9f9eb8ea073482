//! What a journal hands back: records borrowed from the map, never copied.

use spinfix_session::time::UtcTime;

/// Which way a message went. Each direction has its own series of segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Messages we sent: indexed by sequence number, served for resend.
    Outbound,
    /// Messages we received: kept for audit only when the config asks for it.
    Inbound,
}

impl Direction {
    /// The tag in file names and segment headers.
    pub const fn tag(self) -> &'static str {
        match self {
            Direction::Outbound => "out",
            Direction::Inbound => "in",
        }
    }

    pub(crate) const fn code(self) -> u8 {
        match self {
            Direction::Outbound => 0,
            Direction::Inbound => 1,
        }
    }
}

/// One journaled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Its MsgSeqNum.
    pub seq: u64,
    /// When it was sent or received, as the caller stated.
    pub time: UtcTime,
    /// The whole message, from `8=` to the checksum's SOH.
    pub bytes: &'a [u8],
}
