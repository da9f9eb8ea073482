//! The session state machine answering ResendRequests from this journal, across a restart of
//! the process (the journal reopened from its files), with a scripted peer and a virtual clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_session::codec::{Decoder, FrameStatus, Framer, MessageWriter};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Session;
use spinfix_session::time::{MonoTime, Now, TimePrecision, TimestampFormatter, UtcTime};
use spinfix_store::{Direction, Journal, JournalConfig};
use std::path::Path;
use std::time::Duration;

/// A decoded message as (tag, value) pairs.
#[derive(Debug, Clone)]
struct Msg(Vec<(u32, String)>);

impl Msg {
    fn get(&self, tag: u32) -> Option<&str> {
        self.0
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }
    fn msg_type(&self) -> &str {
        self.get(35).unwrap_or("")
    }
    fn seq(&self) -> u64 {
        self.get(34).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
}

/// An acceptor session over a journal, fed by a scripted peer.
struct Peer {
    session: Session<Journal>,
    now: Now,
    out: Vec<u8>,
    framer: Framer,
    fmt: TimestampFormatter,
}

fn cfg() -> SessionConfig {
    SessionConfig::builder("FIX.4.4", "ISLD", "TW", Role::Acceptor)
        .build()
        .unwrap()
}

fn journal_config(dir: &Path) -> JournalConfig {
    // Small segments: a long resend crosses several of them.
    JournalConfig::new(dir, "FIX.4.4-ISLD-TW").segment_size(64 * 1024)
}

impl Peer {
    fn open(dir: &Path, now: Now) -> Peer {
        let journal = Journal::open(journal_config(dir), now.utc).unwrap();
        Peer {
            session: Session::new(cfg(), journal),
            now,
            out: Vec::new(),
            framer: Framer::default(),
            fmt: TimestampFormatter::new(),
        }
    }

    fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while let Some(n) = self.session.poll_transmit(&mut buf) {
            self.out.extend_from_slice(&buf[..n]);
        }
        while self.session.poll_event().is_some() {}
    }

    fn send(&mut self, msg_type: &str, seq: u64, body: &[(u32, &str)]) {
        let mut buf = vec![0u8; 4096];
        let mut ts = [0u8; 32];
        let n = self
            .fmt
            .format(self.now.utc, TimePrecision::Millis, &mut ts)
            .unwrap();
        let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", msg_type.as_bytes());
        w.uint(34, seq)
            .str(49, "TW")
            .bytes(52, &ts[..n])
            .str(56, "ISLD");
        for (t, v) in body {
            w.str(*t, v);
        }
        let r = w.finish().unwrap();
        let frame = buf[r].to_vec();
        let mut dec = Decoder::new();
        self.session
            .handle_frame(self.now, &frame, &mut dec)
            .unwrap();
        self.drain();
    }

    fn take_all(&mut self) -> Vec<Msg> {
        self.drain();
        let mut v = Vec::new();
        while let FrameStatus::Complete(n) = self.framer.check(&self.out) {
            let f: Vec<u8> = self.out.drain(..n).collect();
            let mut d = Decoder::new();
            let m = d.decode(&f).unwrap();
            v.push(Msg(m
                .iter()
                .map(|(t, v)| (t, String::from_utf8_lossy(v).into_owned()))
                .collect()));
        }
        v
    }

    fn logon(&mut self, seq: u64) -> Msg {
        self.session.handle_connected(self.now).unwrap();
        self.drain();
        self.send("A", seq, &[(98, "0"), (108, "30")]);
        self.take_all()
            .into_iter()
            .find(|m| m.msg_type() == "A")
            .unwrap()
    }

    fn order(&mut self, id: &str) {
        self.session
            .send(self.now, b"D", |w| {
                w.str(11, id).str(55, "EUR/USD").char(54, b'1');
            })
            .unwrap();
    }
}

fn start() -> Now {
    Now::new(
        MonoTime(1_000_000_000),
        UtcTime::from_unix(1_767_268_800, 0),
    )
}

#[test]
fn resend_after_a_restart_is_served_from_the_journal() {
    let d = tempfile::tempdir().unwrap();
    let mut now = start();
    {
        let mut p = Peer::open(d.path(), now);
        assert_eq!(p.logon(1).seq(), 1);
        for i in 0..3 {
            p.order(&format!("ORD-{i}"));
        }
        p.take_all();
        assert_eq!(p.session.next_sender_seq(), 5);
        p.session.handle_disconnected(p.now).unwrap();
        // The process goes away here: the session and its journal are dropped.
    }
    now = now.advance(Duration::from_secs(60));
    let mut p = Peer::open(d.path(), now);
    assert_eq!(
        p.session.next_sender_seq(),
        5,
        "numbers resume from the journal"
    );
    assert_eq!(p.session.next_target_seq(), 2);
    assert_eq!(p.logon(2).seq(), 5);
    p.now = p.now.advance(Duration::from_secs(1));
    p.send("2", 3, &[(7, "1"), (16, "0")]);
    let out = p.take_all();
    let shape: Vec<(String, u64, Option<String>, Option<String>)> = out
        .iter()
        .map(|m| {
            (
                m.msg_type().to_owned(),
                m.seq(),
                m.get(36).map(String::from),
                m.get(11).map(String::from),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("4".into(), 1, Some("2".into()), None),
            ("D".into(), 2, None, Some("ORD-0".into())),
            ("D".into(), 3, None, Some("ORD-1".into())),
            ("D".into(), 4, None, Some("ORD-2".into())),
            ("4".into(), 5, Some("6".into()), None),
        ],
        "{out:?}"
    );
    assert!(out[1..4]
        .iter()
        .all(|m| m.get(43) == Some("Y") && m.get(122).is_some()));
    assert_eq!(
        p.session.next_sender_seq(),
        6,
        "the replay does not move our numbering"
    );
}

#[test]
fn a_long_resend_streams_across_segments() {
    let d = tempfile::tempdir().unwrap();
    let mut p = Peer::open(d.path(), start());
    p.logon(1);
    for i in 0..3000 {
        p.order(&format!("ORD-{i}"));
    }
    p.take_all();
    assert!(p.session.store().stats(Direction::Outbound).files.len() > 5);
    p.send("2", 2, &[(7, "2"), (16, "0")]);
    let out = p.take_all();
    assert_eq!(out.len(), 3000);
    for (i, m) in out.iter().enumerate() {
        assert_eq!(m.seq(), i as u64 + 2);
        assert_eq!(m.get(11), Some(format!("ORD-{i}").as_str()));
        assert_eq!(m.get(43), Some("Y"));
    }
}
