//! A single-producer single-consumer byte ring carrying variable-size records.
//!
//! Why a byte ring rather than a queue of messages: a FIX frame is read from the socket straight into
//! the ring and decoded in place on the other side, so a frame is never copied between threads and no
//! record is ever allocated. Records sit contiguously; a record that would straddle the end of the
//! buffer is preceded by padding so every payload is one `&[u8]`.
//!
//! Layout of one record (all records start on an 8-byte boundary):
//!
//! ```text
//! [len u32][kind u32][conn u64][time u64][payload: len bytes][pad to 8]
//! ```
//!
//! `kind` is the caller's tag (a frame, a connection event, ...) except for [`PADDING_KIND`], which
//! the ring reserves for the filler before a wrap. When fewer than a header's worth of bytes remain
//! before the end, the consumer skips them without a header.
//!
//! The producer publishes a batch of committed records with one release store of its index, the
//! consumer releases a batch with one release store of its own. The producer keeps a cached copy
//! of the consumer's index and reloads it only when the cache says the ring is full; the consumer
//! loads the producer's index once per batch.
//!
//! Checked two ways: `tests/loom_ring.rs` model-checks the index protocol with loom
//! (`RUSTFLAGS="--cfg loom" cargo test -p spinfix --test loom_ring --release`; weakening either
//! release store to `Relaxed` makes it fail), and `tests/ring.rs` runs under Miri
//! (`cargo +nightly miri test -p spinfix --test ring`) to check the unsafe buffer accesses.

mod consumer;
mod producer;
mod record;
mod shared;
mod sync;

pub use consumer::{Consumer, ReadGrant, Record};
pub use producer::{Producer, WriteGrant};
pub use record::{RecordHeader, HEADER_LEN, PADDING_KIND, RECORD_ALIGN};

use shared::Shared;
use sync::Arc;

/// Why a ring could not be created.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RingError {
    /// The capacity must be a power of two so positions wrap with a mask, and hold at least one header.
    #[error("ring capacity {capacity} must be a power of two of at least {min} bytes")]
    BadCapacity {
        /// The capacity asked for.
        capacity: usize,
        /// The smallest capacity accepted.
        min: usize,
    },
}

/// Creates a ring of `capacity` bytes and returns its two ends.
///
/// The largest payload a ring can carry is [`Producer::max_payload_len`]: half the capacity, so a
/// record can always fit after padding once the consumer has caught up.
pub fn ring(capacity: usize) -> Result<(Producer, Consumer), RingError> {
    let min = 2 * (HEADER_LEN + RECORD_ALIGN);
    if !capacity.is_power_of_two() || capacity < min {
        return Err(RingError::BadCapacity { capacity, min });
    }
    let shared = Arc::new(Shared::new(capacity));
    Ok((Producer::new(Arc::clone(&shared)), Consumer::new(shared)))
}
