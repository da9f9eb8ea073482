//! The application's admin hook: fields on our Logon, and refusing a peer's Logon.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use spinfix_session::codec::{tags, Message, MessageWriter};
use spinfix_session::session::{AdminHook, DisconnectReason, Event};
use support::pair::{acceptor_config, initiator_config, Harness, Pair};

/// Adds a Username and Password to our Logon.
#[derive(Debug)]
struct Credentials;

impl AdminHook for Credentials {
    fn on_outgoing(&mut self, msg_type: &[u8], w: &mut MessageWriter<'_>) {
        if msg_type == b"A" {
            w.str(tags::USERNAME, "trader")
                .str(tags::PASSWORD, "secret");
        }
    }
}

/// Accepts only the right password.
#[derive(Debug)]
struct Gate;

impl AdminHook for Gate {
    fn check_logon(&mut self, logon: &Message<'_>) -> Result<(), String> {
        match logon.get(tags::PASSWORD) {
            Some(b"secret") => Ok(()),
            _ => Err("Invalid credentials".into()),
        }
    }
}

#[test]
fn a_logon_with_the_right_password_is_accepted() {
    let mut p = Pair::new(
        initiator_config("FIX.4.4").build().unwrap(),
        acceptor_config("FIX.4.4").build().unwrap(),
    );
    p.a.set_admin_hook(Box::new(Credentials));
    p.b.set_admin_hook(Box::new(Gate));
    p.connect();
    assert!(p.a.is_logged_on());
    assert!(p.b.is_logged_on());
}

#[test]
fn a_refused_logon_gets_a_logout_with_the_reason_and_a_disconnect() {
    let mut h = Harness::new(acceptor_config("FIX.4.4").build().unwrap());
    h.session.set_admin_hook(Box::new(Gate));
    h.connect();
    h.send("A", 1, &[(98, "0"), (108, "30"), (554, "wrong")]);
    let logout = h.take().expect("an answer to the Logon");
    assert_eq!(logout.msg_type(), "5");
    assert_eq!(logout.get(58), Some("Invalid credentials"));
    assert!(!h.session.is_logged_on());
    assert!(h.has_event(|e| *e == Event::LogonRefused));
    assert!(h.has_event(|e| *e == Event::Disconnect(DisconnectReason::LogonRefused)));

    // The right password is let in.
    let mut h = Harness::new(acceptor_config("FIX.4.4").build().unwrap());
    h.session.set_admin_hook(Box::new(Gate));
    h.connect();
    h.send("A", 1, &[(98, "0"), (108, "30"), (554, "secret")]);
    assert_eq!(h.take().expect("a Logon answer").msg_type(), "A");
    assert!(h.session.is_logged_on());
}
