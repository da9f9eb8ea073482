//! Which core each side's spinning thread runs on, and which engine shape the cores allow.
//!
//! Two spinners must never share a core: they would take turns at scheduler-tick granularity
//! and the bench would measure the scheduler. So the initiator and the acceptor get distinct
//! cores, and with fewer than two usable cores the bench refuses to busy-spin (see
//! [`CorePlan::spin_allowed`]).

use core_affinity::CoreId;

/// Cores a split engine needs: an I/O and a session thread on each side.
pub const SPLIT_CORES: usize = 4;

/// How the spinfix engine runs its I/O and session work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineShape {
    /// I/O and sessions on one pinned thread per side: no ring hop; best on few cores.
    Colocated,
    /// An I/O thread and a session thread per side, joined by SPSC rings.
    Split,
}

impl EngineShape {
    /// The word the table and the JSON use.
    pub fn name(self) -> &'static str {
        match self {
            EngineShape::Colocated => "colocated",
            EngineShape::Split => "split",
        }
    }
}

/// The cores given to each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorePlan {
    /// The initiator's cores: [thread] colocated, [I/O, session] split. Empty: not pinned.
    pub initiator: Vec<usize>,
    /// The acceptor's cores, likewise.
    pub acceptor: Vec<usize>,
    /// Cores this process may run on.
    pub available: usize,
    /// The shape the spinfix contender runs in.
    pub shape: EngineShape,
    /// Why the plan differs from what was asked, for the table.
    pub notes: Vec<String>,
}

impl CorePlan {
    /// Plans from the cores this process may use (or the `--cores` list) and `--split`.
    pub fn detect(split: bool, requested: &[usize]) -> CorePlan {
        let cores: Vec<usize> = if requested.is_empty() {
            core_affinity::get_core_ids()
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.id)
                .collect()
        } else {
            requested.to_vec()
        };
        Self::from_cores(split, &cores)
    }

    /// Plans from an explicit list of usable cores.
    pub fn from_cores(split: bool, cores: &[usize]) -> CorePlan {
        let mut notes = Vec::new();
        let available = cores.len();
        if available < 2 {
            notes.push(format!(
                "{available} usable core(s): sides are not pinned and do not busy-spin"
            ));
            return CorePlan {
                initiator: Vec::new(),
                acceptor: Vec::new(),
                available,
                shape: EngineShape::Colocated,
                notes,
            };
        }
        if split && available >= SPLIT_CORES {
            return CorePlan {
                initiator: vec![cores[0], cores[1]],
                acceptor: vec![cores[2], cores[3]],
                available,
                shape: EngineShape::Split,
                notes,
            };
        }
        if split {
            notes.push(format!(
                "--split needs {SPLIT_CORES} free cores, {available} found: spinfix runs colocated"
            ));
        }
        CorePlan {
            initiator: vec![cores[0]],
            acceptor: vec![cores[1]],
            available,
            shape: EngineShape::Colocated,
            notes,
        }
    }

    /// The core of the initiator's (first) thread.
    pub fn initiator_core(&self) -> Option<usize> {
        self.initiator.first().copied()
    }

    /// The core of the acceptor's (first) thread.
    pub fn acceptor_core(&self) -> Option<usize> {
        self.acceptor.first().copied()
    }

    /// Whether each spinner has a core of its own.
    pub fn spin_allowed(&self) -> bool {
        self.available >= 2
    }

    /// "cores 0 | 1" or "not pinned".
    pub fn describe(&self) -> String {
        let list = |v: &[usize]| {
            v.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if self.initiator.is_empty() {
            "not pinned".to_string()
        } else {
            format!(
                "initiator core {} | acceptor core {}",
                list(&self.initiator),
                list(&self.acceptor)
            )
        }
    }
}

/// Pins the calling thread to `core`; `None` leaves it free. Returns false when the OS refused.
pub fn pin_current(core: Option<usize>) -> bool {
    match core {
        Some(id) => core_affinity::set_for_current(CoreId { id }),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cores_give_one_each_and_colocated() {
        let p = CorePlan::from_cores(false, &[0, 1]);
        assert_eq!((p.initiator_core(), p.acceptor_core()), (Some(0), Some(1)));
        assert_eq!(p.shape, EngineShape::Colocated);
        assert!(p.spin_allowed() && p.notes.is_empty());
    }

    #[test]
    fn split_on_two_cores_falls_back_with_a_note() {
        let p = CorePlan::from_cores(true, &[0, 1]);
        assert_eq!(p.shape, EngineShape::Colocated);
        assert!(p.notes[0].contains("--split"));
    }

    #[test]
    fn split_on_four_cores_gives_two_each() {
        let p = CorePlan::from_cores(true, &[2, 3, 4, 5]);
        assert_eq!(p.shape, EngineShape::Split);
        assert_eq!(p.initiator, vec![2, 3]);
        assert_eq!(p.acceptor, vec![4, 5]);
    }

    #[test]
    fn one_core_forbids_spinning() {
        let p = CorePlan::from_cores(false, &[0]);
        assert!(!p.spin_allowed());
        assert_eq!(p.initiator_core(), None);
    }
}
