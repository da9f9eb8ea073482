//! Measures the reactor over loopback in one thread: an initiator and an acceptor in the same
//! [`Reactor`], so the figures are the I/O layer's own cost (syscalls, framing, TLS) without a
//! second thread competing for the machine's cores.
//!
//! `cargo run --release -p spinfix-io --example loopback [-- --tls]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_io::{
    AcceptorConfig, ConnectionEvent, Handler, InitiatorConfig, Reactor, SessionId, SessionKey,
};
use spinfix_session::codec::tags::{self, msg_type};
use spinfix_session::codec::MessageWriter;
use spinfix_session::time::MonoTime;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Count {
    frames: [u64; 2],
    up: usize,
}

impl Handler for Count {
    fn on_frame(&mut self, session: SessionId, _frame: &[u8], _received: MonoTime) {
        self.frames[session.index().min(1)] += 1;
    }
    fn on_event(&mut self, event: ConnectionEvent) {
        match event {
            ConnectionEvent::Established { .. } => self.up += 1,
            ConnectionEvent::Connecting { .. } => {}
            other => eprintln!("event: {other:?}"),
        }
    }
}

fn message(sender: &str, target: &str) -> Vec<u8> {
    let mut buf = vec![0u8; 512];
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", msg_type::NEW_ORDER_SINGLE);
    w.str(tags::SENDER_COMP_ID, sender)
        .str(tags::TARGET_COMP_ID, target)
        .uint(tags::MSG_SEQ_NUM, 123_456)
        .str(tags::SENDING_TIME, "20260101-12:00:00.000")
        .str(11, "ORDER-0000001")
        .str(55, "EUR/USD")
        .char(54, b'1')
        .uint(38, 1_000_000)
        .char(40, b'2')
        .str(44, "1.08345")
        .str(60, "20260101-12:00:00.000");
    let r = w.finish().unwrap();
    buf[r].to_vec()
}

fn main() {
    let tls = std::env::args().any(|a| a == "--tls");
    let origin = Instant::now();
    let now = || MonoTime(origin.elapsed().as_nanos() as u64);
    let mut r = Reactor::new().unwrap();
    let mut acfg = AcceptorConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT")],
    );
    let _pki;
    let mut icfg_tls = None;
    if tls {
        let dir = tempfile::tempdir().unwrap();
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.path().join("c.pem"), ck.cert.pem()).unwrap();
        std::fs::write(dir.path().join("k.pem"), ck.key_pair.serialize_pem()).unwrap();
        acfg.tls = Some(spinfix_io::TlsServerSettings {
            cert_chain: dir.path().join("c.pem"),
            private_key: dir.path().join("k.pem"),
            client_ca: None,
        });
        icfg_tls = Some(spinfix_io::TlsClientSettings {
            ca: dir.path().join("c.pem"),
            server_name: "localhost".into(),
            cert_chain: None,
            private_key: None,
        });
        _pki = dir;
    }
    let h = r.add_acceptor(acfg).unwrap();
    let server = h.sessions[0];
    let mut icfg = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", "CLIENT", "SERVER"),
        vec![h.local_addr],
    );
    icfg.tls = icfg_tls;
    let client = r.add_initiator(icfg).unwrap();
    let mut c = Count::default();
    while c.up < 1 {
        r.poll(now(), Some(Duration::from_millis(10)), &mut c)
            .unwrap();
    }
    // The acceptor learns the session from the Logon.
    let mut logon = vec![0u8; 256];
    let mut w = MessageWriter::new(&mut logon, b"FIX.4.4", msg_type::LOGON);
    w.str(49, "CLIENT")
        .str(56, "SERVER")
        .uint(34, 1)
        .str(52, "20260101-12:00:00");
    let lr = w.finish().unwrap();
    r.send(client, &logon[lr]).unwrap();
    while c.up < 2 {
        r.poll(now(), Some(Duration::from_millis(10)), &mut c)
            .unwrap();
    }
    let order = message("CLIENT", "SERVER");
    let report = message("SERVER", "CLIENT");

    // Round trips: one message each way, spinning on poll(ZERO) as a busy-poll engine would.
    let n = 20_000;
    let mut rtt = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let want = c.frames[0] + 1;
        r.send(client, &order).unwrap();
        while c.frames[0] < want {
            r.poll(now(), Some(Duration::ZERO), &mut c).unwrap();
        }
        let want = c.frames[1] + 1;
        r.send(server, &report).unwrap();
        while c.frames[1] < want {
            r.poll(now(), Some(Duration::ZERO), &mut c).unwrap();
        }
        rtt.push(start.elapsed());
    }
    rtt.sort();
    let pct = |p: f64| rtt[((rtt.len() as f64 * p) as usize).min(rtt.len() - 1)];
    println!(
        "{} round trip (send -> frame -> send -> frame), {n} samples: p50 {:?} p99 {:?} p99.9 {:?}",
        if tls { "TLS" } else { "plain" },
        pct(0.50),
        pct(0.99),
        pct(0.999)
    );

    // Throughput: batches of 64 messages, one send per batch (as the engine batches).
    let batch: Vec<u8> = order.repeat(64);
    let total = 2_000_000u64;
    let base = c.frames[0];
    let start = Instant::now();
    let mut sent = 0u64;
    while c.frames[0] - base < total {
        if sent < total && sent - (c.frames[0] - base) < 64 * 64 {
            r.send(client, &batch).unwrap();
            sent += 64;
        }
        r.poll(now(), Some(Duration::ZERO), &mut c).unwrap();
    }
    let el = start.elapsed();
    println!(
        "{} one-way throughput: {total} messages of {} bytes in {el:?}: {:.2} M msg/s, {:.0} MB/s",
        if tls { "TLS" } else { "plain" },
        order.len(),
        total as f64 / el.as_secs_f64() / 1e6,
        (total * order.len() as u64) as f64 / el.as_secs_f64() / 1e6
    );
}
