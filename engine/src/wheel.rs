//! A hashed timer wheel: one deadline per session, armed and cancelled in O(1), polled with `now`.
//!
//! A session exposes only its earliest deadline (`poll_timeout`), so the session thread needs one
//! entry per session, re-armed whenever that deadline moves. Entries live in a table indexed by the
//! caller's id (the session's slot), linked into per-tick buckets; nothing allocates after `new`.
//!
//! A deadline falls into bucket `(deadline / tick) % slots`; an entry a whole revolution or more
//! away shares a bucket with nearer ones and is simply skipped until its time. Entries fire when
//! `deadline <= now`, in bucket (tick) order; within one tick, in no particular order.

use spinfix_session::time::MonoTime;
use std::time::Duration;

const NIL: u32 = u32::MAX;

/// Why a wheel could not be built or an id was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WheelError {
    /// Slots must be a power of two; tick must be at least a nanosecond.
    #[error("timer wheel: {slots} slots of {tick:?} (slots must be a power of two, tick > 0)")]
    BadShape {
        /// The slot count asked for.
        slots: usize,
        /// The tick asked for.
        tick: Duration,
    },
    /// More entries than ids can name.
    #[error("timer wheel: capacity {0} is too large")]
    BadCapacity(usize),
    /// The id is not below the capacity given to `new`.
    #[error("timer wheel: id {id} is outside its capacity {capacity}")]
    NoSuchId {
        /// The id given.
        id: usize,
        /// The wheel's capacity.
        capacity: usize,
    },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: u64,
    armed: bool,
    bucket: u32,
    prev: u32,
    next: u32,
}

/// The wheel. Ids are `0..capacity`, typically a session's index on its thread.
#[derive(Debug)]
pub struct TimerWheel {
    tick_ns: u64,
    mask: u64,
    /// First entry of each bucket.
    heads: Box<[u32]>,
    entries: Box<[Entry]>,
    /// The tick polled last: every bucket before it holds no due entry.
    cursor: u64,
    armed: usize,
    /// No armed entry is due before this (nanoseconds): a lower bound, lowered by `arm` and
    /// raised to the exact minimum when a poll past it finds nothing. Most duty cycles poll
    /// long before any deadline, and this makes such a poll one comparison.
    earliest: u64,
}

impl TimerWheel {
    /// A wheel of `slots` buckets of `tick` each for ids `0..capacity`, starting at `start`.
    pub fn new(
        tick: Duration,
        slots: usize,
        capacity: usize,
        start: MonoTime,
    ) -> Result<TimerWheel, WheelError> {
        let tick_ns = u64::try_from(tick.as_nanos()).unwrap_or(0);
        if tick_ns == 0 || !slots.is_power_of_two() || slots > u32::MAX as usize {
            return Err(WheelError::BadShape { slots, tick });
        }
        if capacity >= NIL as usize {
            return Err(WheelError::BadCapacity(capacity));
        }
        let idle = Entry {
            deadline: 0,
            armed: false,
            bucket: 0,
            prev: NIL,
            next: NIL,
        };
        Ok(TimerWheel {
            tick_ns,
            mask: slots as u64 - 1,
            heads: vec![NIL; slots].into_boxed_slice(),
            entries: vec![idle; capacity].into_boxed_slice(),
            cursor: start.0 / tick_ns,
            armed: 0,
            earliest: u64::MAX,
        })
    }

    /// How many entries are armed.
    pub fn len(&self) -> usize {
        self.armed
    }

    /// Whether no entry is armed.
    pub fn is_empty(&self) -> bool {
        self.armed == 0
    }

    /// The deadline `id` is armed for, if any.
    pub fn deadline(&self, id: usize) -> Option<MonoTime> {
        self.entries
            .get(id)
            .filter(|e| e.armed)
            .map(|e| MonoTime(e.deadline))
    }

    /// Arms `id` for `deadline`, replacing any deadline it had. A deadline already past fires at
    /// the next poll.
    pub fn arm(&mut self, id: usize, deadline: MonoTime) -> Result<(), WheelError> {
        self.check(id)?;
        self.unlink(id);
        let tick = (deadline.0 / self.tick_ns).max(self.cursor);
        let bucket = (tick & self.mask) as u32;
        let old_head = self.heads[bucket as usize];
        self.entries[id] = Entry {
            deadline: deadline.0,
            armed: true,
            bucket,
            prev: NIL,
            next: old_head,
        };
        if old_head != NIL {
            self.entries[old_head as usize].prev = id as u32;
        }
        self.heads[bucket as usize] = id as u32;
        self.armed += 1;
        self.earliest = self.earliest.min(deadline.0);
        Ok(())
    }

    /// Disarms `id`; returns whether it was armed.
    pub fn cancel(&mut self, id: usize) -> Result<bool, WheelError> {
        self.check(id)?;
        Ok(self.unlink(id))
    }

    /// The next id whose deadline is at or before `now`, disarmed; `None` when nothing is due.
    ///
    /// Call it in a loop each duty cycle. The caller may arm and cancel between calls (a fired
    /// session usually re-arms at once); an id re-armed for a deadline still `<= now` fires again.
    pub fn poll(&mut self, now: MonoTime) -> Option<usize> {
        if now.0 < self.earliest {
            // Nothing can be due. The cursor stays behind; the first poll past the bound walks
            // the buckets in between (at most one revolution), as a late poll would.
            return None;
        }
        if self.armed == 0 {
            self.cursor = self.cursor.max(now.0 / self.tick_ns);
            self.earliest = u64::MAX;
            return None;
        }
        let found = self.walk(now);
        if found.is_none() {
            // The bound was stale (its entry was cancelled or moved later): make it exact.
            self.earliest = self
                .entries
                .iter()
                .filter(|e| e.armed)
                .map(|e| e.deadline)
                .min()
                .unwrap_or(u64::MAX);
        }
        found
    }

    /// Walks the buckets from the cursor up to `now` for an entry due at `now`.
    fn walk(&mut self, now: MonoTime) -> Option<usize> {
        let now_tick = now.0 / self.tick_ns;
        let slots = self.mask + 1;
        loop {
            if let Some(id) = self.due_in(self.cursor & self.mask, now.0) {
                self.unlink(id);
                return Some(id);
            }
            if self.cursor >= now_tick {
                return None;
            }
            if now_tick - self.cursor >= slots {
                // A jump of a revolution or more: visit each remaining bucket once, ending at now.
                self.cursor = now_tick - (slots - 1);
            } else {
                self.cursor += 1;
            }
        }
    }

    /// The first entry in `bucket` due at `now`.
    fn due_in(&self, bucket: u64, now: u64) -> Option<usize> {
        let mut at = self.heads[bucket as usize];
        while at != NIL {
            let e = &self.entries[at as usize];
            if e.deadline <= now {
                return Some(at as usize);
            }
            at = e.next;
        }
        None
    }

    fn check(&self, id: usize) -> Result<(), WheelError> {
        if id < self.entries.len() {
            Ok(())
        } else {
            Err(WheelError::NoSuchId {
                id,
                capacity: self.entries.len(),
            })
        }
    }

    /// Takes `id` out of its bucket; returns whether it was armed.
    fn unlink(&mut self, id: usize) -> bool {
        let e = self.entries[id];
        if !e.armed {
            return false;
        }
        if e.prev != NIL {
            self.entries[e.prev as usize].next = e.next;
        } else {
            self.heads[e.bucket as usize] = e.next;
        }
        if e.next != NIL {
            self.entries[e.next as usize].prev = e.prev;
        }
        self.entries[id].armed = false;
        self.entries[id].prev = NIL;
        self.entries[id].next = NIL;
        self.armed -= 1;
        true
    }
}
