//! The journal as a store: numbers, lookups, ranges, rolls, retention, inbound, reset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_session::store::MessageStore;
use spinfix_session::time::UtcTime;
use spinfix_store::{Direction, Durability, Journal, JournalError, Retention};
use std::time::Duration;

#[test]
fn fresh_journal_starts_at_one_and_keeps_creation_time() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!((j.next_sender_seq(), j.next_target_seq()), (1, 1));
    assert_eq!(j.creation_time(), T0);
    assert_eq!(j.recovery().outbound_records, 0);
    assert_eq!(j.get(1), None);
    drop(j);
    let j = Journal::open(config(d.path()), UtcTime(T0.0 + 99)).unwrap();
    assert_eq!(
        j.creation_time(),
        T0,
        "reopening keeps the epoch's creation time"
    );
}

#[test]
fn appends_look_up_and_survive_reopen() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    append_range(&mut j, 1, 500);
    j.set_next_target_seq(77).unwrap();
    for s in [1, 2, 250, 500] {
        assert_eq!(j.get(s), Some(&message(s)[..]));
    }
    let r = j.record(42).unwrap();
    assert_eq!((r.seq, r.time), (42, at(42)));
    assert_eq!(j.get(501), None);
    assert_eq!(j.get(0), None);
    drop(j);

    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!((j.next_sender_seq(), j.next_target_seq()), (501, 77));
    assert_eq!(j.recovery().outbound_records, 500);
    assert!(j.recovery().torn.is_empty());
    for s in 1..=500 {
        assert_eq!(j.get(s), Some(&message(s)[..]), "seq {s}");
    }
}

#[test]
fn next_sender_is_raised_past_the_last_record() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    append_range(&mut j, 1, 10);
    // Died between the append and the number update.
    j.append_outbound(11, at(11), &message(11)).unwrap();
    drop(j);
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.next_sender_seq(), 12);
    assert_eq!(j.recovery().next_sender_raised, Some((11, 12)));
}

#[test]
fn skipped_and_repeated_numbers() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    for s in [1, 2, 3, 10, 1_000_000, 1_000_001] {
        j.append_outbound(s, at(s), &message(s)).unwrap();
    }
    assert_eq!(j.get(10), Some(&message(10)[..]));
    assert_eq!(j.get(5), None);
    assert_eq!(j.get(1_000_000), Some(&message(1_000_000)[..]));
    let seqs: Vec<u64> = j.range(2, 1_000_000).map(|r| r.seq).collect();
    assert_eq!(seqs, [2, 3, 10, 1_000_000]);
    // A lower number supersedes the tail, as in the in-memory store.
    j.append_outbound(3, at(99), b"again").unwrap();
    assert_eq!(j.get(3), Some(&b"again"[..]));
    assert_eq!(j.get(10), None);
    let seqs: Vec<u64> = j.range(1, u64::MAX).map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    drop(j);
    let j = Journal::open(config(d.path()), T0).unwrap();
    assert_eq!(j.get(3), Some(&b"again"[..]));
    assert_eq!(j.get(1_000_000), None);
    assert_eq!(
        j.records(Direction::Outbound).count(),
        7,
        "the audit view keeps everything"
    );
}

#[test]
fn range_streams_across_segments() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()).segment_size(8192), T0).unwrap();
    append_range(&mut j, 1, 400);
    let st = j.stats(Direction::Outbound);
    assert!(st.files.len() > 5, "{st:?}");
    assert_eq!(
        (st.records, st.first_seq, st.last_seq),
        (400, Some(1), Some(400))
    );
    let got: Vec<(u64, Vec<u8>)> = j
        .range(37, 333)
        .map(|r| (r.seq, r.bytes.to_vec()))
        .collect();
    assert_eq!(got.len(), 297);
    for (s, b) in got {
        assert_eq!(b, message(s));
    }
    assert_eq!(j.range(401, 500).count(), 0);
    assert_eq!(j.range(10, 9).count(), 0);
    assert_eq!(j.range(0, 3).count(), 3);
}

#[test]
fn a_full_segment_rolls_exactly() {
    let d = tempfile::tempdir().unwrap();
    let size = 4096u64;
    let mut j = Journal::open(config(d.path()).segment_size(size), T0).unwrap();
    // 64-byte header + 4032 bytes of records: 63 records of 64 bytes fill it exactly.
    let msg = vec![b'a'; 64 - spinfix_store::RECORD_HEADER_LEN];
    for s in 1..=63 {
        j.append_outbound(s, at(s), &msg).unwrap();
    }
    assert_eq!(j.stats(Direction::Outbound).files.len(), 1);
    assert_eq!(j.stats(Direction::Outbound).bytes_used, size);
    j.append_outbound(64, at(64), &msg).unwrap();
    assert_eq!(j.stats(Direction::Outbound).files.len(), 2);
    let max = j.config().max_message_len();
    j.append_outbound(65, at(65), &vec![b'm'; max]).unwrap();
    let e = j
        .append_outbound(66, at(66), &vec![b'm'; max + 1])
        .unwrap_err();
    assert!(matches!(e, JournalError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("FIX.4.4-BUY-SELL"), "{e}");
    let e = j.append_outbound(66, at(66), b"").unwrap_err();
    assert!(matches!(e, JournalError::Empty { .. }), "{e}");
    drop(j);
    let j = Journal::open(config(d.path()).segment_size(size), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 65);
    assert_eq!(j.get(65).map(|b| b.len()), Some(max));
}

#[test]
fn retention_by_count_and_by_age() {
    let d = tempfile::tempdir().unwrap();
    let keep3 = Retention {
        max_segments: Some(3),
        max_age: None,
    };
    let mut j = Journal::open(config(d.path()).segment_size(4096).retention(keep3), T0).unwrap();
    append_range(&mut j, 1, 300);
    let st = j.stats(Direction::Outbound);
    assert_eq!(st.files.len(), 3);
    let first = st.first_seq.unwrap();
    assert!(first > 1);
    assert_eq!(j.get(first - 1), None);
    assert_eq!(j.get(first), Some(&message(first)[..]));
    assert_eq!(j.range(1, 300).next().map(|r| r.seq), Some(first));
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        4,
        "3 segments and the header"
    );
    drop(j);

    let day = Retention {
        max_segments: None,
        max_age: Some(Duration::from_secs(3600)),
    };
    let later = UtcTime(T0.0 + 7200 * 1_000_000_000);
    let j = Journal::open(config(d.path()).segment_size(4096).retention(day), later).unwrap();
    assert_eq!(
        j.recovery().deleted_segments,
        2,
        "all but the active segment were too old"
    );
    assert_eq!(j.stats(Direction::Outbound).last_seq, Some(300));
    assert_eq!(j.next_sender_seq(), 301);
}

#[test]
fn inbound_is_journaled_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    j.append_inbound(1, T0, b"in-1").unwrap();
    assert_eq!(j.records(Direction::Inbound).count(), 0);
    assert_eq!(j.stats(Direction::Inbound).files.len(), 0);
    drop(j);
    let mut j = Journal::open(config(d.path()).journal_inbound(true), T0).unwrap();
    j.append_inbound(1, T0, b"in-1").unwrap();
    j.append_inbound(1, T0, b"in-1 again (possdup)").unwrap();
    j.append_outbound(1, T0, b"out-1").unwrap();
    drop(j);
    let j = Journal::open(config(d.path()), T0).unwrap();
    let ins: Vec<&[u8]> = j.records(Direction::Inbound).map(|r| r.bytes).collect();
    assert_eq!(ins, [&b"in-1"[..], b"in-1 again (possdup)"]);
    assert_eq!(j.get(1), Some(&b"out-1"[..]));
    assert_eq!(j.recovery().inbound_records, 2);
}

#[test]
fn reset_archives_the_old_epoch_readably() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path()).segment_size(4096).journal_inbound(true);
    let mut j = Journal::open(cfg.clone(), T0).unwrap();
    append_range(&mut j, 1, 100);
    j.append_inbound(1, T0, b"hello").unwrap();
    j.set_next_target_seq(5).unwrap();
    let t1 = UtcTime(T0.0 + 86_400 * 1_000_000_000);
    let archived = j.archive_and_reset(t1).unwrap();
    assert!(
        archived
            .to_str()
            .unwrap()
            .contains("FIX.4.4-BUY-SELL.20231114-221320.000000000"),
        "{archived:?}"
    );
    assert_eq!((j.next_sender_seq(), j.next_target_seq()), (1, 1));
    assert_eq!(j.creation_time(), t1);
    assert_eq!(j.get(1), None);
    append_range(&mut j, 1, 3);
    // A second reset with the same creation time gets a distinct name.
    MessageStore::reset(&mut j, t1).unwrap();
    append_range(&mut j, 1, 2);
    drop(j);

    let j = Journal::open(cfg, t1).unwrap();
    assert_eq!((j.next_sender_seq(), j.creation_time()), (3, t1));
    assert_eq!(j.recovery().outbound_records, 2);

    let old = Journal::inspect(&archived).unwrap();
    assert!(!old.is_writable());
    assert_eq!((old.next_sender_seq(), old.next_target_seq()), (101, 5));
    assert_eq!(old.creation_time(), T0);
    for s in 1..=100 {
        assert_eq!(old.get(s), Some(&message(s)[..]));
    }
    assert_eq!(old.records(Direction::Inbound).count(), 1);
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".hdr"))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn a_second_writer_is_refused_and_read_only_refuses_writes() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(config(d.path()), T0).unwrap();
    append_range(&mut j, 1, 5);
    let e = Journal::open(config(d.path()), T0).unwrap_err();
    assert!(matches!(e, JournalError::Locked { .. }), "{e}");
    let mut ro = Journal::inspect(d.path()).unwrap();
    assert_eq!(ro.get(5), Some(&message(5)[..]));
    let e = ro.append_outbound(6, T0, b"x").unwrap_err();
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e}");
}

#[test]
fn durability_policies_keep_the_same_contents() {
    for (k, policy) in [
        Durability::OsWriteBack,
        Durability::EveryMessage,
        Durability::Periodic {
            messages: 7,
            interval: Duration::from_millis(3),
        },
        Durability::Periodic {
            messages: 0,
            interval: Duration::from_millis(3),
        },
    ]
    .into_iter()
    .enumerate()
    {
        let d = tempfile::tempdir().unwrap();
        let cfg = config(d.path()).durability(policy).segment_size(8192);
        let mut j = Journal::open(cfg.clone(), T0).unwrap();
        append_range(&mut j, 1, 200);
        j.set_next_target_seq(9).unwrap();
        j.flush_if_due(UtcTime(T0.0 + 10_000_000_000)).unwrap();
        j.flush().unwrap();
        drop(j);
        let j = Journal::open(cfg, T0).unwrap();
        assert_eq!(
            (j.next_sender_seq(), j.next_target_seq()),
            (201, 9),
            "policy {k}"
        );
        assert_eq!(j.range(1, 200).count(), 200, "policy {k}");
    }
}

#[test]
fn bad_configs_are_refused() {
    let d = tempfile::tempdir().unwrap();
    for cfg in [
        config(d.path()).segment_size(100),
        config(d.path()).segment_size(4097),
        spinfix_store::JournalConfig::new(d.path(), ""),
        config(d.path()).retention(Retention {
            max_segments: Some(0),
            max_age: None,
        }),
    ] {
        let e = Journal::open(cfg, T0).unwrap_err();
        assert!(matches!(e, JournalError::Config { .. }), "{e}");
    }
}

#[test]
fn prepare_makes_the_next_segment_and_rolls_into_it() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path()).segment_size(16384).journal_inbound(true);
    let mut j = Journal::open(cfg.clone(), T0).unwrap();
    assert_eq!(
        j.prepare(T0, 100).unwrap(),
        0,
        "nothing to prepare before the first segment"
    );
    append_range(&mut j, 1, 10);
    j.append_inbound(1, T0, b"in").unwrap();
    assert!(j.prepare(T0, 100).unwrap() > 0);
    assert!(j.is_prepared(), "under half full: only the pages ahead");
    let mut seq = 11;
    while j.stats(Direction::Outbound).bytes_used * 2 < 16384 {
        append_range(&mut j, seq, seq);
        seq += 1;
    }
    assert!(!j.is_prepared());
    while j.prepare(T0, 1).unwrap() > 0 {}
    assert!(j.is_prepared());
    let spare = d.path().join("FIX.4.4-BUY-SELL.out.00000002.seg");
    assert!(spare.exists(), "the next segment is made ahead");
    drop(j);

    // Reopened with the spare still empty: it is the newest segment, and appends go on.
    let mut j = Journal::open(cfg.clone(), T0).unwrap();
    assert_eq!(j.recovery().outbound_records, seq - 1);
    append_range(&mut j, seq, seq + 200);
    assert!(j.stats(Direction::Outbound).files.len() >= 3);
    for s in 1..=seq + 200 {
        assert_eq!(j.get(s), Some(&message(s)[..]), "seq {s}");
    }
    // A reset takes no spare into the new epoch.
    while j.prepare(T0, 1000).unwrap() > 0 {}
    let archive = j.archive_and_reset(at(99_999)).unwrap();
    append_range(&mut j, 1, 3);
    drop(j);
    let j = Journal::open(cfg, T0).unwrap();
    assert_eq!(j.recovery().outbound_records, 3);
    let old = Journal::inspect(&archive).unwrap();
    assert_eq!(old.range(1, u64::MAX).count() as u64, seq + 200);
}

#[test]
fn prepare_touches_a_window_ahead_of_the_appends_and_then_stays_idle() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path()).segment_size(64 << 20);
    let mut j = Journal::open(cfg, T0).unwrap();
    append_range(&mut j, 1, 10);
    // The window ahead (1 MiB, 256 pages), not the whole 64 MiB segment (16,384 pages).
    let mut pages = 0;
    loop {
        let n = j.prepare(T0, 8).unwrap();
        assert!(n <= 8, "at most the pages asked for per call");
        if n == 0 {
            break;
        }
        pages += n;
    }
    assert!((250..=260).contains(&pages), "{pages} pages touched");
    assert!(j.is_prepared());
    assert_eq!(
        j.prepare(T0, 8).unwrap(),
        0,
        "idle until the appends move on"
    );
    // A few more messages use up no page of the window's slack: still idle.
    append_range(&mut j, 11, 12);
    assert_eq!(j.prepare(T0, 8).unwrap(), 0);
    // Appends past a page of the window: the window moves with them, a page at a time.
    let mut seq = 13;
    while j.stats(Direction::Outbound).bytes_used < 64 << 10 {
        append_range(&mut j, seq, seq);
        seq += 1;
    }
    let mut more = 0;
    while let n @ 1.. = j.prepare(T0, 8).unwrap() {
        more += n;
    }
    assert!(
        (14..=18).contains(&more),
        "{more} pages for 64 KiB of appends"
    );
    for s in 1..seq {
        assert_eq!(j.get(s), Some(&message(s)[..]), "seq {s}");
    }
}
