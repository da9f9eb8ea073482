//! Helpers shared by the journal's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::time::UtcTime;
use spinfix_store::{Journal, JournalConfig};
use std::path::Path;

pub const T0: UtcTime = UtcTime::from_unix(1_700_000_000, 0);

/// A deterministic message for `seq`, of a length that varies with it.
pub fn message(seq: u64) -> Vec<u8> {
    let mut m = format!("8=FIX.4.4\x019=0\x0135=D\x0134={seq}\x0111=ORD-{seq}\x0158=").into_bytes();
    let pad = (seq * 7919 % 97) as usize;
    m.resize(m.len() + pad, b'x');
    m.extend_from_slice(b"\x0110=000\x01");
    m
}

pub fn config(dir: &Path) -> JournalConfig {
    JournalConfig::new(dir, "FIX.4.4-BUY-SELL")
}

pub fn at(seq: u64) -> UtcTime {
    UtcTime(T0.0 + seq as i64 * 1_000_000)
}

/// Appends `from..=to` outbound and moves the next sender number on.
pub fn append_range(j: &mut Journal, from: u64, to: u64) {
    use spinfix_session::store::MessageStore;
    for s in from..=to {
        j.append_outbound(s, at(s), &message(s)).unwrap();
        j.set_next_sender_seq(s + 1).unwrap();
    }
}
