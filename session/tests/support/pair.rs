//! Two sessions wired back to back (or a session and a scripted peer), with a virtual clock
//! that jumps to the next deadline. Nothing sleeps: every run replays exactly.

use spinfix_session::codec::{Decoder, FrameStatus, Framer, MessageWriter};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::{Event, Session};
use spinfix_session::store::MemoryStore;
use spinfix_session::time::{MonoTime, Now, TimePrecision, TimestampFormatter, UtcTime};
use std::time::Duration;

/// The start of every simulated day: 2026-01-01 12:00:00 UTC.
pub fn start() -> Now {
    Now::new(
        MonoTime(1_000_000_000),
        UtcTime::from_unix(1_767_268_800, 0),
    )
}

/// A decoded message as (tag, value) pairs, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg(pub Vec<(u32, String)>);

impl Msg {
    pub fn parse(frame: &[u8]) -> Msg {
        let mut d = Decoder::new();
        let m = d.decode(frame).expect("session wrote a malformed message");
        Msg(m
            .iter()
            .map(|(t, v)| (t, String::from_utf8_lossy(v).into_owned()))
            .collect())
    }
    pub fn get(&self, tag: u32) -> Option<&str> {
        self.0
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }
    pub fn msg_type(&self) -> &str {
        self.get(35).unwrap_or("")
    }
    pub fn seq(&self) -> u64 {
        self.get(34).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
    pub fn tags(&self) -> Vec<u32> {
        self.0.iter().map(|(t, _)| *t).collect()
    }
}

/// Everything one side of the harness has seen come out of its session.
#[derive(Debug, Default)]
pub struct Side {
    pub events: Vec<Event>,
    /// Application messages delivered, in order.
    pub delivered: Vec<Msg>,
    pub disconnected: bool,
}

/// One session under test, fed by hand (the scripted-peer harness).
pub struct Harness {
    pub session: Session<MemoryStore>,
    pub now: Now,
    pub side: Side,
    out: Vec<u8>,
    fmt: TimestampFormatter,
    framer: Framer,
}

pub fn acceptor_config(bs: &str) -> spinfix_session::config::SessionConfigBuilder {
    SessionConfig::builder(bs, "ISLD", "TW", Role::Acceptor)
}

pub fn initiator_config(bs: &str) -> spinfix_session::config::SessionConfigBuilder {
    SessionConfig::builder(bs, "TW", "ISLD", Role::Initiator).heart_bt_int(Duration::from_secs(30))
}

impl Harness {
    pub fn new(cfg: SessionConfig) -> Harness {
        let now = start();
        Harness {
            session: Session::new(cfg, MemoryStore::new(now.utc)),
            now,
            side: Side::default(),
            out: Vec::new(),
            fmt: TimestampFormatter::new(),
            framer: Framer::default(),
        }
    }

    pub fn connect(&mut self) {
        self.session.handle_connected(self.now).unwrap();
        self.drain();
    }

    /// Moves output bytes and events out of the session.
    pub fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while let Some(n) = self.session.poll_transmit(&mut buf) {
            self.out.extend_from_slice(&buf[..n]);
        }
        while let Some(e) = self.session.poll_event() {
            if matches!(e, Event::Disconnect(_)) {
                self.side.disconnected = true;
            }
            self.side.events.push(e);
        }
    }

    /// Feeds raw bytes (one or more frames, possibly garbage) the way an engine would.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut buf = bytes.to_vec();
        loop {
            match self.framer.check(&buf) {
                FrameStatus::Complete(n) => {
                    let frame: Vec<u8> = buf.drain(..n).collect();
                    self.feed_frame(&frame);
                }
                FrameStatus::Skip(n) => {
                    buf.drain(..n);
                }
                _ => break,
            }
        }
        self.drain();
    }

    fn feed_frame(&mut self, frame: &[u8]) {
        let mut dec = Decoder::new();
        if let Some(m) = self
            .session
            .handle_frame(self.now, frame, &mut dec)
            .unwrap()
        {
            self.side.delivered.push(Msg::parse(m.as_bytes()));
        }
        let mut q = Vec::new();
        while self.session.next_queued(&mut q).unwrap() {
            let mut dec = Decoder::new();
            if let Some(m) = self.session.handle_frame(self.now, &q, &mut dec).unwrap() {
                self.side.delivered.push(Msg::parse(m.as_bytes()));
            }
        }
    }

    /// Encodes a message from the peer: `fields` after MsgType as written (34, 49, 52, 56
    /// included only if given). Use [`Harness::peer`] for the usual header.
    pub fn raw(&mut self, bs: &str, msg_type: &str, fields: &[(u32, String)]) -> Vec<u8> {
        let mut buf = vec![0u8; 8192];
        let mut w = MessageWriter::new(&mut buf, bs.as_bytes(), msg_type.as_bytes());
        for (t, v) in fields {
            w.str(*t, v);
        }
        let r = w.finish().unwrap();
        buf[r].to_vec()
    }

    /// A peer message with the standard header (34, 49=TW, 52=now, 56=ISLD) then `body`.
    pub fn peer(&mut self, msg_type: &str, seq: u64, body: &[(u32, &str)]) -> Vec<u8> {
        let bs = self.session.config().begin_string().to_owned();
        let sender = self.session.config().target_comp_id().to_owned();
        let target = self.session.config().sender_comp_id().to_owned();
        let mut f = vec![
            (34, seq.to_string()),
            (49, sender),
            (52, self.ts(self.now.utc)),
            (56, target),
        ];
        f.extend(body.iter().map(|(t, v)| (*t, v.to_string())));
        self.raw(&bs, msg_type, &f)
    }

    pub fn ts(&mut self, t: UtcTime) -> String {
        let mut b = [0u8; 32];
        let n = self.fmt.format(t, TimePrecision::Millis, &mut b).unwrap();
        String::from_utf8_lossy(&b[..n]).into_owned()
    }

    /// Sends a peer message and drains.
    pub fn send(&mut self, msg_type: &str, seq: u64, body: &[(u32, &str)]) {
        let m = self.peer(msg_type, seq, body);
        self.feed(&m);
    }

    /// Logs the peer on with 34=1 and returns the session's answer.
    pub fn logon(&mut self, hb: u32) -> Msg {
        self.connect();
        let hb = hb.to_string();
        self.send("A", 1, &[(98, "0"), (108, &hb)]);
        self.take().expect("no logon answer")
    }

    /// The next message the session wrote, if any.
    pub fn take(&mut self) -> Option<Msg> {
        self.drain();
        match self.framer.check(&self.out) {
            FrameStatus::Complete(n) => {
                let f: Vec<u8> = self.out.drain(..n).collect();
                Some(Msg::parse(&f))
            }
            _ => None,
        }
    }

    /// Every message the session wrote so far.
    pub fn take_all(&mut self) -> Vec<Msg> {
        std::iter::from_fn(|| self.take()).collect()
    }

    /// Jumps the clock to the session's next deadline and fires it; `false` if none.
    pub fn next_deadline(&mut self) -> bool {
        let Some(at) = self.session.poll_timeout() else {
            return false;
        };
        if at > self.now.mono {
            self.now = self.now.advance(at.saturating_since(self.now.mono));
        }
        self.session.handle_timeout(self.now).unwrap();
        self.drain();
        true
    }

    /// Moves the clock forward without firing anything.
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.advance(d);
    }

    pub fn has_event(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.side.events.iter().any(f)
    }
}

/// Two sessions connected back to back.
pub struct Pair {
    pub a: Session<MemoryStore>,
    pub b: Session<MemoryStore>,
    pub now: Now,
    pub sa: Side,
    pub sb: Side,
    /// Bytes in flight a→b and b→a.
    ab: Vec<u8>,
    ba: Vec<u8>,
    /// When false, bytes a→b are dropped (to make gaps).
    pub deliver_ab: bool,
    framer: Framer,
}

impl Pair {
    pub fn new(a: SessionConfig, b: SessionConfig) -> Pair {
        let now = start();
        Pair {
            a: Session::new(a, MemoryStore::new(now.utc)),
            b: Session::new(b, MemoryStore::new(now.utc)),
            now,
            sa: Side::default(),
            sb: Side::default(),
            ab: Vec::new(),
            ba: Vec::new(),
            deliver_ab: true,
            framer: Framer::default(),
        }
    }

    pub fn connect(&mut self) {
        self.sa.disconnected = false;
        self.sb.disconnected = false;
        self.b.handle_connected(self.now).unwrap();
        self.a.handle_connected(self.now).unwrap();
        self.pump();
    }

    fn drain(s: &mut Session<MemoryStore>, side: &mut Side, out: &mut Vec<u8>, keep: bool) {
        let mut buf = [0u8; 4096];
        while let Some(n) = s.poll_transmit(&mut buf) {
            if keep {
                out.extend_from_slice(&buf[..n]);
            }
        }
        while let Some(e) = s.poll_event() {
            if matches!(e, Event::Disconnect(_)) {
                side.disconnected = true;
            }
            side.events.push(e);
        }
    }

    fn deliver(
        framer: &Framer,
        s: &mut Session<MemoryStore>,
        side: &mut Side,
        now: Now,
        inbox: &mut Vec<u8>,
    ) -> bool {
        let mut any = false;
        while let FrameStatus::Complete(n) = framer.check(inbox) {
            any = true;
            let frame: Vec<u8> = inbox.drain(..n).collect();
            let mut dec = Decoder::new();
            if let Some(m) = s.handle_frame(now, &frame, &mut dec).unwrap() {
                side.delivered.push(Msg::parse(m.as_bytes()));
            }
            let mut q = Vec::new();
            while s.next_queued(&mut q).unwrap() {
                let mut dec = Decoder::new();
                if let Some(m) = s.handle_frame(now, &q, &mut dec).unwrap() {
                    side.delivered.push(Msg::parse(m.as_bytes()));
                }
            }
        }
        any
    }

    /// Moves bytes both ways until both sides are quiet; a side that asked to disconnect
    /// closes the connection (the other side sees `handle_disconnected`).
    pub fn pump(&mut self) {
        for _ in 0..10_000 {
            let keep = self.deliver_ab;
            Self::drain(&mut self.a, &mut self.sa, &mut self.ab, keep);
            Self::drain(&mut self.b, &mut self.sb, &mut self.ba, true);
            let moved_ab = Self::deliver(
                &self.framer,
                &mut self.b,
                &mut self.sb,
                self.now,
                &mut self.ab,
            );
            let moved_ba = Self::deliver(
                &self.framer,
                &mut self.a,
                &mut self.sa,
                self.now,
                &mut self.ba,
            );
            if !moved_ab && !moved_ba {
                Self::drain(&mut self.a, &mut self.sa, &mut self.ab, keep);
                Self::drain(&mut self.b, &mut self.sb, &mut self.ba, true);
                if self.ab.is_empty() && self.ba.is_empty() {
                    break;
                }
            }
        }
        if self.sa.disconnected || self.sb.disconnected {
            self.a.handle_disconnected(self.now).unwrap();
            self.b.handle_disconnected(self.now).unwrap();
            self.ab.clear();
            self.ba.clear();
            Self::drain(&mut self.a, &mut self.sa, &mut self.ab, false);
            Self::drain(&mut self.b, &mut self.sb, &mut self.ba, false);
        }
    }

    /// Jumps to the earliest deadline of either side, fires it and pumps; `false` if none.
    pub fn next_deadline(&mut self) -> bool {
        let at = [self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = at else { return false };
        if at > self.now.mono {
            self.now = self.now.advance(at.saturating_since(self.now.mono));
        }
        self.a.handle_timeout(self.now).unwrap();
        self.b.handle_timeout(self.now).unwrap();
        self.pump();
        true
    }

    /// Sends a NewOrderSingle-like message from `a` and pumps.
    pub fn order_from_a(&mut self, id: &str) -> u64 {
        let seq = self
            .a
            .send(self.now, b"D", |w| {
                w.str(11, id)
                    .str(21, "1")
                    .str(55, "IBM")
                    .str(54, "1")
                    .str(40, "1");
            })
            .unwrap();
        self.pump();
        seq
    }
}
