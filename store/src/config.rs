//! How a journal is placed, sized, kept and made durable: chosen per session.

use crate::error::JournalError;
use crate::layout::{RECORD_HEADER_LEN, SEGMENT_HEADER_LEN};
use std::path::PathBuf;
use std::time::Duration;

/// The default segment size: large enough that rolls are rare, small enough to delete in steps.
pub const DEFAULT_SEGMENT_SIZE: u64 = 64 * 1024 * 1024;

/// The smallest segment accepted: one page of header plus room for a few records.
pub const MIN_SEGMENT_SIZE: u64 = 4096;

/// When written records reach the disk, traded against append latency.
///
/// Measured costs are in the crate docs and in `tuning.md` (the `journal` bench). Whatever the
/// policy, a process crash (even SIGKILL) loses nothing that was appended: the map is the page
/// cache. The policy only matters for a crash of the machine itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Leave write-back to the kernel: no syscall on the message path.
    #[default]
    OsWriteBack,
    /// `msync` what was written since the last flush after `messages` appends, or at the first
    /// append at least `interval` after the last flush (time as the caller hands it in).
    Periodic {
        /// Appends between flushes; 0 means "by time only".
        messages: u32,
        /// Longest time between flushes while appends keep coming; zero means "by count only".
        interval: Duration,
    },
    /// `msync` every record before `append` returns, and the header before a sequence-number
    /// change that the records do not already imply.
    EveryMessage,
}

/// Which old segments are deleted when a new one is started (and at open).
///
/// The active segment is never deleted. With neither limit set, every segment is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Keep at most this many segments per direction (including the active one).
    pub max_segments: Option<usize>,
    /// Delete a segment whose newest record is older than this.
    pub max_age: Option<Duration>,
}

/// Everything [`crate::Journal::open`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalConfig {
    /// The folder (QuickFIX's `FileStorePath`).
    pub dir: PathBuf,
    /// Names the files: typically `BeginString-SenderCompID-TargetCompID`. Characters outside
    /// `[A-Za-z0-9._-]` are replaced by `_` in file names.
    pub session_id: String,
    /// Bytes per segment file, preallocated at creation.
    pub segment_size: u64,
    /// Which old segments to delete.
    pub retention: Retention,
    /// When writes are made durable.
    pub durability: Durability,
    /// Also journal inbound messages, for audit (off by default).
    pub journal_inbound: bool,
}

impl JournalConfig {
    /// A config with the defaults: 64 MiB segments, keep everything, OS write-back, outbound only.
    pub fn new(dir: impl Into<PathBuf>, session_id: impl Into<String>) -> Self {
        JournalConfig {
            dir: dir.into(),
            session_id: session_id.into(),
            segment_size: DEFAULT_SEGMENT_SIZE,
            retention: Retention::default(),
            durability: Durability::default(),
            journal_inbound: false,
        }
    }

    /// Sets the segment size.
    pub fn segment_size(mut self, bytes: u64) -> Self {
        self.segment_size = bytes;
        self
    }

    /// Sets the retention.
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// Sets the durability policy.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Turns inbound journaling on or off.
    pub fn journal_inbound(mut self, on: bool) -> Self {
        self.journal_inbound = on;
        self
    }

    /// The largest message a segment of this config holds.
    pub fn max_message_len(&self) -> usize {
        let usable = self
            .segment_size
            .saturating_sub(SEGMENT_HEADER_LEN as u64 + RECORD_HEADER_LEN as u64);
        usize::try_from(usable).unwrap_or(usize::MAX) & !7
    }

    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        let bad = |field, value: String, why| JournalError::Config {
            session: self.session_id.clone(),
            field,
            value,
            why,
        };
        if self.session_id.is_empty() {
            return Err(bad("session_id", String::new(), "must not be empty"));
        }
        if self.segment_size < MIN_SEGMENT_SIZE || self.segment_size % 8 != 0 {
            return Err(bad(
                "segment_size",
                self.segment_size.to_string(),
                "must be a multiple of 8 and at least 4096",
            ));
        }
        // Offsets in the index are 40 bits.
        if self.segment_size > 1 << 40 {
            return Err(bad(
                "segment_size",
                self.segment_size.to_string(),
                "must be at most 1 TiB",
            ));
        }
        if self.retention.max_segments == Some(0) {
            return Err(bad(
                "retention.max_segments",
                "0".into(),
                "must keep at least the active segment",
            ));
        }
        Ok(())
    }
}
