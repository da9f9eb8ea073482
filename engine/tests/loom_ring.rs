//! Model-checks the ring's index protocol with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p spinfix --test loom_ring --release`.
//!
//! The ring touches a loom cell for every 8-byte word either side accesses, so loom reports any
//! access to a byte range that the index stores and loads do not order.
#![cfg(loom)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loom::thread;
use spinfix::ring::{ring, RecordHeader};

/// Producer pushes `n` records of varying length into a tiny ring (so it wraps and pads); the
/// consumer checks every byte and every header.
fn run(capacity: usize, lens: &'static [usize]) {
    loom::model(move || {
        let (mut tx, mut rx) = ring(capacity).unwrap();
        let producer = thread::spawn(move || {
            for (i, &len) in lens.iter().enumerate() {
                loop {
                    if let Some(mut grant) = tx.claim(len) {
                        grant.buf().fill(i as u8 + 1);
                        grant.commit(RecordHeader::new(i as u32, i as u64 * 10, i as u64 * 100));
                        break;
                    }
                    tx.publish();
                    thread::yield_now();
                }
                if i % 2 == 1 {
                    tx.publish();
                }
            }
            tx.publish();
        });
        let mut seen = 0;
        while seen < lens.len() {
            match rx.read() {
                Some(mut batch) => {
                    while let Some(rec) = batch.next() {
                        assert_eq!(rec.header.kind, seen as u32);
                        assert_eq!(rec.header.conn, seen as u64 * 10);
                        assert_eq!(rec.header.time, seen as u64 * 100);
                        assert_eq!(rec.payload.len(), lens[seen]);
                        assert!(rec.payload.iter().all(|&b| b == seen as u8 + 1));
                        seen += 1;
                    }
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
    });
}

#[test]
fn records_cross_threads_in_order() {
    run(128, &[8, 16, 1]);
}

#[test]
fn wrap_with_padding_header() {
    // 128-byte ring: 40 + 40 bytes, then a 40-byte record needs the wrap with a 48-byte pad.
    run(128, &[16, 16, 16, 16]);
}

#[test]
fn wrap_without_room_for_a_header() {
    // 64+... 128-byte ring: records of 56 + 56 bytes leave 16 bytes (< header) before the end.
    run(128, &[32, 32, 0]);
}
