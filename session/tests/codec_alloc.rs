//! Proves the codec's steady state allocates nothing: framing, decoding, typed reads and
//! encoding (SendingTime included) run under a counting global allocator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::codec::{tags, Decimal, Decoder, FrameStatus, Framer, MessageWriter};
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations made by the current thread only, so the test harness's own threads
/// cannot disturb the count.
struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds GlobalAlloc's contract;
// the counter is a const-initialised thread-local Cell without a destructor, so touching it
// never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's layout is passed through as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with this layout (every alloc goes there).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: as for dealloc; the new size comes from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCS.with(|c| c.get())
}

/// A ~200-byte NewOrderSingle, written the way a session would write it.
fn encode_order(
    buf: &mut [u8],
    fmt: &mut TimestampFormatter,
    seq: u64,
    now: UtcTime,
) -> std::ops::Range<usize> {
    let mut w = MessageWriter::new(buf, b"FIX.4.4", b"D");
    w.uint(tags::MSG_SEQ_NUM, seq)
        .str(tags::SENDER_COMP_ID, "SENDERCOMP")
        .timestamp(tags::SENDING_TIME, fmt, now, TimePrecision::Millis)
        .str(tags::TARGET_COMP_ID, "TARGETCOMP")
        .str(1, "ACCOUNT01")
        .uint(tags::CL_ORD_ID, seq)
        .char(21, b'1')
        .decimal(38, Decimal::new(1000, 0))
        .char(40, b'2')
        .decimal(44, Decimal::new(12345, 2))
        .char(54, b'1')
        .str(55, "AAPL")
        .char(59, b'0')
        .timestamp(60, fmt, now, TimePrecision::Micros)
        .data(tags::RAW_DATA_LENGTH, tags::RAW_DATA, b"raw\x01data");
    w.finish().unwrap()
}

#[test]
fn framer_decode_and_encode_allocate_nothing_in_steady_state() {
    let framer = Framer::default();
    let mut decoder = Decoder::new();
    let mut fmt = TimestampFormatter::new();
    // The "socket": a stream of encoded frames the framer reads back in odd-sized chunks.
    let mut wire = [0u8; 8192];
    let mut out = [0u8; 512];
    let mut read_buf = [0u8; 4096];
    let start = UtcTime::from_unix(1_700_000_000, 0);

    let mut run = |rounds: u64| -> u64 {
        let mut decoded = 0u64;
        let mut wire_len = 0;
        for seq in 1..=rounds {
            // Crosses second boundaries so the formatter's prefix cache refreshes.
            let now = UtcTime(start.0 + seq as i64 * 137_000_000);
            let range = encode_order(&mut out, &mut fmt, seq, now);
            let frame = &out[range];
            if wire_len + frame.len() > wire.len() {
                break;
            }
            wire[wire_len..wire_len + frame.len()].copy_from_slice(frame);
            wire_len += frame.len();
        }
        // Feed the wire through a read buffer 97 bytes at a time.
        let (mut fed, mut held) = (0, 0);
        while fed < wire_len || held > 0 {
            let n = 97.min(wire_len - fed);
            read_buf[held..held + n].copy_from_slice(&wire[fed..fed + n]);
            held += n;
            fed += n;
            let mut front = 0;
            while let FrameStatus::Complete(len) = framer.check(&read_buf[front..held]) {
                let m = decoder.decode(&read_buf[front..front + len]).unwrap();
                let px: Decimal = m.require(44).unwrap();
                let sent: UtcTime = m.require(tags::SENDING_TIME).unwrap();
                assert_eq!(px, Decimal::new(12345, 2));
                assert!(sent >= start);
                assert_eq!(m.get(tags::RAW_DATA), Some(&b"raw\x01data"[..]));
                decoded += 1;
                front += len;
            }
            read_buf.copy_within(front..held, 0);
            held -= front;
            if n == 0 {
                break;
            }
        }
        decoded
    };

    // The counter does count this thread's allocations.
    let probe = allocations();
    std::hint::black_box(vec![0u8; 16]);
    assert_eq!(allocations(), probe + 1);

    // Warm up: the decoder's field index is sized on first use.
    assert!(run(4) > 0);
    let before = allocations();
    let decoded = run(40);
    let after = allocations();
    assert!(decoded > 20, "decoded only {decoded}");
    assert_eq!(after - before, 0, "allocations in steady state");
}
