//! One direction's series of segments: scanned and repaired at open, appended to, rolled,
//! pruned by retention, and walked for resends and dumps.

use crate::config::Retention;
use crate::error::JournalError;
use crate::files::{list_segments, segment_path};
use crate::index::{loc, loc_offset, loc_segment, Loc, SeqIndex, MAX_SEGMENT_NUMBER};
use crate::layout::{get_i64, get_u32, get_u64, read_slot, record_span, SegmentHeader, Slot};
use crate::layout::{RECORD_HEADER_LEN, R_SEQ, R_TIME, SEGMENT_HEADER_LEN};
use crate::record::{Direction, Record};
use crate::segment::Segment;
use spinfix_session::time::UtcTime;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// A torn or damaged tail found at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment it was in (always the direction's newest).
    pub path: PathBuf,
    /// Where the first bad record starts.
    pub offset: u64,
    /// Why it was refused: its stated length and the check it failed.
    pub why: String,
    /// Whether it was cleared (a writer clears it; a read-only inspection only reports it).
    pub cleared: bool,
}

#[derive(Debug)]
pub(crate) struct SegmentLog {
    pub direction: Direction,
    dir: PathBuf,
    stem: String,
    pub segments: VecDeque<Segment>,
    next_number: u64,
    /// The next segment, made ahead by [`SegmentLog::prepare`] so that the roll is a swap.
    spare: Option<Segment>,
    /// While the active segment's write position is below this, [`SegmentLog::prepare`] has
    /// nothing to do: the idle duty cycles that call it pay one comparison.
    idle_until: usize,
}

/// Reads a record the journal itself wrote and indexed: bounds-checked, not re-checksummed.
fn record_at(seg: &Segment, at: usize) -> Option<Record<'_>> {
    let b = seg.map.bytes().get(..seg.end)?;
    if at + RECORD_HEADER_LEN > b.len() {
        return None;
    }
    let len = get_u32(b, at) as usize;
    if len == 0 {
        return None;
    }
    Some(Record {
        seq: get_u64(b, at + R_SEQ),
        time: UtcTime(get_i64(b, at + R_TIME)),
        bytes: b.get(at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + len)?,
    })
}

impl SegmentLog {
    pub(crate) fn empty(dir: &Path, stem: &str, direction: Direction) -> SegmentLog {
        SegmentLog {
            direction,
            dir: dir.to_path_buf(),
            stem: stem.to_owned(),
            segments: VecDeque::new(),
            next_number: 1,
            spare: None,
            idle_until: 0,
        }
    }

    /// Opens every segment of this direction, checks each belongs to epoch `epoch`, scans the
    /// records into `index`, and clears (or, read-only, reports) a torn tail in the newest.
    pub(crate) fn open(
        dir: &Path,
        stem: &str,
        direction: Direction,
        epoch: i64,
        writable: bool,
        mut index: Option<&mut SeqIndex>,
        torn: &mut Vec<TornTail>,
    ) -> Result<SegmentLog, JournalError> {
        let mut log = SegmentLog::empty(dir, stem, direction);
        let list = list_segments(dir, stem, direction)?;
        let count = list.len();
        for (i, (number, path)) in list.into_iter().enumerate() {
            if let Some(prev) = log.segments.back() {
                if number != prev.number + 1 {
                    return Err(JournalError::Layout {
                        path: segment_path(dir, stem, direction, prev.number + 1),
                        what: format!(
                            "segment missing between {} and {}",
                            prev.path.display(),
                            path.display()
                        ),
                    });
                }
            }
            let last = i + 1 == count;
            let (seg, header) = Segment::open(&path, writable, writable && last)?;
            check_header(&path, &header, number, direction, epoch)?;
            log.next_number = number + 1;
            log.segments.push_back(seg);
        }
        // Empty segments at the end were made ahead of time (`prepare`); the torn tail, if any,
        // is in the newest segment that holds data.
        let newest = log
            .segments
            .iter()
            .rposition(|s| read_slot(s.map.bytes(), SEGMENT_HEADER_LEN) != Slot::End)
            .unwrap_or(0);
        for (i, seg) in log.segments.iter_mut().enumerate() {
            scan(seg, i >= newest, writable, index.as_deref_mut(), torn)?;
        }
        Ok(log)
    }

    /// Appends a record, rolling to a new segment when it does not fit.
    ///
    /// Returns the record's location and whether a roll happened.
    #[inline]
    pub(crate) fn append(
        &mut self,
        seq: u64,
        time: i64,
        msg: &[u8],
        new_segment: &NewSegment,
    ) -> Result<(Loc, bool), JournalError> {
        if let Some(seg) = self.segments.back_mut() {
            if let Some(at) = seg.append(seq, time, msg) {
                return Ok((loc(seg.number, at), false));
            }
        }
        self.roll(time, new_segment)?;
        match self.segments.back_mut() {
            Some(seg) => match seg.append(seq, time, msg) {
                Some(at) => Ok((loc(seg.number, at), true)),
                None => Err(JournalError::Layout {
                    path: seg.path.clone(),
                    what: format!(
                        "a {}-byte record does not fit in a fresh segment",
                        record_span(msg.len())
                    ),
                }),
            },
            None => Err(JournalError::Layout {
                path: self.dir.clone(),
                what: "no segment after a roll".into(),
            }),
        }
    }

    /// Starts the next segment. The old active one is flushed first when `sync` asks for it.
    fn roll(&mut self, now: i64, ns: &NewSegment) -> Result<(), JournalError> {
        let number = self.next_number;
        let path = segment_path(&self.dir, &self.stem, self.direction, number);
        if number >= MAX_SEGMENT_NUMBER {
            return Err(JournalError::Layout {
                path,
                what: format!("segment number {number} exceeds the format's limit"),
            });
        }
        if ns.sync {
            if let Some(seg) = self.segments.back_mut() {
                seg.flush_pending()?;
            }
        }
        let header = SegmentHeader {
            direction: self.direction.code(),
            number,
            size: ns.size,
            epoch: ns.epoch,
            created: now,
        };
        let seg = match self.spare.take() {
            Some(spare) if spare.number == number && spare.size() as u64 == ns.size => spare,
            _ => {
                let seg = Segment::create(&path, header, ns.sync, true)?;
                if ns.sync {
                    crate::files::sync_dir(&self.dir)?;
                }
                seg
            }
        };
        self.segments.push_back(seg);
        self.next_number = number + 1;
        self.idle_until = 0;
        Ok(())
    }

    /// Deletes old segments past the retention limits; never the active one.
    pub(crate) fn apply_retention(
        &mut self,
        now: i64,
        retention: &Retention,
        mut index: Option<&mut SeqIndex>,
    ) -> Result<usize, JournalError> {
        let mut deleted = 0;
        while self.segments.len() > 1 {
            let Some(front) = self.segments.front() else {
                break;
            };
            let too_many = retention
                .max_segments
                .is_some_and(|m| self.segments.len() > m);
            let too_old = retention.max_age.is_some_and(|age| {
                let age = i64::try_from(age.as_nanos()).unwrap_or(i64::MAX);
                now.saturating_sub(front.last_time) > age
            });
            if !(too_many || too_old) {
                break;
            }
            std::fs::remove_file(&front.path)
                .map_err(|e| JournalError::io("delete old segment", &front.path, e))?;
            self.segments.pop_front();
            deleted += 1;
            if let (Some(ix), Some(next)) = (index.as_deref_mut(), self.segments.front()) {
                ix.drop_segments_below(next.number);
            }
        }
        Ok(deleted)
    }

    /// Whether [`SegmentLog::prepare`] would find nothing to do: one comparison, so that the
    /// caller can skip building its arguments.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        self.segments
            .back()
            .map_or(true, |a| a.end < self.idle_until)
    }

    /// Idle-time upkeep: once the active segment is half full, creates the next one (without
    /// faulting its pages in); then dirties up to `max_pages` pages ahead of the appends, in
    /// the active segment first, then at the start of the spare. Returns the pages touched plus
    /// one if a segment was created, so an idle strategy can tell whether there was work.
    pub(crate) fn prepare(
        &mut self,
        now: i64,
        ns: &NewSegment,
        max_pages: usize,
    ) -> Result<usize, JournalError> {
        if self.is_idle() {
            return Ok(0);
        }
        let Some(active) = self.segments.back() else {
            return Ok(0);
        };
        let mut work = 0;
        let half_full = active.end * 2 >= active.size();
        if half_full && self.spare.is_none() && self.next_number < MAX_SEGMENT_NUMBER {
            let number = self.next_number;
            let path = segment_path(&self.dir, &self.stem, self.direction, number);
            let header = SegmentHeader {
                direction: self.direction.code(),
                number,
                size: ns.size,
                epoch: ns.epoch,
                created: now,
            };
            self.spare = Some(Segment::create(&path, header, ns.sync, false)?);
            if ns.sync {
                crate::files::sync_dir(&self.dir)?;
            }
            work += 1;
        }
        if let Some(active) = self.segments.back_mut() {
            work += active.pretouch(max_pages);
        }
        let left = max_pages.saturating_sub(work);
        if let (Some(spare), true) = (self.spare.as_mut(), left > 0) {
            work += spare.pretouch(left);
        }
        if self.prepared() {
            // Nothing more until the appends use up a page of the window or reach half way.
            if let Some(active) = self.segments.back() {
                let spare_due = if self.spare.is_some() || self.next_number >= MAX_SEGMENT_NUMBER {
                    usize::MAX
                } else {
                    active.size().div_ceil(2)
                };
                self.idle_until = active.pretouch_due_at().min(spare_due);
            }
        }
        Ok(work)
    }

    /// Deletes the spare segment (before a reset: it belongs to the old epoch).
    pub(crate) fn discard_spare(&mut self) -> Result<(), JournalError> {
        self.idle_until = 0;
        if let Some(spare) = self.spare.take() {
            std::fs::remove_file(&spare.path)
                .map_err(|e| JournalError::io("delete spare segment", &spare.path, e))?;
        }
        Ok(())
    }

    /// Whether [`SegmentLog::prepare`] has nothing left to do for now.
    pub(crate) fn prepared(&self) -> bool {
        self.segments.back().map_or(true, |a| {
            a.touched_ahead()
                && (a.end * 2 < a.size() || self.spare.as_ref().is_some_and(|s| s.touched_ahead()))
        })
    }

    pub(crate) fn segment(&self, number: u64) -> Option<&Segment> {
        let first = self.segments.front()?.number;
        let i = usize::try_from(number.checked_sub(first)?).ok()?;
        self.segments.get(i)
    }

    pub(crate) fn record(&self, l: Loc) -> Option<Record<'_>> {
        record_at(self.segment(loc_segment(l))?, loc_offset(l))
    }

    /// Records from location `start` (or the beginning) onward.
    pub(crate) fn walk(&self, start: Option<Loc>) -> Walk<'_> {
        let (seg, at) = match start {
            Some(l) => {
                let first = self.segments.front().map_or(0, |s| s.number);
                let i = loc_segment(l).saturating_sub(first);
                (usize::try_from(i).unwrap_or(usize::MAX), loc_offset(l))
            }
            None => (0, SEGMENT_HEADER_LEN),
        };
        Walk { log: self, seg, at }
    }

    pub(crate) fn flush_pending(&mut self) -> Result<(), JournalError> {
        if let Some(seg) = self.segments.back_mut() {
            seg.flush_pending()?;
        }
        Ok(())
    }

    pub(crate) fn records(&self) -> u64 {
        self.segments.iter().map(|s| s.records).sum()
    }

    pub(crate) fn last_seq(&self) -> Option<u64> {
        self.segments.iter().rev().find_map(|s| s.last_seq)
    }
}

/// What a roll needs to know about the journal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewSegment {
    pub size: u64,
    pub epoch: i64,
    pub sync: bool,
}

fn check_header(
    path: &Path,
    h: &SegmentHeader,
    number: u64,
    direction: Direction,
    epoch: i64,
) -> Result<(), JournalError> {
    let bad = |offset: usize, what: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        offset: offset as u64,
        what,
    };
    if h.number != number {
        return Err(bad(
            crate::layout::S_NUMBER,
            format!(
                "segment number {} does not match its file name ({number})",
                h.number
            ),
        ));
    }
    if h.direction != direction.code() {
        return Err(bad(
            crate::layout::S_DIRECTION,
            format!(
                "direction code {} in a {} segment",
                h.direction,
                direction.tag()
            ),
        ));
    }
    if h.epoch != epoch {
        return Err(bad(
            crate::layout::S_EPOCH,
            format!("segment of epoch {} in a journal of epoch {epoch}", h.epoch),
        ));
    }
    Ok(())
}

/// Reads a segment's records into the index; stops at the first zero length. A bad record is a
/// torn tail in the newest segment (cleared to its end by a writer) and an error in any other.
fn scan(
    seg: &mut Segment,
    newest: bool,
    writable: bool,
    mut index: Option<&mut SeqIndex>,
    torn: &mut Vec<TornTail>,
) -> Result<(), JournalError> {
    let mut at = SEGMENT_HEADER_LEN;
    loop {
        match read_slot(seg.map.bytes(), at) {
            Slot::Record(r) => {
                if let Some(ix) = index.as_deref_mut() {
                    ix.insert(r.seq, loc(seg.number, at));
                }
                seg.records += 1;
                seg.first_seq.get_or_insert(r.seq);
                seg.last_seq = Some(r.seq);
                seg.last_time = r.time;
                at += r.span;
            }
            Slot::End => break,
            Slot::Bad { len, why } => {
                if !newest {
                    return Err(JournalError::Corrupt {
                        path: seg.path.clone(),
                        offset: at as u64,
                        what: format!(
                            "record of length {len}: {why}, in a segment that is not the newest"
                        ),
                    });
                }
                let cleared = match seg.map.bytes_mut() {
                    Some(b) if writable => {
                        b[at..].fill(0);
                        true
                    }
                    _ => false,
                };
                torn.push(TornTail {
                    path: seg.path.clone(),
                    offset: at as u64,
                    why: format!("record of length {len}: {why}"),
                    cleared,
                });
                break;
            }
        }
    }
    seg.end = at;
    seg.flushed_to = at;
    if let (Some(b), true) = (seg.map.bytes_mut(), writable) {
        // The slot after the last record must read as the end even if a crash left a partial
        // body there whose length was never published.
        if at + 4 <= b.len() {
            b[at..at + 4].fill(0);
        }
    }
    Ok(())
}

/// Records in log order from a starting point, across segments, straight from the maps.
#[derive(Debug)]
pub(crate) struct Walk<'a> {
    log: &'a SegmentLog,
    seg: usize,
    at: usize,
}

impl<'a> Walk<'a> {
    /// The next record and its location.
    pub(crate) fn next_with_loc(&mut self) -> Option<(Loc, Record<'a>)> {
        loop {
            let seg = self.log.segments.get(self.seg)?;
            if let Some(r) = record_at(seg, self.at) {
                let l = loc(seg.number, self.at);
                self.at += record_span(r.bytes.len());
                return Some((l, r));
            }
            self.seg += 1;
            self.at = SEGMENT_HEADER_LEN;
        }
    }
}
