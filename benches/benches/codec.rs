//! Codec latency on the ~200-byte NewOrderSingle fixture: decode, encode, framing, checksum.
//! Targets on the 2-core dev machine: decode ≤ 100 ns, encode ≤ 100 ns.
//!
//! Run short: `cargo bench -p spinfix-benches --bench codec -- --warm-up-time 1
//! --measurement-time 3`. On a shared machine criterion's mean follows the load (at a load
//! average of 15 on 2 cores it read 4x the unloaded figure while the checksum bench, the
//! control, read 4x too): compare against `checksum_nos` before believing a regression.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, Criterion, Throughput};
use spinfix_benches::count::{self, count_loop};
use spinfix_benches::{encode_new_order_single, new_order_single, FIXED_TIME, FIXTURE_BUF_LEN};
use spinfix_session::codec::{checksum, tags, Decimal, Decoder, FrameStatus, Framer};
use spinfix_session::time::{parse_utc_timestamp, TimestampFormatter, UtcTime};

fn decode(c: &mut Criterion) {
    let nos = new_order_single().unwrap();
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Bytes(nos.len() as u64));
    let mut d = Decoder::new();
    g.bench_function("decode_nos", |b| {
        b.iter(|| {
            let m = d.decode(black_box(&nos)).unwrap();
            black_box(m.fields().len())
        })
    });
    g.bench_function("decode_nos_read_fields", |b| {
        b.iter(|| {
            let m = d.decode(black_box(&nos)).unwrap();
            let px: Decimal = m.require(44).unwrap();
            let qty: Decimal = m.require(38).unwrap();
            let id = m.get(tags::CL_ORD_ID).unwrap();
            black_box((px, qty, id.len(), m.seq_num()));
        })
    });
    let framer = Framer::default();
    let mut stream = nos.clone();
    stream.extend_from_slice(&nos[..50]);
    g.bench_function("frame_and_decode_nos", |b| {
        b.iter(|| {
            let FrameStatus::Complete(n) = framer.check(black_box(&stream)) else {
                unreachable!()
            };
            let m = d.decode(&stream[..n]).unwrap();
            black_box(m.fields().len())
        })
    });
    g.bench_function("checksum_nos", |b| b.iter(|| checksum(black_box(&nos))));
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    let mut seq = 1u64;
    g.bench_function("encode_nos", |b| {
        b.iter(|| {
            seq += 1;
            // Same second, moving fraction: the steady state of a busy session.
            let now = UtcTime(FIXED_TIME.0 + (seq & 0xffff) as i64);
            let r = encode_new_order_single(&mut buf, &mut fmt, seq, seq, black_box(now)).unwrap();
            black_box(r.end)
        })
    });
    g.finish();
}

fn values(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    g.bench_function("parse_utc_timestamp", |b| {
        b.iter(|| parse_utc_timestamp(black_box(b"20231114-22:13:20.123")))
    });
    g.finish();
}

/// Instruction counting: with `SPINFIX_COUNT=<case>` (and optionally `SPINFIX_COUNT_N`), the
/// binary runs one case in a plain loop instead of criterion, so that
/// `valgrind --tool=callgrind --toggle-collect=*count_loop*` counts exactly the loop. Counts
/// are repeatable on a loaded machine where wall-clock figures are not.
fn count_mode(case: &str, n: u64) {
    let nos = new_order_single().unwrap();
    let mut d = Decoder::new();
    let framer = Framer::default();
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    let mut run = |n: u64| match case {
        "decode" => count_loop(n, &mut || {
            d.decode(black_box(&nos)).unwrap().fields().len() as u64
        }),
        "decode_read" => count_loop(n, &mut || {
            let m = d.decode(black_box(&nos)).unwrap();
            let px: Decimal = m.require(44).unwrap();
            let qty: Decimal = m.require(38).unwrap();
            let id = m.get(tags::CL_ORD_ID).unwrap();
            black_box((px, qty, id.len(), m.seq_num()));
            0
        }),
        "frame" => count_loop(n, &mut || match framer.check(black_box(&nos)) {
            FrameStatus::Complete(n) => n as u64,
            _ => unreachable!(),
        }),
        "checksum" => count_loop(n, &mut || u64::from(checksum(black_box(&nos)))),
        "encode" => {
            let mut seq = 1u64;
            count_loop(n, &mut || {
                seq += 1;
                let now = UtcTime(FIXED_TIME.0 + (seq & 0xffff) as i64);
                let r = encode_new_order_single(&mut buf, &mut fmt, seq, seq, black_box(now));
                r.unwrap().end as u64
            })
        }
        "parse_utc_timestamp" => count_loop(n, &mut || {
            parse_utc_timestamp(black_box(b"20231114-22:13:20.123")).map_or(0, |t| t.0 as u64)
        }),
        other => panic!("unknown SPINFIX_COUNT case {other:?}"),
    };
    count::report(case, n, || {
        let t = std::time::Instant::now();
        let sum = run(n);
        (sum, t.elapsed().as_nanos() as f64 / n as f64)
    });
}

criterion_group!(benches, decode, encode, values);

fn main() {
    if let Some((case, n)) = count::requested() {
        count_mode(&case, n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
