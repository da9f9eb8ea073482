//! The clock an agent reads once per duty cycle.
//!
//! Injected rather than called wherever time is needed, so that everything handled in one cycle
//! sees the same instant, and so that tests drive time by hand and replay exactly.

use spinfix_session::time::{MonoTime, Now, UtcTime};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of [`Now`].
pub trait Clock: Send {
    /// The current time; called once at the start of each duty cycle.
    fn now(&mut self) -> Now;
}

/// The machine's clocks: `CLOCK_MONOTONIC` for deadlines, `CLOCK_REALTIME` for SendingTime.
///
/// Both are vDSO calls on Linux (about 20 ns each, no syscall).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// A clock reading the system's clocks.
    pub const fn new() -> SystemClock {
        SystemClock
    }
}

/// Reads one POSIX clock as (seconds, nanoseconds); (0, 0) if the clock is unavailable, which for
/// the two clocks used here cannot happen on Linux.
fn read_clock(id: libc::clockid_t) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec owned by this frame; clock_gettime only writes it.
    let rc = unsafe { libc::clock_gettime(id, &mut ts) };
    if rc != 0 {
        return (0, 0);
    }
    // Both are i64 on 64-bit Linux; the conversion keeps 32-bit targets compiling.
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    (i64::from(ts.tv_sec), i64::from(ts.tv_nsec))
}

impl Clock for SystemClock {
    #[inline]
    fn now(&mut self) -> Now {
        let (ms, mn) = read_clock(libc::CLOCK_MONOTONIC);
        let (us, un) = read_clock(libc::CLOCK_REALTIME);
        let mono = (ms as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(mn as u64);
        let utc = us.saturating_mul(1_000_000_000).saturating_add(un);
        Now::new(MonoTime(mono), UtcTime(utc))
    }
}

/// A clock that moves only when told: for tests and the agent invoker.
///
/// Clones share the same time, so a test can keep one handle and give another to a runner.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    mono: Arc<AtomicU64>,
    utc: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Now) -> ManualClock {
        ManualClock {
            mono: Arc::new(AtomicU64::new(start.mono.0)),
            utc: Arc::new(AtomicI64::new(start.utc.0)),
        }
    }

    /// Sets both readings.
    pub fn set(&self, now: Now) {
        self.mono.store(now.mono.0, Ordering::Release);
        self.utc.store(now.utc.0, Ordering::Release);
    }

    /// Moves both readings forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.set(self.get().advance(d));
    }

    /// The current reading, without needing `&mut`.
    pub fn get(&self) -> Now {
        Now::new(
            MonoTime(self.mono.load(Ordering::Acquire)),
            UtcTime(self.utc.load(Ordering::Acquire)),
        )
    }
}

impl Clock for ManualClock {
    fn now(&mut self) -> Now {
        self.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_reads_both_clocks_and_monotonic_does_not_go_back() {
        let mut clock = SystemClock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b.mono >= a.mono);
        assert!(a.mono.0 > 0);
        // Any machine running this test is past 2020-01-01.
        assert!(a.utc.unix_secs() > 1_577_836_800);
    }

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = Now::new(MonoTime(1_000), UtcTime::from_unix(1_700_000_000, 0));
        let clock = ManualClock::new(start);
        let mut handle = clock.clone();
        assert_eq!(handle.now(), start);
        clock.advance(Duration::from_millis(5));
        assert_eq!(handle.now(), start.advance(Duration::from_millis(5)));
        clock.set(start);
        assert_eq!(handle.now(), start);
    }
}
