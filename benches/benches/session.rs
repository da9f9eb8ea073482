//! Session state machine cost on the ~200-byte NewOrderSingle fixture.
//! Target on the 2-core dev machine: handling one in-sequence order ≤ 200 ns (decode included).
//!
//! Frames are encoded outside the timed region (each needs its own MsgSeqNum), then fed to the
//! session the way an engine would: `handle_frame` with the caller's decoder, then the queue
//! and output drains.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, Criterion, Throughput};
use spinfix_benches::count::{self, count_loop};
use spinfix_benches::{encode_new_order_single, FIXED_TIME, FIXTURE_BUF_LEN, SENDER, TARGET};
use spinfix_session::codec::{Decoder, MessageWriter};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};
use spinfix_session::session::Session;
use spinfix_session::store::MessageStore;
use spinfix_session::time::{MonoTime, Now, TimePrecision, TimestampFormatter, UtcTime};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/FIX44.xml");
const BATCH: u64 = 4096;

/// A store that keeps the numbers and drops the messages: benches run millions of sends.
#[derive(Debug)]
struct NumbersOnly {
    out: u64,
    inb: u64,
}

impl MessageStore for NumbersOnly {
    type Error = Infallible;
    fn next_sender_seq(&self) -> u64 {
        self.out
    }
    fn next_target_seq(&self) -> u64 {
        self.inb
    }
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<(), Infallible> {
        self.out = seq;
        Ok(())
    }
    fn set_next_target_seq(&mut self, seq: u64) -> Result<(), Infallible> {
        self.inb = seq;
        Ok(())
    }
    fn creation_time(&self) -> UtcTime {
        FIXED_TIME
    }
    fn append_outbound(&mut self, _: u64, _: UtcTime, msg: &[u8]) -> Result<(), Infallible> {
        black_box(msg);
        Ok(())
    }
    fn outbound(&self, _: u64) -> Result<Option<&[u8]>, Infallible> {
        Ok(None)
    }
    fn reset(&mut self, _: UtcTime) -> Result<(), Infallible> {
        self.out = 1;
        self.inb = 1;
        Ok(())
    }
}

fn now() -> Now {
    Now::new(MonoTime(1_000_000_000), FIXED_TIME)
}

/// An acceptor session for the fixtures' CompIDs, logged on, outputs drained.
fn logged_on(validator: Option<Arc<Validator>>) -> Session<NumbersOnly> {
    let mut b = SessionConfig::builder("FIX.4.4", TARGET, SENDER, Role::Acceptor);
    if let Some(v) = validator {
        b = b.validator(v);
    }
    let mut s = Session::new(b.build().unwrap(), NumbersOnly { out: 1, inb: 1 });
    s.handle_connected(now()).unwrap();
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"A");
    w.uint(34, 1)
        .str(49, SENDER)
        .timestamp(52, &mut fmt, FIXED_TIME, TimePrecision::Millis)
        .str(56, TARGET)
        .uint(98, 0)
        .uint(108, 30);
    let r = w.finish().unwrap();
    let mut d = Decoder::new();
    s.handle_frame(now(), &buf[r], &mut d).unwrap();
    assert!(s.is_logged_on());
    drain(&mut s);
    s
}

fn drain(s: &mut Session<NumbersOnly>) {
    let mut out = [0u8; 8192];
    while s.poll_transmit(&mut out).is_some() {}
    while s.poll_event().is_some() {}
}

/// Frames numbered `first..first + n`, back to back, with their ranges.
fn frames(first: u64, n: u64, arena: &mut Vec<u8>, ranges: &mut Vec<(usize, usize)>) {
    arena.clear();
    ranges.clear();
    let mut buf = [0u8; FIXTURE_BUF_LEN];
    let mut fmt = TimestampFormatter::new();
    for seq in first..first + n {
        let r = encode_new_order_single(&mut buf, &mut fmt, seq, seq, FIXED_TIME).unwrap();
        let start = arena.len();
        arena.extend_from_slice(&buf[r]);
        ranges.push((start, arena.len()));
    }
}

fn handle_orders(c: &mut Criterion, name: &str, validator: Option<Arc<Validator>>) {
    let mut s = logged_on(validator);
    let mut d = Decoder::new();
    let mut queued = Vec::with_capacity(1024);
    let mut arena = Vec::new();
    let mut ranges = Vec::new();
    frames(2, 1, &mut arena, &mut ranges);
    let len = ranges[0].1 - ranges[0].0;
    let mut g = c.benchmark_group("session");
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BATCH);
                frames(s.next_target_seq(), n, &mut arena, &mut ranges);
                let t = Instant::now();
                for &(a, z) in &ranges {
                    let m = s.handle_frame(now(), &arena[a..z], &mut d).unwrap();
                    black_box(m.map(|m| m.fields().len()));
                    while s.next_queued(&mut queued).unwrap() {}
                }
                total += t.elapsed();
                drain(&mut s);
                left -= n;
            }
            total
        })
    });
    g.finish();
}

fn handle_nos(c: &mut Criterion) {
    handle_orders(c, "handle_nos_in_sequence", None);
    match Dictionary::from_file(SPEC) {
        Ok(d) => {
            let v = Arc::new(Validator::new(Arc::new(d), ValidationOptions::default()));
            handle_orders(c, "handle_nos_in_sequence_validated", Some(v));
        }
        Err(e) => eprintln!("FIX44 dictionary unavailable ({e}); validated bench skipped"),
    }
}

fn send_execution_report(c: &mut Criterion) {
    let mut s = logged_on(None);
    let mut out = vec![0u8; 1 << 16];
    let mut g = c.benchmark_group("session");
    g.bench_function("send_exec_report_and_transmit", |b| {
        b.iter(|| {
            let seq = s
                .send(now(), b"8", |w| {
                    w.str(1, "ACCOUNT01")
                        .str(6, "123.45")
                        .str(11, "1234")
                        .str(14, "500")
                        .str(17, "EXEC-1234")
                        .str(31, "123.45")
                        .str(32, "500")
                        .str(37, "ORDER-1234")
                        .char(39, b'1')
                        .char(54, b'1')
                        .str(55, "AAPL")
                        .char(150, b'F')
                        .str(151, "500");
                })
                .unwrap();
            let n = s.poll_transmit(&mut out).unwrap_or(0);
            black_box((seq, n))
        })
    });
    g.finish();
}

/// Instruction counting, as in the codec bench: with `SPINFIX_COUNT=handle_nos` (and optionally
/// `SPINFIX_COUNT_N`), `count_loop` hands `SPINFIX_COUNT_N` in-sequence orders (encoded
/// beforehand) to a logged-on session, so that `valgrind --tool=callgrind
/// --toggle-collect=*count_loop*` counts the handling of one order times N; with `SPINFIX_TIME`
/// the best of 200 such rounds is timed instead.
fn count_mode(case: &str, n: u64) {
    assert_eq!(case, "handle_nos", "unknown SPINFIX_COUNT case {case:?}");
    let mut s = logged_on(None);
    let mut d = Decoder::new();
    let mut queued = Vec::with_capacity(1024);
    let mut arena = Vec::new();
    let mut ranges = Vec::new();
    let mut round = |s: &mut Session<NumbersOnly>| {
        frames(s.next_target_seq(), n, &mut arena, &mut ranges);
        let mut next = ranges.iter();
        let t = Instant::now();
        let sum = count_loop(n, &mut || {
            let Some(&(a, z)) = next.next() else {
                return 0;
            };
            let m = s.handle_frame(now(), &arena[a..z], &mut d).unwrap();
            while s.next_queued(&mut queued).unwrap() {}
            m.map_or(0, |m| m.fields().len() as u64)
        });
        let ns = t.elapsed().as_nanos() as f64 / n as f64;
        drain(s);
        (sum, ns)
    };
    count::report(case, n, || round(&mut s));
}

criterion_group!(benches, handle_nos, send_execution_report);

fn main() {
    if let Some((case, n)) = count::requested() {
        count_mode(&case, n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
