//! The SPSC ring: one hop on one thread (the cost of the ring itself), a batch, and a ping-pong
//! round trip between two cores (what an inbound frame and its reply pay crossing threads).
//!
//! The echo thread spins on its own core only while the ping-pong bench runs; the main thread is
//! pinned to another. With fewer than two cores the ping-pong bench is skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use spinfix::agent::{available_cores, pin_current_thread, Agent, AgentRunner};
use spinfix::clock::SystemClock;
use spinfix::idle::IdleStrategy;
use spinfix::ring::{ring, Consumer, Producer, RecordHeader};
use spinfix_session::time::Now;
use std::time::{Duration, Instant};

const FRAME: usize = 128;

fn one_hop(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring");
    let (mut tx, mut rx) = ring(1 << 16).unwrap();
    let payload = [b'x'; FRAME];
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_hop_128B_same_thread", |b| {
        b.iter(|| {
            let mut grant = tx.claim(FRAME).unwrap();
            grant.buf().copy_from_slice(&payload);
            grant.commit(RecordHeader::new(1, 7, 42));
            tx.publish();
            let mut batch = rx.read().unwrap();
            let rec = batch.next().unwrap();
            std::hint::black_box(rec.payload[FRAME - 1]);
        })
    });
    group.throughput(Throughput::Elements(32));
    group.bench_function("batch_32x128B_same_thread", |b| {
        b.iter(|| {
            for i in 0..32u64 {
                assert!(tx.push(RecordHeader::new(1, i, i), &payload));
            }
            tx.publish();
            let mut batch = rx.read().unwrap();
            let mut sum = 0u64;
            while let Some(rec) = batch.next() {
                sum += rec.header.conn + u64::from(rec.payload[0]);
            }
            std::hint::black_box(sum);
        })
    });
    group.finish();
}

/// Sends every record straight back on the other ring.
struct Echo {
    rx: Consumer,
    tx: Producer,
}

impl Agent for Echo {
    fn name(&self) -> &str {
        "echo"
    }
    fn do_work(&mut self, _now: Now) -> usize {
        let mut n = 0;
        if let Some(mut batch) = self.rx.read() {
            while let Some(rec) = batch.next() {
                while !self.tx.push(rec.header, rec.payload) {
                    self.tx.publish();
                }
                n += 1;
            }
        }
        self.tx.publish();
        n
    }
}

fn ping_pong(c: &mut Criterion) {
    let cores = available_cores();
    if cores.len() < 2 {
        eprintln!("ring/ping_pong: skipped, {} core(s) available", cores.len());
        return;
    }
    let (mut ping_tx, ping_rx) = ring(1 << 16).unwrap();
    let (pong_tx, mut pong_rx) = ring(1 << 16).unwrap();
    pin_current_thread("bench-main", cores[0]).unwrap();
    let echo = Echo {
        rx: ping_rx,
        tx: pong_tx,
    };
    let runner = AgentRunner::spawn(
        echo,
        SystemClock::new(),
        IdleStrategy::BusySpin,
        Some(cores[1]),
    )
    .unwrap();
    let payload = [b'x'; FRAME];
    let mut group = c.benchmark_group("ring");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("ping_pong_128B_cross_core_round_trip", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters {
                assert!(ping_tx.push(RecordHeader::new(1, i, 0), &payload));
                ping_tx.publish();
                loop {
                    if let Some(mut batch) = pong_rx.read() {
                        if let Some(rec) = batch.next() {
                            std::hint::black_box(rec.header.conn);
                            break;
                        }
                    }
                    std::hint::spin_loop();
                }
            }
            start.elapsed()
        })
    });
    group.finish();
    runner.stop().unwrap();
}

criterion_group!(benches, one_hop, ping_pong);
criterion_main!(benches);
