//! Corrupted, truncated, foreign and half-reset files: each an error naming the file and the
//! offset, or a reported repair of the torn tail; never a panic, never a silent fresh start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_session::store::MessageStore;
use spinfix_store::{record_span, Direction, Journal, JournalError, SEGMENT_HEADER_LEN};
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const STEM: &str = "FIX.4.4-BUY-SELL";

fn hdr(d: &Path) -> PathBuf {
    d.join(format!("{STEM}.hdr"))
}

fn seg(d: &Path, n: u64) -> PathBuf {
    d.join(format!("{STEM}.out.{n:08}.seg"))
}

fn patch(path: &Path, offset: u64, bytes: &[u8]) {
    let f = OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, offset).unwrap();
}

fn truncate(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// Offset of record `seq` when records 1.. were appended densely to the first segment.
fn offset_of(seq: u64) -> u64 {
    SEGMENT_HEADER_LEN as u64
        + (1..seq)
            .map(|s| record_span(message(s).len()) as u64)
            .sum::<u64>()
}

fn journal_with(d: &Path, n: u64, segment_size: u64) {
    let mut j = Journal::open(config(d).segment_size(segment_size), T0).unwrap();
    append_range(&mut j, 1, n);
}

fn open_err(d: &Path) -> JournalError {
    Journal::open(config(d), T0).unwrap_err()
}

#[test]
fn foreign_header_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(hdr(d.path()), vec![b'#'; 4096]).unwrap();
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Foreign { offset: 0, .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(".hdr") && msg.contains("offset 0"), "{msg}");
    // An empty file is not a journal either; nothing is overwritten.
    std::fs::write(hdr(d.path()), b"").unwrap();
    assert!(matches!(open_err(d.path()), JournalError::Foreign { .. }));
    assert_eq!(std::fs::read(hdr(d.path())).unwrap().len(), 0);
}

#[test]
fn header_of_another_version_truncated_or_damaged() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 3, 1 << 20);
    patch(&hdr(d.path()), 8, &7u32.to_le_bytes());
    let e = open_err(d.path());
    assert!(
        matches!(
            e,
            JournalError::Version {
                found: 7,
                offset: 8,
                ..
            }
        ),
        "{e}"
    );

    patch(&hdr(d.path()), 8, &1u32.to_le_bytes());
    patch(&hdr(d.path()), 17, &[0xee]);
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Corrupt { offset: 24, .. }), "{e}");
    assert!(e.to_string().contains("offset 24"), "{e}");

    truncate(&hdr(d.path()), 100);
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Truncated { len: 100, .. }), "{e}");
}

#[test]
fn foreign_and_truncated_segments() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 3, 1 << 20);
    let s1 = seg(d.path(), 1);
    truncate(&s1, 5000);
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Corrupt { offset: 24, .. }), "{e}");
    assert!(e.to_string().contains("out.00000001.seg"), "{e}");
    truncate(&s1, 30);
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Truncated { len: 30, .. }), "{e}");
    std::fs::write(&s1, b"GIF89a, certainly not a journal segment......").unwrap();
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Foreign { offset: 0, .. }), "{e}");
    // A read-only inspection says the same.
    let e = Journal::inspect(d.path()).unwrap_err();
    assert!(matches!(e, JournalError::Foreign { .. }), "{e}");
}

#[test]
fn torn_tail_is_cleared_and_reported() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 50, 1 << 20);
    let at = offset_of(40);
    // Damage a byte of record 40's message.
    patch(&seg(d.path(), 1), at + 30, b"\xff");

    // Inspection reports without repairing.
    let ro = Journal::inspect(&hdr(d.path())).unwrap();
    assert_eq!(ro.recovery().torn.len(), 1);
    assert!(!ro.recovery().torn[0].cleared);
    drop(ro);

    let j = Journal::open(config(d.path()), T0).unwrap();
    let rec = j.recovery().clone();
    assert_eq!(rec.outbound_records, 39);
    assert_eq!(rec.torn.len(), 1);
    assert_eq!(rec.torn[0].offset, at);
    assert!(rec.torn[0].cleared);
    assert!(rec.torn[0].why.contains("checksum"), "{:?}", rec.torn[0]);
    assert_eq!(j.get(39), Some(&message(39)[..]));
    assert_eq!(j.get(40), None);
    assert_eq!(j.next_sender_seq(), 51, "numbers never go back");
    drop(j);

    let mut j = Journal::open(config(d.path()), T0).unwrap();
    assert!(j.recovery().torn.is_empty(), "the torn tail is gone");
    assert_eq!(j.recovery().outbound_records, 39);
    append_range(&mut j, 51, 52);
    drop(j);
    let j = Journal::open(config(d.path()), T0).unwrap();
    let seqs: Vec<u64> = j.range(1, 100).map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 41);
    assert_eq!(&seqs[38..], [39, 51, 52]);
}

#[test]
fn a_length_past_the_segment_is_a_torn_tail() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 10, 1 << 20);
    patch(&seg(d.path(), 1), offset_of(11), &u32::MAX.to_le_bytes());
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 10);
    assert!(
        j.recovery().torn[0].why.contains("past the end"),
        "{:?}",
        j.recovery()
    );
}

#[test]
fn an_unpublished_record_reads_as_absent() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 10, 1 << 20);
    // A crash between the body and the length: body bytes are there, the length is zero.
    let off = offset_of(11);
    patch(&seg(d.path(), 1), off + 8, &[0x5a; 300]);
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 10);
    assert!(j.recovery().torn.is_empty());
    // A short record over the stale body must not expose it as a next record.
    j.append_outbound(11, at(11), b"short").unwrap();
    drop(j);
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 11);
    assert!(j.recovery().torn.is_empty(), "{:?}", j.recovery());
}

#[test]
fn damage_in_an_older_segment_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 200, 8192);
    patch(&seg(d.path(), 1), offset_of(3) + 30, b"\xff");
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("out.00000001.seg") && msg.contains(&format!("offset {}", offset_of(3))),
        "{msg}"
    );
}

#[test]
fn a_missing_segment_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 200, 8192);
    std::fs::remove_file(seg(d.path(), 2)).unwrap();
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Layout { .. }), "{e}");
    assert!(e.to_string().contains("out.00000002.seg"), "{e}");
}

#[test]
fn a_segment_of_another_epoch_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    journal_with(d.path(), 5, 1 << 20);
    let mut j = Journal::open(config(other.path()).segment_size(1 << 20), at(1000)).unwrap();
    append_range(&mut j, 1, 5);
    drop(j);
    std::fs::copy(seg(other.path(), 1), seg(d.path(), 1)).unwrap();
    let e = open_err(d.path());
    assert!(matches!(e, JournalError::Corrupt { offset: 32, .. }), "{e}");
    // Without its header the segments are not silently dropped either.
    std::fs::remove_file(hdr(d.path())).unwrap();
    let e = open_err(d.path());
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn an_interrupted_reset_is_completed() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 200, 8192);
    // The crash came right after the header was renamed to its archive name.
    let archive = d
        .path()
        .join(format!("{STEM}.20231114-221320.000000000.hdr"));
    std::fs::rename(hdr(d.path()), &archive).unwrap();
    let later = at(5000);
    let j = Journal::open(config(d.path()).segment_size(8192), later).unwrap();
    assert!(j.recovery().completed_reset);
    assert_eq!((j.next_sender_seq(), j.creation_time()), (1, later));
    assert_eq!(j.get(1), None);
    drop(j);
    let old = Journal::inspect(&archive).unwrap();
    assert_eq!(old.range(1, 200).count(), 200);
    assert_eq!(old.stats(Direction::Outbound).last_seq, Some(200));
}

#[test]
fn stale_temporaries_are_removed() {
    let d = tempfile::tempdir().unwrap();
    journal_with(d.path(), 5, 1 << 20);
    let tmp = d.path().join(format!("{STEM}.out.00000002.seg.tmp"));
    std::fs::write(&tmp, b"half made").unwrap();
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 5);
    assert!(!tmp.exists());
}

#[test]
fn a_torn_tail_before_an_empty_spare_segment_is_still_a_tail() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()).segment_size(8192), T0).unwrap();
    let mut seq = 1;
    while j.stats(Direction::Outbound).bytes_used * 2 < 8192 {
        append_range(&mut j, seq, seq);
        seq += 1;
    }
    while j.prepare(T0, 100).unwrap() > 0 {}
    drop(j);
    assert!(seg(d.path(), 2).exists());
    patch(&seg(d.path(), 1), offset_of(seq - 1) + 30, b"\xff");
    let j = Journal::open(config(d.path()).segment_size(8192), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, seq - 2);
    assert_eq!(j.recovery().torn.len(), 1);
}
