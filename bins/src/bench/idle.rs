//! What a measuring loop does when a poll found nothing: the idle strategy.
//!
//! The bench's purpose is busy-spin (`spin`), the lowest-latency choice when each side has a
//! core of its own. `yield` gives way to other runnable threads; `backoff` spins briefly, then
//! yields, then sleeps in growing steps, so that a run on a shared machine (or in the tests)
//! does not starve anything.

use std::time::Duration;

/// The idle strategy of every spinning thread of a run (both sides, all contenders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IdleStrategy {
    /// Retry at once (a pause instruction between tries).
    Spin,
    /// `sched_yield` between tries.
    Yield,
    /// Spin, then yield, then sleep up to 1 ms: for shared machines and tests.
    Backoff,
}

impl IdleStrategy {
    /// The name used on the command line and in the JSON lines.
    pub fn name(self) -> &'static str {
        match self {
            IdleStrategy::Spin => "spin",
            IdleStrategy::Yield => "yield",
            IdleStrategy::Backoff => "backoff",
        }
    }

    /// The words the table uses.
    pub fn describe(self) -> &'static str {
        match self {
            IdleStrategy::Spin => "busy-spin",
            IdleStrategy::Yield => "spin with sched_yield",
            IdleStrategy::Backoff => "back-off (spin, yield, sleep)",
        }
    }
}

const BACKOFF_SPINS: u32 = 64;
const BACKOFF_YIELDS: u32 = 128;
const BACKOFF_MAX_SLEEP: Duration = Duration::from_millis(1);

/// An idle strategy with its state (the back-off's count of fruitless tries).
#[derive(Debug, Clone)]
pub struct Idler {
    strategy: IdleStrategy,
    misses: u32,
}

impl Idler {
    /// A fresh idler.
    pub fn new(strategy: IdleStrategy) -> Self {
        Idler {
            strategy,
            misses: 0,
        }
    }

    /// Called after a poll that did nothing.
    #[inline]
    pub fn idle(&mut self) {
        match self.strategy {
            IdleStrategy::Spin => std::hint::spin_loop(),
            IdleStrategy::Yield => std::thread::yield_now(),
            IdleStrategy::Backoff => {
                self.misses = self.misses.saturating_add(1);
                if self.misses < BACKOFF_SPINS {
                    std::hint::spin_loop();
                } else if self.misses < BACKOFF_YIELDS {
                    std::thread::yield_now();
                } else {
                    let steps = (self.misses - BACKOFF_YIELDS).min(6);
                    let sleep = Duration::from_micros(20 << steps).min(BACKOFF_MAX_SLEEP);
                    std::thread::sleep(sleep);
                }
            }
        }
    }

    /// Called after a poll that did work: the back-off starts over.
    #[inline]
    pub fn reset(&mut self) {
        self.misses = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_counts_misses_and_starts_over_after_work() {
        let mut idler = Idler::new(IdleStrategy::Backoff);
        for _ in 0..BACKOFF_YIELDS + 2 {
            idler.idle();
        }
        assert_eq!(idler.misses, BACKOFF_YIELDS + 2);
        idler.reset();
        assert_eq!(idler.misses, 0);
    }

    #[test]
    fn names_round_trip_through_clap() {
        use clap::ValueEnum;
        for s in IdleStrategy::value_variants() {
            assert_eq!(IdleStrategy::from_str(s.name(), false), Ok(*s));
        }
    }
}
