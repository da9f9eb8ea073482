//! Logon and logout rules, with simulated time and no sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use spinfix_session::session::{DisconnectReason, Event, SessionState};
use std::time::Duration;
use support::pair::{acceptor_config, initiator_config, Harness, Pair};

fn disconnected_for(h: &Harness, r: DisconnectReason) -> bool {
    h.has_event(|e| *e == Event::Disconnect(r))
}

#[test]
fn initiator_and_acceptor_log_on_and_negotiate_heartbeat() {
    for bs in ["FIX.4.0", "FIX.4.1", "FIX.4.2", "FIX.4.3", "FIX.4.4"] {
        let mut p = Pair::new(
            initiator_config(bs).build().unwrap(),
            acceptor_config(bs).build().unwrap(),
        );
        p.connect();
        assert!(p.a.is_logged_on(), "{bs}");
        assert!(p.b.is_logged_on(), "{bs}");
        assert_eq!(p.b.heart_bt_int(), Duration::from_secs(30));
        assert_eq!((p.a.next_sender_seq(), p.a.next_target_seq()), (2, 2));
        assert_eq!((p.b.next_sender_seq(), p.b.next_target_seq()), (2, 2));
        assert!(p.sa.events.contains(&Event::LoggedOn { reset: false }));
    }
}

#[test]
fn fixt_logon_carries_default_appl_ver_id() {
    let mut h = Harness::new(
        acceptor_config("FIXT.1.1")
            .default_appl_ver_id("9")
            .build()
            .unwrap(),
    );
    h.connect();
    h.send("A", 1, &[(98, "0"), (108, "30"), (1137, "9")]);
    let a = h.take().unwrap();
    assert_eq!(a.msg_type(), "A");
    assert_eq!(a.get(1137), Some("9"));
    assert_eq!(a.tags(), [8, 9, 35, 34, 49, 52, 56, 98, 108, 1137, 10]);
}

#[test]
fn reset_seq_num_flag_is_sent_and_echoed() {
    let mut p = Pair::new(
        initiator_config("FIX.4.4")
            .reset_on_logon(true)
            .build()
            .unwrap(),
        acceptor_config("FIX.4.4").build().unwrap(),
    );
    // Move both sides away from 1 first.
    p.connect();
    p.order_from_a("1");
    p.a.logout(p.now, None).unwrap();
    p.pump();
    assert_eq!(p.a.state(), SessionState::Disconnected);
    assert_eq!(p.b.next_target_seq(), 4);
    p.connect();
    assert!(p.a.is_logged_on() && p.b.is_logged_on());
    assert_eq!((p.b.next_sender_seq(), p.b.next_target_seq()), (2, 2));
    assert!(p.sb.events.contains(&Event::LoggedOn { reset: true }));
}

#[test]
fn acceptor_answers_reset_with_141_y() {
    let mut h = Harness::new(acceptor_config("FIX.4.4").build().unwrap());
    h.connect();
    h.send("A", 1, &[(98, "0"), (108, "30"), (141, "Y")]);
    let a = h.take().unwrap();
    assert_eq!(a.get(141), Some("Y"));
    assert_eq!(a.seq(), 1);
}

#[test]
fn reset_on_logout_and_on_disconnect() {
    let mut p = Pair::new(
        initiator_config("FIX.4.2").build().unwrap(),
        acceptor_config("FIX.4.2")
            .reset_on_logout(true)
            .build()
            .unwrap(),
    );
    p.connect();
    p.order_from_a("1");
    p.a.logout(p.now, Some("bye")).unwrap();
    p.pump();
    assert_eq!((p.b.next_sender_seq(), p.b.next_target_seq()), (1, 1));

    let mut p = Pair::new(
        initiator_config("FIX.4.2")
            .reset_on_disconnect(true)
            .build()
            .unwrap(),
        acceptor_config("FIX.4.2").build().unwrap(),
    );
    p.connect();
    p.order_from_a("1");
    p.a.handle_disconnected(p.now).unwrap();
    assert_eq!((p.a.next_sender_seq(), p.a.next_target_seq()), (1, 1));
}

#[test]
fn logon_timeout_disconnects() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    let start = h.now.mono;
    assert!(h.next_deadline());
    assert_eq!(h.now.mono.saturating_since(start), Duration::from_secs(10));
    assert!(disconnected_for(&h, DisconnectReason::LogonTimeout));

    let mut p = Pair::new(
        initiator_config("FIX.4.2").build().unwrap(),
        acceptor_config("FIX.4.2").build().unwrap(),
    );
    p.deliver_ab = false;
    p.connect();
    assert!(p.next_deadline());
    assert!(p
        .sa
        .events
        .contains(&Event::Disconnect(DisconnectReason::LogonTimeout)));
}

#[test]
fn logon_with_wrong_begin_string_or_comp_ids_is_refused() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    let m = h.raw(
        "FIX.4.4",
        "A",
        &[
            (34, "1".into()),
            (49, "TW".into()),
            (52, "20260101-12:00:00".into()),
            (56, "ISLD".into()),
            (98, "0".into()),
            (108, "30".into()),
        ],
    );
    h.feed(&m);
    assert!(h.take().is_none());
    assert!(disconnected_for(&h, DisconnectReason::WrongBeginString));

    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    let m = h.raw(
        "FIX.4.2",
        "A",
        &[
            (34, "1".into()),
            (49, "XX".into()),
            (52, "20260101-12:00:00".into()),
            (56, "ISLD".into()),
            (98, "0".into()),
            (108, "30".into()),
        ],
    );
    h.feed(&m);
    assert!(h.take().is_none());
    assert!(disconnected_for(&h, DisconnectReason::WrongCompId));
}

#[test]
fn first_message_must_be_logon() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    h.send("0", 1, &[]);
    assert!(h.take().is_none());
    assert!(disconnected_for(&h, DisconnectReason::FirstMessageNotLogon));
}

#[test]
fn second_logon_on_live_session_disconnects() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.logon(30);
    h.send("A", 2, &[(98, "0"), (108, "30")]);
    assert!(disconnected_for(&h, DisconnectReason::DuplicateLogon));
}

#[test]
fn logon_with_bad_sending_time_disconnects_silently() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    h.advance(Duration::from_secs(0));
    let m = h.raw(
        "FIX.4.2",
        "A",
        &[
            (34, "1".into()),
            (49, "TW".into()),
            (52, "20010101-00:00:00".into()),
            (56, "ISLD".into()),
            (98, "0".into()),
            (108, "30".into()),
        ],
    );
    h.feed(&m);
    assert!(h.take().is_none());
    assert!(disconnected_for(&h, DisconnectReason::InvalidLogon));
}

#[test]
fn garbled_logon_disconnects() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    let mut m = h.peer("A", 1, &[(98, "0"), (108, "30")]);
    let n = m.len();
    m[n - 2] = if m[n - 2] == b'0' { b'1' } else { b'0' };
    h.feed(&m);
    assert!(disconnected_for(&h, DisconnectReason::InvalidLogon));
}

#[test]
fn logout_we_start_waits_for_answer_then_disconnects() {
    let mut p = Pair::new(
        initiator_config("FIX.4.4").build().unwrap(),
        acceptor_config("FIX.4.4").build().unwrap(),
    );
    p.connect();
    p.a.logout(p.now, Some("done")).unwrap();
    p.pump();
    assert!(p
        .sa
        .events
        .contains(&Event::Disconnect(DisconnectReason::LogoutComplete)));
    assert!(p
        .sb
        .events
        .contains(&Event::Disconnect(DisconnectReason::LogoutReceived)));
    assert!(p.sa.events.contains(&Event::LoggedOut));
}

#[test]
fn logout_timeout_when_unanswered() {
    let mut h = Harness::new(acceptor_config("FIX.4.4").build().unwrap());
    h.logon(30);
    h.session.logout(h.now, None).unwrap();
    let lo = h.take().unwrap();
    assert_eq!(lo.msg_type(), "5");
    assert_eq!(h.session.state(), SessionState::LoggingOut);
    let t0 = h.now.mono;
    assert!(h.next_deadline());
    assert_eq!(h.now.mono.saturating_since(t0), Duration::from_secs(2));
    assert!(disconnected_for(&h, DisconnectReason::LogoutTimeout));
}

#[test]
fn logout_received_is_answered_then_disconnect() {
    let mut h = Harness::new(acceptor_config("FIX.4.4").build().unwrap());
    h.logon(30);
    h.send("5", 2, &[(58, "bye")]);
    let lo = h.take().unwrap();
    assert_eq!((lo.msg_type(), lo.seq()), ("5", 2));
    assert!(disconnected_for(&h, DisconnectReason::LogoutReceived));
}

#[test]
fn next_expected_msg_seq_num_replays_what_the_peer_missed() {
    let mut h = Harness::new(
        acceptor_config("FIX.4.4")
            .enable_next_expected_msg_seq_num(true)
            .build()
            .unwrap(),
    );
    let a = h.logon(30);
    assert_eq!(a.get(789), Some("2"));
    for id in ["1", "2"] {
        h.session
            .send(h.now, b"D", |w| {
                w.str(11, id);
            })
            .unwrap();
    }
    assert_eq!(h.take_all().len(), 2);
    h.session.handle_disconnected(h.now).unwrap();
    h.connect();
    // The peer says it next expects 2: messages 2 and 3 are replayed after our Logon.
    h.send("A", 2, &[(98, "0"), (108, "30"), (789, "2")]);
    let out = h.take_all();
    let kinds: Vec<(&str, u64)> = out.iter().map(|m| (m.msg_type(), m.seq())).collect();
    assert_eq!(kinds, [("A", 4), ("D", 2), ("D", 3)]);
    assert_eq!(out[0].get(789), Some("3"));
    assert_eq!(out[1].get(43), Some("Y"));
    assert!(out[1].get(122).is_some());
}

#[test]
fn initiator_sends_logon_and_accepts_the_answer() {
    let mut h = Harness::new(
        initiator_config("FIX.4.4")
            .reset_on_logon(true)
            .build()
            .unwrap(),
    );
    h.connect();
    let logon = h.take().unwrap();
    assert_eq!(logon.tags(), [8, 9, 35, 34, 49, 52, 56, 98, 108, 141, 10]);
    assert_eq!(
        (logon.get(49), logon.get(56), logon.get(108), logon.get(141)),
        (Some("TW"), Some("ISLD"), Some("30"), Some("Y"))
    );
    assert_eq!(h.session.state(), SessionState::AwaitingLogon);
    h.send("A", 1, &[(98, "0"), (108, "30"), (141, "Y")]);
    assert!(
        h.take().is_none(),
        "an initiator does not answer the answer"
    );
    assert!(h.session.is_logged_on());
    assert!(h.has_event(|e| *e == Event::LoggedOn { reset: true }));
    assert_eq!(h.session.next_target_seq(), 2);
}
