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
//! - [`Journal::prepare`], called by the engine in idle time, makes the next segment ahead of
//!   the roll and dirties the pages ahead of the appends: a first write to a page of a file
//!   mapping faults (on ext4 the fault also reserves the block, a few microseconds), and this
//!   moves that cost off the message path.
//!
//! One writer per journal: the header file carries an exclusive `flock` (a process forked from
//! the writer holds it too until it execs; `Command` spawns are brief about that).
//!
//! Measured on the 2-core dev machine (ext4 on virtio, shared with other builds: the second
//! figure is from a run under a load average of ~11; the `journal` criterion bench in
//! `benches/`), 200-byte messages:
//!
//! | what | figure |
//! |---|---|
//! | append, OS write-back, pages prepared: median of 100-append chunks | 44 ns |
//! | append, OS write-back, pages prepared: mean | 76 ns / 217 ns |
//! | append, OS write-back, nothing prepared: median of 100-append chunks | 150 ns (first touch of each page) |
//! | append, OS write-back, nothing prepared: mean, rolls included | 0.28 µs / 0.9 µs |
//! | append, `msync` every 1,000 messages or 1 ms | 1.3 µs / 14 µs mean |
//! | append, `msync` every message | 0.1 ms / 6.5 ms |
//! | lookup by sequence number, random of 100k | 78 ns / 239 ns |
//! | stream a 10,000-message resend (target ≤ 2 ms) | 96 µs / 163 µs; 0.2 ms / 0.28 ms copying each out |
//! | create and map a 64 MiB segment | 24 ms on ext4, 145 ms on tmpfs |
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
