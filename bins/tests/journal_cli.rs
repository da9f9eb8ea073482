//! `spinfix journal dump|stat` on journals written by the store crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::store::MessageStore;
use spinfix_session::time::UtcTime;
use spinfix_store::{Journal, JournalConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const T0: UtcTime = UtcTime::from_unix(1_700_000_000, 123_000_000);

fn spinfix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spinfix"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn msg(seq: u64, kind: &str) -> Vec<u8> {
    format!("8=FIX.4.4\x019=20\x0135={kind}\x0134={seq}\x0149=BUY\x0156=SELL\x0110=000\x01")
        .into_bytes()
}

/// A journal with 3 outbound and 1 inbound message; returns its header path.
fn journal(dir: &Path) -> PathBuf {
    let cfg = JournalConfig::new(dir, "FIX.4.4-BUY-SELL")
        .segment_size(8192)
        .journal_inbound(true);
    let mut j = Journal::open(cfg, T0).unwrap();
    for s in 1..=3 {
        j.append_outbound(s, UtcTime(T0.0 + s as i64), &msg(s, "D"))
            .unwrap();
        j.set_next_sender_seq(s + 1).unwrap();
    }
    j.append_inbound(1, T0, &msg(1, "8")).unwrap();
    j.set_next_target_seq(2).unwrap();
    j.header_path().to_path_buf()
}

#[test]
fn dump_prints_numbers_times_and_fields() {
    let d = tempfile::tempdir().unwrap();
    let hdr = journal(d.path());
    let out = spinfix(&["journal", "dump", hdr.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[0].starts_with("# journal ") && lines[0].contains("next sender 4"),
        "{s}"
    );
    assert_eq!(
        lines[1],
        "out 1 20231114-22:13:20.123000001 8=FIX.4.4|9=20|35=D|34=1|49=BUY|56=SELL|10=000|"
    );
    assert_eq!(lines.len(), 4, "{s}");

    let both = spinfix(&[
        "journal",
        "dump",
        "--direction",
        "both",
        d.path().to_str().unwrap(),
    ]);
    let s = text(&both.stdout);
    assert!(s.lines().last().unwrap().starts_with("in 1 "), "{s}");

    let range = spinfix(&[
        "journal",
        "dump",
        "--from",
        "2",
        "--to",
        "2",
        hdr.to_str().unwrap(),
    ]);
    let s = text(&range.stdout);
    assert_eq!(
        s.lines().filter(|l| l.starts_with("out ")).count(),
        1,
        "{s}"
    );
    assert!(s.contains("out 2 "), "{s}");
}

#[test]
fn dump_with_a_dictionary_names_the_tags() {
    let d = tempfile::tempdir().unwrap();
    let hdr = journal(d.path());
    let dict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/FIX44.xml");
    let out = spinfix(&[
        "journal",
        "dump",
        "--dict",
        dict.to_str().unwrap(),
        hdr.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("BeginString(8)=FIX.4.4|BodyLength(9)=20|MsgType(35)=D|MsgSeqNum(34)=1|SenderCompID(49)=BUY"),
        "{s}"
    );
}

#[test]
fn stat_reports_numbers_use_and_recovery() {
    let d = tempfile::tempdir().unwrap();
    journal(d.path());
    let out = spinfix(&["journal", "stat", d.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for want in [
        "session      FIX.4.4-BUY-SELL",
        "created      20231114-22:13:20.123000000",
        "next sender  4",
        "next target  2",
        "outbound     3 records, seq 1..3, 1 segments",
        "inbound      1 records, seq 1..1, 1 segments",
        "FIX.4.4-BUY-SELL.out.00000001.seg",
        "keeps 3 outbound and 1 inbound records in 2 segments",
        "no torn tail",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn errors_name_the_file_and_fail() {
    let d = tempfile::tempdir().unwrap();
    let bogus = d.path().join("x.hdr");
    std::fs::write(&bogus, b"not a journal at all").unwrap();
    let out = spinfix(&["journal", "stat", bogus.to_str().unwrap()]);
    assert!(!out.status.success());
    let e = text(&out.stderr);
    assert!(e.contains("x.hdr") && e.contains("offset 0"), "{e}");

    let empty = tempfile::tempdir().unwrap();
    let out = spinfix(&["journal", "dump", empty.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no journal header"),
        "{}",
        text(&out.stderr)
    );

    let hdr = journal(d.path());
    let out = spinfix(&[
        "journal",
        "dump",
        "--dict",
        "/nonexistent.xml",
        hdr.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("/nonexistent.xml"),
        "{}",
        text(&out.stderr)
    );
}
