//! TLS over the same reactor: certificates are generated per test with rcgen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use spinfix_io::{
    AcceptorConfig, ConnState, ConnectionEvent, InitiatorConfig, IoError, SessionId, SessionKey,
    TlsClientSettings, TlsServerSettings,
};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

fn server_settings(pki: &Pki, mtls: bool) -> TlsServerSettings {
    TlsServerSettings {
        cert_chain: pki.path("server.pem"),
        private_key: pki.path("server.key"),
        client_ca: mtls.then(|| pki.path("ca.pem")),
    }
}

fn client_settings(pki: &Pki, ca: &str, name: &str, cert: bool) -> TlsClientSettings {
    TlsClientSettings {
        ca: pki.path(ca),
        server_name: name.into(),
        cert_chain: cert.then(|| pki.path("client.pem")),
        private_key: cert.then(|| pki.path("client.key")),
    }
}

fn tls_acceptor(node: &mut Node, pki: &Pki, mtls: bool) -> (SocketAddr, SessionId) {
    let mut cfg = AcceptorConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT1")],
    );
    cfg.tls = Some(server_settings(pki, mtls));
    let h = node.r.add_acceptor(cfg).unwrap();
    (h.local_addr, h.sessions[0])
}

fn tls_initiator(node: &mut Node, addr: SocketAddr, tls: TlsClientSettings) -> SessionId {
    let mut cfg = InitiatorConfig::new(SessionKey::new("FIX.4.4", "CLIENT1", "SERVER"), vec![addr]);
    cfg.reconnect_interval = Duration::from_secs(1);
    cfg.tls = Some(tls);
    node.r.add_initiator(cfg).unwrap()
}

/// Both sides establish over TLS and exchange a Logon each way.
fn exchange(pki: &Pki, mtls: bool, client_cert: bool) {
    let mut acc = Node::new();
    let mut ini = Node::new();
    let (addr, a_sess) = tls_acceptor(&mut acc, pki, mtls);
    let i_sess = tls_initiator(
        &mut ini,
        addr,
        client_settings(pki, "ca.pem", "localhost", client_cert),
    );
    until2(&mut ini, &mut acc, "initiator established", |i, _| {
        i.events.len() >= 2
    });
    let ev = std::mem::take(&mut ini.rec.events);
    assert_eq!(
        ev,
        vec![
            ConnectionEvent::Connecting {
                session: i_sess,
                remote: addr
            },
            ConnectionEvent::Established {
                session: i_sess,
                remote: addr,
                tls: true
            }
        ]
    );
    let lo = logon("CLIENT1", "SERVER");
    ini.r.send(i_sess, &lo).unwrap();
    until2(&mut acc, &mut ini, "acceptor frame", |a, _| {
        !a.frames.is_empty()
    });
    let ev = std::mem::take(&mut acc.rec.events);
    match &ev[..] {
        [ConnectionEvent::Established {
            session,
            remote,
            tls: true,
        }] => {
            assert_eq!(*session, a_sess);
            assert_eq!(remote.ip(), addr.ip());
        }
        other => panic!("expected Established over TLS, got {other:?}"),
    }
    assert_eq!(acc.rec.frames[0].1, lo);
    let reply = logon("SERVER", "CLIENT1");
    acc.r.send(a_sess, &reply).unwrap();
    until2(&mut ini, &mut acc, "initiator frame", |i, _| {
        !i.frames.is_empty()
    });
    assert_eq!(ini.rec.frames[0], (i_sess, reply, ini.now));
    assert_eq!(acc.r.state(a_sess), Some(ConnState::Connected));
    assert_eq!(ini.r.state(i_sess), Some(ConnState::Connected));

    // A graceful stop of the initiator sends close_notify: the acceptor sees a clean loss.
    ini.r.stop();
    until2(&mut acc, &mut ini, "acceptor lost", |a, _| {
        !a.events.is_empty()
    });
    assert!(
        matches!(&acc.rec.events[0], ConnectionEvent::Lost { session, error: IoError::ConnectionLost { detail, .. }, .. } if *session == a_sess && detail.contains("closed")),
        "{:?}",
        acc.rec.events
    );
}

#[test]
fn tls_session_established_and_frames_flow() {
    let pki = Pki::new();
    exchange(&pki, false, false);
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    let pki = Pki::new();
    exchange(&pki, true, true);
}

fn assert_handshake_failed(ev: &ConnectionEvent, session: SessionId, remote: SocketAddr) {
    match ev {
        ConnectionEvent::Failed {
            session: s,
            remote: r,
            error: IoError::SslHandshakeFailed { peer, .. },
        } => assert_eq!((*s, *r, *peer), (session, remote, remote)),
        other => panic!("expected Failed with SSL_HANDSHAKE_FAILED, got {other:?}"),
    }
}

fn assert_acceptor_handshake_error(acc: &mut Node) {
    let ev = std::mem::take(&mut acc.rec.events);
    assert!(
        matches!(
            &ev[..],
            [ConnectionEvent::Error {
                remote: Some(_),
                session: None,
                error: IoError::SslHandshakeFailed { .. }
            }]
        ),
        "{ev:?}"
    );
}

/// The client refuses the server's certificate; the initiator goes to disconnected and tries
/// again after the interval, failing the same way.
fn client_refuses(ca: &str, name: &str, what: &str) {
    let pki = Pki::new();
    let mut acc = Node::new();
    let mut ini = Node::new();
    let (addr, a_sess) = tls_acceptor(&mut acc, &pki, false);
    let s = tls_initiator(&mut ini, addr, client_settings(&pki, ca, name, false));
    until2(&mut ini, &mut acc, "failure", |i, a| {
        i.events.len() >= 2 && !a.events.is_empty()
    });
    let ev = std::mem::take(&mut ini.rec.events);
    assert_eq!(
        ev[0],
        ConnectionEvent::Connecting {
            session: s,
            remote: addr
        }
    );
    assert_handshake_failed(&ev[1], s, addr);
    if let ConnectionEvent::Failed { error, .. } = &ev[1] {
        assert!(error.to_string().contains(what), "{error}");
    }
    assert_eq!(ini.r.state(s), Some(ConnState::Disconnected));
    assert_acceptor_handshake_error(&mut acc);
    assert_eq!(acc.r.state(a_sess), Some(ConnState::Stopped));

    ini.advance(Duration::from_secs(1));
    until2(&mut ini, &mut acc, "retry", |i, _| i.events.len() >= 2);
    let ev = std::mem::take(&mut ini.rec.events);
    assert_eq!(
        ev[0],
        ConnectionEvent::Connecting {
            session: s,
            remote: addr
        }
    );
    assert_handshake_failed(&ev[1], s, addr);
}

#[test]
fn unknown_ca_fails_the_handshake_and_retries() {
    client_refuses("other-ca.pem", "localhost", "UnknownIssuer");
}

#[test]
fn wrong_server_name_fails_the_handshake() {
    client_refuses("ca.pem", "fix.example.com", "not valid for name");
}

#[test]
fn mutual_tls_without_a_client_certificate_is_refused() {
    let pki = Pki::new();
    let mut acc = Node::new();
    let mut ini = Node::new();
    let (addr, a_sess) = tls_acceptor(&mut acc, &pki, true);
    let s = tls_initiator(
        &mut ini,
        addr,
        client_settings(&pki, "ca.pem", "localhost", false),
    );
    until2(&mut acc, &mut ini, "acceptor error", |a, _| {
        !a.events.is_empty()
    });
    assert_acceptor_handshake_error(&mut acc);
    assert_eq!(acc.r.state(a_sess), Some(ConnState::Stopped));
    // Under TLS 1.3 the client has finished its side of the handshake before the server checks
    // its (absent) certificate, so it sees established and then the server's refusal; the
    // error is still SSL_HANDSHAKE_FAILED and the session is disconnected, to retry.
    until2(&mut ini, &mut acc, "initiator down", |i, _| {
        i.events.iter().any(|e| {
            matches!(
                e,
                ConnectionEvent::Lost { .. } | ConnectionEvent::Failed { .. }
            )
        })
    });
    let ev = std::mem::take(&mut ini.rec.events);
    assert_eq!(
        ev[0],
        ConnectionEvent::Connecting {
            session: s,
            remote: addr
        }
    );
    match &ev[1..] {
        [ConnectionEvent::Established { tls: true, .. }, ConnectionEvent::Lost {
            session,
            error: IoError::SslHandshakeFailed { detail, .. },
            ..
        }] => {
            assert_eq!(*session, s);
            assert!(detail.contains("CertificateRequired"), "{detail}");
        }
        [ConnectionEvent::Failed { .. }] => assert_handshake_failed(&ev[1], s, addr),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(ini.r.state(s), Some(ConnState::Disconnected));
}

#[test]
fn a_plain_client_on_a_tls_port_fails_the_handshake() {
    let pki = Pki::new();
    let mut acc = Node::new();
    let (addr, a_sess) = tls_acceptor(&mut acc, &pki, false);
    let mut c = client(addr);
    c.write_all(&logon("CLIENT1", "SERVER")).unwrap();
    acc.until("error", |r| !r.events.is_empty());
    let ev = std::mem::take(&mut acc.rec.events);
    match &ev[..] {
        [ConnectionEvent::Error {
            remote: Some(remote),
            session: None,
            error: IoError::SslHandshakeFailed { peer, .. },
        }] => {
            assert_eq!(*remote, c.local_addr().unwrap());
            assert_eq!(*peer, *remote);
        }
        other => panic!("expected an SSL_HANDSHAKE_FAILED error, got {other:?}"),
    }
    assert!(acc.rec.frames.is_empty());
    assert_eq!(acc.r.state(a_sess), Some(ConnState::Stopped));
    // The client gets at most a TLS alert, then end-of-file.
    let rest = read_to_eof(&mut c);
    assert!(!rest.starts_with(b"8=FIX"));
}

#[test]
fn missing_unreadable_or_mismatched_files_are_config_errors_naming_the_file() {
    let pki = Pki::new();
    let key = || vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT1")];
    let mut node = Node::new();
    let check = |node: &mut Node, tls: TlsServerSettings, needle: &str| {
        let mut cfg = AcceptorConfig::new("127.0.0.1:0".parse().unwrap(), key());
        cfg.tls = Some(tls);
        let err = node.r.add_acceptor(cfg).unwrap_err();
        assert_eq!(err.code(), "CONFIG_ERROR", "{err}");
        assert!(
            err.to_string().contains(needle),
            "{err} should name {needle}"
        );
    };
    let missing = pki.dir().join("nope.pem");
    check(
        &mut node,
        TlsServerSettings {
            cert_chain: missing.clone(),
            ..server_settings(&pki, false)
        },
        &missing.display().to_string(),
    );
    // A key file that holds a certificate, not a key.
    check(
        &mut node,
        TlsServerSettings {
            private_key: pki.path("ca.pem"),
            ..server_settings(&pki, false)
        },
        &pki.path("ca.pem").display().to_string(),
    );
    // A key that does not belong to the certificate.
    check(
        &mut node,
        TlsServerSettings {
            private_key: pki.path("client.key"),
            ..server_settings(&pki, false)
        },
        &pki.path("client.key").display().to_string(),
    );
    let bad_ca = pki.dir().join("missing-ca.pem");
    check(
        &mut node,
        TlsServerSettings {
            client_ca: Some(bad_ca.clone()),
            ..server_settings(&pki, true)
        },
        &bad_ca.display().to_string(),
    );
    // Each failure was also reported as an event.
    let ev = node.events(4);
    assert!(ev.iter().all(|e| matches!(
        e,
        ConnectionEvent::Error {
            error: IoError::ConfigError { .. },
            ..
        }
    )));

    let mut cfg = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", "CLIENT1", "SERVER"),
        vec![dead_port()],
    );
    cfg.tls = Some(TlsClientSettings {
        cert_chain: Some(pki.path("client.pem")),
        private_key: Some(pki.path("server.key")),
        ..client_settings(&pki, "ca.pem", "localhost", false)
    });
    let err = node.r.add_initiator(cfg).unwrap_err();
    assert_eq!(err.code(), "CONFIG_ERROR");
    assert!(err.to_string().contains("server.key"), "{err}");
}

#[test]
fn a_tls_peer_that_stops_reading_is_disconnected_at_the_bound() {
    let pki = Pki::new();
    let mut acc = Node::new();
    let mut ini = Node::new();
    let mut cfg = AcceptorConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT1")],
    );
    cfg.tls = Some(server_settings(&pki, false));
    cfg.limits.max_pending_write = 128 * 1024;
    cfg.socket.send_buffer_size = Some(16 * 1024);
    let h = acc.r.add_acceptor(cfg).unwrap();
    let (addr, a_sess) = (h.local_addr, h.sessions[0]);
    let mut icfg =
        InitiatorConfig::new(SessionKey::new("FIX.4.4", "CLIENT1", "SERVER"), vec![addr]);
    icfg.tls = Some(client_settings(&pki, "ca.pem", "localhost", false));
    icfg.socket.recv_buffer_size = Some(16 * 1024);
    let i_sess = ini.r.add_initiator(icfg).unwrap();
    until2(&mut ini, &mut acc, "initiator established", |i, _| {
        i.events.len() >= 2
    });
    ini.r.send(i_sess, &logon("CLIENT1", "SERVER")).unwrap();
    until2(&mut acc, &mut ini, "acceptor routed", |a, _| {
        !a.frames.is_empty()
    });
    acc.rec.events.clear();
    // From here on the initiator is never polled: its socket is not read.
    let chunk = vec![b'x'; 8 * 1024];
    let mut sent = 0usize;
    let err = loop {
        match acc.r.send(a_sess, &chunk) {
            Ok(()) => sent += chunk.len(),
            Err(e) => break e,
        }
        assert!(sent < 512 * 1024 * 1024, "never hit the bound");
    };
    assert!(err.to_string().contains("not reading"), "{err}");
    let ev = acc.events(1);
    assert!(
        matches!(&ev[..], [ConnectionEvent::Lost { session, error, .. }] if *session == a_sess && *error == err),
        "{ev:?}"
    );
    assert_eq!(acc.r.state(a_sess), Some(ConnState::Disconnected));
}
