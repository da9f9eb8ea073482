//! Binding an accepted connection to a session by its first message.
//!
//! The first complete frame must be a Logon; its BeginString and CompIDs (the peer's view:
//! SenderCompID is our target) pick one of the acceptor's sessions. A refused Logon that was a
//! valid message is answered with a Logout carrying the reason, so a counterparty's operator sees
//! why in their own log rather than just a closed socket.

use crate::config::SessionKey;
use crate::conn::Close;
use crate::error::IoError;
use crate::SessionId;
use spinfix_session::codec::tags::{self, msg_type};
use spinfix_session::codec::{Decoder, MessageWriter};
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};
use std::net::SocketAddr;

/// A session an acceptor can route to, and whether it is already connected.
pub(crate) struct Candidate<'a> {
    pub(crate) id: SessionId,
    pub(crate) key: &'a SessionKey,
    pub(crate) connected: bool,
}

/// Picks the session for `frame`, or says why the connection must close.
pub(crate) fn route<'a>(
    decoder: &mut Decoder,
    frame: &[u8],
    peer: SocketAddr,
    candidates: impl Iterator<Item = Candidate<'a>>,
    logout_on_refusal: bool,
) -> Result<SessionId, Close> {
    let msg = decoder.decode(frame).map_err(|e| {
        Close::from(IoError::lost(
            peer,
            format!("first message is not a valid FIX message: {e}"),
        ))
    })?;
    if msg.msg_type() != msg_type::LOGON {
        return Err(IoError::lost(
            peer,
            format!(
                "first message has MsgType {}, not Logon",
                String::from_utf8_lossy(msg.msg_type())
            ),
        )
        .into());
    }
    let begin = msg.begin_string();
    let (Some(sender), Some(target)) =
        (msg.get(tags::SENDER_COMP_ID), msg.get(tags::TARGET_COMP_ID))
    else {
        return Err(IoError::lost(peer, "Logon without SenderCompID or TargetCompID").into());
    };
    let mut found = None;
    for c in candidates {
        if c.key.matches_inbound(begin, sender, target) {
            found = Some(c);
            break;
        }
    }
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (reason, detail, session) = match found {
        Some(c) if !c.connected => return Ok(c.id),
        Some(c) => (
            "Session already connected",
            format!(
                "session {} is already connected; second Logon refused",
                c.key
            ),
            Some(c.id),
        ),
        None => (
            "Unknown session",
            format!(
                "unknown session: Logon with BeginString={} SenderCompID={} TargetCompID={}",
                show(begin),
                show(sender),
                show(target)
            ),
            None,
        ),
    };
    Err(Close {
        error: IoError::lost(peer, detail),
        reply: if logout_on_refusal {
            logout(begin, target, sender, reason)
        } else {
            None
        },
        session,
    })
}

/// A Logout from `our_comp_id` to `their_comp_id` with Text(58) = `reason`.
///
/// MsgSeqNum is 1: the session was never established, so no sequence is being continued.
fn logout(begin: &[u8], our_comp_id: &[u8], their_comp_id: &[u8], reason: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256 + begin.len() + our_comp_id.len() + their_comp_id.len()];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let utc = UtcTime::from_unix(i64::try_from(now.as_secs()).ok()?, now.subsec_nanos());
    let mut fmt = TimestampFormatter::new();
    let mut w = MessageWriter::new(&mut buf, begin, msg_type::LOGOUT);
    // Header tags after 8, 9 and 35 go in ascending order, as every message of ours.
    w.uint(tags::MSG_SEQ_NUM, 1)
        .bytes(tags::SENDER_COMP_ID, our_comp_id)
        .timestamp(tags::SENDING_TIME, &mut fmt, utc, TimePrecision::Millis)
        .bytes(tags::TARGET_COMP_ID, their_comp_id)
        .str(tags::TEXT, reason);
    let range = w.finish().ok()?;
    Some(buf[range].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logon(begin: &str, sender: &str, target: &str) -> Vec<u8> {
        let mut buf = vec![0u8; 256];
        let mut w = MessageWriter::new(&mut buf, begin.as_bytes(), msg_type::LOGON);
        w.str(tags::SENDER_COMP_ID, sender)
            .str(tags::TARGET_COMP_ID, target)
            .uint(tags::MSG_SEQ_NUM, 1)
            .str(tags::SENDING_TIME, "20260101-00:00:00.000")
            .uint(98, 0)
            .uint(108, 30);
        let r = w.finish().unwrap();
        buf[r].to_vec()
    }

    fn peer() -> SocketAddr {
        "127.0.0.1:9".parse().unwrap()
    }

    #[test]
    fn routes_by_their_view_of_the_comp_ids() {
        let keys = [
            SessionKey::new("FIX.4.4", "SERVER", "CLIENT1"),
            SessionKey::new("FIX.4.4", "SERVER", "CLIENT2"),
        ];
        let cands = || {
            keys.iter().enumerate().map(|(i, k)| Candidate {
                id: SessionId(i as u32),
                key: k,
                connected: false,
            })
        };
        let mut d = Decoder::new();
        let f = logon("FIX.4.4", "CLIENT2", "SERVER");
        assert_eq!(
            route(&mut d, &f, peer(), cands(), true).unwrap(),
            SessionId(1)
        );
        let f = logon("FIX.4.2", "CLIENT2", "SERVER");
        let err = route(&mut d, &f, peer(), cands(), true).unwrap_err();
        assert!(err.error.to_string().contains("BeginString=FIX.4.2"));
        let reply = err.reply.unwrap();
        let m = d.decode(&reply).unwrap();
        assert_eq!(m.msg_type(), msg_type::LOGOUT);
        assert_eq!(m.get(tags::SENDER_COMP_ID), Some(&b"SERVER"[..]));
        assert_eq!(m.get(tags::TARGET_COMP_ID), Some(&b"CLIENT2"[..]));
        assert_eq!(m.get(tags::TEXT), Some(&b"Unknown session"[..]));
    }

    #[test]
    fn non_logon_and_garbage_close_without_reply() {
        let keys = [SessionKey::new("FIX.4.4", "S", "C")];
        let mut d = Decoder::new();
        let hb = b"8=FIX.4.4\x019=5\x0135=0\x0110=163\x01";
        let cands = keys.iter().map(|k| Candidate {
            id: SessionId(0),
            key: k,
            connected: false,
        });
        let err = route(&mut d, hb, peer(), cands, true).unwrap_err();
        assert!(err.reply.is_none());
        assert!(err.error.to_string().contains("not Logon"), "{}", err.error);
    }
}
