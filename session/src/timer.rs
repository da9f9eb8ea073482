//! The session's few deadlines as a small fixed table.
//!
//! A session has at most one deadline of each kind, so arming and cancelling are one store into
//! an array slot, and the earliest deadline is a scan of five entries. The engine keeps one
//! wheel entry per session at [`Timers::earliest`] instead of one per timer.

use crate::time::MonoTime;

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    /// Send a Heartbeat: HeartBtInt of send silence.
    Heartbeat = 0,
    /// Send a TestRequest, or give up on the peer: receive silence.
    TestRequest = 1,
    /// The Logon (or its answer) did not come in time.
    Logon = 2,
    /// The answer to our Logout did not come in time.
    Logout = 3,
    /// Reserved for an outstanding ResendRequest's follow-up chunk.
    Resend = 4,
}

const KINDS: usize = 5;

/// One optional deadline per [`TimerKind`].
///
/// Kept as plain nanoseconds with `u64::MAX` for "not armed": the engine asks for the earliest
/// deadline every duty cycle, and the minimum of five integers is a few branch-free compares
/// where five `Option`s were a loop of tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    at: [u64; KINDS],
}

const UNARMED: u64 = u64::MAX;

impl Default for Timers {
    fn default() -> Self {
        Timers {
            at: [UNARMED; KINDS],
        }
    }
}

impl Timers {
    /// Sets (or moves) the deadline of `kind`. A deadline at the end of time (`u64::MAX`
    /// nanoseconds) is one never reached, the same as not arming it.
    #[inline]
    pub fn arm(&mut self, kind: TimerKind, at: MonoTime) {
        self.at[kind as usize] = at.0;
    }

    /// Clears the deadline of `kind`.
    #[inline]
    pub fn cancel(&mut self, kind: TimerKind) {
        self.at[kind as usize] = UNARMED;
    }

    /// Clears every deadline.
    pub fn cancel_all(&mut self) {
        self.at = [UNARMED; KINDS];
    }

    /// The deadline of `kind`, if armed.
    #[inline]
    pub fn get(&self, kind: TimerKind) -> Option<MonoTime> {
        let t = self.at[kind as usize];
        (t != UNARMED).then_some(MonoTime(t))
    }

    /// Whether `kind` is armed and due at `now`.
    #[inline]
    pub fn expired(&self, kind: TimerKind, now: MonoTime) -> bool {
        let t = self.at[kind as usize];
        t != UNARMED && t <= now.0
    }

    /// The earliest armed deadline.
    #[inline]
    pub fn earliest(&self) -> Option<MonoTime> {
        let [a, b, c, d, e] = self.at;
        let t = a.min(b).min(c).min(d).min(e);
        (t != UNARMED).then_some(MonoTime(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_follows_arm_and_cancel() {
        let mut t = Timers::default();
        assert_eq!(t.earliest(), None);
        t.arm(TimerKind::Heartbeat, MonoTime(30));
        t.arm(TimerKind::Logon, MonoTime(10));
        assert_eq!(t.earliest(), Some(MonoTime(10)));
        t.cancel(TimerKind::Logon);
        assert_eq!(t.earliest(), Some(MonoTime(30)));
        assert!(t.expired(TimerKind::Heartbeat, MonoTime(30)));
        assert!(!t.expired(TimerKind::Heartbeat, MonoTime(29)));
        t.cancel_all();
        assert_eq!(t.earliest(), None);
    }
}
