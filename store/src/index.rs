//! Sequence number → record location, O(1) for the dense numbering FIX sessions produce.
//!
//! Outbound numbers increase by one almost always; they skip only when the session moves its
//! number on (a SequenceReset it sends). So the index is a vector of locations per *run* of
//! consecutive numbers: a small skip is filled with holes, a large one starts a new run, and a
//! lookup finds its run by a binary search over what is nearly always a single run.
//!
//! A location packs the segment number (high 24 bits) and the offset in it (low 40 bits).

/// A location: `(segment << 40) | offset`.
pub(crate) type Loc = u64;

const HOLE: Loc = u64::MAX;
/// Skips up to this long are filled with holes rather than starting a run.
const MAX_FILL: u64 = 64;
pub(crate) const OFFSET_BITS: u32 = 40;
/// Segment numbers must stay below this to fit in a location.
pub(crate) const MAX_SEGMENT_NUMBER: u64 = 1 << (64 - OFFSET_BITS);

pub(crate) const fn loc(segment: u64, offset: usize) -> Loc {
    (segment << OFFSET_BITS) | offset as u64
}

pub(crate) const fn loc_segment(l: Loc) -> u64 {
    l >> OFFSET_BITS
}

pub(crate) const fn loc_offset(l: Loc) -> usize {
    (l & ((1 << OFFSET_BITS) - 1)) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first_seq: u64,
    start: usize,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SeqIndex {
    runs: Vec<Run>,
    entries: Vec<Loc>,
}

impl SeqIndex {
    /// The highest number indexed.
    pub(crate) fn last_seq(&self) -> Option<u64> {
        let r = self.runs.last()?;
        Some(r.first_seq + (self.entries.len() - r.start) as u64 - 1)
    }

    /// The lowest number indexed (runs start with a record, so it is present).
    #[cfg(test)]
    fn first_seq(&self) -> Option<u64> {
        self.runs.first().map(|r| r.first_seq)
    }

    /// How many entries (records and holes) are indexed.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
    }

    pub(crate) fn clear(&mut self) {
        self.runs.clear();
        self.entries.clear();
    }

    /// Index of the run holding `seq`, if `seq` is at or after the first run's start.
    fn run_of(&self, seq: u64) -> Option<usize> {
        let last = self.runs.last()?;
        if seq >= last.first_seq {
            return Some(self.runs.len() - 1);
        }
        match self.runs.binary_search_by_key(&seq, |r| r.first_seq) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    fn run_end(&self, i: usize) -> usize {
        self.runs.get(i + 1).map_or(self.entries.len(), |r| r.start)
    }

    pub(crate) fn get(&self, seq: u64) -> Option<Loc> {
        let i = self.run_of(seq)?;
        let r = self.runs[i];
        let at = r.start as u64 + (seq - r.first_seq);
        if at >= self.run_end(i) as u64 {
            return None;
        }
        let l = self.entries[at as usize];
        (l != HOLE).then_some(l)
    }

    /// The location of the first record numbered `seq` or higher.
    pub(crate) fn first_at_or_after(&self, seq: u64) -> Option<Loc> {
        let mut at = match self.run_of(seq) {
            None => 0,
            Some(i) => {
                let r = self.runs[i];
                let at = (r.start as u64).saturating_add(seq - r.first_seq);
                usize::try_from(at)
                    .unwrap_or(usize::MAX)
                    .min(self.run_end(i))
            }
        };
        while at < self.entries.len() {
            if self.entries[at] != HOLE {
                return Some(self.entries[at]);
            }
            at += 1;
        }
        None
    }

    /// Records `seq` at `l`. A number at or below the last one supersedes it and everything
    /// after it, as the in-memory store does.
    pub(crate) fn insert(&mut self, seq: u64, l: Loc) {
        if let Some(last) = self.last_seq() {
            if seq <= last {
                self.truncate_from(seq);
            }
        }
        match self.last_seq() {
            Some(last) if seq == last + 1 => {}
            Some(last) if seq - last - 1 <= MAX_FILL => {
                let holes = (seq - last - 1) as usize;
                self.entries.resize(self.entries.len() + holes, HOLE);
            }
            _ => self.runs.push(Run {
                first_seq: seq,
                start: self.entries.len(),
            }),
        }
        self.entries.push(l);
    }

    /// Forgets `seq` and every higher number.
    fn truncate_from(&mut self, seq: u64) {
        let Some(i) = self.run_of(seq) else {
            self.clear();
            return;
        };
        let r = self.runs[i];
        let cut = r.start + (seq - r.first_seq) as usize;
        self.entries.truncate(cut);
        self.runs.truncate(i + 1);
        if cut == r.start {
            self.runs.pop();
        }
        // A run must not end in holes, or `last_seq` would claim a number nobody stored.
        while self.entries.last() == Some(&HOLE) {
            self.entries.pop();
        }
        while self
            .runs
            .last()
            .is_some_and(|r| r.start >= self.entries.len())
        {
            self.runs.pop();
        }
    }

    /// Forgets every location in a segment numbered below `segment` (deleted by retention).
    pub(crate) fn drop_segments_below(&mut self, segment: u64) {
        let cut = self
            .entries
            .iter()
            .position(|&l| l != HOLE && loc_segment(l) >= segment)
            .unwrap_or(self.entries.len());
        if cut == 0 {
            return;
        }
        self.entries.drain(..cut);
        let mut kept = Vec::with_capacity(self.runs.len());
        for (i, r) in self.runs.iter().enumerate() {
            let end = self
                .runs
                .get(i + 1)
                .map_or(self.entries.len() + cut, |n| n.start);
            if end <= cut {
                continue;
            }
            let skip = cut.saturating_sub(r.start);
            kept.push(Run {
                first_seq: r.first_seq + skip as u64,
                start: r.start + skip - cut,
            });
        }
        self.runs = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_small_skips_and_large_skips() {
        let mut ix = SeqIndex::default();
        for s in 1..=10 {
            ix.insert(s, loc(1, s as usize * 8));
        }
        ix.insert(15, loc(1, 200));
        ix.insert(1_000_000, loc(2, 64));
        ix.insert(1_000_001, loc(2, 96));
        assert_eq!(ix.get(3), Some(loc(1, 24)));
        assert_eq!(ix.get(12), None);
        assert_eq!(ix.get(15), Some(loc(1, 200)));
        assert_eq!(ix.get(500), None);
        assert_eq!(ix.get(1_000_001), Some(loc(2, 96)));
        assert_eq!(ix.get(1_000_002), None);
        assert_eq!(ix.get(0), None);
        assert_eq!(ix.last_seq(), Some(1_000_001));
        assert_eq!(ix.first_at_or_after(11), Some(loc(1, 200)));
        assert_eq!(ix.first_at_or_after(16), Some(loc(2, 64)));
        assert_eq!(ix.first_at_or_after(0), Some(loc(1, 8)));
        assert_eq!(ix.first_at_or_after(1_000_002), None);
        assert_eq!(ix.len(), 17);
    }

    #[test]
    fn lower_number_supersedes_the_tail() {
        let mut ix = SeqIndex::default();
        for s in 1..=5 {
            ix.insert(s, loc(1, s as usize));
        }
        ix.insert(3, loc(1, 100));
        assert_eq!(ix.get(3), Some(loc(1, 100)));
        assert_eq!(ix.get(4), None);
        assert_eq!(ix.last_seq(), Some(3));
        ix.insert(1, loc(1, 200));
        assert_eq!(ix.last_seq(), Some(1));
        assert_eq!(ix.get(2), None);
    }

    #[test]
    fn dropping_deleted_segments() {
        let mut ix = SeqIndex::default();
        for s in 1..=6 {
            ix.insert(s, loc(s.div_ceil(2), s as usize));
        }
        ix.insert(100, loc(3, 50));
        ix.drop_segments_below(2);
        assert_eq!(ix.get(2), None);
        assert_eq!(ix.get(3), Some(loc(2, 3)));
        assert_eq!(ix.first_seq(), Some(3));
        ix.drop_segments_below(3);
        assert_eq!(ix.first_seq(), Some(5));
        assert_eq!(ix.get(100), Some(loc(3, 50)));
        ix.drop_segments_below(4);
        assert_eq!(ix.first_seq(), None);
        assert_eq!(ix.get(100), None);
    }
}
