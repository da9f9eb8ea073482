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

#[test]
fn frames_and_closes_come_through_busy_reads() {
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
