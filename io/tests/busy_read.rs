//! Busy-read mode: zero-timeout polls read established connections directly, and epoll still
//! serves accepts and closes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_io::{AcceptorConfig, ConnectionEvent, SessionKey};
use std::io::Write;
use std::time::{Duration, Instant};

/// Zero-timeout polls (yielding between them, never spinning hard) until `cond` holds.
fn spin_until(node: &mut Node, what: &str, mut cond: impl FnMut(&Rec) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond(&node.rec) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        node.r
            .poll(node.now, Some(Duration::ZERO), &mut node.rec)
            .unwrap();
        std::thread::yield_now();
    }
}

/// A busy-read acceptor with one client logged on.
fn logged_on() -> (Node, spinfix_io::AcceptorHandle, std::net::TcpStream) {
    let mut node = Node::new();
    node.r.set_busy_read(true);
    let cfg = AcceptorConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT1")],
    );
    let h = node.r.add_acceptor(cfg).unwrap();
    let mut c = client(h.local_addr);
    c.write_all(&logon("CLIENT1", "SERVER")).unwrap();
    spin_until(&mut node, "the logon", |r| r.frames.len() == 1);
    (node, h, c)
}

#[test]
fn frames_and_closes_come_through_busy_reads() {
    let (mut node, _h, mut c) = logged_on();
    for seq in 2..200 {
        let hb = heartbeat("CLIENT1", "SERVER", seq);
        c.write_all(&hb).unwrap();
        spin_until(&mut node, "a heartbeat", |r| r.frames.len() == seq as usize);
        assert_eq!(node.rec.frames.last().unwrap().1, hb);
    }
    drop(c);
    spin_until(&mut node, "the loss", |r| {
        r.events
            .iter()
            .any(|e| matches!(e, ConnectionEvent::Lost { .. }))
    });
}

#[test]
fn output_queued_behind_a_full_socket_is_written_by_busy_reads() {
    use std::io::Read;
    let (mut node, h, mut c) = logged_on();
    let session = h.sessions[0];
    // More than the socket buffers hold while the client does not read: the rest is queued.
    let chunk = vec![b'x'; 64 * 1024];
    let total = 3 * 1024 * 1024;
    for _ in 0..total / chunk.len() {
        node.r.send(session, &chunk).unwrap();
    }
    c.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 256 * 1024];
    let deadline = Instant::now() + Duration::from_secs(10);
    while got < total {
        assert!(Instant::now() < deadline, "{got} of {total} bytes arrived");
        node.r
            .poll(node.now, Some(Duration::ZERO), &mut node.rec)
            .unwrap();
        match c.read(&mut buf) {
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, total);
}
