//! Sequence-number rules, gap fill, and answering ResendRequests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use spinfix_session::codec::Message;
use spinfix_session::session::{DisconnectReason, Event, ResendFilter};
use std::time::Duration;
use support::pair::{acceptor_config, initiator_config, Harness, Msg, Pair};

fn logged_on(bs: &str) -> Harness {
    let mut h = Harness::new(acceptor_config(bs).build().unwrap());
    h.logon(30);
    h
}

#[test]
fn too_high_is_queued_requested_and_delivered_in_order_once() {
    let mut h = logged_on("FIX.4.2");
    h.send("D", 2, &[(11, "a")]);
    h.send("D", 5, &[(11, "d")]);
    h.send("D", 6, &[(11, "e")]);
    let rr = h.take_all();
    assert_eq!(rr.len(), 1, "one ResendRequest for the gap");
    assert_eq!(rr[0].msg_type(), "2");
    assert_eq!((rr[0].get(7), rr[0].get(16)), (Some("3"), Some("0")));
    assert!(h.has_event(|e| *e
        == Event::GapDetected {
            expected: 3,
            received: 5
        }));
    assert_eq!(h.session.queued(), 2);
    // The gap is filled by resent messages; the queue drains in order.
    let ts = h.ts(h.now.utc);
    h.send("D", 3, &[(43, "Y"), (122, &ts), (11, "b")]);
    h.send("D", 4, &[(43, "Y"), (122, &ts), (11, "c")]);
    let ids: Vec<&str> = h
        .side
        .delivered
        .iter()
        .map(|m| m.get(11).unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(h.session.next_target_seq(), 7);
    assert!(h.has_event(|e| matches!(e, Event::ResendDone { end: 4 })));
    // A duplicate of a queued message is not delivered twice.
    h.send("D", 5, &[(43, "Y"), (122, &ts), (11, "d")]);
    assert_eq!(h.side.delivered.len(), 5);
}

#[test]
fn fix41_resend_request_ends_with_999999() {
    let mut h = logged_on("FIX.4.1");
    h.send("0", 4, &[]);
    let rr = h.take().unwrap();
    assert_eq!((rr.get(7), rr.get(16)), (Some("2"), Some("999999")));
}

#[test]
fn resend_request_chunks() {
    let mut h = Harness::new(
        acceptor_config("FIX.4.4")
            .resend_request_chunk_size(2)
            .build()
            .unwrap(),
    );
    h.logon(30);
    h.send("0", 7, &[]);
    let rr = h.take().unwrap();
    assert_eq!((rr.get(7), rr.get(16)), (Some("2"), Some("3")));
    let ts = h.ts(h.now.utc);
    h.send("0", 2, &[(43, "Y"), (122, &ts)]);
    h.send("0", 3, &[(43, "Y"), (122, &ts)]);
    let rr = h.take().unwrap();
    assert_eq!((rr.get(7), rr.get(16)), (Some("4"), Some("5")));
    h.send("4", 4, &[(43, "Y"), (122, &ts), (36, "6"), (123, "Y")]);
    let rr = h.take().unwrap();
    assert_eq!((rr.get(7), rr.get(16)), (Some("6"), Some("0")));
    h.send("0", 6, &[(43, "Y"), (122, &ts)]);
    assert_eq!(h.session.next_target_seq(), 8);
}

#[test]
fn too_low_without_poss_dup_logs_out_and_disconnects() {
    let mut h = logged_on("FIX.4.4");
    h.send("0", 2, &[]);
    h.send("0", 3, &[]);
    h.send("0", 2, &[]);
    let lo = h.take().unwrap();
    assert_eq!(lo.msg_type(), "5");
    assert_eq!(
        lo.get(58),
        Some("MsgSeqNum too low, expecting 4 but received 2")
    );
    assert!(h.has_event(|e| *e == Event::Disconnect(DisconnectReason::SeqNumTooLow)));
}

#[test]
fn poss_dup_duplicates_are_ignored_or_rejected() {
    let mut h = logged_on("FIX.4.4");
    h.send("D", 2, &[(11, "a")]);
    h.send("D", 3, &[(11, "b")]);
    let ts = h.ts(h.now.utc);
    // A proper duplicate: ignored, nothing sent, nothing delivered.
    h.send("D", 2, &[(43, "Y"), (122, &ts), (11, "a")]);
    assert!(h.take().is_none());
    assert_eq!(h.side.delivered.len(), 2);
    // Without OrigSendingTime: Reject, number not consumed.
    h.send("D", 2, &[(43, "Y"), (11, "a")]);
    let r = h.take().unwrap();
    assert_eq!(r.msg_type(), "3");
    assert_eq!(
        (r.get(45), r.get(371), r.get(373), r.get(58)),
        (
            Some("2"),
            Some("122"),
            Some("1"),
            Some("Required tag missing")
        )
    );
    assert_eq!(h.session.next_target_seq(), 4);
    // OrigSendingTime after SendingTime: Reject (SendingTime accuracy) and Logout.
    let later = h.ts(h.now.utc.saturating_add(Duration::from_secs(10)));
    h.send("D", 2, &[(43, "Y"), (122, &later), (11, "a")]);
    let out = h.take_all();
    assert_eq!(out[0].msg_type(), "3");
    assert_eq!(out[0].get(373), Some("10"));
    assert_eq!(out[1].msg_type(), "5");
}

#[test]
fn sequence_reset_gap_fill_and_reset_modes() {
    let mut h = logged_on("FIX.4.2");
    // GapFill in sequence moves the expected number.
    h.send("4", 2, &[(36, "10"), (123, "Y")]);
    assert_eq!(h.session.next_target_seq(), 10);
    // GapFill too high is treated as a gap.
    h.send("4", 12, &[(36, "20"), (123, "Y")]);
    assert_eq!(h.take().unwrap().msg_type(), "2");
    // Reset mode ignores the MsgSeqNum and moves forward.
    h.send("4", 0, &[(36, "30")]);
    assert_eq!(h.session.next_target_seq(), 30);
    // Reset mode lower than expected: Reject, value incorrect, no RefTagID.
    h.send("4", 0, &[(36, "5")]);
    let r = h.take().unwrap();
    assert_eq!(r.msg_type(), "3");
    assert_eq!(
        (r.get(373), r.get(371), r.get(45)),
        (Some("5"), None, Some("0"))
    );
    assert_eq!(h.session.next_target_seq(), 30);
}

#[test]
fn resend_replays_app_messages_and_gap_fills_admin() {
    let mut h = logged_on("FIX.4.2");
    h.session
        .send(h.now, b"D", |w| {
            w.str(11, "x").str(55, "IBM");
        })
        .unwrap(); // 2
    h.send("1", 2, &[(112, "t")]); // we answer with Heartbeat 3
    h.session
        .send(h.now, b"D", |w| {
            w.str(11, "y");
        })
        .unwrap(); // 4
    h.take_all();
    h.advance(Duration::from_secs(5));
    h.send("2", 3, &[(7, "1"), (16, "0")]);
    let out = h.take_all();
    let shape: Vec<(String, u64, Option<String>)> = out
        .iter()
        .map(|m| (m.msg_type().into(), m.seq(), m.get(36).map(String::from)))
        .collect();
    assert_eq!(
        shape,
        [
            ("4".into(), 1, Some("2".into())),
            ("D".into(), 2, None),
            ("4".into(), 3, Some("4".into())),
            ("D".into(), 4, None),
        ]
    );
    let d = &out[1];
    assert_eq!(d.get(43), Some("Y"));
    assert_eq!(d.tags(), [8, 9, 35, 34, 43, 49, 52, 56, 122, 11, 55, 10]);
    assert_ne!(
        d.get(52),
        d.get(122),
        "SendingTime rewritten, original kept in 122"
    );
    assert_eq!(out[0].get(123), Some("Y"));
    assert!(h.has_event(|e| *e == Event::ResendServed { begin: 1, end: 4 }));
    // Our own numbering is untouched by the replay.
    assert_eq!(h.session.next_sender_seq(), 5);
}

#[test]
fn fix41_end_seq_no_999999_means_all() {
    let mut h = logged_on("FIX.4.1");
    h.session
        .send(h.now, b"D", |w| {
            w.str(11, "x");
        })
        .unwrap();
    h.take_all();
    h.send("2", 2, &[(7, "2"), (16, "999999")]);
    let out = h.take_all();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].msg_type(), out[0].seq()), ("D", 2));
}

#[derive(Debug)]
struct NoStaleOrders;

impl ResendFilter for NoStaleOrders {
    fn resend(&mut self, msg: &Message<'_>) -> bool {
        msg.get(11) != Some(b"stale")
    }
}

#[test]
fn application_can_veto_a_resend() {
    let mut h = logged_on("FIX.4.4");
    h.session.set_resend_filter(Box::new(NoStaleOrders));
    for id in ["ok1", "stale", "ok2"] {
        h.session
            .send(h.now, b"D", |w| {
                w.str(11, id);
            })
            .unwrap();
    }
    h.take_all();
    h.send("2", 2, &[(7, "2"), (16, "4")]);
    let out = h.take_all();
    let shape: Vec<(&str, u64)> = out.iter().map(|m| (m.msg_type(), m.seq())).collect();
    assert_eq!(shape, [("D", 2), ("4", 3), ("D", 4)]);
    assert_eq!(out[1].get(36), Some("4"));
}

#[test]
fn resend_streams_from_the_store() {
    let mut h = logged_on("FIX.4.4");
    for i in 0..5000u32 {
        h.session
            .send(h.now, b"D", |w| {
                w.uint(11, u64::from(i))
                    .str(55, "A-FAIRLY-LONG-SYMBOL-NAME");
            })
            .unwrap();
    }
    h.take_all();
    h.send("2", 2, &[(7, "2"), (16, "0")]);
    // Only a bounded window is encoded ahead of the transmit drain.
    let first = h.session.transmit_pending().len();
    assert!(first < 64 * 1024, "{first} bytes encoded ahead");
    // Messages sent while the replay streams go out after it.
    h.session
        .send(h.now, b"D", |w| {
            w.str(11, "after");
        })
        .unwrap();
    let out = h.take_all();
    assert_eq!(out.len(), 5001);
    assert!(out[..5000].iter().all(|m| m.get(43) == Some("Y")));
    assert_eq!(out[5000].get(11), Some("after"));
    assert_eq!(out[5000].seq(), 5002);
}

#[test]
fn both_sides_with_gaps_send_their_resend_request_first() {
    let mut h = logged_on("FIX.4.2");
    h.session
        .send(h.now, b"D", |w| {
            w.str(11, "x");
        })
        .unwrap(); // 2
    h.take_all();
    // Their ResendRequest arrives with a number too high.
    h.send("2", 4, &[(7, "2"), (16, "2")]);
    let out = h.take_all();
    let shape: Vec<(&str, u64)> = out.iter().map(|m| (m.msg_type(), m.seq())).collect();
    assert_eq!(shape, [("2", 3), ("D", 2)]);
    // The held ResendRequest is not answered again when the gap fills.
    let ts = h.ts(h.now.utc);
    h.send("0", 2, &[(43, "Y"), (122, &ts)]);
    h.send("0", 3, &[(43, "Y"), (122, &ts)]);
    assert!(h.take().is_none());
    assert_eq!(h.session.next_target_seq(), 5);
}

#[test]
fn queue_is_bounded() {
    let mut h = Harness::new(
        acceptor_config("FIX.4.4")
            .max_queued_messages(3)
            .build()
            .unwrap(),
    );
    h.logon(30);
    for seq in 5..9 {
        h.send("0", seq, &[]);
    }
    assert!(h.has_event(|e| *e == Event::Disconnect(DisconnectReason::QueueFull)));
}

#[test]
fn pair_recovers_a_lost_message_by_itself() {
    let mut p = Pair::new(
        initiator_config("FIX.4.4").build().unwrap(),
        acceptor_config("FIX.4.4").build().unwrap(),
    );
    p.connect();
    p.order_from_a("1");
    p.deliver_ab = false;
    p.order_from_a("2");
    p.deliver_ab = true;
    p.order_from_a("3");
    let ids: Vec<String> =
        p.sb.delivered
            .iter()
            .map(|m: &Msg| m.get(11).unwrap().to_owned())
            .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(p.b.next_target_seq(), 5);
    assert_eq!(p.b.queued(), 0);
}
