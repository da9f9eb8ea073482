//! Initiator behaviour over real loopback sockets: refusal, reconnect, failover, policies,
//! connect timeout, loss and stop. Intervals are driven by the virtual `now`, so a 30 s
//! reconnect costs nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_io::{
    ConnState, ConnectionEvent, ConnectionType, HostSelectionPolicy, InitiatorConfig, IoError,
    SessionId, SessionKey,
};
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

fn key() -> SessionKey {
    SessionKey::new("FIX.4.4", "CLIENT1", "SERVER")
}

fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

fn initiator(
    node: &mut Node,
    hosts: Vec<SocketAddr>,
    tweak: impl FnOnce(&mut InitiatorConfig),
) -> SessionId {
    let mut cfg = InitiatorConfig::new(key(), hosts);
    cfg.reconnect_interval = Duration::from_secs(5);
    tweak(&mut cfg);
    node.r.add_initiator(cfg).unwrap()
}

fn connecting(session: SessionId, remote: SocketAddr) -> ConnectionEvent {
    ConnectionEvent::Connecting { session, remote }
}

fn established(session: SessionId, remote: SocketAddr) -> ConnectionEvent {
    ConnectionEvent::Established {
        session,
        remote,
        tls: false,
    }
}

fn assert_failed(ev: &ConnectionEvent, session: SessionId, remote: SocketAddr, code: &str) {
    match ev {
        ConnectionEvent::Failed {
            session: s,
            remote: r,
            error,
        } => {
            assert_eq!((*s, *r), (session, remote));
            assert_eq!(error.code(), code, "{error}");
        }
        other => panic!("expected Failed from {remote}, got {other:?}"),
    }
}

fn assert_lost(ev: &ConnectionEvent, session: SessionId, remote: SocketAddr) {
    match ev {
        ConnectionEvent::Lost {
            session: s,
            remote: r,
            error: IoError::ConnectionLost { peer, .. },
        } => {
            assert_eq!((*s, *r, *peer), (session, remote, remote));
        }
        other => panic!("expected Lost from {remote}, got {other:?}"),
    }
}

#[test]
fn refused_then_reconnects_after_the_interval() {
    let addr = dead_port();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![addr], |_| {});
    assert_eq!(node.r.state(s), Some(ConnState::Stopped));
    let ev = node.events(2);
    assert_eq!(ev[0], connecting(s, addr));
    assert_failed(&ev[1], s, addr, "CONNECTION_REFUSED");
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));

    let l = TcpListener::bind(addr).unwrap();
    node.advance(Duration::from_millis(4_999));
    node.settle();
    assert!(
        node.rec.events.is_empty(),
        "retried early: {:?}",
        node.rec.events
    );
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));

    node.advance(Duration::from_millis(1));
    let ev = node.events(2);
    assert_eq!(ev, vec![connecting(s, addr), established(s, addr)]);
    assert_eq!(node.r.state(s), Some(ConnState::Connected));

    // Frames both ways.
    let (mut server, _) = l.accept().unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let lo = logon("CLIENT1", "SERVER");
    node.r.send(s, &lo).unwrap();
    assert_eq!(read_n(&mut server, lo.len()), lo);
    let reply = logon("SERVER", "CLIENT1");
    server.write_all(&reply).unwrap();
    let frames = node.frames(1);
    assert_eq!((frames[0].0, &frames[0].1), (s, &reply));
}

#[test]
fn peer_close_is_lost_then_reconnect() {
    let (l, addr) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![addr], |_| {});
    assert_eq!(
        node.events(2),
        vec![connecting(s, addr), established(s, addr)]
    );
    let (server, _) = l.accept().unwrap();
    drop(server);
    let ev = node.events(1);
    assert_lost(&ev[0], s, addr);
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));
    assert_eq!(node.r.send(s, b"x").unwrap_err().code(), "NOT_CONNECTED");
    node.advance(Duration::from_secs(5));
    assert_eq!(
        node.events(2),
        vec![connecting(s, addr), established(s, addr)]
    );
    assert_eq!(node.r.state(s), Some(ConnState::Connected));
}

#[test]
fn failover_to_the_second_host_on_refusal() {
    let dead = dead_port();
    let (_l, live) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![dead, live], |_| {});
    let ev = node.events(4);
    assert_eq!(ev[0], connecting(s, dead));
    assert_failed(&ev[1], s, dead, "CONNECTION_REFUSED");
    assert_eq!(&ev[2..], &[connecting(s, live), established(s, live)]);
}

#[test]
fn failover_on_connect_timeout() {
    let hole = blackhole();
    let (_l, live) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![hole.addr, live], |c| {
        c.connect_timeout = Duration::from_secs(10)
    });
    assert_eq!(node.events(1), vec![connecting(s, hole.addr)]);
    node.settle();
    assert!(node.rec.events.is_empty(), "{:?}", node.rec.events);
    assert_eq!(node.r.state(s), Some(ConnState::Pending));
    node.advance(Duration::from_secs(10));
    let ev = node.events(3);
    assert_failed(&ev[0], s, hole.addr, "CONNECTION_REFUSED");
    assert!(
        matches!(&ev[0], ConnectionEvent::Failed { error: IoError::ConnectionRefused { detail, .. }, .. } if detail.contains("timed out"))
    );
    assert_eq!(&ev[1..], &[connecting(s, live), established(s, live)]);
}

#[test]
fn every_host_failing_waits_the_interval_then_starts_a_new_pass() {
    let (a, b) = (dead_port(), dead_port());
    let mut node = Node::new();
    let s = initiator(&mut node, vec![a, b], |_| {});
    let ev = node.events(4);
    assert_eq!(ev[0], connecting(s, a));
    assert_failed(&ev[1], s, a, "CONNECTION_REFUSED");
    assert_eq!(ev[2], connecting(s, b));
    assert_failed(&ev[3], s, b, "CONNECTION_REFUSED");
    node.settle();
    assert!(node.rec.events.is_empty());
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));
    node.advance(Duration::from_secs(5));
    let ev = node.events(4);
    assert_eq!(
        ev[0],
        connecting(s, a),
        "a new pass starts from the first host"
    );
    assert_eq!(ev[2], connecting(s, b));
}

/// Connects to the first of two live hosts, loses it, and returns the host the next attempt
/// starts from.
fn next_host_after_loss(policy: HostSelectionPolicy) -> (SocketAddr, SocketAddr, SocketAddr) {
    let (la, a) = listener();
    let (_lb, b) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![a, b], |c| c.policy = policy);
    assert_eq!(node.events(2), vec![connecting(s, a), established(s, a)]);
    let (server, _) = la.accept().unwrap();
    drop(server);
    assert_lost(&node.events(1)[0], s, a);
    node.advance(Duration::from_secs(5));
    let ev = node.events(2);
    let ConnectionEvent::Connecting { remote, .. } = ev[0] else {
        panic!("expected Connecting, got {ev:?}");
    };
    assert!(matches!(ev[1], ConnectionEvent::Established { remote: r, .. } if r == remote));
    (a, b, remote)
}

#[test]
fn priority_policy_starts_every_attempt_from_the_first_host() {
    let (a, _b, next) = next_host_after_loss(HostSelectionPolicy::Priority);
    assert_eq!(next, a);
}

#[test]
fn round_robin_policy_starts_after_the_last_host_tried() {
    let (_a, b, next) = next_host_after_loss(HostSelectionPolicy::RoundRobin);
    assert_eq!(next, b);
}

#[test]
fn reconnect_interval_outside_range_is_a_config_error() {
    let mut node = Node::new();
    for secs in [0, 3601] {
        let mut cfg = InitiatorConfig::new(key(), vec![dead_port()]);
        cfg.reconnect_interval = Duration::from_secs(secs);
        let err = node.r.add_initiator(cfg).unwrap_err();
        assert_eq!(err.code(), "CONFIG_ERROR");
        assert!(err.to_string().contains("ReconnectInterval"), "{err}");
    }
}

#[test]
fn disconnect_then_stop_ends_retries() {
    let (l, addr) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![addr], |_| {});
    assert_eq!(
        node.events(2),
        vec![connecting(s, addr), established(s, addr)]
    );
    let (mut server, _) = l.accept().unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    node.r.disconnect(s, node.now).unwrap();
    let ev = node.events(1);
    assert!(
        matches!(&ev[0], ConnectionEvent::Lost { error: IoError::ConnectionLost { detail, .. }, .. } if detail.contains("locally"))
    );
    assert!(read_to_eof(&mut server).is_empty());
    node.advance(Duration::from_secs(5));
    assert_eq!(
        node.events(2),
        vec![connecting(s, addr), established(s, addr)]
    );
    let (mut server, _) = l.accept().unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    let bye = heartbeat("CLIENT1", "SERVER", 9);
    node.r.send(s, &bye).unwrap();
    node.r.stop();
    let ev = node.events(2);
    assert_lost(&ev[0], s, addr);
    assert_eq!(
        ev[1],
        ConnectionEvent::Stopped {
            kind: ConnectionType::Initiator
        }
    );
    assert_eq!(read_to_eof(&mut server), bye);
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));
    node.advance(Duration::from_secs(3600));
    node.settle();
    assert!(
        node.rec.events.is_empty(),
        "no retry after stop: {:?}",
        node.rec.events
    );
}

#[test]
fn idle_poll_with_zero_timeout_does_no_work() {
    let (_l, addr) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![addr], |_| {});
    node.events(2);
    assert_eq!(node.r.state(s), Some(ConnState::Connected));
    node.settle();
    let mut rec = Rec::default();
    for _ in 0..100 {
        let work = node
            .r
            .poll(node.now, Some(Duration::ZERO), &mut rec)
            .unwrap();
        assert_eq!(work, 0);
    }
}

#[test]
fn a_held_initiator_does_not_reconnect_until_released() {
    let (_l, addr) = listener();
    let mut node = Node::new();
    let s = initiator(&mut node, vec![addr], |_| {});
    node.r.hold(s, true).unwrap();
    node.advance(Duration::from_secs(60));
    node.settle();
    assert!(node.rec.events.is_empty(), "{:?}", node.rec.events);
    assert_eq!(node.r.state(s), Some(ConnState::Stopped));

    node.r.hold(s, false).unwrap();
    let ev = node.events(2);
    assert_eq!(ev, vec![connecting(s, addr), established(s, addr)]);

    // Held while connected: the connection stays; once it is closed, no retry follows.
    node.r.hold(s, true).unwrap();
    assert_eq!(node.r.state(s), Some(ConnState::Connected));
    node.r.disconnect(s, node.now).unwrap();
    assert!(matches!(node.events(1)[..], [ConnectionEvent::Lost { .. }]));
    node.advance(Duration::from_secs(60));
    node.settle();
    assert_eq!(node.r.state(s), Some(ConnState::Disconnected));
    assert!(node.rec.events.is_empty(), "{:?}", node.rec.events);

    // Released: the retry comes at the next poll, not after the interval.
    node.r.hold(s, false).unwrap();
    let ev = node.events(2);
    assert_eq!(ev, vec![connecting(s, addr), established(s, addr)]);
}
