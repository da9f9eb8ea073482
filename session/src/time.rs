//! Time as the caller hands it in.
//!
//! The session never reads a clock: the engine reads one once per duty cycle and passes a [`Now`]
//! down, tests pass a simulated one. Monotonic time drives deadlines (immune to NTP steps); UTC
//! time only fills and checks SendingTime.

mod format;
mod parse;

pub use format::{TimePrecision, TimestampFormatter, TIMESTAMP_MAX_LEN};
pub use parse::{parse_date, parse_utc_time_only, parse_utc_timestamp};

use std::time::Duration;

/// Monotonic nanoseconds since an arbitrary origin chosen by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MonoTime(pub u64);

impl MonoTime {
    /// Nanoseconds since the caller's origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating rather than wrapping so a huge timeout means "never".
    pub fn saturating_add(self, d: Duration) -> MonoTime {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        MonoTime(self.0.saturating_add(ns))
    }

    /// Time elapsed since `earlier`, zero if `earlier` is in the future.
    pub fn saturating_since(self, earlier: MonoTime) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// UTC wall-clock time as nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UtcTime(pub i64);

impl UtcTime {
    /// From whole seconds and nanoseconds since the epoch.
    pub const fn from_unix(secs: i64, nanos: u32) -> UtcTime {
        UtcTime(secs * 1_000_000_000 + nanos as i64)
    }

    /// Whole seconds since the epoch (floor).
    pub const fn unix_secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// Nanoseconds within the second.
    pub const fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(1_000_000_000) as u32
    }

    /// Absolute distance between two instants.
    pub fn abs_diff(self, other: UtcTime) -> Duration {
        Duration::from_nanos(self.0.abs_diff(other.0))
    }

    /// `self + d`, saturating.
    pub fn saturating_add(self, d: Duration) -> UtcTime {
        let ns = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        UtcTime(self.0.saturating_add(ns))
    }
}

/// The time of one duty cycle: read once by the engine, passed to everything processed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Drives deadlines.
    pub mono: MonoTime,
    /// Fills SendingTime and is compared with the peer's.
    pub utc: UtcTime,
}

impl Now {
    /// A `Now` from both readings.
    pub const fn new(mono: MonoTime, utc: UtcTime) -> Now {
        Now { mono, utc }
    }

    /// Both clocks moved forward by `d`: what a simulated clock does in tests.
    pub fn advance(self, d: Duration) -> Now {
        Now {
            mono: self.mono.saturating_add(d),
            utc: self.utc.saturating_add(d),
        }
    }
}

/// A calendar date without a time zone: UTCDateOnly (a UTC date) and LocalMktDate (the
/// market's local date) share the `YYYYMMDD` format; which one it is, the tag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// 0..=9999.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31, valid for the month.
    pub day: u8,
}

/// A UTCTimeOnly value: nanoseconds since midnight (up to 86,400 s with a leap second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeOfDay(pub u64);
