//! Proves the steady-state paths allocate nothing: handling an in-sequence NewOrderSingle,
//! draining the transmit buffer, and sending an application message into a pre-sized store.
//!
//! A counting global allocator counts allocations made by this thread only while a flag is
//! set, so the test harness's own threads do not disturb the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::codec::{checksum, Decoder, MessageWriter};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Session;
use spinfix_session::store::MemoryStore;
use spinfix_session::time::{MonoTime, Now, UtcTime};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter only reads a
// thread-local flag and bumps an atomic, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, ALLOCS.load(Ordering::Relaxed) - before)
}

/// A ~200-byte NewOrderSingle from TW to ISLD with a nine-digit MsgSeqNum we patch in place.
fn template(now: UtcTime) -> (Vec<u8>, usize) {
    let mut buf = vec![0u8; 1024];
    let mut fmt = spinfix_session::time::TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"D");
    w.str(34, "000000002")
        .str(49, "TW")
        .timestamp(52, &mut fmt, now, Default::default())
        .str(56, "ISLD")
        .str(1, "ACCOUNT-0001")
        .str(11, "ORDER-0000000001")
        .str(21, "1")
        .str(38, "100")
        .str(40, "2")
        .str(44, "123.45")
        .str(54, "1")
        .str(55, "AAPL")
        .str(59, "0")
        .timestamp(60, &mut fmt, now, Default::default())
        .str(207, "XNAS")
        .str(58, "steady state order for the allocation test");
    let r = w.finish().unwrap();
    let frame = buf[r].to_vec();
    let at = frame
        .windows(4)
        .position(|w| w == b"\x0134=")
        .map(|i| i + 4)
        .unwrap();
    (frame, at)
}

/// Writes `seq` as nine digits at `at` and fixes the CheckSum.
fn patch(frame: &mut [u8], at: usize, seq: u64) {
    let mut s = seq;
    for i in (0..9).rev() {
        frame[at + i] = b'0' + (s % 10) as u8;
        s /= 10;
    }
    let n = frame.len();
    let sum = checksum(&frame[..n - 7]);
    frame[n - 4] = b'0' + sum / 100;
    frame[n - 3] = b'0' + (sum / 10) % 10;
    frame[n - 2] = b'0' + sum % 10;
}

#[test]
fn in_sequence_app_message_path_does_not_allocate() {
    let utc = UtcTime::from_unix(1_767_268_800, 0);
    let now = Now::new(MonoTime(1), utc);
    let cfg = SessionConfig::builder("FIX.4.4", "ISLD", "TW", Role::Acceptor)
        .build()
        .unwrap();
    let store = MemoryStore::with_capacity(utc, 100_000, 64 << 20);
    let mut s = Session::new(cfg, store);
    s.handle_connected(now).unwrap();
    let mut dec = Decoder::new();
    let mut logon = vec![0u8; 512];
    let mut fmt = spinfix_session::time::TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut logon, b"FIX.4.4", b"A");
    w.uint(34, 1)
        .str(49, "TW")
        .timestamp(52, &mut fmt, utc, Default::default())
        .str(56, "ISLD")
        .uint(98, 0)
        .uint(108, 30);
    let r = w.finish().unwrap();
    assert!(s.handle_frame(now, &logon[r], &mut dec).unwrap().is_none());
    assert!(s.is_logged_on());
    let mut out = vec![0u8; 1 << 16];
    while s.poll_transmit(&mut out).is_some() {}
    while s.poll_event().is_some() {}

    let (mut frame, at) = template(utc);
    let mut queued = Vec::with_capacity(4096);
    let mut seq = 2;
    let mut step = |s: &mut Session<MemoryStore>, dec: &mut Decoder, frame: &mut Vec<u8>| {
        patch(frame, at, seq);
        seq += 1;
        let m = s.handle_frame(now, frame, dec).unwrap().expect("delivered");
        // The application answers, as an engine's would.
        let id = m.get(11).unwrap_or_default();
        s.send(now, b"8", |w| {
            w.bytes(11, id).str(39, "0").str(150, "0");
        })
        .unwrap();
        while s.next_queued(&mut queued).unwrap() {}
        while s.poll_transmit(&mut out).is_some() {}
        while s.poll_event().is_some() {}
    };
    for _ in 0..1000 {
        step(&mut s, &mut dec, &mut frame);
    }
    let ((), allocs) = counted(|| {
        for _ in 0..20_000 {
            step(&mut s, &mut dec, &mut frame);
        }
    });
    assert_eq!(allocs, 0, "allocations on the steady-state path");
    // The counter does count: a deliberate allocation shows up.
    let (_, n) = counted(|| std::hint::black_box(vec![0u8; 64]));
    assert!(n > 0);
    assert_eq!(s.next_target_seq(), 21_002);
}
