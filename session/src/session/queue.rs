//! Messages that arrived ahead of a gap, held until the gap is filled.
//!
//! Bounded by count and bytes: a peer that keeps sending past a gap it never fills must not
//! grow our memory without limit. Only the gap path touches this, never the in-order path.

use std::collections::BTreeMap;

#[derive(Debug)]
pub(crate) struct Queued {
    pub frame: Vec<u8>,
    /// Already acted on when it arrived (a Logon or ResendRequest): only its number counts.
    pub answered: bool,
}

/// Out-of-order inbound messages by MsgSeqNum.
#[derive(Debug, Default)]
pub(crate) struct InboundQueue {
    map: BTreeMap<u64, Queued>,
    bytes: usize,
}

/// The queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueFull;

impl InboundQueue {
    pub fn push(
        &mut self,
        seq: u64,
        frame: &[u8],
        answered: bool,
        max_messages: usize,
        max_bytes: usize,
    ) -> Result<(), QueueFull> {
        if self.map.contains_key(&seq) {
            return Ok(());
        }
        if self.map.len() >= max_messages || self.bytes + frame.len() > max_bytes {
            return Err(QueueFull);
        }
        self.bytes += frame.len();
        self.map.insert(
            seq,
            Queued {
                frame: frame.to_vec(),
                answered,
            },
        );
        Ok(())
    }

    /// Removes and returns the message numbered `seq`, dropping any below it.
    pub fn take(&mut self, seq: u64) -> Option<Queued> {
        while let Some((&first, _)) = self.map.first_key_value() {
            if first >= seq {
                break;
            }
            if let Some(q) = self.map.remove(&first) {
                self.bytes -= q.frame.len();
            }
        }
        let q = self.map.remove(&seq)?;
        self.bytes -= q.frame.len();
        Some(q)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }
}
