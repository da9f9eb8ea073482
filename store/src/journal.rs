//! The journal: a header page plus an outbound (and optionally an inbound) series of segments,
//! with the outbound index, the durability policy, retention and reset.

use crate::config::{Durability, JournalConfig};
use crate::error::JournalError;
use crate::files::{
    archive_stem, header_path, list_archive_headers, list_segments, remove_temps, segment_path,
    stem_for, sync_dir,
};
use crate::header::Header;
use crate::index::SeqIndex;
use crate::log::{NewSegment, SegmentLog, TornTail};
use crate::record::{Direction, Record};
use crate::segment::read_segment_header;
use spinfix_session::store::MessageStore;
use spinfix_session::time::UtcTime;
use std::path::{Path, PathBuf};

/// What the scan at open found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Outbound records kept.
    pub outbound_records: u64,
    /// Inbound records kept.
    pub inbound_records: u64,
    /// Segment files opened (both directions).
    pub segments: usize,
    /// Torn or damaged tails found (at most one per direction).
    pub torn: Vec<TornTail>,
    /// The header's next sender number was behind the last outbound record and was raised:
    /// `(was, now)`. Happens when the process died between an append and the number update.
    pub next_sender_raised: Option<(u64, u64)>,
    /// A reset interrupted by a crash was completed: its files were moved to the archive.
    pub completed_reset: bool,
    /// Old segments deleted by retention at open.
    pub deleted_segments: usize,
}

/// Use of one direction's segments, for `spinfix journal stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStats {
    /// Segment files, oldest first.
    pub files: Vec<PathBuf>,
    /// Records in them.
    pub records: u64,
    /// Lowest and highest sequence number present.
    pub first_seq: Option<u64>,
    /// Highest sequence number present.
    pub last_seq: Option<u64>,
    /// Bytes of the segments in use (headers and records).
    pub bytes_used: u64,
    /// Bytes of the segments in total.
    pub bytes_total: u64,
}

/// A session's journal. See the crate docs for the guarantees and `FORMAT.md` for the bytes.
#[derive(Debug)]
pub struct Journal {
    config: JournalConfig,
    stem: String,
    header: Header,
    out: SegmentLog,
    inbound: SegmentLog,
    index: SeqIndex,
    writable: bool,
    /// A reset failed half-way: the files on disk are consistent (a reopen completes the reset)
    /// but this handle is not, so it refuses further writes.
    broken: bool,
    recovery: Recovery,
    pending: u32,
    last_flush: i64,
}

impl Journal {
    /// Opens the journal of `config.session_id` in `config.dir` for writing, creating it (with
    /// creation time `now`) if the folder holds none, and recovering it otherwise.
    pub fn open(config: JournalConfig, now: UtcTime) -> Result<Journal, JournalError> {
        config.validate()?;
        let dir = config.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| JournalError::io("create folder", &dir, e))?;
        let stem = stem_for(&config.session_id);
        remove_temps(&dir, &stem)?;
        let sync = config.durability != Durability::OsWriteBack;
        let hpath = header_path(&dir, &stem);
        let mut recovery = Recovery::default();
        let header = if hpath.exists() {
            Header::open(&hpath, true)?
        } else {
            // Segments without a header are the remains of an interrupted reset; anything else
            // would be a silent fresh start over someone's data, which is refused below.
            let orphans = adopt_orphans(&dir, &stem, None)?;
            recovery.completed_reset = orphans > 0;
            let h = Header::create(&hpath, now.0, sync)?;
            if sync {
                sync_dir(&dir)?;
            }
            h
        };
        let epoch = header.created();
        if adopt_orphans(&dir, &stem, Some(epoch))? > 0 {
            recovery.completed_reset = true;
        }
        let mut j = Journal::from_parts(config, stem, header, true, recovery)?;
        let now_ns = now.0;
        let mut deleted = j
            .out
            .apply_retention(now_ns, &j.config.retention, Some(&mut j.index))?;
        deleted += j
            .inbound
            .apply_retention(now_ns, &j.config.retention, None)?;
        j.recovery.deleted_segments = deleted;
        j.last_flush = now_ns;
        Ok(j)
    }

    /// Opens a journal read-only, for inspection: nothing is created, repaired or deleted,
    /// and a live writer may keep writing (what it appends after the open is not seen).
    pub fn open_read_only(dir: &Path, session_id: &str) -> Result<Journal, JournalError> {
        let stem = stem_for(session_id);
        let hpath = header_path(dir, &stem);
        let header = Header::open(&hpath, false)?;
        let config = JournalConfig::new(dir, session_id);
        Journal::from_parts(config, stem, header, false, Recovery::default())
    }

    /// Opens read-only the journal a path names: its header file (`*.hdr`), or a folder that
    /// holds exactly one journal header.
    pub fn inspect(path: &Path) -> Result<Journal, JournalError> {
        let hdr = if path.is_dir() {
            let rd = std::fs::read_dir(path).map_err(|e| JournalError::io("list", path, e))?;
            let mut headers = Vec::new();
            for e in rd {
                let e = e.map_err(|e| JournalError::io("list", path, e))?;
                if e.file_name().to_str().is_some_and(|n| n.ends_with(".hdr")) {
                    headers.push(e.path());
                }
            }
            headers.sort();
            match headers.len() {
                1 => headers.remove(0),
                0 => {
                    return Err(JournalError::Layout {
                        path: path.to_path_buf(),
                        what: "no journal header (*.hdr) in this folder".into(),
                    })
                }
                n => {
                    return Err(JournalError::Layout {
                        path: path.to_path_buf(),
                        what: format!("{n} journal headers in this folder: name one of them"),
                    })
                }
            }
        } else {
            path.to_path_buf()
        };
        let name = hdr.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(stem) = name.strip_suffix(".hdr").filter(|s| !s.is_empty()) else {
            return Err(JournalError::Layout {
                path: hdr.clone(),
                what: "not a journal header: the name must end in .hdr".into(),
            });
        };
        let dir = match hdr.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Journal::open_read_only(&dir, stem)
    }

    fn from_parts(
        config: JournalConfig,
        stem: String,
        header: Header,
        writable: bool,
        mut recovery: Recovery,
    ) -> Result<Journal, JournalError> {
        let epoch = header.created();
        let dir = config.dir.clone();
        let mut index = SeqIndex::default();
        // Room for a full segment of the smallest records seen in practice, so appends do not
        // grow the index before the first roll (where it is reserved again).
        index.reserve(usize::try_from(config.segment_size / 64).unwrap_or(0));
        let out = SegmentLog::open(
            &dir,
            &stem,
            Direction::Outbound,
            epoch,
            writable,
            Some(&mut index),
            &mut recovery.torn,
        )?;
        let inbound = SegmentLog::open(
            &dir,
            &stem,
            Direction::Inbound,
            epoch,
            writable,
            None,
            &mut recovery.torn,
        )?;
        recovery.outbound_records = out.records();
        recovery.inbound_records = inbound.records();
        recovery.segments = out.segments.len() + inbound.segments.len();
        let mut j = Journal {
            config,
            stem,
            header,
            out,
            inbound,
            index,
            writable,
            broken: false,
            recovery,
            pending: 0,
            last_flush: 0,
        };
        if let Some(last) = j.index.last_seq() {
            let was = j.header.next_sender();
            if was <= last {
                j.recovery.next_sender_raised = Some((was, last + 1));
                if writable {
                    j.header.set_next_sender(last + 1);
                }
            }
        }
        Ok(j)
    }

    /// The session id this journal was opened for.
    pub fn session_id(&self) -> &str {
        &self.config.session_id
    }

    /// The config it was opened with.
    pub fn config(&self) -> &JournalConfig {
        &self.config
    }

    /// The header file's path.
    pub fn header_path(&self) -> &Path {
        &self.header.path
    }

    /// What the open found and repaired.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// Whether this handle may write.
    pub fn is_writable(&self) -> bool {
        self.writable && !self.broken
    }

    fn check_writable(&self, op: &'static str) -> Result<(), JournalError> {
        if self.writable && !self.broken {
            Ok(())
        } else {
            Err(JournalError::ReadOnly {
                session: self.config.session_id.clone(),
                op,
            })
        }
    }

    fn new_segment(&self) -> NewSegment {
        NewSegment {
            size: self.config.segment_size,
            epoch: self.header.created(),
            sync: self.config.durability != Durability::OsWriteBack,
        }
    }

    /// Appends a message. Outbound records are indexed for [`Journal::get`]; inbound ones are
    /// kept only when the config journals inbound (otherwise this is a no-op for them).
    ///
    /// On the steady path this is a copy, a CRC32C and a few stores into the map: no syscall
    /// (unless the durability policy asks for one) and no allocation.
    #[inline]
    pub fn append(
        &mut self,
        direction: Direction,
        seq: u64,
        time: UtcTime,
        msg: &[u8],
    ) -> Result<(), JournalError> {
        if direction == Direction::Inbound && !self.config.journal_inbound {
            return Ok(());
        }
        self.check_writable("append")?;
        if msg.is_empty() {
            return Err(JournalError::Empty {
                session: self.config.session_id.clone(),
                seq,
            });
        }
        let max = self.config.max_message_len();
        if msg.len() > max {
            return Err(JournalError::TooLarge {
                session: self.config.session_id.clone(),
                len: msg.len(),
                max,
            });
        }
        let ns = self.new_segment();
        let log = match direction {
            Direction::Outbound => &mut self.out,
            Direction::Inbound => &mut self.inbound,
        };
        let (l, rolled) = log.append(seq, time.0, msg, &ns)?;
        if direction == Direction::Outbound {
            self.index.insert(seq, l);
        }
        if rolled {
            self.after_roll(direction, time.0)?;
        }
        match self.config.durability {
            Durability::OsWriteBack => {}
            Durability::EveryMessage => {
                let log = match direction {
                    Direction::Outbound => &mut self.out,
                    Direction::Inbound => &mut self.inbound,
                };
                log.flush_pending()?;
            }
            Durability::Periodic { messages, interval } => {
                self.pending += 1;
                let by_count = messages > 0 && self.pending >= messages;
                let by_time = !interval.is_zero()
                    && time.0.saturating_sub(self.last_flush)
                        >= i64::try_from(interval.as_nanos()).unwrap_or(i64::MAX);
                if by_count || by_time {
                    self.flush_all(time.0)?;
                }
            }
        }
        Ok(())
    }

    #[cold]
    fn after_roll(&mut self, direction: Direction, now: i64) -> Result<(), JournalError> {
        match direction {
            Direction::Outbound => {
                let per_segment = self
                    .out
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .map_or(1024, |s| s.records as usize);
                let floor = usize::try_from(self.config.segment_size / 64).unwrap_or(0);
                self.index.reserve(per_segment.max(floor));
                self.out
                    .apply_retention(now, &self.config.retention, Some(&mut self.index))?;
            }
            Direction::Inbound => {
                self.inbound
                    .apply_retention(now, &self.config.retention, None)?;
            }
        }
        Ok(())
    }

    fn flush_all(&mut self, now: i64) -> Result<(), JournalError> {
        self.out.flush_pending()?;
        self.inbound.flush_pending()?;
        self.header.flush()?;
        self.pending = 0;
        self.last_flush = now;
        Ok(())
    }

    /// Idle-time upkeep, for the engine to call when a duty cycle found nothing else to do:
    /// makes the next segment ahead of time once the active one is half full, and dirties up to
    /// `max_pages` pages ahead of the appends, so that neither a roll nor a first write to a
    /// page lands on the message path. Returns the work done (0: nothing left to do).
    pub fn prepare(&mut self, now: UtcTime, max_pages: usize) -> Result<usize, JournalError> {
        if !self.is_writable()
            || (self.out.is_idle() && (!self.config.journal_inbound || self.inbound.is_idle()))
        {
            return Ok(0);
        }
        let ns = self.new_segment();
        let mut work = self.out.prepare(now.0, &ns, max_pages)?;
        if self.config.journal_inbound {
            work += self
                .inbound
                .prepare(now.0, &ns, max_pages.saturating_sub(work))?;
        }
        Ok(work)
    }

    /// Whether [`Journal::prepare`] has nothing left to do until more is appended.
    pub fn is_prepared(&self) -> bool {
        self.out.prepared() && (!self.config.journal_inbound || self.inbound.prepared())
    }

    /// Flushes if the periodic policy's interval has passed since the last flush: for an
    /// engine to call when idle, so a quiet session's last messages do not wait for the next.
    #[inline]
    pub fn flush_if_due(&mut self, now: UtcTime) -> Result<(), JournalError> {
        if let Durability::Periodic { interval, .. } = self.config.durability {
            let due = now.0.saturating_sub(self.last_flush)
                >= i64::try_from(interval.as_nanos()).unwrap_or(i64::MAX);
            if self.pending > 0 && due && self.is_writable() {
                self.flush_all(now.0)?;
            }
        }
        Ok(())
    }

    /// The outbound message stored under `seq`: O(1), borrowed from the map.
    #[inline]
    pub fn get(&self, seq: u64) -> Option<&[u8]> {
        self.record(seq).map(|r| r.bytes)
    }

    /// The outbound record stored under `seq`.
    #[inline]
    pub fn record(&self, seq: u64) -> Option<Record<'_>> {
        self.out.record(self.index.get(seq)?)
    }

    /// The outbound records numbered `from..=to` that are present, in order, streamed from the
    /// maps: what a resend walks. Nothing is loaded or copied.
    pub fn range(&self, from: u64, to: u64) -> Records<'_> {
        let start = self.index.first_at_or_after(from);
        Records {
            walk: self.out.walk(start),
            index: Some(&self.index),
            to,
            done: start.is_none() || from > to,
        }
    }

    /// Every record of a direction, oldest first (a superseded outbound record included: this
    /// is the audit view).
    pub fn records(&self, direction: Direction) -> Records<'_> {
        let log = match direction {
            Direction::Outbound => &self.out,
            Direction::Inbound => &self.inbound,
        };
        Records {
            walk: log.walk(None),
            index: None,
            to: u64::MAX,
            done: false,
        }
    }

    /// Use of a direction's segments.
    pub fn stats(&self, direction: Direction) -> LogStats {
        let log = match direction {
            Direction::Outbound => &self.out,
            Direction::Inbound => &self.inbound,
        };
        LogStats {
            files: log.segments.iter().map(|s| s.path.clone()).collect(),
            records: log.records(),
            first_seq: log.segments.iter().find_map(|s| s.first_seq),
            last_seq: log.last_seq(),
            bytes_used: log.segments.iter().map(|s| s.end as u64).sum(),
            bytes_total: log.segments.iter().map(|s| s.size() as u64).sum(),
        }
    }

    /// Starts a new sequence epoch: the current files are renamed to a dated stem (kept
    /// readable with [`Journal::open_read_only`]) and a fresh journal created at `now`.
    /// Returns the archive's header path.
    pub fn archive_and_reset(&mut self, now: UtcTime) -> Result<PathBuf, JournalError> {
        self.check_writable("reset")?;
        let sync = self.config.durability != Durability::OsWriteBack;
        if sync {
            self.flush_all(now.0)?;
        }
        let dir = self.config.dir.clone();
        let archive = archive_stem(&dir, &self.stem, UtcTime(self.header.created()));
        let archived_header = header_path(&dir, &archive);
        self.broken = true;
        self.out.discard_spare()?;
        self.inbound.discard_spare()?;
        // The header goes first: from then on the old epoch is archived. A crash before the
        // segments follow leaves segments that a reopen recognises by their epoch and moves to
        // the archive (see `adopt_orphans`), then creates the new header.
        std::fs::rename(&self.header.path, &archived_header)
            .map_err(|e| JournalError::io("rename", &self.header.path, e))?;
        for log in [&self.out, &self.inbound] {
            for seg in &log.segments {
                let to = segment_path(&dir, &archive, log.direction, seg.number);
                std::fs::rename(&seg.path, &to)
                    .map_err(|e| JournalError::io("rename", &seg.path, e))?;
            }
        }
        let hpath = header_path(&dir, &self.stem);
        let header = Header::create(&hpath, now.0, sync)?;
        if sync {
            sync_dir(&dir)?;
        }
        self.header = header;
        self.out = SegmentLog::empty(&dir, &self.stem, Direction::Outbound);
        self.inbound = SegmentLog::empty(&dir, &self.stem, Direction::Inbound);
        self.index.clear();
        self.pending = 0;
        self.last_flush = now.0;
        self.broken = false;
        Ok(archived_header)
    }
}

/// Moves segments of `stem` whose epoch is not `current` (all of them when there is no header)
/// to the archive of their epoch. A segment whose epoch has no archive is an error: it would
/// otherwise be silently dropped from the journal.
fn adopt_orphans(dir: &Path, stem: &str, current: Option<i64>) -> Result<usize, JournalError> {
    let mut moved = 0;
    let mut archives: Option<Vec<(i64, String)>> = None;
    for direction in [Direction::Outbound, Direction::Inbound] {
        for (number, path) in list_segments(dir, stem, direction)? {
            let h = read_segment_header(&path)?;
            if Some(h.epoch) == current {
                continue;
            }
            if archives.is_none() {
                let mut v = Vec::new();
                for p in list_archive_headers(dir, stem)? {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    let Some(s) = name.strip_suffix(".hdr") else {
                        continue;
                    };
                    // Headers we cannot read are another session's business, not a match.
                    if let Ok(created) = Header::read_created(&p) {
                        v.push((created, s.to_owned()));
                    }
                }
                archives = Some(v);
            }
            let target = archives
                .as_ref()
                .and_then(|v| v.iter().find(|(c, _)| *c == h.epoch))
                .map(|(_, s)| s.clone());
            let Some(archive) = target else {
                return Err(JournalError::Corrupt {
                    path,
                    offset: crate::layout::S_EPOCH as u64,
                    what: format!(
                        "segment of epoch {} matches neither the journal header{} nor any archive",
                        h.epoch,
                        current.map_or(" (missing)".to_string(), |c| format!(" (epoch {c})"))
                    ),
                });
            };
            let to = segment_path(dir, &archive, direction, number);
            std::fs::rename(&path, &to).map_err(|e| JournalError::io("rename", &path, e))?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// Records streamed from the maps; see [`Journal::range`] and [`Journal::records`].
#[derive(Debug)]
pub struct Records<'a> {
    walk: crate::log::Walk<'a>,
    /// For a range: only records the index still points at (not superseded ones).
    index: Option<&'a SeqIndex>,
    to: u64,
    done: bool,
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    #[inline]
    fn next(&mut self) -> Option<Record<'a>> {
        if self.done {
            return None;
        }
        loop {
            let Some((l, r)) = self.walk.next_with_loc() else {
                self.done = true;
                return None;
            };
            if let Some(ix) = self.index {
                if ix.get(r.seq) != Some(l) {
                    continue;
                }
                if r.seq > self.to {
                    self.done = true;
                    return None;
                }
            }
            return Some(r);
        }
    }
}

impl MessageStore for Journal {
    type Error = JournalError;

    fn journals_inbound(&self) -> bool {
        self.config.journal_inbound
    }

    fn next_sender_seq(&self) -> u64 {
        self.header.next_sender()
    }

    fn next_target_seq(&self) -> u64 {
        self.header.next_target()
    }

    fn set_next_sender_seq(&mut self, seq: u64) -> Result<(), JournalError> {
        self.check_writable("set the next sender number")?;
        self.header.set_next_sender(seq);
        // Under every-message durability the number must be durable too, unless the last
        // record already implies it (recovery raises the number past the last record).
        if self.config.durability == Durability::EveryMessage
            && self.index.last_seq().map(|s| s + 1) != Some(seq)
        {
            self.header.flush()?;
        }
        Ok(())
    }

    fn set_next_target_seq(&mut self, seq: u64) -> Result<(), JournalError> {
        self.check_writable("set the next target number")?;
        self.header.set_next_target(seq);
        if self.config.durability == Durability::EveryMessage {
            self.header.flush()?;
        }
        Ok(())
    }

    fn creation_time(&self) -> UtcTime {
        UtcTime(self.header.created())
    }

    fn append_outbound(&mut self, seq: u64, sent: UtcTime, msg: &[u8]) -> Result<(), JournalError> {
        self.append(Direction::Outbound, seq, sent, msg)
    }

    fn outbound(&self, seq: u64) -> Result<Option<&[u8]>, JournalError> {
        Ok(self.get(seq))
    }

    fn append_inbound(
        &mut self,
        seq: u64,
        received: UtcTime,
        msg: &[u8],
    ) -> Result<(), JournalError> {
        self.append(Direction::Inbound, seq, received, msg)
    }

    fn reset(&mut self, now: UtcTime) -> Result<(), JournalError> {
        self.archive_and_reset(now).map(|_| ())
    }

    fn flush(&mut self) -> Result<(), JournalError> {
        if !self.is_writable() {
            return Ok(());
        }
        let now = self.last_flush;
        self.flush_all(now)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if self.is_writable() && self.config.durability != Durability::OsWriteBack {
            let now = self.last_flush;
            // Best effort: an error here has nobody to go to, and the data is in the page
            // cache whatever happens.
            let _ = self.flush_all(now);
        }
    }
}
