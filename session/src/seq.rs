//! Sequence numbers as plain integers, and the verdict on an inbound one.
//!
//! The store keeps the durable copy; this is the session's cached view so the hot path reads a
//! field instead of calling through the store trait.

/// Where an inbound MsgSeqNum stands against the one expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// Exactly the expected number.
    InOrder,
    /// Higher than expected: messages are missing before it.
    TooHigh {
        /// The number we expected.
        expected: u64,
    },
    /// Lower than expected: a duplicate (fine with PossDupFlag) or a protocol error.
    TooLow {
        /// The number we expected.
        expected: u64,
    },
}

/// The next MsgSeqNum we send and the next one we expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqNums {
    /// Next MsgSeqNum(34) we will send.
    pub next_out: u64,
    /// Next MsgSeqNum(34) we expect from the peer.
    pub next_in: u64,
}

impl Default for SeqNums {
    fn default() -> Self {
        SeqNums {
            next_out: 1,
            next_in: 1,
        }
    }
}

impl SeqNums {
    /// Judges an inbound number.
    #[inline]
    pub fn verdict(&self, received: u64) -> SeqVerdict {
        let expected = self.next_in;
        match received.cmp(&expected) {
            std::cmp::Ordering::Equal => SeqVerdict::InOrder,
            std::cmp::Ordering::Greater => SeqVerdict::TooHigh { expected },
            std::cmp::Ordering::Less => SeqVerdict::TooLow { expected },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let s = SeqNums {
            next_out: 1,
            next_in: 5,
        };
        assert_eq!(s.verdict(5), SeqVerdict::InOrder);
        assert_eq!(s.verdict(9), SeqVerdict::TooHigh { expected: 5 });
        assert_eq!(s.verdict(2), SeqVerdict::TooLow { expected: 5 });
    }
}
