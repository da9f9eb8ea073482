//! The header we write: QuickFIX's order (8, 9, 35, then ascending tags), whatever mix of the
//! session's own fields and a caller's extra header fields a message carries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::pair::{acceptor_config, Harness};

#[test]
fn own_and_extra_header_fields_come_out_in_ascending_order() {
    let cfg = acceptor_config("FIX.4.4")
        .sender_sub_id("SS")
        .target_location_id("TL")
        .build()
        .unwrap();
    let mut h = Harness::new(cfg);
    h.logon(30);
    let now = h.now;
    // Unsorted, one tag below every own field, one equal to an own field (ours goes first, as a
    // stable sort would put it), and some above all of them.
    let extra: [(u32, &[u8]); 5] = [
        (129, b"D2"),
        (115, b"OB"),
        (50, b"X50"),
        (33, b"LOW"),
        (144, b"HIGH"),
    ];
    h.session
        .send_with_header(now, b"D", &extra, |w| {
            w.str(11, "ORD-1");
        })
        .unwrap();
    let m = h.take().expect("the message");
    assert_eq!(
        m.tags(),
        [8, 9, 35, 33, 34, 49, 50, 50, 52, 56, 115, 129, 143, 144, 11, 10]
    );
    let values: Vec<&str> = m.0.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values[6], "SS");
    assert_eq!(values[7], "X50");
    assert_eq!(values[12], "TL");
}

#[test]
fn a_fresh_message_writes_the_four_header_fields() {
    let mut h = Harness::new(acceptor_config("FIX.4.2").build().unwrap());
    h.logon(30);
    let now = h.now;
    h.session
        .send(now, b"D", |w| {
            w.str(11, "ORD-1");
        })
        .unwrap();
    let m = h.take().expect("the message");
    assert_eq!(m.tags(), [8, 9, 35, 34, 49, 52, 56, 11, 10]);
}
