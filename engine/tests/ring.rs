//! The ring on one thread (exact layouts, wrap, padding, full/empty) and across two threads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::idle::{Backoff, IdleStrategy, Idler};
use spinfix::ring::{ring, RecordHeader, RingError};
use std::time::Duration;

fn header(i: u64) -> RecordHeader {
    RecordHeader::new(7, i, i * 1000)
}

#[test]
fn capacity_must_be_a_power_of_two_of_some_size() {
    assert!(matches!(
        ring(100),
        Err(RingError::BadCapacity { capacity: 100, .. })
    ));
    assert!(matches!(ring(32), Err(RingError::BadCapacity { .. })));
    assert!(ring(64).is_ok());
}

#[test]
fn nothing_is_visible_before_publish() {
    let (mut tx, mut rx) = ring(1024).unwrap();
    assert!(rx.read().is_none());
    assert!(tx.push(header(1), b"8=FIX.4.4"));
    assert_eq!(tx.unpublished(), 40);
    assert!(rx.read().is_none());
    tx.publish();
    let mut batch = rx.read().unwrap();
    let rec = batch.next().unwrap();
    assert_eq!(rec.header, header(1));
    assert_eq!(rec.payload, b"8=FIX.4.4");
    assert!(batch.next().is_none());
}

#[test]
fn a_batch_holds_every_published_record_in_order() {
    let (mut tx, mut rx) = ring(1024).unwrap();
    for i in 0..5u64 {
        let payload = vec![i as u8; i as usize * 3];
        assert!(tx.push(header(i), &payload));
    }
    tx.publish();
    let mut batch = rx.read().unwrap();
    for i in 0..5u64 {
        let rec = batch.next().unwrap();
        assert_eq!(rec.header, header(i));
        assert_eq!(rec.payload, vec![i as u8; i as usize * 3].as_slice());
    }
    assert!(batch.next().is_none());
}

#[test]
fn claim_writes_in_place_and_commit_len_shrinks() {
    let (mut tx, mut rx) = ring(256).unwrap();
    let mut grant = tx.claim(64).unwrap();
    grant.buf()[..5].copy_from_slice(b"hello");
    grant.commit_len(5, header(3));
    // A dropped grant gives its space back and publishes nothing.
    let _ = tx.claim(16).unwrap();
    tx.publish();
    let mut batch = rx.read().unwrap();
    assert_eq!(batch.next().unwrap().payload, b"hello");
    assert!(batch.next().is_none());
}

#[test]
fn full_ring_refuses_until_the_consumer_releases() {
    let (mut tx, mut rx) = ring(128).unwrap();
    assert_eq!(tx.max_payload_len(), 40);
    assert!(tx.claim(41).is_none());
    // Two records of 64 bytes fill the ring.
    assert!(tx.push(header(0), &[1; 40]));
    assert!(tx.push(header(1), &[2; 40]));
    assert!(tx.claim(0).is_none());
    tx.publish();
    {
        let mut batch = rx.read().unwrap();
        assert_eq!(batch.next().unwrap().payload, &[1; 40]);
        // Only the record read is released when the grant drops.
    }
    assert!(tx.push(header(2), &[3; 40]));
    assert!(tx.claim(0).is_none());
    tx.publish();
    let mut batch = rx.read().unwrap();
    assert_eq!(batch.next().unwrap().payload, &[2; 40]);
    assert_eq!(batch.next().unwrap().payload, &[3; 40]);
    assert!(batch.next().is_none());
}

#[test]
fn records_never_straddle_the_end_padding_with_and_without_a_header() {
    for (first, second) in [(16usize, 40usize), (24, 40), (32, 40), (8, 32)] {
        let (mut tx, mut rx) = ring(128).unwrap();
        // Move the positions so the next record lands near the end.
        assert!(tx.push(header(0), &vec![9; first]));
        assert!(tx.push(header(1), &vec![8; first]));
        tx.publish();
        let mut batch = rx.read().unwrap();
        while batch.next().is_some() {}
        drop(batch);
        for round in 0..20u64 {
            assert!(
                tx.push(header(round), &vec![round as u8; second]),
                "{first}/{second}/{round}"
            );
            tx.publish();
            let mut batch = rx.read().unwrap();
            let rec = batch.next().unwrap();
            assert_eq!(rec.header, header(round));
            assert_eq!(rec.payload, vec![round as u8; second].as_slice());
            assert!(batch.next().is_none());
        }
    }
}

#[test]
fn dropping_the_producer_publishes_what_it_committed() {
    let (mut tx, mut rx) = ring(128).unwrap();
    assert!(tx.push(header(5), b"last words"));
    drop(tx);
    let mut batch = rx.read().unwrap();
    assert_eq!(batch.next().unwrap().payload, b"last words");
}

/// Two threads, a small ring so it wraps thousands of times, sizes that vary, batches of varying
/// length; both sides wait with a parking back-off, never a pure spin.
#[test]
fn two_threads_pass_every_record_intact_and_in_order() {
    // Miri interprets every instruction: fewer records there still wrap the ring many times.
    const COUNT: u64 = if cfg!(miri) { 2_000 } else { 200_000 };
    let (mut tx, mut rx) = ring(4096).unwrap();
    let waiting = IdleStrategy::Backoff(Backoff {
        max_spins: 20,
        max_yields: 5,
        min_park: Duration::from_micros(10),
        max_park: Duration::from_micros(200),
    });
    let producer = std::thread::spawn(move || {
        let mut idler = Idler::new(waiting);
        for i in 0..COUNT {
            let len = (i * 7 % 300) as usize;
            loop {
                if let Some(mut grant) = tx.claim(len) {
                    let buf = grant.buf();
                    for (j, b) in buf.iter_mut().enumerate() {
                        *b = (i as usize + j) as u8;
                    }
                    grant.commit(RecordHeader::new((i % 3) as u32, i, !i));
                    idler.idle(1);
                    break;
                }
                tx.publish();
                idler.idle(0);
            }
            if i % 13 == 0 {
                tx.publish();
            }
        }
        tx.publish();
    });
    let mut idler = Idler::new(waiting);
    let mut next = 0u64;
    while next < COUNT {
        let mut work = 0;
        if let Some(mut batch) = rx.read() {
            while let Some(rec) = batch.next() {
                let i = next;
                assert_eq!(rec.header, RecordHeader::new((i % 3) as u32, i, !i));
                assert_eq!(rec.payload.len(), (i * 7 % 300) as usize);
                for (j, &b) in rec.payload.iter().enumerate() {
                    assert_eq!(b, (i as usize + j) as u8);
                }
                next += 1;
                work += 1;
            }
        }
        idler.idle(work);
    }
    producer.join().unwrap();
    assert!(rx.read().is_none());
}
