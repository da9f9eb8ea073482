//! Progress lines on long runs and the Ctrl-C check, as seen from inside a measuring loop.
//!
//! Both are called between samples, outside the timed window: the clock is read once every
//! 1,024 samples and a line is printed at most once a second, so short runs print nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const EVERY: u64 = 1024;
const INTERVAL: Duration = Duration::from_secs(1);

/// A measuring loop's view of progress reporting and of the stop request.
#[derive(Debug)]
pub struct Probe {
    label: String,
    total: u64,
    stop: &'static AtomicBool,
    last: Instant,
    started: Instant,
    quiet: bool,
}

impl Probe {
    /// A probe for `total` measured messages, stopping when `stop` is set (normally
    /// [`super::interrupt::INTERRUPTED`]).
    pub fn new(label: impl Into<String>, total: u64, stop: &'static AtomicBool) -> Self {
        let now = Instant::now();
        Probe {
            label: label.into(),
            total,
            stop,
            last: now,
            started: now,
            quiet: false,
        }
    }

    /// No progress lines (the stop request still works).
    #[cfg(test)]
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// Whether the run should stop now.
    #[inline]
    pub fn interrupted(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Called after each sample with the number measured so far.
    #[inline]
    pub fn tick(&mut self, done: u64) {
        if done % EVERY == 0 {
            self.maybe_report(done);
        }
    }

    /// Prints a line if a second has passed since the last one (for callers that learn of
    /// progress in batches, such as a peer process's progress lines).
    pub fn maybe_report(&mut self, done: u64) {
        let now = Instant::now();
        if now.duration_since(self.last) >= INTERVAL {
            self.last = now;
            self.report(done, now);
        }
    }

    fn report(&self, done: u64, now: Instant) {
        if self.quiet {
            return;
        }
        let pct = if self.total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / self.total as f64
        };
        eprintln!(
            "  {}: {done}/{} ({pct:.0}%) after {:.0} s",
            self.label,
            self.total,
            now.duration_since(self.started).as_secs_f64()
        );
    }
}
