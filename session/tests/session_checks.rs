//! Heartbeats and test requests, header and body checks, rejects and reverse routing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use spinfix_session::codec::Message;
use spinfix_session::reject::{RejectReason, Rejection};
use spinfix_session::session::{DisconnectReason, Event, MessageValidator};
use std::sync::Arc;
use std::time::Duration;
use support::pair::{acceptor_config, initiator_config, Harness, Pair};

fn logged_on(bs: &str, hb: u32) -> Harness {
    let mut h = Harness::new(acceptor_config(bs).build().unwrap());
    h.logon(hb);
    h
}

#[test]
fn heartbeat_after_send_silence() {
    let mut h = logged_on("FIX.4.2", 6);
    let t0 = h.now.mono;
    assert!(h.next_deadline());
    let hb = h.take().unwrap();
    assert_eq!((hb.msg_type(), hb.seq()), ("0", 2));
    assert_eq!(h.now.mono.saturating_since(t0), Duration::from_secs(6));
}

#[test]
fn test_request_then_disconnect_on_receive_silence() {
    let mut h = logged_on("FIX.4.2", 10);
    let t0 = h.now.mono;
    let mut sent = Vec::new();
    while !h.side.disconnected && h.next_deadline() {
        for m in h.take_all() {
            sent.push((m.msg_type().to_owned(), h.now.mono.saturating_since(t0)));
        }
    }
    assert_eq!(
        sent,
        [
            ("0".to_owned(), Duration::from_secs(10)),
            ("1".to_owned(), Duration::from_secs(12)),
        ]
    );
    assert_eq!(h.now.mono.saturating_since(t0), Duration::from_secs(24));
    assert!(h.has_event(|e| *e == Event::Disconnect(DisconnectReason::HeartbeatTimeout)));
}

#[test]
fn answered_test_request_keeps_the_session_alive() {
    let mut h = logged_on("FIX.4.4", 10);
    let mut seq = 2;
    for _ in 0..6 {
        assert!(h.next_deadline());
        for m in h.take_all() {
            if m.msg_type() == "1" {
                let id = m.get(112).unwrap().to_owned();
                h.send("0", seq, &[(112, &id)]);
                seq += 1;
            }
        }
    }
    assert!(!h.side.disconnected);
}

#[test]
fn heartbeat_answers_test_request_with_its_id() {
    let mut h = logged_on("FIX.4.4", 30);
    h.send("1", 2, &[(112, "ABC")]);
    let hb = h.take().unwrap();
    assert_eq!((hb.msg_type(), hb.get(112)), ("0", Some("ABC")));
}

#[test]
fn pair_stays_up_through_quiet_hours() {
    let mut p = Pair::new(
        initiator_config("FIX.4.4")
            .heart_bt_int(Duration::from_secs(5))
            .build()
            .unwrap(),
        acceptor_config("FIX.4.4").build().unwrap(),
    );
    p.connect();
    let t0 = p.now.mono;
    while p.now.mono.saturating_since(t0) < Duration::from_secs(3600) {
        assert!(p.next_deadline());
    }
    assert!(p.a.is_logged_on() && p.b.is_logged_on());
}

#[test]
fn sending_time_accuracy() {
    let mut h = logged_on("FIX.4.2", 30);
    let old = h.ts(h.now.utc.saturating_add(Duration::from_secs(0)));
    h.advance(Duration::from_secs(121));
    let m = h.raw(
        "FIX.4.2",
        "0",
        &[
            (34, "2".into()),
            (49, "TW".into()),
            (52, old),
            (56, "ISLD".into()),
        ],
    );
    h.feed(&m);
    let out = h.take_all();
    assert_eq!(out[0].msg_type(), "3");
    assert_eq!(out[0].get(58), Some("SendingTime accuracy problem"));
    assert_eq!(out[0].get(373), Some("10"));
    assert_eq!(out[1].msg_type(), "5");
}

#[test]
fn comp_id_problem_rejects_and_logs_out() {
    let mut h = logged_on("FIX.4.2", 30);
    let ts = h.ts(h.now.utc);
    let m = h.raw(
        "FIX.4.2",
        "D",
        &[
            (34, "2".into()),
            (49, "WT".into()),
            (52, ts),
            (56, "ISLD".into()),
            (11, "x".into()),
        ],
    );
    h.feed(&m);
    let out = h.take_all();
    assert_eq!(
        (out[0].msg_type(), out[0].get(58), out[0].get(373)),
        ("3", Some("CompID problem"), Some("9"))
    );
    assert_eq!(out[1].msg_type(), "5");
    assert!(h.side.delivered.is_empty());
}

#[test]
fn begin_string_changed_mid_session_logs_out() {
    let mut h = logged_on("FIX.4.2", 30);
    let ts = h.ts(h.now.utc);
    let m = h.raw(
        "FIX.4.1",
        "1",
        &[
            (34, "2".into()),
            (49, "TW".into()),
            (52, ts),
            (56, "ISLD".into()),
            (112, "x".into()),
        ],
    );
    h.feed(&m);
    let lo = h.take().unwrap();
    assert_eq!(
        (lo.msg_type(), lo.get(58)),
        ("5", Some("Incorrect BeginString"))
    );
    assert!(h.next_deadline());
    assert!(h.has_event(|e| *e == Event::Disconnect(DisconnectReason::LogoutTimeout)));
}

#[test]
fn garbled_frames_are_ignored_without_consuming_a_number() {
    let mut h = logged_on("FIX.4.2", 30);
    let good = h.peer("0", 2, &[]);
    let mut bad_sum = good.clone();
    let n = bad_sum.len();
    bad_sum[n - 2] = if bad_sum[n - 2] == b'0' { b'1' } else { b'0' };
    h.feed(&bad_sum);
    let bad_len = String::from_utf8(good.clone())
        .unwrap()
        .replacen("\x019=", "\x019=1", 1);
    h.feed(bad_len.as_bytes());
    assert!(h.take().is_none());
    assert_eq!(h.session.next_target_seq(), 2);
    assert!(h.has_event(|e| *e == Event::Garbled));
    h.feed(&good);
    assert_eq!(h.session.next_target_seq(), 3);
}

#[test]
fn missing_required_header_fields_are_rejected() {
    let mut h = logged_on("FIX.4.4", 30);
    let m = h.raw(
        "FIX.4.4",
        "0",
        &[(34, "2".into()), (49, "TW".into()), (56, "ISLD".into())],
    );
    h.feed(&m);
    let r = h.take().unwrap();
    assert_eq!(
        (r.msg_type(), r.get(371), r.get(373)),
        ("3", Some("52"), Some("1"))
    );
    assert_eq!(h.session.next_target_seq(), 3);
}

#[test]
fn unsupported_message_type_business_reject_or_session_reject() {
    let mut h = logged_on("FIX.4.2", 30);
    h.send("8", 2, &[(37, "x")]);
    let m = h.side.delivered.pop().unwrap();
    let frame = {
        let mut raw = h.peer("8", 2, &[(37, "x")]);
        raw.shrink_to_fit();
        raw
    };
    let mut dec = spinfix_session::codec::Decoder::new();
    let msg = dec.decode(&frame).unwrap();
    assert_eq!(m.msg_type(), "8");
    h.session.reject_unsupported(h.now, &msg).unwrap();
    let r = h.take().unwrap();
    assert_eq!(
        (r.msg_type(), r.get(45), r.get(372), r.get(380), r.get(58)),
        (
            "j",
            Some("2"),
            Some("8"),
            Some("3"),
            Some("Unsupported Message Type")
        )
    );

    let mut h = logged_on("FIX.4.0", 30);
    h.send("8", 2, &[(37, "x")]);
    let frame = h.peer("8", 2, &[(37, "x")]);
    let mut dec = spinfix_session::codec::Decoder::new();
    let msg = dec.decode(&frame).unwrap();
    h.session.reject_unsupported(h.now, &msg).unwrap();
    let r = h.take().unwrap();
    assert_eq!(
        (r.msg_type(), r.get(58), r.get(372)),
        ("3", Some("Unsupported message type"), None)
    );
}

#[derive(Debug)]
struct NoTag40W;

impl MessageValidator for NoTag40W {
    fn validate(&self, msg: &Message<'_>) -> Result<(), Rejection> {
        match msg.get(40) {
            Some(b"w") => Err(Rejection::tag(RejectReason::ValueIsIncorrect, 40)),
            _ => Ok(()),
        }
    }
}

#[test]
fn validator_rejections_reverse_route_and_consume_the_number() {
    let mut h = Harness::new(
        acceptor_config("FIX.4.2")
            .validator(Arc::new(NoTag40W))
            .build()
            .unwrap(),
    );
    h.logon(30);
    h.send(
        "D",
        2,
        &[(115, "JCD"), (116, "CS"), (144, ""), (11, "x"), (40, "w")],
    );
    let r = h.take().unwrap();
    assert_eq!(
        r.tags(),
        [8, 9, 35, 34, 49, 52, 56, 128, 129, 45, 58, 371, 372, 373, 10]
    );
    assert_eq!(
        (r.get(128), r.get(129), r.get(371)),
        (Some("JCD"), Some("CS"), Some("40"))
    );
    assert_eq!(h.session.next_target_seq(), 3);
    assert!(h.side.delivered.is_empty());
    assert!(h.has_event(|e| matches!(
        e,
        Event::RejectSent {
            ref_seq: Some(2),
            reason: RejectReason::ValueIsIncorrect
        }
    )));
}

#[test]
fn fix40_reject_puts_the_tag_in_the_text() {
    let mut h = Harness::new(
        acceptor_config("FIX.4.0")
            .validator(Arc::new(NoTag40W))
            .build()
            .unwrap(),
    );
    h.logon(30);
    h.send("D", 2, &[(11, "x"), (40, "w")]);
    let r = h.take().unwrap();
    assert_eq!(r.tags(), [8, 9, 35, 34, 49, 52, 56, 45, 58, 10]);
    assert_eq!(
        r.get(58),
        Some("Value is incorrect (out of range) for this tag (40)")
    );
}

#[test]
fn fix42_omits_reason_codes_above_eleven() {
    #[derive(Debug)]
    struct Repeated;
    impl MessageValidator for Repeated {
        fn validate(&self, msg: &Message<'_>) -> Result<(), Rejection> {
            if msg.msg_type() == b"D" {
                Err(Rejection::tag(RejectReason::TagAppearsMoreThanOnce, 40))
            } else {
                Ok(())
            }
        }
    }
    let mut h = Harness::new(
        acceptor_config("FIX.4.2")
            .validator(Arc::new(Repeated))
            .build()
            .unwrap(),
    );
    h.logon(30);
    h.send("D", 2, &[(40, "1"), (40, "2")]);
    let r = h.take().unwrap();
    assert_eq!((r.get(371), r.get(373)), (Some("40"), None));
}

#[test]
fn reject_received_is_reported_and_consumed() {
    let mut h = logged_on("FIX.4.2", 30);
    h.send("3", 2, &[(45, "1")]);
    assert!(h.has_event(|e| *e == Event::RejectReceived { ref_seq: Some(1) }));
    assert_eq!(h.session.next_target_seq(), 3);
}

#[test]
fn send_before_logon_is_an_error() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.connect();
    let e = h.session.send(h.now, b"D", |_| {}).unwrap_err();
    assert!(e.to_string().contains("FIX.4.2:ISLD->TW"), "{e}");
}
