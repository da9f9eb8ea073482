//! The session core driven by hand with simulated time: timers through the wheel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::app::Application;
use spinfix_session::codec::{Decoder, FrameStatus, Framer, Message, MessageWriter};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::store::MemoryStore;
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};

/// Keeps what the core writes, as the socket would.
#[derive(Default)]
struct Wire {
    bytes: Vec<u8>,
}

impl Outlet for Wire {
    fn send(&mut self, _io: SessionId, bytes: &[u8]) -> usize {
        self.bytes.extend_from_slice(bytes);
        bytes.len()
    }
    fn disconnect(&mut self, _io: SessionId, _now: MonoTime) {}
    fn hold(&mut self, _io: SessionId, _held: bool) {}
}

impl Wire {
    /// The MsgTypes written since the last call.
    fn take_types(&mut self) -> Vec<String> {
        let framer = Framer::new(1 << 20);
        let mut d = Decoder::new();
        let mut types = Vec::new();
        let mut at = 0;
        while let FrameStatus::Complete(n) = framer.check(&self.bytes[at..]) {
            let m = d.decode(&self.bytes[at..at + n]).unwrap();
            types.push(String::from_utf8_lossy(m.msg_type()).into_owned());
            at += n;
        }
        self.bytes.drain(..at);
        types
    }
}

struct Quiet;

impl Application for Quiet {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _msg: &Message<'_>) -> Result<(), AppReject> {
        Ok(())
    }
}

const HBI: u64 = 30;

fn at(secs: u64, millis: u64) -> Now {
    let ns = secs * 1_000_000_000 + millis * 1_000_000;
    Now::new(
        MonoTime(1_000_000_000 + ns),
        UtcTime::from_unix(1_767_268_800 + secs as i64, (millis * 1_000_000) as u32),
    )
}

/// An acceptor core with one session, logged on at `at(0, 0)` with HeartBtInt 30 s.
fn logged_on() -> (SessionCore<Quiet>, Wire) {
    let cfg = SessionConfig::builder("FIX.4.4", "SELL", "BUY", Role::Acceptor)
        .build()
        .unwrap();
    let session = Session::new(cfg, EngineStore::Memory(MemoryStore::new(at(0, 0).utc)));
    let slots = vec![SessionSlot::new(session, SessionId::from_index(0))];
    let wheel = TimerWheel::new(Duration::from_millis(1), 1024, 1, at(0, 0).mono).unwrap();
    let (_control_tx, control) = crossbeam_channel::unbounded();
    let (tx, _rx) = crossbeam_channel::bounded(1024);
    let out = EventOut {
        tx,
        dropped: Arc::new(AtomicU64::new(0)),
    };
    // The receiver stays alive inside the channel as long as the core holds a sender.
    let mut core = SessionCore::new(slots, Quiet, wheel, control, out);
    let mut wire = Wire::default();
    core.connected(0, at(0, 0));
    let mut buf = [0u8; 512];
    let mut fmt = TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"A");
    w.uint(34, 1)
        .str(49, "BUY")
        .timestamp(52, &mut fmt, at(0, 0).utc, TimePrecision::Millis)
        .str(56, "SELL")
        .uint(98, 0)
        .uint(108, HBI);
    let r = w.finish().unwrap();
    core.frame(0, at(0, 0), &buf[r]);
    core.duty(at(0, 0), &mut wire);
    assert_eq!(wire.take_types(), ["A"]);
    assert!(core.slots[0].session.is_logged_on());
    (core, wire)
}

/// The peer's Heartbeat number `seq` at `now`: keeps the receive side from asking TestRequest.
fn peer_heartbeat(core: &mut SessionCore<Quiet>, seq: u64, now: Now) {
    let mut buf = [0u8; 512];
    let mut fmt = TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"0");
    w.uint(34, seq)
        .str(49, "BUY")
        .timestamp(52, &mut fmt, now.utc, TimePrecision::Millis)
        .str(56, "SELL");
    let r = w.finish().unwrap();
    core.frame(0, now, &buf[r]);
}

#[test]
fn a_heartbeat_waits_for_send_silence_although_the_wheel_was_armed_earlier() {
    let (mut core, mut wire) = logged_on();
    // A message at 10 s moves the heartbeat to 40 s; the wheel still holds the earlier 30 s.
    let now = at(10, 0);
    core.slots[0]
        .session
        .send(now, b"D", |w| {
            w.str(11, "ORD-1");
        })
        .unwrap();
    core.duty(now, &mut wire);
    assert_eq!(wire.take_types(), ["D"]);
    peer_heartbeat(&mut core, 2, at(25, 0));
    // At 30 s the wheel fires early: nothing is sent, and it is armed again for 40 s.
    for t in [at(29, 999), at(30, 0), at(30, 1), at(39, 999)] {
        core.duty(t, &mut wire);
        assert!(wire.take_types().is_empty(), "{t:?}");
    }
    assert_eq!(core.slots[0].armed, core.slots[0].session.poll_timeout());
    // At 40 s, after 30 s of send silence, the heartbeat goes out.
    core.duty(at(40, 0), &mut wire);
    assert_eq!(wire.take_types(), ["0"]);
}

#[test]
fn an_earlier_deadline_rearms_the_wheel() {
    let (mut core, mut wire) = logged_on();
    // A Logout we start waits a short while for the answer: a deadline before the heartbeat.
    let now = at(1, 0);
    core.slots[0].session.logout(now, None).unwrap();
    core.duty(now, &mut wire);
    assert_eq!(wire.take_types(), ["5"]);
    let logout_due = core.slots[0].session.poll_timeout().unwrap();
    assert!(logout_due < at(HBI, 0).mono);
    assert_eq!(core.slots[0].armed, Some(logout_due));
}
