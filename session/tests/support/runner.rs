//! Runs scripts in the QuickFIX acceptance format directly against session state machines.
//!
//! The runner plays the initiator exactly as the acceptance README describes, and plays the
//! acceptor's engine in miniature: it routes a connection's first Logon to the session its
//! CompIDs name, refuses a second connection to a session already in use, drains transmit
//! bytes and events after every input, and implements the acceptance application (echo `C`,
//! `D` and `d`, drop a PossResend `D` already seen, refuse the rest as unsupported). Time is a
//! virtual clock that jumps to the sessions' next deadline whenever the script waits.

use spinfix_session::codec::tags::is_header_tag;
use spinfix_session::codec::{checksum, Decoder, FrameStatus, Framer, Message, SOH};
use spinfix_session::config::{Role, SessionConfig, Version};
use spinfix_session::session::{Event, MessageValidator, Session};
use spinfix_session::store::MemoryStore;
use spinfix_session::time::{MonoTime, Now, UtcTime};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Virtual time the runner waits for output before calling a step failed.
const WAIT_LIMIT: Duration = Duration::from_secs(60);
/// How long `eDISCONNECT` waits, as the README says.
const DISCONNECT_LIMIT: Duration = Duration::from_secs(10);

/// Builds the validator a session of the acceptance configuration uses, if any.
pub type ValidatorFactory<'a> = dyn Fn(&str, &str) -> Option<Arc<dyn MessageValidator>> + 'a;

/// One acceptor session and the application state behind it.
struct Hosted {
    session: Session<MemoryStore>,
    conn: Option<u32>,
    seen_cl_ord_ids: HashSet<Vec<u8>>,
}

#[derive(Default)]
struct Conn {
    open: bool,
    session: Option<usize>,
    /// Bytes from the runner (initiator) not yet framed.
    inbound: Vec<u8>,
    /// Bytes the acceptor wrote, not yet read by the script.
    outbound: Vec<u8>,
}

/// The acceptor side of the suite: sessions as `at.cfg.in` configures them.
pub struct Acceptor {
    sessions: Vec<Hosted>,
    conns: HashMap<u32, Conn>,
    now: Now,
    decoder: Decoder,
    scratch: Vec<u8>,
    framer: Framer,
    pub log: Vec<String>,
}

/// The sessions of `at.cfg.in` (plus the FIX.4.0/4.1/4.3/FIXT variants).
pub fn acceptance_configs(validators: &ValidatorFactory<'_>) -> Vec<SessionConfig> {
    let mut out = Vec::new();
    let plain = [
        ("FIX.4.0", "TW40", true),
        ("FIX.4.1", "TW41", true),
        ("FIX.4.2", "TW42", true),
        ("FIX.4.3", "TW43", true),
        ("FIX.4.4", "TW44", true),
        ("FIX.4.4", "TW", true),
        ("FIX.4.4", "NO_CHECK_FIELDS_HAVE_VALUES", false),
    ];
    for (bs, target, fields_have_values) in plain {
        let mut b = SessionConfig::builder(bs, "ISLD", target, Role::Acceptor)
            .reset_on_logon(true)
            .max_latency(Duration::from_secs(120));
        let key = if fields_have_values {
            bs.to_owned()
        } else {
            format!("{bs}/no-fields-have-values")
        };
        if let Some(v) = validators(&key, target) {
            b = b.validator(v);
        }
        if let Ok(c) = b.build() {
            out.push(c);
        }
    }
    for (target, appl) in [("TW50", "7"), ("TW50SP1", "8"), ("TW50SP2", "9")] {
        let mut b = SessionConfig::builder("FIXT.1.1", "ISLD", target, Role::Acceptor)
            .reset_on_logon(true)
            .default_appl_ver_id(appl);
        if let Some(v) = validators("FIXT.1.1", target) {
            b = b.validator(v);
        }
        if let Ok(c) = b.build() {
            out.push(c);
        }
    }
    out
}

impl Acceptor {
    pub fn new(configs: Vec<SessionConfig>) -> Acceptor {
        // A fixed, whole-second start so `<TIME±n>` offsets are exact.
        let utc = UtcTime::from_unix(1_767_268_800, 0);
        let now = Now::new(MonoTime(1_000_000_000), utc);
        Acceptor {
            sessions: configs
                .into_iter()
                .map(|c| Hosted {
                    session: Session::new(c, MemoryStore::new(utc)),
                    conn: None,
                    seen_cl_ord_ids: HashSet::new(),
                })
                .collect(),
            conns: HashMap::new(),
            now,
            decoder: Decoder::new(),
            scratch: Vec::new(),
            framer: Framer::default(),
            log: Vec::new(),
        }
    }

    fn connect(&mut self, cid: u32) {
        self.close(cid);
        self.conns.insert(
            cid,
            Conn {
                open: true,
                ..Conn::default()
            },
        );
    }

    /// The initiator closes its end.
    fn close(&mut self, cid: u32) {
        if let Some(c) = self.conns.remove(&cid) {
            if let Some(s) = c.session {
                let h = &mut self.sessions[s];
                if h.conn == Some(cid) {
                    h.conn = None;
                    let _ = h.session.handle_disconnected(self.now);
                    while h.session.poll_event().is_some() {}
                    let mut sink = [0u8; 4096];
                    while h.session.poll_transmit(&mut sink).is_some() {}
                }
            }
        }
    }

    /// The acceptor closes a connection (what the engine does on `Event::Disconnect`).
    fn drop_conn(&mut self, cid: u32) {
        if let Some(c) = self.conns.get_mut(&cid) {
            c.open = false;
            if let Some(s) = c.session.take() {
                if self.sessions[s].conn == Some(cid) {
                    self.sessions[s].conn = None;
                }
            }
        }
    }

    fn send(&mut self, cid: u32, bytes: &[u8]) -> Result<(), String> {
        let conn = self.conns.get_mut(&cid).ok_or("no such connection")?;
        if !conn.open {
            return Err("connection was dropped".into());
        }
        conn.inbound.extend_from_slice(bytes);
        loop {
            let conn = match self.conns.get_mut(&cid) {
                Some(c) if c.open => c,
                _ => return Ok(()),
            };
            match self.framer.check(&conn.inbound) {
                FrameStatus::Complete(n) => {
                    let frame: Vec<u8> = conn.inbound.drain(..n).collect();
                    self.on_frame(cid, &frame);
                }
                FrameStatus::Skip(n) => {
                    conn.inbound.drain(..n);
                }
                FrameStatus::Incomplete => return Ok(()),
                FrameStatus::Oversize { .. } => {
                    self.drop_conn(cid);
                    return Ok(());
                }
            }
        }
    }

    fn route(&mut self, frame: &[u8]) -> Option<usize> {
        let msg = self.decoder.decode(frame).ok()?;
        let bs = msg.begin_string();
        let sender = msg.get(49)?;
        let target = msg.get(56)?;
        self.sessions.iter().position(|h| {
            let c = h.session.config();
            c.begin_string().as_bytes() == bs
                && c.sender_comp_id().as_bytes() == target
                && c.target_comp_id().as_bytes() == sender
        })
    }

    fn on_frame(&mut self, cid: u32, frame: &[u8]) {
        let bound = self.conns.get(&cid).and_then(|c| c.session);
        let s = match bound {
            Some(s) => s,
            None => {
                let Some(s) = self.route(frame) else {
                    self.log
                        .push(format!("{cid}: no session for first message; closing"));
                    self.drop_conn(cid);
                    return;
                };
                if self.sessions[s].conn.is_some() {
                    self.log
                        .push(format!("{cid}: session already connected; closing"));
                    self.drop_conn(cid);
                    return;
                }
                self.sessions[s].conn = Some(cid);
                if let Some(c) = self.conns.get_mut(&cid) {
                    c.session = Some(s);
                }
                let now = self.now;
                let _ = self.sessions[s].session.handle_connected(now);
                s
            }
        };
        self.deliver(s, frame);
        let mut queued = std::mem::take(&mut self.scratch);
        while let Ok(true) = self.sessions[s].session.next_queued(&mut queued) {
            let f = queued.clone();
            self.deliver(s, &f);
        }
        self.scratch = queued;
        self.drain(s);
    }

    fn deliver(&mut self, s: usize, frame: &[u8]) {
        let now = self.now;
        let h = &mut self.sessions[s];
        let mut dec = Decoder::new();
        match h.session.handle_frame(now, frame, &mut dec) {
            Ok(Some(msg)) => app(h, now, &msg),
            Ok(None) => {}
            Err(e) => self.log.push(format!("session error: {e}")),
        }
    }

    /// Moves transmit bytes to the connection and acts on events.
    fn drain(&mut self, s: usize) {
        let mut buf = [0u8; 8192];
        let cid = self.sessions[s].conn;
        while let Some(n) = self.sessions[s].session.poll_transmit(&mut buf) {
            if let Some(c) = cid.and_then(|c| self.conns.get_mut(&c)) {
                if c.open {
                    c.outbound.extend_from_slice(&buf[..n]);
                }
            }
        }
        while let Some(e) = self.sessions[s].session.poll_event() {
            self.log.push(format!("event {e:?}"));
            match e {
                Event::Disconnect(_) => {
                    if let Some(c) = cid {
                        self.drop_conn(c);
                    }
                }
                Event::LoggedOut => self.sessions[s].seen_cl_ord_ids.clear(),
                _ => {}
            }
        }
    }

    /// Jumps the clock to the earliest session deadline (no further than `limit`) and fires it.
    /// `false` when there is no deadline before `limit`.
    fn advance(&mut self, limit: MonoTime) -> bool {
        let next = self
            .sessions
            .iter()
            .filter_map(|h| h.session.poll_timeout())
            .min();
        let Some(at) = next else { return false };
        if at > limit {
            return false;
        }
        if at > self.now.mono {
            let d = at.saturating_since(self.now.mono);
            self.now = self.now.advance(d);
        }
        let now = self.now;
        for s in 0..self.sessions.len() {
            if self.sessions[s]
                .session
                .poll_timeout()
                .is_some_and(|t| t <= now.mono)
            {
                let _ = self.sessions[s].session.handle_timeout(now);
                self.drain(s);
            }
        }
        true
    }

    /// Takes one complete message the acceptor wrote on `cid`, waiting (virtually) for it.
    fn read_message(&mut self, cid: u32) -> Result<Vec<u8>, String> {
        let limit = self.now.mono.saturating_add(WAIT_LIMIT);
        loop {
            let conn = self.conns.get_mut(&cid).ok_or("no such connection")?;
            match self.framer.check(&conn.outbound) {
                FrameStatus::Complete(n) => return Ok(conn.outbound.drain(..n).collect()),
                FrameStatus::Skip(n) => {
                    conn.outbound.drain(..n);
                    continue;
                }
                _ => {}
            }
            if !conn.open {
                return Err("connection closed while a message was expected".into());
            }
            if !self.advance(limit) {
                return Err("timed out waiting for a message".into());
            }
        }
    }

    fn wait_disconnect(&mut self, cid: u32) -> Result<(), String> {
        let limit = self.now.mono.saturating_add(DISCONNECT_LIMIT);
        loop {
            let conn = self.conns.get(&cid).ok_or("no such connection")?;
            if !conn.outbound.is_empty() {
                let got = String::from_utf8_lossy(&conn.outbound).replace('\x01', "|");
                return Err(format!("expected disconnect, received {got}"));
            }
            if !conn.open {
                return Ok(());
            }
            if !self.advance(limit) {
                return Err("timed out waiting for disconnect".into());
            }
        }
    }

    /// Runs one script; `Err` names the failing line and why.
    pub fn run_script(&mut self, text: &str) -> Result<(), String> {
        let mut conns_used = Vec::new();
        let res = self.run_lines(text, &mut conns_used);
        for cid in conns_used {
            self.close(cid);
        }
        res
    }

    fn run_lines(&mut self, text: &str, used: &mut Vec<u32>) -> Result<(), String> {
        for (lineno, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (kind, rest) = line.split_at(1);
            let (cid, body) = match rest.as_bytes() {
                [d, b',', ..] if d.is_ascii_digit() => (u32::from(d - b'0'), &rest[2..]),
                _ => (1, rest),
            };
            let fail = |e: String| format!("line {}: {}\n    {e}", lineno + 1, printable(line));
            match kind {
                "i" => match body {
                    "CONNECT" => {
                        self.connect(cid);
                        used.push(cid);
                    }
                    "DISCONNECT" => self.close(cid),
                    _ => return Err(fail("syntax error".into())),
                },
                "e" => match body {
                    "CONNECT" => {}
                    "DISCONNECT" => self.wait_disconnect(cid).map_err(fail)?,
                    _ => return Err(fail("syntax error".into())),
                },
                "I" => {
                    let msg = frame(&expand_time(body, self.now.utc));
                    self.send(cid, msg.as_bytes()).map_err(fail)?;
                }
                "E" => {
                    let want = frame(&expand_time(body, self.now.utc));
                    let got = self.read_message(cid).map_err(fail)?;
                    let got = String::from_utf8_lossy(&got).into_owned();
                    compare(&want, &got).map_err(|e| {
                        fail(format!(
                            "{e}\n    expected: {}\n    received: {}",
                            printable(&want),
                            printable(&got)
                        ))
                    })?;
                }
                _ => return Err(fail("syntax error".into())),
            }
        }
        Ok(())
    }
}

/// The acceptance application behind every session.
fn app(h: &mut Hosted, now: Now, msg: &Message<'_>) {
    let mt = msg.msg_type();
    let v = h.session.config().version();
    let echo = match mt {
        b"C" => true,
        b"D" => {
            let id = msg.get(11).unwrap_or_default().to_vec();
            let seen = !h.seen_cl_ord_ids.insert(id);
            if msg.flag(97) && seen {
                return;
            }
            true
        }
        b"d" => v >= Version::Fix42,
        _ => false,
    };
    if !echo {
        let _ = h.session.reject_unsupported(now, msg);
        return;
    }
    let mut body: Vec<(u32, &[u8])> = msg
        .iter()
        .skip(3)
        .filter(|(t, _)| !is_header_tag(*t) && !matches!(*t, 10 | 89 | 93))
        .collect();
    body.sort_by_key(|(t, _)| *t);
    // Header fields the application copied stay; the session writes its own and drops
    // PossDupFlag/OrigSendingTime (an echo is a fresh message).
    let header: Vec<(u32, &[u8])> = msg
        .iter()
        .skip(3)
        .filter(|(t, _)| {
            is_header_tag(*t) && !matches!(*t, 34 | 43 | 49 | 50 | 52 | 56 | 57 | 122 | 142 | 143)
        })
        .collect();
    let _ = h.session.send_with_header(now, mt, &header, |w| {
        for (t, v) in &body {
            w.bytes(*t, v);
        }
    });
}

fn printable(s: &str) -> String {
    s.replace('\x01', "|")
}

fn fmt_time(t: UtcTime) -> String {
    let mut f = spinfix_session::time::TimestampFormatter::new();
    let mut out = [0u8; 32];
    let n = f
        .format(t, spinfix_session::time::TimePrecision::Seconds, &mut out)
        .unwrap_or(0);
    String::from_utf8_lossy(&out[..n]).into_owned()
}

/// Replaces `<TIME>`, `<TIME+n>`, `<TIME-n>` with the virtual UTC time.
fn expand_time(body: &str, now: UtcTime) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("<TIME") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 5..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let spec = &after[..close];
        let offset: i64 = if spec.is_empty() {
            0
        } else {
            spec.trim_start_matches('+').parse().unwrap_or(0)
        };
        out.push_str(&fmt_time(UtcTime(now.0 + offset * 1_000_000_000)));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Fills in BodyLength and CheckSum the way the README says.
pub fn frame(msg: &str) -> String {
    if !msg.starts_with("8=") {
        return msg.to_owned();
    }
    let Some(head_end) = msg.find('\x01') else {
        return msg.to_owned();
    };
    let head = &msg[..=head_end];
    let mut rest = &msg[head_end + 1..];
    let has_len = msg.contains("\x019=");
    let mut cs_field = None;
    if let Some(i) = rest.rfind("\x0110=") {
        if rest.ends_with('\x01') && !rest[i + 1..rest.len() - 1].contains('\x01') {
            cs_field = Some(rest[i + 1..].to_owned());
            rest = &rest[..=i];
        }
    } else if rest.starts_with("10=") && !rest[..rest.len().saturating_sub(1)].contains('\x01') {
        cs_field = Some(rest.to_owned());
        rest = "";
    }
    let len = if has_len {
        String::new()
    } else {
        format!("9={}\x01", rest.len())
    };
    let cs = cs_field.unwrap_or_else(|| {
        let pre = format!("{head}{len}{rest}");
        format!("10={:03}\x01", checksum(pre.as_bytes()))
    });
    format!("{head}{len}{rest}{cs}")
}

fn split(msg: &str) -> Vec<(&str, Option<&str>)> {
    let mut parts: Vec<&str> = msg.split(SOH as char).collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
        .into_iter()
        .map(|p| match p.split_once('=') {
            Some((t, v)) => (t, Some(v)),
            None => (p, None),
        })
        .collect()
}

fn digits(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_digit)
}

/// `\d{8}-\d{2}:\d{2}:\d{2}` somewhere in `v` (the suite's patterns are searched, not anchored).
fn has_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    b.windows(17).any(|w| {
        digits(&w[..8])
            && w[8] == b'-'
            && digits(&w[9..11])
            && w[11] == b':'
            && digits(&w[12..14])
            && w[14] == b':'
            && digits(&w[15..17])
    })
}

fn pattern_ok(tag: &str, v: &str) -> Option<bool> {
    match tag {
        "10" => Some(v.as_bytes().windows(3).any(digits)),
        "42" | "52" | "60" | "122" => Some(has_timestamp(v)),
        _ => None,
    }
}

/// Compares like the suite: same number and order of tags, equal values except patterned tags.
pub fn compare(want: &str, got: &str) -> Result<(), String> {
    let e = split(want);
    let r = split(got);
    if e.len() != r.len() {
        return Err(format!(
            "number of fields do not match (expected {}, got {})",
            e.len(),
            r.len()
        ));
    }
    for ((et, ev), (rt, rv)) in e.iter().zip(r.iter()) {
        if et != rt {
            return Err(format!("expected field ({et}) but found field ({rt})"));
        }
        match pattern_ok(et, rv.unwrap_or("")) {
            Some(true) => {}
            Some(false) => return Err(format!("field ({et}) value {rv:?} does not match")),
            None if ev != rv => {
                return Err(format!(
                    "value in field ({et}) should be {ev:?} but was {rv:?}"
                ))
            }
            None => {}
        }
    }
    Ok(())
}

/// Runs every `.def` in `dir` against a fresh acceptor each; returns (passed, failures).
pub fn run_dir(
    dir: &Path,
    configs: &dyn Fn() -> Vec<SessionConfig>,
) -> (usize, Vec<(String, String)>) {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "def"))
            .collect(),
        Err(_) => return (0, vec![(dir.display().to_string(), "unreadable".into())]),
    };
    files.sort();
    let mut passed = 0;
    let mut failed = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match std::fs::read(&f) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                failed.push((name, e.to_string()));
                continue;
            }
        };
        let mut acc = Acceptor::new(configs());
        match acc.run_script(&text) {
            Ok(()) => passed += 1,
            Err(e) => failed.push((name, e)),
        }
    }
    (passed, failed)
}
