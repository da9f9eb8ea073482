//! The slot every measured implementation fills: spinfix, and the `tcp` and `quickfix`
//! baselines beside it.
//!
//! A contender starts its own acceptor and initiator (as processes or threads, pinned as the
//! [`RunSettings::cores`] plan says), runs one measurement and tears everything down. The
//! bench only sees the outcome, so the three are measured the same way and nothing of one
//! leaks into another.

use super::error::BenchError;
use super::hist::LatencyHistogram;
use super::idle::IdleStrategy;
use super::pin::CorePlan;
use super::progress::Probe;
use std::path::PathBuf;
use std::time::Duration;

/// Everything a contender needs to know about the run, as given on the command line.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Measured messages (round trips in latency mode, orders in throughput mode).
    pub messages: u64,
    /// Messages sent before measuring, so caches, branch predictors and the TCP window are warm.
    pub warmup: u64,
    /// Offered rate in orders per second for latency mode; `None`: back-to-back.
    pub rate: Option<f64>,
    /// Orders outstanding at once in throughput mode.
    pub window: u64,
    /// Rounds the measured messages are split into, the contenders taking turns (the whole
    /// run's figure; each round's settings carry the same).
    pub rounds: u64,
    /// Acceptor on a thread of the bench process instead of a process of its own.
    pub threads: bool,
    /// What spinning threads do when idle.
    pub idle: IdleStrategy,
    /// Which cores each side uses and the engine shape they allow.
    pub cores: CorePlan,
    /// Data-dictionary validation of inbound application messages.
    pub validate: bool,
    /// The FIX.4.4 dictionary used when validating.
    pub dictionary: Option<PathBuf>,
    /// A directory the contender may use for journals and generated settings files.
    pub work_dir: PathBuf,
}

/// The outcome of a latency run.
#[derive(Debug)]
pub struct LatencyRun {
    /// Round-trip times in nanoseconds, warm-up excluded.
    pub hist: LatencyHistogram,
    /// Whether Ctrl-C cut the run short.
    pub interrupted: bool,
    /// Bytes of one order and one report on the wire.
    pub bytes: (usize, usize),
    /// The shape measured, in words, for the table.
    pub shape: String,
}

/// The outcome of a throughput run.
#[derive(Debug, Clone)]
pub struct ThroughputRun {
    /// Orders whose ExecutionReport came back within the measured stream.
    pub count: u64,
    /// From the first measured order sent to the last report received.
    pub elapsed: Duration,
    /// Whether Ctrl-C cut the run short.
    pub interrupted: bool,
    /// Bytes of one order and one report on the wire.
    pub bytes: (usize, usize),
    /// The shape measured, in words, for the table.
    pub shape: String,
}

impl ThroughputRun {
    /// Orders per second.
    pub fn msgs_per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.count as f64 / secs
        } else {
            0.0
        }
    }
}

/// One implementation the bench measures.
pub trait Contender {
    /// `spinfix`, `tcp` or `quickfix`: the `impl` key of the JSON lines.
    fn name(&self) -> &'static str;

    /// NewOrderSingle → ExecutionReport round trips one at a time (paced by
    /// [`RunSettings::rate`] when set, latency then counted from each order's intended send
    /// time).
    fn run_latency(
        &mut self,
        settings: &RunSettings,
        probe: Probe,
    ) -> Result<LatencyRun, BenchError>;

    /// A stream of orders with at most [`RunSettings::window`] outstanding.
    fn run_throughput(
        &mut self,
        settings: &RunSettings,
        probe: Probe,
    ) -> Result<ThroughputRun, BenchError>;
}
