//! Acceptor behaviour over real loopback sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_io::{AcceptorConfig, ConnState, ConnectionEvent, ConnectionType, IoError, SessionKey};
use spinfix_session::codec::tags::{self, msg_type};
use spinfix_session::codec::Decoder;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

fn keys() -> Vec<SessionKey> {
    vec![
        SessionKey::new("FIX.4.4", "SERVER", "CLIENT1"),
        SessionKey::new("FIX.4.4", "SERVER", "CLIENT2"),
    ]
}

fn acceptor(
    node: &mut Node,
    tweak: impl FnOnce(&mut AcceptorConfig),
) -> (SocketAddr, Vec<spinfix_io::SessionId>) {
    let mut cfg = AcceptorConfig::new("127.0.0.1:0".parse().unwrap(), keys());
    tweak(&mut cfg);
    let h = node.r.add_acceptor(cfg).unwrap();
    (h.local_addr, h.sessions)
}

/// Connects and logs on as `client`; returns the stream after the acceptor routed it.
fn logged_on(node: &mut Node, addr: SocketAddr, client_id: &str) -> std::net::TcpStream {
    let mut c = client(addr);
    c.write_all(&logon(client_id, "SERVER")).unwrap();
    node.until("Established", |r| {
        r.events
            .iter()
            .any(|e| matches!(e, ConnectionEvent::Established { .. }))
    });
    c
}

#[test]
fn port_in_use_is_port_bind_failed_with_an_error_event() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let mut node = Node::new();
    let err = node
        .r
        .add_acceptor(AcceptorConfig::new(addr, keys()))
        .unwrap_err();
    assert_eq!(err.code(), "PORT_BIND_FAILED");
    assert!(matches!(&err, IoError::PortBindFailed { addr: a, .. } if *a == addr));
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    assert_eq!(
        node.events(1),
        vec![ConnectionEvent::Error {
            remote: None,
            session: None,
            error: err
        }]
    );
}

#[test]
fn one_port_serves_many_sessions_and_frames_flow_both_ways() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |_| {});
    assert_eq!(node.r.state(ids[1]), Some(ConnState::Stopped));

    let mut c2 = client(addr);
    let logon2 = logon("CLIENT2", "SERVER");
    let hb2 = heartbeat("CLIENT2", "SERVER", 2);
    // Logon and the next message coalesced in one segment.
    c2.write_all(&[logon2.clone(), hb2.clone()].concat())
        .unwrap();
    let ev = node.events(1);
    assert_eq!(
        ev,
        vec![ConnectionEvent::Established {
            session: ids[1],
            remote: c2.local_addr().unwrap(),
            tls: false
        }]
    );
    let frames = node.frames(2);
    assert_eq!(frames[0].0, ids[1]);
    assert_eq!(frames[0].1, logon2, "the routing Logon is delivered too");
    assert_eq!(frames[1].1, hb2);
    assert_eq!(frames[0].2, node.now, "receive time is the poll's now");
    assert_eq!(node.r.state(ids[1]), Some(ConnState::Connected));
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Stopped));

    let mut c1 = client(addr);
    c1.write_all(&logon("CLIENT1", "SERVER")).unwrap();
    let ev = node.events(1);
    assert_eq!(
        ev,
        vec![ConnectionEvent::Established {
            session: ids[0],
            remote: c1.local_addr().unwrap(),
            tls: false
        }]
    );
    assert_eq!(node.frames(1)[0].0, ids[0]);

    let out1 = heartbeat("SERVER", "CLIENT1", 1);
    let out2 = heartbeat("SERVER", "CLIENT2", 1);
    node.r.send(ids[0], &out1).unwrap();
    node.r.send(ids[1], &out2).unwrap();
    assert_eq!(read_n(&mut c1, out1.len()), out1);
    assert_eq!(read_n(&mut c2, out2.len()), out2);

    // Peer close: connected -> disconnected with a Lost event; the other session is untouched.
    let c2_addr = c2.local_addr().unwrap();
    drop(c2);
    let ev = node.events(1);
    match &ev[..] {
        [ConnectionEvent::Lost {
            session,
            remote,
            error: IoError::ConnectionLost { peer, detail },
        }] => {
            assert_eq!(*session, ids[1]);
            assert_eq!(*remote, c2_addr);
            assert_eq!(*peer, c2_addr);
            assert!(detail.contains("closed"), "{detail}");
        }
        other => panic!("expected Lost, got {other:?}"),
    }
    assert_eq!(node.r.state(ids[1]), Some(ConnState::Disconnected));
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Connected));
    let err = node.r.send(ids[1], &out2).unwrap_err();
    assert_eq!(err.code(), "NOT_CONNECTED");
    assert!(err.to_string().contains("FIX.4.4:SERVER->CLIENT2"), "{err}");

    // The session can connect again on a new connection.
    let c2b = logged_on(&mut node, addr, "CLIENT2");
    assert_eq!(
        node.rec.events,
        vec![ConnectionEvent::Established {
            session: ids[1],
            remote: c2b.local_addr().unwrap(),
            tls: false
        }]
    );
    assert_eq!(node.r.state(ids[1]), Some(ConnState::Connected));
}

#[test]
fn split_frames_wait_for_the_rest_and_coalesced_frames_come_out_in_order() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |_| {});
    let mut c = client(addr);
    let l = logon("CLIENT1", "SERVER");
    // Byte by byte: nothing is delivered until the last byte.
    for (i, b) in l.iter().enumerate() {
        c.write_all(&[*b]).unwrap();
        if i + 1 < l.len() && i % 7 == 0 {
            node.settle();
            assert!(
                node.rec.frames.is_empty(),
                "frame delivered after {} bytes",
                i + 1
            );
            assert!(node.rec.events.is_empty());
        }
    }
    let frames = node.frames(1);
    assert_eq!(frames[0].1, l);
    node.rec.events.clear();

    let msgs: Vec<Vec<u8>> = (2..12).map(|s| heartbeat("CLIENT1", "SERVER", s)).collect();
    let mut all = msgs[0].clone();
    all.extend_from_slice(b"junk\x01");
    all.extend_from_slice(&msgs[1..].concat());
    // Two writes cutting a frame in half, with garbage between frames that the framer skips.
    let cut = all.len() / 2 + 3;
    c.write_all(&all[..cut]).unwrap();
    node.settle();
    c.write_all(&all[cut..]).unwrap();
    let frames = node.frames(msgs.len());
    let got: Vec<Vec<u8>> = frames.iter().map(|f| f.1.clone()).collect();
    assert_eq!(got, msgs);
    assert!(frames.iter().all(|f| f.0 == ids[0]));
}

#[test]
fn unknown_comp_ids_get_a_logout_and_an_error_naming_them() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |a| a.logout_on_refusal = true);
    let mut c = client(addr);
    c.write_all(&logon("STRANGER", "SERVER")).unwrap();
    let ev = node.events(1);
    match &ev[..] {
        [ConnectionEvent::Error {
            remote: Some(remote),
            session: None,
            error: IoError::ConnectionLost { detail, .. },
        }] => {
            assert_eq!(*remote, c.local_addr().unwrap());
            assert!(detail.contains("SenderCompID=STRANGER"), "{detail}");
            assert!(detail.contains("TargetCompID=SERVER"), "{detail}");
        }
        other => panic!("expected Error, got {other:?}"),
    }
    let reply = read_to_eof(&mut c);
    let mut d = Decoder::new();
    let m = d.decode(&reply).unwrap();
    assert_eq!(m.msg_type(), msg_type::LOGOUT);
    let header: Vec<u32> = m.iter().map(|(t, _)| t).take(7).collect();
    assert_eq!(
        header,
        [8, 9, 35, 34, 49, 52, 56],
        "header tags in ascending order"
    );
    assert_eq!(m.get(tags::TARGET_COMP_ID), Some(&b"STRANGER"[..]));
    assert_eq!(m.get(tags::TEXT), Some(&b"Unknown session"[..]));
    assert!(
        node.rec.frames.is_empty(),
        "no frame for an unrouted connection"
    );
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Stopped));
}

#[test]
fn by_default_refusals_close_without_a_word_as_quickfix_does() {
    let mut node = Node::new();
    let (addr, _ids) = acceptor(&mut node, |_| {});
    let mut c = client(addr);
    c.write_all(&logon("STRANGER", "SERVER")).unwrap();
    let ev = node.events(1);
    assert!(
        matches!(&ev[..], [ConnectionEvent::Error { session: None, .. }]),
        "{ev:?}"
    );
    assert!(read_to_eof(&mut c).is_empty(), "closed without a Logout");

    let mut first = logged_on(&mut node, addr, "CLIENT1");
    node.rec.events.clear();
    let mut second = client(addr);
    second.write_all(&logon("CLIENT1", "SERVER")).unwrap();
    node.events(1);
    assert!(
        read_to_eof(&mut second).is_empty(),
        "duplicate closed without a Logout"
    );
    first.write_all(&heartbeat("CLIENT1", "SERVER", 2)).unwrap();
    node.frames(2);
}

#[test]
fn a_first_message_that_is_not_a_logon_closes_without_logout() {
    let mut node = Node::new();
    let (addr, _) = acceptor(&mut node, |_| {});
    let mut c = client(addr);
    c.write_all(&heartbeat("CLIENT1", "SERVER", 1)).unwrap();
    let ev = node.events(1);
    assert!(
        matches!(&ev[..], [ConnectionEvent::Error { error: IoError::ConnectionLost { detail, .. }, .. }] if detail.contains("not Logon")),
        "{ev:?}"
    );
    assert!(read_to_eof(&mut c).is_empty());
}

#[test]
fn no_logon_within_the_timeout_closes_the_connection() {
    let mut node = Node::new();
    let (addr, _) = acceptor(&mut node, |c| c.logon_timeout = Duration::from_secs(5));
    let mut c = client(addr);
    node.until("accept", |_| true);
    node.settle();
    node.advance(Duration::from_millis(4_999));
    node.settle();
    assert!(node.rec.events.is_empty(), "{:?}", node.rec.events);
    node.advance(Duration::from_millis(1));
    let ev = node.events(1);
    match &ev[..] {
        [ConnectionEvent::Error {
            remote: Some(remote),
            session: None,
            error: IoError::ConnectionLost { detail, .. },
        }] => {
            assert_eq!(*remote, c.local_addr().unwrap());
            assert!(detail.contains("no Logon"), "{detail}");
        }
        other => panic!("expected Error, got {other:?}"),
    }
    assert!(read_to_eof(&mut c).is_empty());
}

#[test]
fn a_second_connection_for_a_connected_session_is_refused_and_the_first_kept() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |a| a.logout_on_refusal = true);
    let mut first = logged_on(&mut node, addr, "CLIENT1");
    node.rec.events.clear();
    node.frames(1);

    let mut second = client(addr);
    second.write_all(&logon("CLIENT1", "SERVER")).unwrap();
    let ev = node.events(1);
    match &ev[..] {
        [ConnectionEvent::Error {
            remote: Some(remote),
            session: Some(s),
            error: IoError::ConnectionLost { detail, .. },
        }] => {
            assert_eq!(*remote, second.local_addr().unwrap());
            assert_eq!(*s, ids[0]);
            assert!(detail.contains("FIX.4.4:SERVER->CLIENT1"), "{detail}");
            assert!(detail.contains("already connected"), "{detail}");
        }
        other => panic!("expected Error, got {other:?}"),
    }
    let reply = read_to_eof(&mut second);
    let mut d = Decoder::new();
    let m = d.decode(&reply).unwrap();
    assert_eq!(m.get(tags::TEXT), Some(&b"Session already connected"[..]));

    // The first connection is untouched.
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Connected));
    let out = heartbeat("SERVER", "CLIENT1", 2);
    node.r.send(ids[0], &out).unwrap();
    assert_eq!(read_n(&mut first, out.len()), out);
    let hb = heartbeat("CLIENT1", "SERVER", 2);
    first.write_all(&hb).unwrap();
    assert_eq!(node.frames(1)[0].1, hb);
    assert!(node.rec.events.is_empty());
}

#[test]
fn an_over_size_frame_closes_the_connection_with_lost() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |c| c.limits.max_body_len = 200);
    let mut c = logged_on(&mut node, addr, "CLIENT1");
    node.rec.events.clear();
    c.write_all(b"8=FIX.4.4\x019=5000\x0135=D\x01").unwrap();
    let ev = node.events(1);
    match &ev[..] {
        [ConnectionEvent::Lost {
            session,
            error: IoError::ConnectionLost { detail, .. },
            ..
        }] => {
            assert_eq!(*session, ids[0]);
            assert!(
                detail.contains("5000") && detail.contains("200"),
                "{detail}"
            );
        }
        other => panic!("expected Lost, got {other:?}"),
    }
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Disconnected));
    read_to_eof(&mut c);
}

#[test]
fn a_peer_that_stops_reading_is_disconnected_at_the_bound() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |c| {
        c.limits.max_pending_write = 256 * 1024;
        c.socket.send_buffer_size = Some(16 * 1024);
    });
    let c = {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.set_recv_buffer_size(16 * 1024).unwrap();
        s.connect(&addr.into()).unwrap();
        let mut c: std::net::TcpStream = s.into();
        c.write_all(&logon("CLIENT1", "SERVER")).unwrap();
        c
    };
    node.until("Established", |r| !r.events.is_empty());
    node.rec.events.clear();
    let chunk = vec![b'x'; 8 * 1024];
    let mut sent = 0usize;
    let err = loop {
        match node.r.send(ids[0], &chunk) {
            Ok(()) => sent += chunk.len(),
            Err(e) => break e,
        }
        assert!(sent < 512 * 1024 * 1024, "never hit the bound");
    };
    assert_eq!(err.code(), "CONNECTION_LOST");
    assert!(err.to_string().contains("not reading"), "{err}");
    let ev = node.events(1);
    assert_eq!(
        ev,
        vec![ConnectionEvent::Lost {
            session: ids[0],
            remote: c.local_addr().unwrap(),
            error: err
        }]
    );
    assert_eq!(node.r.state(ids[0]), Some(ConnState::Disconnected));
}

#[test]
fn graceful_stop_flushes_closes_and_reports() {
    let mut node = Node::new();
    let (addr, ids) = acceptor(&mut node, |_| {});
    let mut c = logged_on(&mut node, addr, "CLIENT1");
    node.rec.events.clear();
    let logout = message(msg_type::LOGOUT, "SERVER", "CLIENT1", 2, &[]);
    node.r.send(ids[0], &logout).unwrap();
    node.r.stop();
    assert!(node.r.is_stopped());
    let ev = node.events(2);
    match &ev[..] {
        [ConnectionEvent::Lost {
            session,
            remote,
            error: IoError::ConnectionLost { detail, .. },
        }, ConnectionEvent::Stopped {
            kind: ConnectionType::Acceptor,
        }] => {
            assert_eq!(*session, ids[0]);
            assert_eq!(*remote, c.local_addr().unwrap());
            assert_eq!(detail, "stopped");
        }
        other => panic!("expected Lost and Stopped, got {other:?}"),
    }
    assert_eq!(
        read_to_eof(&mut c),
        logout,
        "queued output goes out before the close"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "listener closed"
    );
    node.settle();
    assert!(node.rec.events.is_empty());
}
