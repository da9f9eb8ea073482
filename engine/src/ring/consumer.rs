//! The reading end of a ring.

use super::record::{read_header, record_len, RecordHeader, HEADER_LEN, PADDING_KIND};
use super::shared::Shared;
use super::sync::{Arc, Ordering};

/// The reading end: take every published record as one batch, decode each in place, release the
/// batch with one store.
///
/// There is exactly one `Consumer` per ring; it is `Send` but not `Clone`.
pub struct Consumer {
    shared: Arc<Shared>,
    /// Position of the next record to read (ahead of what was released while a grant lives).
    head: usize,
    /// The producer's position as last loaded (by `read`, or `is_empty` when it looked empty).
    tail_cache: usize,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.shared.capacity)
            .field("head", &self.head)
            .finish()
    }
}

impl Consumer {
    pub(super) fn new(shared: Arc<Shared>) -> Consumer {
        Consumer {
            shared,
            head: 0,
            tail_cache: 0,
        }
    }

    /// The ring's size in bytes.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// The records published so far, or `None` when there are none.
    ///
    /// Records read through the grant are released (their space given back to the producer) with
    /// one store when the grant is dropped; records not read stay for the next `read`.
    #[inline]
    pub fn read(&mut self) -> Option<ReadGrant<'_>> {
        // One acquire load per batch, so the batch holds everything published so far.
        self.tail_cache = self.shared.load_tail();
        if self.head == self.tail_cache {
            return None;
        }
        let end = self.tail_cache;
        let start = self.head;
        Some(ReadGrant {
            consumer: self,
            start,
            end,
        })
    }

    /// Whether a record is waiting (loads the producer's index when the cache says empty).
    pub fn is_empty(&mut self) -> bool {
        if self.head == self.tail_cache {
            self.tail_cache = self.shared.load_tail();
        }
        self.head == self.tail_cache
    }
}

/// A batch of published records, read one at a time in place.
#[derive(Debug)]
pub struct ReadGrant<'a> {
    consumer: &'a mut Consumer,
    /// Position when the grant was taken: nothing to release if reading never moved past it.
    start: usize,
    /// The producer's position the batch ends at.
    end: usize,
}

impl ReadGrant<'_> {
    /// The next record of the batch, borrowed until the next call; `None` at the end of the batch.
    #[inline]
    #[allow(clippy::should_implement_trait)] // a lending iterator: the record borrows the grant
    pub fn next(&mut self) -> Option<Record<'_>> {
        let shared = &self.consumer.shared;
        let mask = shared.capacity - 1;
        loop {
            let pos = self.consumer.head;
            if pos == self.end {
                return None;
            }
            let offset = pos & mask;
            let to_end = shared.capacity - offset;
            if to_end < HEADER_LEN {
                // Too little room for a header: the producer wrapped without writing one.
                self.consumer.head = pos.wrapping_add(to_end);
                continue;
            }
            shared.touch_read(offset, HEADER_LEN);
            // SAFETY: `offset` is 8-aligned (every record length is a multiple of 8), the header
            // lies before `end`, which the producer published with a release store that our
            // acquire load observed, and the producer does not reuse it before we release.
            let (len, header) = unsafe { read_header(shared.at(offset)) };
            if header.kind == PADDING_KIND {
                self.consumer.head = pos.wrapping_add(to_end);
                continue;
            }
            let rec = record_len(len as usize);
            debug_assert!(
                rec <= to_end,
                "record of {rec} bytes crosses the end of the ring"
            );
            let len = (len as usize).min(to_end - HEADER_LEN);
            shared.touch_read(offset, rec.min(to_end));
            // SAFETY: the payload follows its header inside the buffer (the producer never lets a
            // record straddle the end, and `len` is clamped to the bytes before it), was published
            // as above, and stays untouched by the producer until this grant releases it, which
            // cannot happen while the returned record borrows the grant.
            let payload =
                unsafe { std::slice::from_raw_parts(shared.at(offset + HEADER_LEN), len) };
            self.consumer.head = pos.wrapping_add(rec);
            return Some(Record { header, payload });
        }
    }

    /// Releases the records read so far (what dropping the grant does).
    pub fn release(self) {}
}

impl Drop for ReadGrant<'_> {
    fn drop(&mut self) {
        if self.consumer.head != self.start {
            self.consumer
                .shared
                .head
                .store(self.consumer.head, Ordering::Release);
        }
    }
}

/// One record, viewed in place in the ring.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// What the producer committed it under.
    pub header: RecordHeader,
    /// The payload bytes.
    pub payload: &'a [u8],
}
