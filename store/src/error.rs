//! Everything that can go wrong with a journal, each variant naming the file and the offset (or
//! the session and the value) so that an operator can find the bad bytes without a debugger.

use std::path::PathBuf;

/// A journal error. Nothing read from a file ever panics: it ends up here instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// An operating-system call on a journal file failed.
    #[error("journal {path}: {op} failed: {source}")]
    Io {
        /// What was being done, e.g. "open", "map", "msync".
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Preallocating a new segment failed (disk full, file-size limit): reported at the roll,
    /// so that a full disk never turns into a SIGBUS on a store into the map.
    #[error("journal {path}: cannot preallocate {size} bytes for a new segment: {source}")]
    Allocate {
        /// The segment that could not be created.
        path: PathBuf,
        /// The segment size asked for.
        size: u64,
        /// The OS error (ENOSPC, EFBIG, ...).
        source: std::io::Error,
    },
    /// The file does not start with a spinfix journal magic: not ours.
    #[error("journal {path}: foreign file: bytes {found:02x?} at offset {offset} are not the magic {expected:?}")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Where the magic should be.
        offset: u64,
        /// What is there instead.
        found: [u8; 8],
        /// What should be there.
        expected: &'static str,
    },
    /// The file is a spinfix journal of a format version this build does not read.
    #[error("journal {path}: format version {found} at offset {offset} is not the supported version {expected}")]
    Version {
        /// The file.
        path: PathBuf,
        /// Where the version is.
        offset: u64,
        /// The version in the file.
        found: u32,
        /// The version this build reads and writes.
        expected: u32,
    },
    /// The file is shorter than its fixed header.
    #[error("journal {path}: truncated: {len} bytes, the header alone needs {needed} (offset {len} is past the end)")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
        /// The minimum length.
        needed: u64,
    },
    /// A header or record failed its check where a torn write cannot explain it.
    #[error("journal {path}: corrupt at offset {offset}: {what}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the bad bytes start.
        offset: u64,
        /// What is wrong, with the values found.
        what: String,
    },
    /// A journal file name that looks like ours but is not what the journal expects.
    #[error("journal {path}: {what}")]
    Layout {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// Another process already has this journal open for writing.
    #[error("journal {path}: locked by another process")]
    Locked {
        /// The header file holding the lock.
        path: PathBuf,
    },
    /// A message does not fit in one segment.
    #[error("journal of session {session}: a {len}-byte message does not fit in a segment (at most {max} bytes)")]
    TooLarge {
        /// The session.
        session: String,
        /// The message length.
        len: usize,
        /// The largest message a segment holds.
        max: usize,
    },
    /// An empty message: a zero length is what marks the end of the written records.
    #[error("journal of session {session}: refusing an empty message under seq {seq}")]
    Empty {
        /// The session.
        session: String,
        /// The sequence number it was to be stored under.
        seq: u64,
    },
    /// A write on a journal opened read-only.
    #[error("journal of session {session}: opened read-only, cannot {op}")]
    ReadOnly {
        /// The session.
        session: String,
        /// The refused operation.
        op: &'static str,
    },
    /// A configuration value the journal cannot work with.
    #[error("journal of session {session}: bad config {field} = {value}: {why}")]
    Config {
        /// The session.
        session: String,
        /// The config field.
        field: &'static str,
        /// Its value.
        value: String,
        /// Why it is refused.
        why: &'static str,
    },
}

impl JournalError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        JournalError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
