//! Rounds: each contender is measured in several short runs, taken in turn (tcp, quickfix,
//! spinfix, tcp, quickfix, spinfix, ...), and each contender's runs are merged.
//!
//! A shared machine drifts: on the development VM the raw TCP floor's p50 moved from 4.8 to
//! 8.5 µs between two runs a minute apart. Measured one after the other, two contenders see
//! different machines and their ratio carries the drift; taken in turn in rounds, each sees
//! every phase of it, so the ratios compare like with like.

use super::contender::{LatencyRun, RunSettings, ThroughputRun};
use super::error::BenchError;
use super::report::Measured;

/// How a run's messages are split into rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundPlan {
    /// Rounds (at least one, at most one per measured message).
    pub rounds: u64,
}

/// The fewest warm-up messages a round gets when the total allows it: each round starts a
/// fresh acceptor and connection, whose caches, journal pages and sockets need warming again.
const MIN_ROUND_WARMUP: u64 = 2_000;

impl RoundPlan {
    /// `rounds` rounds of `total.messages`, or fewer when there are fewer messages.
    pub fn new(rounds: u64, total: &RunSettings) -> RoundPlan {
        RoundPlan {
            rounds: rounds.clamp(1, total.messages.max(1)),
        }
    }

    /// The settings of round `i` (0-based): its share of the measured messages (the first
    /// rounds take the remainder) and of the warm-up, at least [`MIN_ROUND_WARMUP`] of it.
    pub fn round(&self, i: u64, total: &RunSettings) -> RunSettings {
        let base = total.messages / self.rounds;
        let extra = u64::from(i < total.messages % self.rounds);
        let warmup = (total.warmup / self.rounds).max(total.warmup.min(MIN_ROUND_WARMUP));
        RunSettings {
            messages: base + extra,
            warmup,
            ..total.clone()
        }
    }
}

/// What one contender's rounds have measured so far.
#[derive(Debug)]
pub enum Tally {
    /// Latency rounds, their histograms merged.
    Latency(LatencyRun),
    /// Throughput rounds, their orders and times summed.
    Throughput(ThroughputRun),
}

impl Tally {
    /// Adds a round to what the earlier rounds (if any) measured. A run never mixes modes, so
    /// a round of the other mode than `acc` can only be the first.
    pub fn add(
        contender: &'static str,
        acc: Option<Tally>,
        round: Tally,
    ) -> Result<Tally, BenchError> {
        match (acc, round) {
            (Some(Tally::Latency(a)), Tally::Latency(r)) => {
                merge_latency(contender, Some(a), r).map(Tally::Latency)
            }
            (Some(Tally::Throughput(a)), Tally::Throughput(r)) => {
                Ok(Tally::Throughput(merge_throughput(Some(a), r)))
            }
            (_, round) => Ok(round),
        }
    }

    /// The result to report.
    pub fn into_measured(self, contender: &'static str) -> Measured {
        match self {
            Tally::Latency(run) => Measured::latency(contender, run),
            Tally::Throughput(run) => Measured::throughput(contender, run),
        }
    }
}

/// Adds a round's latencies to what the earlier rounds measured.
pub fn merge_latency(
    contender: &'static str,
    acc: Option<LatencyRun>,
    round: LatencyRun,
) -> Result<LatencyRun, BenchError> {
    let Some(mut acc) = acc else {
        return Ok(round);
    };
    acc.hist
        .add(&round.hist)
        .map_err(|e| BenchError::Histogram {
            contender,
            detail: e.to_string(),
        })?;
    acc.interrupted |= round.interrupted;
    Ok(acc)
}

/// Adds a round's orders and time to what the earlier rounds measured: the merged rate is all
/// the orders over all the measured time.
pub fn merge_throughput(acc: Option<ThroughputRun>, round: ThroughputRun) -> ThroughputRun {
    match acc {
        None => round,
        Some(mut acc) => {
            acc.count += round.count;
            acc.elapsed += round.elapsed;
            acc.interrupted |= round.interrupted;
            acc
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bench::report::fixtures;
    use std::time::Duration;

    #[test]
    fn rounds_share_the_messages_and_keep_enough_warm_up() {
        let mut total = fixtures::settings();
        total.messages = 100_003;
        total.warmup = 20_000;
        let plan = RoundPlan::new(5, &total);
        let rounds: Vec<RunSettings> = (0..5).map(|i| plan.round(i, &total)).collect();
        assert_eq!(rounds.iter().map(|r| r.messages).sum::<u64>(), 100_003);
        assert_eq!(rounds[0].messages, 20_001);
        assert_eq!(rounds[4].messages, 20_000);
        assert!(rounds.iter().all(|r| r.warmup == 4_000));
        // A small warm-up is not split below the minimum; a tiny one is kept whole.
        total.warmup = 5_000;
        assert_eq!(plan.round(0, &total).warmup, 2_000);
        total.warmup = 500;
        assert_eq!(plan.round(0, &total).warmup, 500);
        // Never more rounds than messages, never none.
        total.messages = 3;
        assert_eq!(RoundPlan::new(5, &total).rounds, 3);
        assert_eq!(RoundPlan::new(0, &total).rounds, 1);
    }

    #[test]
    fn merged_rounds_hold_every_sample_and_every_order() {
        let a = fixtures::latency_run(10_000);
        let b = fixtures::latency_run(20_000);
        let merged = merge_latency("tcp", Some(a), b).unwrap();
        assert_eq!(merged.hist.len(), 2_000);
        assert!(merged.hist.max() >= 40_000);
        let t = |count, secs| ThroughputRun {
            count,
            elapsed: Duration::from_secs(secs),
            interrupted: false,
            bytes: (1, 1),
            shape: String::new(),
        };
        let m = merge_throughput(Some(t(300, 1)), t(100, 1));
        assert_eq!((m.count, m.elapsed), (400, Duration::from_secs(2)));
        assert!((m.msgs_per_s() - 200.0).abs() < 1e-9);
    }
}
