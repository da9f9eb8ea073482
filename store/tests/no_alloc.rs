//! Appending on the steady path allocates nothing (counted by a wrapping global allocator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::store::MessageStore;
use spinfix_session::time::UtcTime;
use spinfix_store::{Journal, JournalConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_appends_lookups_and_ranges_do_not_allocate() {
    let d = tempfile::tempdir().unwrap();
    let cfg = JournalConfig::new(d.path(), "S").segment_size(4 << 20);
    let mut j = Journal::open(cfg, UtcTime(0)).unwrap();
    let msg = [b'x'; 200];
    j.append_outbound(1, UtcTime(1), &msg).unwrap();
    j.set_next_sender_seq(2).unwrap();
    let before = ALLOCS.load(Ordering::Relaxed);
    let mut total = 0;
    for s in 2..10_000u64 {
        j.append_outbound(s, UtcTime(s as i64), &msg).unwrap();
        j.set_next_sender_seq(s + 1).unwrap();
        total += j.get(s / 2).map_or(0, |m| m.len());
    }
    total += j.range(100, 5_000).map(|r| r.bytes.len()).sum::<usize>();
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "allocations on the steady path");
    assert!(total > 0);
}
