//! The store a session of the engine persists through: the journal, or memory.
//!
//! One concrete type for every session keeps `Session<S>` monomorphic (no dynamic dispatch on
//! the send path) while letting each session choose durability.

use spinfix_session::store::{MemoryStore, MessageStore};
use spinfix_session::time::UtcTime;
use spinfix_store::{Journal, JournalError};

/// A session's store: the mmap'd journal where `FileStorePath` is set, memory otherwise.
#[derive(Debug)]
pub enum EngineStore {
    /// Nothing survives the process.
    Memory(MemoryStore),
    /// The mmap'd journal.
    Journal(Box<Journal>),
}

impl EngineStore {
    /// Flushes a journal whose durability policy is time-based, once per duty cycle.
    #[inline]
    pub fn flush_if_due(&mut self, now: UtcTime) -> Result<(), JournalError> {
        match self {
            EngineStore::Memory(_) => Ok(()),
            EngineStore::Journal(j) => j.flush_if_due(now),
        }
    }
}

impl EngineStore {
    /// Idle-time upkeep of a journal: the next segment made ahead and pages dirtied ahead of
    /// the appends, so neither a roll nor a page fault lands on the message path. Returns the
    /// work done (0: nothing left to do).
    pub fn prepare(&mut self, now: UtcTime, max_pages: usize) -> Result<usize, JournalError> {
        match self {
            EngineStore::Memory(_) => Ok(0),
            EngineStore::Journal(j) => j.prepare(now, max_pages),
        }
    }
}

macro_rules! both {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            EngineStore::Memory($s) => Ok($e.unwrap_or_else(|never| match never {})),
            EngineStore::Journal($s) => $e,
        }
    };
}

impl MessageStore for EngineStore {
    type Error = JournalError;

    fn next_sender_seq(&self) -> u64 {
        match self {
            EngineStore::Memory(s) => s.next_sender_seq(),
            EngineStore::Journal(s) => s.next_sender_seq(),
        }
    }
    fn next_target_seq(&self) -> u64 {
        match self {
            EngineStore::Memory(s) => s.next_target_seq(),
            EngineStore::Journal(s) => s.next_target_seq(),
        }
    }
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<(), JournalError> {
        both!(self, s => s.set_next_sender_seq(seq))
    }
    fn set_next_target_seq(&mut self, seq: u64) -> Result<(), JournalError> {
        both!(self, s => s.set_next_target_seq(seq))
    }
    fn journals_inbound(&self) -> bool {
        match self {
            EngineStore::Memory(s) => s.journals_inbound(),
            EngineStore::Journal(s) => s.journals_inbound(),
        }
    }
    fn creation_time(&self) -> UtcTime {
        match self {
            EngineStore::Memory(s) => s.creation_time(),
            EngineStore::Journal(s) => s.creation_time(),
        }
    }
    fn append_outbound(&mut self, seq: u64, sent: UtcTime, msg: &[u8]) -> Result<(), JournalError> {
        both!(self, s => s.append_outbound(seq, sent, msg))
    }
    fn outbound(&self, seq: u64) -> Result<Option<&[u8]>, JournalError> {
        both!(self, s => s.outbound(seq))
    }
    fn append_inbound(
        &mut self,
        seq: u64,
        received: UtcTime,
        msg: &[u8],
    ) -> Result<(), JournalError> {
        both!(self, s => s.append_inbound(seq, received, msg))
    }
    fn reset(&mut self, now: UtcTime) -> Result<(), JournalError> {
        both!(self, s => s.reset(now))
    }
    fn flush(&mut self) -> Result<(), JournalError> {
        both!(self, s => s.flush())
    }
}
