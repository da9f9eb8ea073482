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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timers {
    at: [Option<MonoTime>; KINDS],
}

impl Timers {
    /// Sets (or moves) the deadline of `kind`.
    #[inline]
    pub fn arm(&mut self, kind: TimerKind, at: MonoTime) {
        self.at[kind as usize] = Some(at);
    }

    /// Clears the deadline of `kind`.
    #[inline]
    pub fn cancel(&mut self, kind: TimerKind) {
        self.at[kind as usize] = None;
    }

    /// Clears every deadline.
    pub fn cancel_all(&mut self) {
        self.at = [None; KINDS];
    }

    /// The deadline of `kind`, if armed.
    #[inline]
    pub fn get(&self, kind: TimerKind) -> Option<MonoTime> {
        self.at[kind as usize]
    }

    /// Whether `kind` is armed and due at `now`.
    #[inline]
    pub fn expired(&self, kind: TimerKind, now: MonoTime) -> bool {
        self.at[kind as usize].is_some_and(|t| t <= now)
    }

    /// The earliest armed deadline.
    #[inline]
    pub fn earliest(&self) -> Option<MonoTime> {
        self.at.iter().flatten().min().copied()
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
