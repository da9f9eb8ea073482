//! spinfix's journal: a session's outbound messages, both next sequence numbers and its
//! creation time, in preallocated memory-mapped segment files, so that resends are served from
//! the map and a restarted process resumes with exactly the numbers it had.
//!
//! - One [`Journal`] per session, opened with [`Journal::open`] from a [`JournalConfig`]; it
//!   implements the session crate's [`spinfix_session::store::MessageStore`].
//! - Appending is a copy, a CRC32C and a few stores: no syscall and no allocation on the
//!   steady path (the [`Durability`] policy decides when `msync` runs).
//! - Lookup by sequence number is O(1) ([`Journal::get`]); [`Journal::range`] streams a resend
//!   straight from the maps.
//! - Recovery at open stops at the first record whose length is zero or whose checksum fails,
//!   clears that torn tail and reports what it kept ([`Journal::recovery`]). A file it cannot
//!   interpret is a [`JournalError`] naming the file and offset, never a fresh start.
//! - Reset ([`Journal::archive_and_reset`]) keeps the old epoch under a dated name.
//!
//! The byte layout is in `store/FORMAT.md`.

mod config;
mod error;
mod files;
mod header;
mod index;
mod journal;
mod layout;
mod log;
mod record;
mod segment;

pub use config::{Durability, JournalConfig, Retention, DEFAULT_SEGMENT_SIZE, MIN_SEGMENT_SIZE};
pub use error::JournalError;
pub use journal::{Journal, LogStats, Records, Recovery};
pub use layout::{record_span, FORMAT_VERSION, RECORD_HEADER_LEN, SEGMENT_HEADER_LEN};
pub use log::TornTail;
pub use record::{Direction, Record};
