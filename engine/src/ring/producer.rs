//! The writing end of a ring.

use super::record::{record_len, write_header, RecordHeader, HEADER_LEN, PADDING_KIND};
use super::shared::Shared;
use super::sync::{Arc, Ordering};

/// The writing end: claim space, write in place, commit, then publish a batch with one store.
///
/// There is exactly one `Producer` per ring and it is `Send` but not `Clone`, so the single-writer
/// rule is enforced by ownership.
pub struct Producer {
    shared: Arc<Shared>,
    /// Position after the last committed record (may be ahead of `published`).
    tail: usize,
    /// Position last stored into `shared.tail`.
    published: usize,
    /// The consumer's position as last loaded; reloaded only when the ring looks full.
    head_cache: usize,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.shared.capacity)
            .field("tail", &self.tail)
            .field("published", &self.published)
            .finish()
    }
}

impl Producer {
    pub(super) fn new(shared: Arc<Shared>) -> Producer {
        Producer {
            shared,
            tail: 0,
            published: 0,
            head_cache: 0,
        }
    }

    /// The ring's size in bytes.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// The largest payload [`claim`](Self::claim) can ever grant: half the ring less a header, so a
    /// record always fits after wrap padding once the consumer has caught up.
    pub fn max_payload_len(&self) -> usize {
        self.shared.capacity / 2 - HEADER_LEN
    }

    /// Reserves room for a `len`-byte payload; `None` when the ring is too full right now (or `len`
    /// exceeds [`max_payload_len`](Self::max_payload_len)).
    ///
    /// Nothing becomes visible to the consumer until the grant is committed and the producer
    /// [published](Self::publish). Dropping the grant gives the space back.
    #[inline]
    pub fn claim(&mut self, len: usize) -> Option<WriteGrant<'_>> {
        if len > self.max_payload_len() {
            return None;
        }
        let capacity = self.shared.capacity;
        let rec = record_len(len);
        let offset = self.tail & (capacity - 1);
        let to_end = capacity - offset;
        let pad = if to_end < rec { to_end } else { 0 };
        let need = pad + rec;
        if capacity - self.tail.wrapping_sub(self.head_cache) < need {
            self.head_cache = self.shared.load_head();
            if capacity - self.tail.wrapping_sub(self.head_cache) < need {
                return None;
            }
        }
        self.shared.touch_write(offset, pad);
        self.shared
            .touch_write((offset + pad) & (capacity - 1), rec);
        Some(WriteGrant {
            producer: self,
            pad,
            len,
        })
    }

    /// Copies `payload` into a new record and commits it; `false` when it does not fit now.
    /// The record is visible after the next [`publish`](Self::publish).
    #[inline]
    pub fn push(&mut self, header: RecordHeader, payload: &[u8]) -> bool {
        match self.claim(payload.len()) {
            Some(mut grant) => {
                grant.buf().copy_from_slice(payload);
                grant.commit(header);
                true
            }
            None => false,
        }
    }

    /// Makes every committed record visible to the consumer with one release store.
    #[inline]
    pub fn publish(&mut self) {
        if self.tail != self.published {
            self.shared.tail.store(self.tail, Ordering::Release);
            self.published = self.tail;
        }
    }

    /// Bytes committed but not yet published.
    pub fn unpublished(&self) -> usize {
        self.tail.wrapping_sub(self.published)
    }
}

impl Drop for Producer {
    /// Publishes what was committed, so a producer going away loses nothing it committed.
    fn drop(&mut self) {
        self.publish();
    }
}

/// Room for one record, claimed but not yet committed.
#[derive(Debug)]
pub struct WriteGrant<'a> {
    producer: &'a mut Producer,
    /// Filler bytes before the record (non-zero only when the record wraps to the start).
    pad: usize,
    /// Payload bytes claimed.
    len: usize,
}

impl WriteGrant<'_> {
    /// Offset of the record's header in the buffer.
    fn record_offset(&self) -> usize {
        let shared = &self.producer.shared;
        (self.producer.tail + self.pad) & (shared.capacity - 1)
    }

    /// The claimed payload bytes, to be written in place. Their content is whatever the ring held.
    #[inline]
    pub fn buf(&mut self) -> &mut [u8] {
        let at = self.producer.shared.at(self.record_offset() + HEADER_LEN);
        // SAFETY: `claim` checked that the record (header + `len` payload bytes) lies in free space
        // within the buffer and does not wrap; the consumer does not read past the published tail,
        // and the `&mut self` borrow makes this the only live reference to these bytes.
        unsafe { std::slice::from_raw_parts_mut(at, self.len) }
    }

    /// Commits the whole claimed payload under `header`.
    #[inline]
    pub fn commit(self, header: RecordHeader) {
        let len = self.len;
        self.commit_len(len, header);
    }

    /// Commits only the first `len` bytes (e.g. an encoder filled less than it claimed); a `len`
    /// above the claim is clamped to it.
    #[inline]
    pub fn commit_len(self, len: usize, header: RecordHeader) {
        debug_assert!(
            len <= self.len,
            "committed {len} bytes of a {}-byte claim",
            self.len
        );
        debug_assert!(header.kind != PADDING_KIND, "PADDING_KIND is reserved");
        let len = len.min(self.len);
        let shared = &self.producer.shared;
        let offset = self.producer.tail & (shared.capacity - 1);
        if self.pad >= HEADER_LEN {
            let filler = RecordHeader::new(PADDING_KIND, 0, 0);
            // SAFETY: the padding starts at an 8-aligned offset in free space claimed by `claim`
            // and is at least a header long.
            unsafe { write_header(shared.at(offset), (self.pad - HEADER_LEN) as u32, filler) };
        }
        let record_at = shared.at(self.record_offset());
        // SAFETY: `claim` reserved a record of at least `record_len(len)` bytes at this 8-aligned
        // offset in free space; `len <= max_payload_len < u32::MAX`.
        unsafe { write_header(record_at, len as u32, header) };
        self.producer.tail = self.producer.tail.wrapping_add(self.pad + record_len(len));
    }
}
