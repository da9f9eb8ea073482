//! The measuring loops, shared by every in-process initiator (the raw TCP floor now, the
//! spinfix engine when it plugs in), so that all of them are timed by the same code.
//!
//! Latency: one order at a time; the clock is read before the send and after the reply is
//! complete. With an offered rate, order *i* is due at `start + i / rate` and its latency is
//! counted from that due time, not from when it actually went out: when a slow reply delays
//! the next orders, their waiting counts too (the coordinated-omission correction).
//! Throughput: up to `window` orders outstanding, timed from the first measured order to its
//! last report.

use super::error::BenchError;
use super::hist::{new_latency, LatencyHistogram};
use super::idle::{IdleStrategy, Idler};
use super::progress::Probe;
use std::time::{Duration, Instant};

/// An initiator that can send an order and notice replies, driven by the loops below.
pub trait RoundTrip {
    /// Sends order number `n` (1-based, warm-up included). Must not wait for the reply.
    fn send_order(&mut self, n: u64) -> Result<(), BenchError>;

    /// Does one pass of I/O (pending writes, available reads) without blocking and returns
    /// how many ExecutionReports completed since the last call.
    fn poll(&mut self) -> Result<u64, BenchError>;
}

/// How a latency run is paced.
#[derive(Debug, Clone, Copy)]
pub struct LatencyPlan {
    /// Round trips before measuring.
    pub warmup: u64,
    /// Measured round trips.
    pub messages: u64,
    /// Orders per second; `None`: back-to-back.
    pub rate: Option<f64>,
}

impl LatencyPlan {
    /// The plan the command line asked for.
    pub fn of(s: &super::contender::RunSettings) -> LatencyPlan {
        LatencyPlan {
            warmup: s.warmup,
            messages: s.messages,
            rate: s.rate,
        }
    }
}

/// Runs `work` on a new thread named `thread`, pinned to `core`, and hands back its result;
/// the in-process initiators measure from such a thread.
pub fn on_pinned_thread<T: Send>(
    contender: &'static str,
    thread: &str,
    core: Option<usize>,
    work: impl FnOnce() -> Result<T, BenchError> + Send,
) -> Result<T, BenchError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(thread.into())
            .spawn_scoped(scope, move || {
                super::pin::pin_current(core);
                work()
            })
            .map_err(|e| BenchError::io(contender, "starting the initiator thread", e))?
            .join()
            .map_err(|_| BenchError::ThreadPanicked {
                contender,
                thread: "initiator",
            })?
    })
}

/// Runs a latency measurement; returns the histogram and whether it was interrupted.
pub fn drive_latency<R: RoundTrip>(
    contender: &'static str,
    rt: &mut R,
    plan: LatencyPlan,
    idle: IdleStrategy,
    probe: &mut Probe,
) -> Result<(LatencyHistogram, bool), BenchError> {
    let mut hist = new_latency(contender)?;
    let mut idler = Idler::new(idle);
    let period_ns = plan.rate.map(|r| 1e9 / r);
    let total = plan.warmup + plan.messages;
    let mut measured_start = Instant::now();
    for i in 0..total {
        if probe.interrupted() {
            return Ok((hist, true));
        }
        if i == plan.warmup {
            measured_start = Instant::now();
        }
        let start = match period_ns {
            Some(period) if i >= plan.warmup => {
                let due = measured_start
                    + Duration::from_nanos((period * (i - plan.warmup) as f64) as u64);
                while Instant::now() < due {
                    if rt.poll()? > 0 {
                        idler.reset();
                    } else {
                        idler.idle();
                    }
                }
                due
            }
            _ => Instant::now(),
        };
        rt.send_order(i + 1)?;
        idler.reset();
        loop {
            if rt.poll()? > 0 {
                break;
            }
            if probe.interrupted() {
                return Ok((hist, true));
            }
            idler.idle();
        }
        let end = Instant::now();
        if i >= plan.warmup {
            let ns = u64::try_from(end.duration_since(start).as_nanos()).unwrap_or(u64::MAX);
            hist.saturating_record(ns);
            probe.tick(i + 1 - plan.warmup);
        }
    }
    Ok((hist, false))
}

/// How a throughput run streams.
#[derive(Debug, Clone, Copy)]
pub struct ThroughputPlan {
    /// Orders streamed (and answered) before measuring.
    pub warmup: u64,
    /// Measured orders.
    pub messages: u64,
    /// Orders outstanding at most.
    pub window: u64,
}

impl ThroughputPlan {
    /// The plan the command line asked for.
    pub fn of(s: &super::contender::RunSettings) -> ThroughputPlan {
        ThroughputPlan {
            warmup: s.warmup,
            messages: s.messages,
            window: s.window,
        }
    }
}

/// Runs a throughput measurement; returns the orders answered in the measured stream, its
/// duration and whether it was interrupted.
pub fn drive_throughput<R: RoundTrip>(
    rt: &mut R,
    plan: ThroughputPlan,
    idle: IdleStrategy,
    probe: &mut Probe,
) -> Result<(u64, Duration, bool), BenchError> {
    let mut idler = Idler::new(idle);
    let window = plan.window.max(1);
    let mut next = 1u64;
    for (phase, count) in [(0, plan.warmup), (1, plan.messages)] {
        let start = Instant::now();
        let mut sent = 0u64;
        let mut back = 0u64;
        while back < count {
            if probe.interrupted() {
                return Ok((if phase == 1 { back } else { 0 }, start.elapsed(), true));
            }
            let mut worked = false;
            while sent < count && sent - back < window {
                rt.send_order(next)?;
                next += 1;
                sent += 1;
                worked = true;
            }
            let n = rt.poll()?;
            if n > 0 {
                back += n;
                worked = true;
                // Clock read only when a 1,024 boundary is crossed.
                if phase == 1 && back / 1024 != (back - n) / 1024 {
                    probe.maybe_report(back);
                }
            }
            if worked {
                idler.reset();
            } else {
                idler.idle();
            }
        }
        if phase == 1 {
            return Ok((back, start.elapsed(), false));
        }
    }
    Ok((0, Duration::ZERO, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::atomic::AtomicBool;

    /// Answers each order after a fixed number of polls.
    struct Echo {
        delay_polls: u32,
        in_flight: VecDeque<u32>,
        sent: u64,
    }

    impl RoundTrip for Echo {
        fn send_order(&mut self, n: u64) -> Result<(), BenchError> {
            assert_eq!(n, self.sent + 1, "orders are numbered in sequence");
            self.sent = n;
            self.in_flight.push_back(self.delay_polls);
            Ok(())
        }
        fn poll(&mut self) -> Result<u64, BenchError> {
            let mut done = 0;
            for left in self.in_flight.iter_mut() {
                *left = left.saturating_sub(1);
            }
            while self.in_flight.front() == Some(&0) {
                self.in_flight.pop_front();
                done += 1;
            }
            Ok(done)
        }
    }

    static NEVER: AtomicBool = AtomicBool::new(false);
    static ALWAYS: AtomicBool = AtomicBool::new(true);

    fn echo() -> Echo {
        Echo {
            delay_polls: 3,
            in_flight: VecDeque::new(),
            sent: 0,
        }
    }

    #[test]
    fn latency_records_only_the_measured_round_trips() {
        let mut rt = echo();
        let mut probe = Probe::new("t", 50, &NEVER).quiet();
        let plan = LatencyPlan {
            warmup: 10,
            messages: 50,
            rate: None,
        };
        let (h, interrupted) =
            drive_latency("tcp", &mut rt, plan, IdleStrategy::Spin, &mut probe).unwrap();
        assert_eq!(h.len(), 50);
        assert!(!interrupted);
        assert_eq!(rt.sent, 60);
    }

    #[test]
    fn a_paced_run_sends_every_order() {
        let mut rt = echo();
        let mut probe = Probe::new("t", 20, &NEVER).quiet();
        let plan = LatencyPlan {
            warmup: 2,
            messages: 20,
            rate: Some(1_000_000.0),
        };
        let (h, _) = drive_latency("tcp", &mut rt, plan, IdleStrategy::Spin, &mut probe).unwrap();
        assert_eq!(h.len(), 20);
    }

    #[test]
    fn throughput_keeps_the_window_and_counts_every_report() {
        let mut rt = echo();
        let mut probe = Probe::new("t", 1000, &NEVER).quiet();
        let plan = ThroughputPlan {
            warmup: 100,
            messages: 1000,
            window: 8,
        };
        let (count, _, interrupted) =
            drive_throughput(&mut rt, plan, IdleStrategy::Spin, &mut probe).unwrap();
        assert_eq!(count, 1000);
        assert!(!interrupted);
        assert_eq!(rt.sent, 1100);
    }

    #[test]
    fn an_interrupt_stops_both_loops_with_what_was_measured() {
        let mut probe = Probe::new("t", 10, &ALWAYS).quiet();
        let plan = LatencyPlan {
            warmup: 0,
            messages: 10,
            rate: None,
        };
        let (h, interrupted) =
            drive_latency("tcp", &mut echo(), plan, IdleStrategy::Spin, &mut probe).unwrap();
        assert!(interrupted);
        assert_eq!(h.len(), 0);
        let plan = ThroughputPlan {
            warmup: 0,
            messages: 10,
            window: 2,
        };
        let (_, _, interrupted) =
            drive_throughput(&mut echo(), plan, IdleStrategy::Spin, &mut probe).unwrap();
        assert!(interrupted);
    }
}
