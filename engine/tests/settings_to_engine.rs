//! A QuickFIX settings file, with spinfix's journal and refusal keys, becomes a running engine
//! whose journal keeps the inbound messages too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::config::parse_settings;
use spinfix::{
    AppReject, Application, Ctx, DictionaryCache, Engine, EngineEvent, SessionSpec, StoreSpec,
    Transport,
};
use spinfix_io::{InitiatorConfig, SessionKey};
use spinfix_session::codec::Message;
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Event;
use spinfix_store::{Direction, Durability, Journal};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Echo;

impl Application for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() != b"D" {
            return Ok(());
        }
        let id = msg.get(11).unwrap_or_default().to_vec();
        let _ = ctx.send(b"8", |w| {
            w.bytes(11, &id)
                .str(37, "1")
                .str(17, "1")
                .char(150, b'0')
                .char(39, b'0');
        });
        Ok(())
    }
}

fn settings(port: u16, store: &Path) -> String {
    format!(
        "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort={port}\n\
         StartTime=00:00:00\nEndTime=00:00:00\nFileStorePath={}\nUseDataDictionary=N\n\
         JournalInbound=Y\nJournalDurability=PERIODIC\nJournalFlushMessages=10\n\
         JournalFlushIntervalMs=5\nJournalSegmentSize=4194304\nSendLogoutOnRefusal=Y\n\
         [SESSION]\nBeginString=FIX.4.4\nSenderCompID=SELL\nTargetCompID=BUY\n",
        store.display()
    )
}

#[test]
fn spinfix_keys_reach_the_journal_and_the_acceptor() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let parsed = parse_settings(Path::new("test.cfg"), &settings(port, dir.path())).unwrap();
    let spec = SessionSpec::from_settings(&parsed[0], &mut DictionaryCache::default()).unwrap();
    match &spec.transport {
        Transport::Acceptor(a) => assert!(a.logout_on_refusal),
        other => panic!("{other:?}"),
    }
    match &spec.store {
        StoreSpec::Journal(j) => {
            assert!(j.journal_inbound);
            assert_eq!(j.segment_size, 4 << 20);
            assert_eq!(
                j.durability,
                Durability::Periodic {
                    messages: 10,
                    interval: Duration::from_millis(5)
                }
            );
        }
        other => panic!("{other:?}"),
    }

    let acc = Engine::builder().session(spec).start(Echo).unwrap();
    let mut ic = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", "BUY", "SELL"),
        vec![SocketAddr::from(([127, 0, 0, 1], port))],
    );
    ic.reconnect_interval = Duration::from_secs(1);
    let ini = Engine::builder()
        .session(SessionSpec {
            config: SessionConfig::builder("FIX.4.4", "BUY", "SELL", Role::Initiator)
                .build()
                .unwrap(),
            transport: Transport::Initiator(ic),
            store: StoreSpec::Memory,
        })
        .start(Echo)
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let left = until
            .checked_duration_since(Instant::now())
            .expect("no logon");
        if let Ok(EngineEvent::Session {
            event: Event::LoggedOn { .. },
            ..
        }) = ini.events().recv_timeout(left)
        {
            break;
        }
    }
    let h = ini.handle("FIX.4.4:BUY->SELL").unwrap();
    for i in 0..5 {
        h.send(b"D", format!("11=ORD{i}\x0155=X\x01").as_bytes())
            .unwrap();
    }
    // The stop's Logout follows the queued orders (producer queues drain before control in
    // a duty cycle); then the acceptor's audit journal holds all of them.
    ini.stop(Duration::from_secs(2)).unwrap();
    acc.stop(Duration::from_secs(2)).unwrap();
    let j = Journal::open_read_only(dir.path(), "FIX.4.4:SELL->BUY").unwrap();
    let inbound = j.stats(Direction::Inbound);
    // Logon, five orders and the Logout came in.
    assert_eq!(inbound.records, 7, "{inbound:?}");
    assert_eq!((inbound.first_seq, inbound.last_seq), (Some(1), Some(7)));
}
