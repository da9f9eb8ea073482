//! One segment file: preallocated, mapped, appended to in place.
//!
//! A segment is created under a temporary name, preallocated with `posix_fallocate` (so the
//! blocks exist before the map is written: a full disk fails here, at the roll, instead of
//! raising SIGBUS on a store into the map), given its header, and only then renamed into place.

use crate::error::JournalError;
use crate::files::temp_path;
use crate::layout::{
    decode_segment_header, put_u32, put_u64, record_span, HeaderFault, SegmentHeader,
    RECORD_HEADER_LEN, R_CRC, R_LEN, R_SEQ, R_TIME, SEGMENT_HEADER_LEN,
};
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{fence, Ordering};

/// A map that is writable for the journal's owner and read-only for inspection.
#[derive(Debug)]
pub(crate) enum Map {
    Rw(MmapMut),
    Ro(Mmap),
}

impl Map {
    /// Maps all of `file` (`len` bytes, already checked against the file's length).
    pub(crate) fn new(
        file: &File,
        path: &Path,
        writable: bool,
        populate: bool,
    ) -> Result<Map, JournalError> {
        let mut opts = MmapOptions::new();
        if populate {
            // Fault the pages in now, at open or roll, rather than one by one on the
            // message path.
            opts.populate();
        }
        let map = if writable {
            // SAFETY: the file is a journal file this process holds the journal lock for (the
            // header's flock), so no other spinfix process writes or truncates it; it was
            // preallocated to its full length before being mapped, and the journal never
            // shrinks a mapped file. A foreign process truncating it is outside the contract
            // (documented in FORMAT.md), as for every mapped file.
            unsafe { opts.map_mut(file) }.map(Map::Rw)
        } else {
            // SAFETY: as above; a read-only inspection maps a file whose length was checked
            // against its own header, and only reads it.
            unsafe { opts.map(file) }.map(Map::Ro)
        };
        map.map_err(|e| JournalError::io("map", path, e))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Map::Rw(m) => m,
            Map::Ro(m) => m,
        }
    }

    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Map::Rw(m) => Some(m),
            Map::Ro(_) => None,
        }
    }

    /// `msync(MS_SYNC)` of `[offset, offset + len)`; memmap2 widens it to whole pages.
    pub(crate) fn flush_range(&self, offset: usize, len: usize) -> std::io::Result<()> {
        match self {
            Map::Rw(m) if len > 0 => m.flush_range(offset, len),
            _ => Ok(()),
        }
    }
}

/// An open segment and what the scan at open found in it.
#[derive(Debug)]
pub(crate) struct Segment {
    pub path: PathBuf,
    pub number: u64,
    pub map: Map,
    /// Offset just past the last good record: where the next one goes.
    pub end: usize,
    /// Everything before this offset has been `msync`ed.
    pub flushed_to: usize,
    pub records: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The newest record's time (the creation time while empty): what age retention reads.
    pub last_time: i64,
    /// Pages before this offset have been dirtied ahead of the appends.
    pub touched_to: usize,
}

/// The page size pretouching steps by.
const PAGE: usize = 4096;

/// How far ahead of the appends pretouching dirties pages: 1 MiB, a few thousand typical
/// messages, far more than arrive between two idle duty cycles.
pub(crate) const PRETOUCH_AHEAD: usize = 1 << 20;

pub(crate) fn fault_to_error(
    path: &Path,
    base: u64,
    f: HeaderFault,
    expected: &'static str,
) -> JournalError {
    let path = path.to_path_buf();
    match f {
        HeaderFault::Truncated { len, needed } => JournalError::Truncated {
            path,
            len: len as u64,
            needed: needed as u64,
        },
        HeaderFault::Magic { offset, found } => JournalError::Foreign {
            path,
            offset: base + offset as u64,
            found,
            expected,
        },
        HeaderFault::Version { offset, found } => JournalError::Version {
            path,
            offset: base + offset as u64,
            found,
            expected: crate::layout::FORMAT_VERSION,
        },
        HeaderFault::Crc {
            offset,
            stored,
            computed,
        } => JournalError::Corrupt {
            path,
            offset: base + offset as u64,
            what: format!("header checksum {stored:#010x}, computed {computed:#010x}"),
        },
    }
}

/// Reads and checks a segment's header without mapping it.
pub(crate) fn read_segment_header(path: &Path) -> Result<SegmentHeader, JournalError> {
    let mut f = File::open(path).map_err(|e| JournalError::io("open", path, e))?;
    let mut buf = Vec::with_capacity(SEGMENT_HEADER_LEN);
    (&mut f)
        .take(SEGMENT_HEADER_LEN as u64)
        .read_to_end(&mut buf)
        .map_err(|e| JournalError::io("read", path, e))?;
    decode_segment_header(&buf).map_err(|f| fault_to_error(path, 0, f, "SPFXJSEG"))
}

impl Segment {
    /// Creates, preallocates and maps a new segment at `path`.
    pub(crate) fn create(
        path: &Path,
        header: SegmentHeader,
        sync: bool,
        populate: bool,
    ) -> Result<Segment, JournalError> {
        let tmp = temp_path(path);
        let _ = std::fs::remove_file(&tmp);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| JournalError::io("create", &tmp, e))?;
        let fail = |e: JournalError| {
            let _ = std::fs::remove_file(&tmp);
            e
        };
        let size = i64::try_from(header.size).map_err(|_| {
            fail(JournalError::Allocate {
                path: path.to_path_buf(),
                size: header.size,
                source: std::io::Error::from_raw_os_error(libc::EFBIG),
            })
        })?;
        // SAFETY: plain FFI call on a descriptor `file` owns and keeps open for the call.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, size as libc::off_t) };
        if rc != 0 {
            return Err(fail(JournalError::Allocate {
                path: path.to_path_buf(),
                size: header.size,
                source: std::io::Error::from_raw_os_error(rc),
            }));
        }
        file.write_all_at(&header.encode(), 0)
            .map_err(|e| fail(JournalError::io("write segment header", &tmp, e)))?;
        if sync {
            file.sync_all()
                .map_err(|e| fail(JournalError::io("fsync", &tmp, e)))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| fail(JournalError::io("rename", &tmp, e)))?;
        let map = Map::new(&file, path, true, populate)?;
        Ok(Segment {
            path: path.to_path_buf(),
            number: header.number,
            map,
            end: SEGMENT_HEADER_LEN,
            flushed_to: SEGMENT_HEADER_LEN,
            records: 0,
            first_seq: None,
            last_seq: None,
            last_time: header.created,
            touched_to: 0,
        })
    }

    /// Opens and maps an existing segment after checking its header and length.
    pub(crate) fn open(
        path: &Path,
        writable: bool,
        populate: bool,
    ) -> Result<(Segment, SegmentHeader), JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|e| JournalError::io("open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| JournalError::io("stat", path, e))?
            .len();
        let mut head = [0u8; SEGMENT_HEADER_LEN];
        let n = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(SEGMENT_HEADER_LEN);
        file.read_exact_at(&mut head[..n], 0)
            .map_err(|e| JournalError::io("read", path, e))?;
        let header = decode_segment_header(&head[..n])
            .map_err(|f| fault_to_error(path, 0, f, "SPFXJSEG"))?;
        if header.size != len {
            return Err(JournalError::Corrupt {
                path: path.to_path_buf(),
                offset: crate::layout::S_SIZE as u64,
                what: format!("header says {} bytes, the file has {len}", header.size),
            });
        }
        let map = Map::new(&file, path, writable, populate)?;
        let seg = Segment {
            path: path.to_path_buf(),
            number: header.number,
            map,
            end: SEGMENT_HEADER_LEN,
            flushed_to: SEGMENT_HEADER_LEN,
            records: 0,
            first_seq: None,
            last_seq: None,
            last_time: header.created,
            touched_to: 0,
        };
        Ok((seg, header))
    }

    pub(crate) fn size(&self) -> usize {
        self.map.bytes().len()
    }

    /// Dirties up to `max_pages` pages past the write position, and never more than
    /// [`PRETOUCH_AHEAD`] bytes beyond it, so that the appends that reach them take no page
    /// fault (a first write to a page of a file mapping faults, and on a disk file system the
    /// fault also reserves the block: microseconds, not nanoseconds). Only bytes past the last
    /// published record are written, and with the zero they hold.
    ///
    /// Bounded ahead because every fault taken here stalls an idle duty cycle: touching a
    /// whole segment up front is thousands of faults in a row while messages wait, where a
    /// window ahead of the appends costs one fault every few dozen messages.
    pub(crate) fn pretouch(&mut self, max_pages: usize) -> usize {
        let end = self.end;
        let Some(buf) = self.map.bytes_mut() else {
            return 0;
        };
        let limit = buf.len().min(end.saturating_add(PRETOUCH_AHEAD));
        let mut p = self.touched_to.max(end.div_ceil(PAGE) * PAGE);
        let mut n = 0;
        while n < max_pages && p < limit {
            buf[p] = 0;
            p += PAGE;
            n += 1;
        }
        self.touched_to = p;
        n
    }

    /// Whether pretouching has reached as far as it goes for now (the window ahead of the
    /// appends, or the end of the segment).
    pub(crate) fn touched_ahead(&self) -> bool {
        self.touched_to >= self.size().min(self.end.saturating_add(PRETOUCH_AHEAD))
    }

    /// The write position past which [`Segment::pretouch`] has work again: one page of the
    /// window used up.
    pub(crate) fn pretouch_due_at(&self) -> usize {
        if self.touched_to >= self.size() {
            usize::MAX
        } else {
            (self.touched_to + PAGE).saturating_sub(PRETOUCH_AHEAD)
        }
    }

    /// Writes a record at `end`, or returns `None` if it does not fit (the caller rolls).
    ///
    /// The body and checksum go first, then the next slot's length is cleared, then — after a
    /// release fence — this record's length: a reader (or a scan after a crash at any point)
    /// sees either no record or the whole record, and never stale bytes as a next record.
    #[inline]
    pub(crate) fn append(&mut self, seq: u64, time: i64, msg: &[u8]) -> Option<usize> {
        let at = self.end;
        let span = record_span(msg.len());
        let buf = self.map.bytes_mut()?;
        if span > buf.len() - at {
            return None;
        }
        let body_end = at + RECORD_HEADER_LEN + msg.len();
        put_u64(buf, at + R_SEQ, seq);
        put_u64(buf, at + R_TIME, time as u64);
        buf[at + RECORD_HEADER_LEN..body_end].copy_from_slice(msg);
        buf[body_end..at + span].fill(0);
        let crc = crc32c::crc32c(&buf[at + R_SEQ..body_end]);
        put_u32(buf, at + R_CRC, crc);
        let next = at + span;
        if next + 4 <= buf.len() {
            put_u32(buf, next + R_LEN, 0);
        }
        fence(Ordering::Release);
        put_u32(buf, at + R_LEN, msg.len() as u32);
        self.end = next;
        self.records += 1;
        if self.first_seq.is_none() {
            self.first_seq = Some(seq);
        }
        self.last_seq = Some(seq);
        self.last_time = time;
        Some(at)
    }

    /// Makes everything appended since the last flush durable.
    pub(crate) fn flush_pending(&mut self) -> Result<(), JournalError> {
        if self.flushed_to < self.end {
            self.map
                .flush_range(self.flushed_to, self.end - self.flushed_to)
                .map_err(|e| JournalError::io("msync", &self.path, e))?;
            self.flushed_to = self.end;
        }
        Ok(())
    }
}
