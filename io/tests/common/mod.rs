//! Shared test scaffolding: a recording handler, a virtual clock, FIX messages and a PKI.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use spinfix_io::{ConnectionEvent, Handler, Reactor, SessionId};
use spinfix_session::codec::tags::{self, msg_type};
use spinfix_session::codec::MessageWriter;
use spinfix_session::time::MonoTime;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Records what a reactor hands out.
#[derive(Debug, Default)]
pub struct Rec {
    pub events: Vec<ConnectionEvent>,
    pub frames: Vec<(SessionId, Vec<u8>, MonoTime)>,
}

impl Handler for Rec {
    fn on_frame(&mut self, session: SessionId, frame: &[u8], received: MonoTime) {
        self.frames.push((session, frame.to_vec(), received));
    }
    fn on_event(&mut self, event: ConnectionEvent) {
        self.events.push(event);
    }
}

/// A reactor, what it reported, and the virtual time it is polled with.
pub struct Node {
    pub r: Reactor,
    pub rec: Rec,
    pub now: MonoTime,
}

impl Node {
    pub fn new() -> Node {
        Node {
            r: Reactor::new().unwrap(),
            rec: Rec::default(),
            now: MonoTime(1_000_000_000),
        }
    }

    /// One poll that blocks at most a few milliseconds in epoll (never spins).
    pub fn poll(&mut self) -> usize {
        self.r
            .poll(self.now, Some(Duration::from_millis(5)), &mut self.rec)
            .unwrap()
    }

    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.saturating_add(d);
    }

    /// Polls until `cond` holds; fails after 10 s of real time.
    pub fn until(&mut self, what: &str, mut cond: impl FnMut(&Rec) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond(&self.rec) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:#?}",
                self.rec.events
            );
            self.poll();
        }
    }

    /// Polls until at least `n` events were recorded, then takes them all.
    pub fn events(&mut self, n: usize) -> Vec<ConnectionEvent> {
        self.until(&format!("{n} events"), |r| r.events.len() >= n);
        std::mem::take(&mut self.rec.events)
    }

    /// Polls until at least `n` frames were recorded, then takes them all.
    pub fn frames(&mut self, n: usize) -> Vec<(SessionId, Vec<u8>, MonoTime)> {
        self.until(&format!("{n} frames"), |r| r.frames.len() >= n);
        std::mem::take(&mut self.rec.frames)
    }

    /// A few polls, to show that nothing more happens.
    pub fn settle(&mut self) {
        for _ in 0..5 {
            self.poll();
        }
    }
}

/// Polls two reactors alternately until `cond` holds; fails after 10 s.
pub fn until2(a: &mut Node, b: &mut Node, what: &str, mut cond: impl FnMut(&Rec, &Rec) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond(&a.rec, &b.rec) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:#?} / {:#?}",
            a.rec.events,
            b.rec.events
        );
        a.r.poll(a.now, Some(Duration::from_millis(2)), &mut a.rec)
            .unwrap();
        b.r.poll(b.now, Some(Duration::from_millis(2)), &mut b.rec)
            .unwrap();
    }
}

/// A message of `kind` from `sender` to `target`.
pub fn message(
    kind: &[u8],
    sender: &str,
    target: &str,
    seq: u64,
    extra: &[(u32, &str)],
) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", kind);
    w.str(tags::SENDER_COMP_ID, sender)
        .str(tags::TARGET_COMP_ID, target)
        .uint(tags::MSG_SEQ_NUM, seq)
        .str(tags::SENDING_TIME, "20260101-00:00:00.000");
    for (t, v) in extra {
        w.str(*t, v);
    }
    let r = w.finish().unwrap();
    buf[r].to_vec()
}

pub fn logon(sender: &str, target: &str) -> Vec<u8> {
    message(
        msg_type::LOGON,
        sender,
        target,
        1,
        &[(98, "0"), (108, "30")],
    )
}

pub fn heartbeat(sender: &str, target: &str, seq: u64) -> Vec<u8> {
    message(msg_type::HEARTBEAT, sender, target, seq, &[])
}

/// A loopback port with nothing listening on it.
pub fn dead_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// A blocking client with a read timeout (so a broken test fails rather than hangs).
pub fn client(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Reads until end-of-file; returns what came before it.
pub fn read_to_eof(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("read failed before EOF: {e}"),
        }
    }
}

/// Reads exactly `n` bytes.
pub fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    s.read_exact(&mut out).unwrap();
    out
}

/// A listener whose accept queue is full, so a further connect hangs in SYN-SENT: the way
/// to have a connect time out on loopback.
pub struct Blackhole {
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _fillers: Vec<TcpStream>,
}

pub fn blackhole() -> Blackhole {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    s.listen(0).unwrap();
    let addr = s.local_addr().unwrap().as_socket().unwrap();
    // One completed connection fills a backlog of 0; a second, allowed a short bounded wait,
    // makes sure of it on kernels that admit one more.
    let mut fillers = vec![TcpStream::connect(addr).unwrap()];
    if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
        fillers.push(s);
    }
    Blackhole {
        addr,
        _listener: s,
        _fillers: fillers,
    }
}

/// Test certificates: two independent CAs, a server certificate for `localhost`/127.0.0.1
/// from each, and a client certificate from the first.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, pem: String| std::fs::write(dir.path().join(name), pem).unwrap();
        for ca_name in ["ca", "other-ca"] {
            let ca_key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, format!("spinfix test {ca_name}"));
            let ca = params.self_signed(&ca_key).unwrap();
            write(&format!("{ca_name}.pem"), ca.pem());
            let leaves: &[(&str, Vec<String>)] = if ca_name == "ca" {
                &[
                    ("server", vec!["localhost".into(), "127.0.0.1".into()]),
                    ("client", vec!["client.spinfix.test".into()]),
                ]
            } else {
                &[("other-server", vec!["localhost".into(), "127.0.0.1".into()])]
            };
            for (leaf, names) in leaves {
                let key = KeyPair::generate().unwrap();
                let params = CertificateParams::new(names.clone()).unwrap();
                let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
                write(&format!("{leaf}.pem"), cert.pem());
                write(&format!("{leaf}.key"), key.serialize_pem());
            }
        }
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
