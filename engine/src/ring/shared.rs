//! The state both ends of a ring point to: the buffer and the two positions.

use super::sync::{AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;
use std::ptr::NonNull;

/// The buffer and the two positions, each on its own cache line so the producer's stores do not
/// invalidate the line the consumer polls and vice versa.
///
/// Positions count bytes from creation and only grow (wrapping at `usize::MAX`, which at 10 GB/s
/// takes 58 years); the offset in the buffer is `position & (capacity - 1)`.
pub(crate) struct Shared {
    /// Start of the buffer, allocated as `u64` words so records are 8-byte aligned.
    buf: NonNull<u64>,
    /// Buffer length in bytes, a power of two.
    pub(crate) capacity: usize,
    /// Bytes the consumer has released: the producer may reuse everything before it.
    pub(crate) head: CachePadded<AtomicUsize>,
    /// Bytes the producer has published: the consumer may read everything before it.
    pub(crate) tail: CachePadded<AtomicUsize>,
    /// One cell per 8-byte word under loom: touching the cells for every byte range each side
    /// accesses lets loom prove the accesses are ordered by the index stores and loads.
    #[cfg(loom)]
    track: Box<[loom::cell::UnsafeCell<()>]>,
}

// SAFETY: the buffer is plain bytes reached only through the raw pointer; the protocol on `head`
// and `tail` (release stores, acquire loads) hands each byte range to exactly one side at a time,
// so sharing `Shared` between the producer's and the consumer's threads cannot race.
unsafe impl Send for Shared {}
// SAFETY: see `Send`; all shared mutation goes through atomics or through disjoint byte ranges.
unsafe impl Sync for Shared {}

impl Shared {
    /// A zeroed buffer of `capacity` bytes; `capacity` is a power of two of at least 8.
    pub(crate) fn new(capacity: usize) -> Shared {
        let words = capacity / 8;
        let boxed: Box<[u64]> = vec![0u64; words].into_boxed_slice();
        // Box::into_raw never returns null; the fallback only keeps this free of unwrap.
        let buf = NonNull::new(Box::into_raw(boxed).cast::<u64>()).unwrap_or(NonNull::dangling());
        Shared {
            buf,
            capacity,
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            #[cfg(loom)]
            track: (0..words)
                .map(|_| loom::cell::UnsafeCell::new(()))
                .collect(),
        }
    }

    /// Pointer to byte `offset` of the buffer; `offset < capacity`.
    #[inline]
    pub(crate) fn at(&self, offset: usize) -> *mut u8 {
        debug_assert!(offset < self.capacity);
        // SAFETY: `offset < capacity`, so the result stays inside the allocation.
        unsafe { self.buf.as_ptr().cast::<u8>().add(offset) }
    }

    /// Loads the consumer's position for the producer.
    #[inline]
    pub(crate) fn load_head(&self) -> usize {
        self.head.load(Ordering::Acquire)
    }

    /// Loads the producer's position for the consumer.
    #[inline]
    pub(crate) fn load_tail(&self) -> usize {
        self.tail.load(Ordering::Acquire)
    }

    /// Records, under loom, that the producer writes `len` bytes from `offset`.
    #[inline]
    pub(crate) fn touch_write(&self, offset: usize, len: usize) {
        #[cfg(loom)]
        for word in offset / 8..(offset + len).div_ceil(8) {
            self.track[word].with_mut(|_| ());
        }
        #[cfg(not(loom))]
        let _ = (offset, len);
    }

    /// Records, under loom, that the consumer reads `len` bytes from `offset`.
    #[inline]
    pub(crate) fn touch_read(&self, offset: usize, len: usize) {
        #[cfg(loom)]
        for word in offset / 8..(offset + len).div_ceil(8) {
            self.track[word].with(|_| ());
        }
        #[cfg(not(loom))]
        let _ = (offset, len);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let words = self.capacity / 8;
        let slice = std::ptr::slice_from_raw_parts_mut(self.buf.as_ptr(), words);
        // SAFETY: `buf` came from `Box::<[u64]>::into_raw` of exactly `words` elements in `new`,
        // and `Shared` is dropped once, when the last of the two ends goes away.
        drop(unsafe { Box::from_raw(slice) });
    }
}
