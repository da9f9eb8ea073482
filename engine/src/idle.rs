//! What a thread does when a duty cycle found no work.
//!
//! The choice trades latency for CPU: spinning reacts in nanoseconds but burns a core, yielding lets
//! another thread on the core run, parking frees the core but costs tens of microseconds to wake.
//! [`IdleStrategy::Backoff`] walks through all three (after Agrona's `BackoffIdleStrategy`): it spins
//! a while, then yields a while, then parks for a period that doubles up to a maximum.

use std::time::Duration;

/// The configured behaviour, without state; [`Idler`] runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleStrategy {
    /// Spin with a CPU pause hint: lowest latency, one full core per thread.
    BusySpin,
    /// `sched_yield` each idle cycle: near-spin latency, but gives way to other runnable threads.
    Yield,
    /// Spin, then yield, then park with a growing period.
    Backoff(Backoff),
}

impl Default for IdleStrategy {
    /// Backoff with its defaults: safe on a shared machine, still quick to react under load.
    fn default() -> Self {
        IdleStrategy::Backoff(Backoff::default())
    }
}

impl IdleStrategy {
    /// Whether a thread with this strategy keeps its core busy when there is no work.
    pub fn spins(&self) -> bool {
        matches!(self, IdleStrategy::BusySpin | IdleStrategy::Yield)
    }
}

/// Parameters of [`IdleStrategy::Backoff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Idle cycles spent spinning before yielding.
    pub max_spins: u32,
    /// Idle cycles spent yielding before parking.
    pub max_yields: u32,
    /// First park period.
    pub min_park: Duration,
    /// The park period doubles up to this.
    pub max_park: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            max_spins: 100,
            max_yields: 10,
            min_park: Duration::from_micros(1),
            max_park: Duration::from_millis(1),
        }
    }
}

/// Where a backing-off idler is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Work was done last cycle, or the strategy does not back off.
    Working,
    /// Spinning; the count of idle cycles so far.
    Spinning(u32),
    /// Yielding; the count of yields so far.
    Yielding(u32),
    /// Parking for this long next time.
    Parking(Duration),
}

/// A running idle strategy: call [`idle`](Self::idle) once per duty cycle with the work it did.
#[derive(Debug, Clone)]
pub struct Idler {
    strategy: IdleStrategy,
    phase: Phase,
}

impl Idler {
    /// An idler in its working state.
    pub fn new(strategy: IdleStrategy) -> Idler {
        Idler {
            strategy,
            phase: Phase::Working,
        }
    }

    /// The strategy it runs.
    pub fn strategy(&self) -> IdleStrategy {
        self.strategy
    }

    /// Where the back-off stands (always `Working` for spin and yield).
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Called after every duty cycle: does nothing (and resets the back-off) when `work_count > 0`,
    /// otherwise idles according to the strategy.
    #[inline]
    pub fn idle(&mut self, work_count: usize) {
        if work_count > 0 {
            self.reset();
            return;
        }
        match self.strategy {
            IdleStrategy::BusySpin => std::hint::spin_loop(),
            IdleStrategy::Yield => std::thread::yield_now(),
            IdleStrategy::Backoff(b) => self.back_off(b),
        }
    }

    /// Back to the start of the back-off: the thread found work.
    #[inline]
    pub fn reset(&mut self) {
        self.phase = Phase::Working;
    }

    fn back_off(&mut self, b: Backoff) {
        self.phase = match self.phase {
            Phase::Working => Self::spin_or_next(0, b),
            Phase::Spinning(n) => Self::spin_or_next(n, b),
            Phase::Yielding(n) if n < b.max_yields => {
                std::thread::yield_now();
                Phase::Yielding(n + 1)
            }
            Phase::Yielding(_) => Self::park(b.min_park, b),
            Phase::Parking(period) => Self::park(period, b),
        };
    }

    fn spin_or_next(n: u32, b: Backoff) -> Phase {
        if n < b.max_spins {
            std::hint::spin_loop();
            Phase::Spinning(n + 1)
        } else if b.max_yields > 0 {
            std::thread::yield_now();
            Phase::Yielding(1)
        } else {
            Self::park(b.min_park, b)
        }
    }

    /// Parks (an `unpark` from a stopping runner wakes it early) and doubles the next period.
    fn park(period: Duration, b: Backoff) -> Phase {
        let period = period.clamp(
            Duration::from_nanos(1),
            b.max_park.max(Duration::from_nanos(1)),
        );
        std::thread::park_timeout(period);
        Phase::Parking((period * 2).min(b.max_park))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Backoff {
        Backoff {
            max_spins: 3,
            max_yields: 2,
            min_park: Duration::from_nanos(1_000),
            max_park: Duration::from_nanos(4_000),
        }
    }

    #[test]
    fn backoff_spins_then_yields_then_parks_with_growing_period() {
        let mut idler = Idler::new(IdleStrategy::Backoff(tiny()));
        let mut phases = Vec::new();
        for _ in 0..9 {
            idler.idle(0);
            phases.push(idler.phase());
        }
        let us = Duration::from_micros;
        assert_eq!(
            phases,
            vec![
                Phase::Spinning(1),
                Phase::Spinning(2),
                Phase::Spinning(3),
                Phase::Yielding(1),
                Phase::Yielding(2),
                Phase::Parking(us(2)),
                Phase::Parking(us(4)),
                Phase::Parking(us(4)),
                Phase::Parking(us(4)),
            ]
        );
    }

    #[test]
    fn work_resets_the_backoff() {
        let mut idler = Idler::new(IdleStrategy::Backoff(tiny()));
        for _ in 0..7 {
            idler.idle(0);
        }
        assert!(matches!(idler.phase(), Phase::Parking(_)));
        idler.idle(1);
        assert_eq!(idler.phase(), Phase::Working);
        idler.idle(0);
        assert_eq!(idler.phase(), Phase::Spinning(1));
    }

    #[test]
    fn backoff_without_spins_or_yields_parks_at_once() {
        let b = Backoff {
            max_spins: 0,
            max_yields: 0,
            ..tiny()
        };
        let mut idler = Idler::new(IdleStrategy::Backoff(b));
        idler.idle(0);
        assert_eq!(idler.phase(), Phase::Parking(Duration::from_micros(2)));
    }

    #[test]
    fn spin_and_yield_stay_in_working_phase() {
        for s in [IdleStrategy::BusySpin, IdleStrategy::Yield] {
            let mut idler = Idler::new(s);
            idler.idle(0);
            idler.idle(0);
            assert_eq!(idler.phase(), Phase::Working);
            assert!(s.spins());
        }
        assert!(!IdleStrategy::default().spins());
    }
}
