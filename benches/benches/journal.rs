//! Journal costs: append of a 200-byte message under each durability policy, O(1) lookup, and
//! streaming a 10,000-message resend from the maps.
//! Targets on the 2-core dev machine: append ≤ 100 ns median with OS write-back; a 10,000-message
//! resend streamed in ≤ 2 ms.
//!
//! The journal lives in a temporary folder on the machine's own disk (not tmpfs), with 64 MiB
//! segments; retention keeps the disk use bounded however many iterations criterion runs, and
//! the segment rolls that happen during a measurement are part of what is measured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use spinfix_session::store::MessageStore;
use spinfix_session::time::UtcTime;
use spinfix_store::{Durability, Journal, JournalConfig, Retention};
use std::time::{Duration, Instant};

const T0: UtcTime = UtcTime::from_unix(1_700_000_000, 0);

/// A 200-byte NewOrderSingle-shaped message.
fn message() -> Vec<u8> {
    let mut m = b"8=FIX.4.4\x019=178\x0135=D\x0134=1\x0149=BUYSIDE\x0156=SELLSIDE\x0152=20231114-22:13:20.000\x0111=ORD-0000001\x0121=1\x0155=EUR/USD\x0154=1\x0160=20231114-22:13:20.000\x0138=1000000\x0140=2\x0144=1.08765\x0159=0\x01".to_vec();
    while m.len() < 193 {
        m.extend_from_slice(b"58=x\x01");
    }
    m.truncate(193);
    m.extend_from_slice(b"10=123\x01");
    assert_eq!(m.len(), 200);
    m
}

/// The folder for the journals: `SPINFIX_BENCH_DIR` (e.g. /dev/shm to take the disk out of
/// the figures), else the system's temporary folder.
fn tempdir() -> tempfile::TempDir {
    match std::env::var_os("SPINFIX_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

fn config(dir: &std::path::Path, durability: Durability) -> JournalConfig {
    JournalConfig::new(dir, "BENCH")
        .durability(durability)
        .retention(Retention {
            max_segments: Some(3),
            max_age: None,
        })
}

fn append(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("journal_append_200b");
    g.throughput(Throughput::Elements(1));
    let policies = [
        ("os_write_back", Durability::OsWriteBack),
        (
            "periodic_1000msg_or_1ms",
            Durability::Periodic {
                messages: 1000,
                interval: Duration::from_millis(1),
            },
        ),
        ("every_message", Durability::EveryMessage),
    ];
    for (name, policy) in policies {
        if policy == Durability::EveryMessage {
            g.sample_size(10).measurement_time(Duration::from_secs(3));
        }
        let dir = tempdir();
        let mut j = Journal::open(config(dir.path(), policy), T0).unwrap();
        let mut seq = 1u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                // Time moves 1 µs per message, as the caller's clock would.
                j.append_outbound(seq, UtcTime(T0.0 + seq as i64 * 1_000), black_box(&msg))
                    .unwrap();
                seq += 1;
            })
        });
    }
    g.finish();
}

/// The message path as the engine runs it: `prepare` in idle time keeps the next segment made
/// and the pages ahead dirtied, so the timed appends take neither a roll nor a page fault.
/// Appends are timed in chunks of 1,000 with the upkeep between chunks, untimed.
fn append_prepared(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("journal_append_200b");
    g.throughput(Throughput::Elements(1));
    let dir = tempdir();
    let mut j = Journal::open(config(dir.path(), Durability::OsWriteBack), T0).unwrap();
    let mut seq = 1u64;
    j.append_outbound(seq, T0, &msg).unwrap();
    seq += 1;
    g.bench_function("os_write_back_prepared", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(1_000);
                while j.prepare(T0, 1 << 20).unwrap() > 0 {}
                let start = Instant::now();
                for _ in 0..n {
                    j.append_outbound(seq, UtcTime(T0.0 + seq as i64 * 1_000), black_box(&msg))
                        .unwrap();
                    seq += 1;
                }
                total += start.elapsed();
                left -= n;
            }
            total
        })
    });
    // The target is a median: time chunks of 100 appends and report the median chunk (times
    // the number of chunks), so a preemption on the shared 2-core machine does not land in
    // the figure the way it does in a mean.
    for (name, upkeep) in [
        ("os_write_back_median", false),
        ("os_write_back_prepared_median", true),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let chunks = iters.div_ceil(100).max(1);
                let mut times = Vec::with_capacity(chunks as usize);
                for k in 0..chunks {
                    if upkeep && k % 10 == 0 {
                        while j.prepare(T0, 1 << 20).unwrap() > 0 {}
                    }
                    let start = Instant::now();
                    for _ in 0..100 {
                        j.append_outbound(seq, UtcTime(T0.0 + seq as i64 * 1_000), black_box(&msg))
                            .unwrap();
                        seq += 1;
                    }
                    times.push(start.elapsed());
                }
                times.sort_unstable();
                let median = times[times.len() / 2].as_nanos() as u64;
                Duration::from_nanos(median.saturating_mul(iters) / 100)
            })
        });
    }
    g.finish();
}

fn filled(n: u64) -> (tempfile::TempDir, Journal) {
    let msg = message();
    let dir = tempdir();
    let mut j = Journal::open(config(dir.path(), Durability::OsWriteBack), T0).unwrap();
    for s in 1..=n {
        j.append_outbound(s, T0, &msg).unwrap();
    }
    (dir, j)
}

fn lookup(c: &mut Criterion) {
    let n = 100_000u64;
    let (_dir, j) = filled(n);
    let mut g = c.benchmark_group("journal_lookup");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    g.bench_function("get_random_of_100k", |b| {
        b.iter(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let seq = x % n + 1;
            black_box(j.get(seq).map(|m| m.len()))
        })
    });
    g.finish();
}

fn resend(c: &mut Criterion) {
    let (_dir, j) = filled(20_000);
    let mut g = c.benchmark_group("journal_resend");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("stream_10k_of_20k", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for r in j.range(black_box(5_001), black_box(15_000)) {
                bytes += r.bytes.len() + r.seq as usize;
            }
            black_box(bytes)
        })
    });
    // What a resend does with each message: copy it out (into a socket buffer).
    let mut out = vec![0u8; 4096];
    g.bench_function("stream_and_copy_10k_of_20k", |b| {
        b.iter(|| {
            for r in j.range(black_box(5_001), black_box(15_000)) {
                out[..r.bytes.len()].copy_from_slice(r.bytes);
                black_box(&out);
            }
        })
    });
    g.finish();
}

/// What a roll costs: creating, preallocating and mapping one 64 MiB segment.
fn roll(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("journal_roll");
    g.sample_size(10);
    g.bench_function("open_and_first_append_64mib", |b| {
        b.iter_batched(
            tempdir,
            |dir| {
                let mut j = Journal::open(config(dir.path(), Durability::OsWriteBack), T0).unwrap();
                j.append_outbound(1, T0, &msg).unwrap();
                drop(j);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, append, append_prepared, lookup, resend, roll);
criterion_main!(benches);
