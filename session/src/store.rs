//! What the session persists, as a trait the journal (`spinfix-store`) implements, and an
//! in-memory implementation for tests and for sessions that need no durability.
//!
//! The session reaches its store only through [`MessageStore`], so the session crate never sees a
//! file. Lookups return borrowed bytes so that a resend streams from the journal's map without
//! copying the range into memory.

use crate::time::UtcTime;
use std::convert::Infallible;

/// Outbound messages by sequence number, both next sequence numbers, and the creation time.
pub trait MessageStore {
    /// The store's error: an I/O or corruption error of a journal, [`Infallible`] in memory.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The next MsgSeqNum we will send.
    fn next_sender_seq(&self) -> u64;
    /// The next MsgSeqNum we expect to receive.
    fn next_target_seq(&self) -> u64;
    /// Records the next MsgSeqNum we will send.
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<(), Self::Error>;
    /// Records the next MsgSeqNum we expect to receive.
    fn set_next_target_seq(&mut self, seq: u64) -> Result<(), Self::Error>;
    /// When this store (this sequence epoch) was created: reset moves it.
    fn creation_time(&self) -> UtcTime;

    /// Keeps an outbound message under `seq` for resend. Sequence numbers only increase
    /// between resets; they may skip.
    fn append_outbound(&mut self, seq: u64, sent: UtcTime, msg: &[u8]) -> Result<(), Self::Error>;
    /// The outbound message stored under `seq`, if any.
    fn outbound(&self, seq: u64) -> Result<Option<&[u8]>, Self::Error>;

    /// Whether [`MessageStore::append_inbound`] keeps anything: the session only finds an inbound
    /// message's number for the audit journal when it does.
    fn journals_inbound(&self) -> bool {
        false
    }

    /// Keeps an inbound message for audit; stores that do not journal inbound ignore it.
    fn append_inbound(
        &mut self,
        _seq: u64,
        _received: UtcTime,
        _msg: &[u8],
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Starts a new sequence epoch: both numbers back to 1, messages dropped (a journal keeps
    /// the old epoch readable elsewhere), creation time set to `now`.
    fn reset(&mut self, now: UtcTime) -> Result<(), Self::Error>;

    /// Makes what was written durable according to the store's policy.
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Outbound messages kept in one growing arena: after warm-up, appends do not allocate.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    next_sender: u64,
    next_target: u64,
    created: UtcTime,
    arena: Vec<u8>,
    /// `(seq, start, end)` into `arena`, in increasing `seq` order.
    index: Vec<(u64, usize, usize)>,
}

impl MemoryStore {
    /// An empty store created at `now`.
    pub fn new(now: UtcTime) -> Self {
        MemoryStore {
            next_sender: 1,
            next_target: 1,
            created: now,
            arena: Vec::new(),
            index: Vec::new(),
        }
    }

    /// An empty store with room for `messages` messages of `bytes` bytes in total.
    pub fn with_capacity(now: UtcTime, messages: usize, bytes: usize) -> Self {
        let mut s = Self::new(now);
        s.arena.reserve(bytes);
        s.index.reserve(messages);
        s
    }
}

impl MessageStore for MemoryStore {
    type Error = Infallible;

    fn next_sender_seq(&self) -> u64 {
        self.next_sender
    }
    fn next_target_seq(&self) -> u64 {
        self.next_target
    }
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<(), Infallible> {
        self.next_sender = seq;
        Ok(())
    }
    fn set_next_target_seq(&mut self, seq: u64) -> Result<(), Infallible> {
        self.next_target = seq;
        Ok(())
    }
    fn creation_time(&self) -> UtcTime {
        self.created
    }

    fn append_outbound(&mut self, seq: u64, _sent: UtcTime, msg: &[u8]) -> Result<(), Infallible> {
        // A seq at or below the last one replaces history from there (after a reset to a lower
        // number the caller resets first, so this only guards against misuse).
        while self.index.last().is_some_and(|&(s, _, _)| s >= seq) {
            if let Some((_, start, _)) = self.index.pop() {
                self.arena.truncate(start);
            }
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(msg);
        self.index.push((seq, start, self.arena.len()));
        Ok(())
    }

    fn outbound(&self, seq: u64) -> Result<Option<&[u8]>, Infallible> {
        Ok(self
            .index
            .binary_search_by_key(&seq, |&(s, _, _)| s)
            .ok()
            .map(|i| {
                let (_, a, b) = self.index[i];
                &self.arena[a..b]
            }))
    }

    fn reset(&mut self, now: UtcTime) -> Result<(), Infallible> {
        self.next_sender = 1;
        self.next_target = 1;
        self.created = now;
        self.arena.clear();
        self.index.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_messages_and_numbers() {
        let mut s = MemoryStore::new(UtcTime(5));
        s.append_outbound(1, UtcTime(6), b"one").unwrap();
        s.append_outbound(3, UtcTime(7), b"three").unwrap();
        s.set_next_sender_seq(4).unwrap();
        s.set_next_target_seq(9).unwrap();
        assert_eq!(s.outbound(1).unwrap(), Some(&b"one"[..]));
        assert_eq!(s.outbound(2).unwrap(), None);
        assert_eq!(s.outbound(3).unwrap(), Some(&b"three"[..]));
        assert_eq!((s.next_sender_seq(), s.next_target_seq()), (4, 9));
        s.reset(UtcTime(10)).unwrap();
        assert_eq!((s.next_sender_seq(), s.next_target_seq()), (1, 1));
        assert_eq!(s.outbound(1).unwrap(), None);
        assert_eq!(s.creation_time(), UtcTime(10));
    }
}
