//! End to end on loopback: an initiator engine and an acceptor engine, each with its journal,
//! exchange orders while the connection is cut several times. After each reconnect the gaps are
//! resent, and each application sees every message exactly once, in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::config::TuningConfig;
use spinfix::idle::IdleStrategy;
use spinfix::{
    AcceptorSpec, AppReject, Application, Ctx, Engine, EngineEvent, SessionSpec, Sessions,
    StoreSpec, Transport,
};
use spinfix_io::{InitiatorConfig, SessionKey};
use spinfix_session::codec::{tags, Message};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_store::JournalConfig;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Answers each NewOrderSingle with an ExecutionReport carrying its ClOrdID, and checks that
/// ClOrdIDs arrive as 1, 2, 3, ... with none twice.
#[derive(Debug, Default)]
struct Executor {
    next_expected: u64,
    received: u64,
}

impl Application for Executor {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() != b"D" {
            return Err(AppReject::UnsupportedMessageType);
        }
        let id: u64 = msg.get_as(tags::CL_ORD_ID).ok().flatten().unwrap_or(0);
        assert_eq!(
            id,
            self.next_expected + 1,
            "order delivered out of order or twice"
        );
        self.next_expected = id;
        self.received += 1;
        ctx.send(b"8", |w| {
            w.uint(37, id)
                .uint(17, id)
                .uint(11, id)
                .char(150, b'0')
                .char(39, b'0');
            w.str(55, "INTC")
                .char(54, b'1')
                .uint(151, 100)
                .uint(14, 0)
                .str(6, "0");
        })
        .expect("send report");
        Ok(())
    }
}

/// Sends `total` orders, at most `window` outstanding, and checks the reports come back in order.
#[derive(Debug)]
struct Trader {
    total: u64,
    window: u64,
    sent: u64,
    reports: u64,
    /// `reports`, visible to the test thread.
    progress: Arc<AtomicU64>,
}

impl Application for Trader {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        assert_eq!(msg.msg_type(), b"8");
        let id: u64 = msg.get_as(tags::CL_ORD_ID).ok().flatten().unwrap_or(0);
        assert_eq!(
            id,
            self.reports + 1,
            "report delivered out of order or twice"
        );
        self.reports = id;
        self.progress.store(id, Ordering::Release);
        Ok(())
    }

    fn poll(&mut self, sessions: &mut Sessions<'_>) -> usize {
        let Some(mut ctx) = sessions.get(0) else {
            return 0;
        };
        let mut work = 0;
        while ctx.is_logged_on() && self.sent < self.total && self.sent - self.reports < self.window
        {
            let id = self.sent + 1;
            if ctx
                .send(b"D", |w| {
                    w.uint(11, id).char(21, b'1').str(55, "INTC").char(54, b'1');
                    w.str(60, "20261122-10:00:00.000")
                        .uint(38, 100)
                        .char(40, b'2');
                    w.str(44, "25.50");
                })
                .is_err()
            {
                break;
            }
            self.sent = id;
            work += 1;
        }
        work
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(sender: &str, target: &str, role: Role) -> SessionConfig {
    SessionConfig::builder("FIX.4.4", sender, target, role)
        .heart_bt_int(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// I/O and sessions on separate threads joined by rings (no cores pinned, non-spinning).
fn split() -> TuningConfig {
    let text = r#"
        [idle]
        strategy = "backoff"
        [rings]
        inbound_bytes = 4194304
        outbound_bytes = 4194304
        [[threads]]
        role = "io"
        [[threads]]
        role = "session"
    "#;
    TuningConfig::parse(std::path::Path::new("split.toml"), text, &[]).unwrap()
}

fn builder(name: &str, tuning: Option<TuningConfig>) -> spinfix::EngineBuilder {
    let b = Engine::builder().name(name).idle(IdleStrategy::default());
    match tuning {
        Some(t) => b.tuning(t),
        None => b,
    }
}

fn acceptor(port: u16, dir: &std::path::Path) -> Engine<Executor> {
    acceptor_with(port, dir, None)
}

fn acceptor_with(
    port: u16,
    dir: &std::path::Path,
    tuning: Option<TuningConfig>,
) -> Engine<Executor> {
    let cfg = config("SELL", "BUY", Role::Acceptor);
    builder("acceptor", tuning)
        .session(SessionSpec {
            store: StoreSpec::Journal(JournalConfig::new(dir, cfg.session_id())),
            config: cfg,
            transport: Transport::Acceptor(AcceptorSpec::new(SocketAddr::from((
                [127, 0, 0, 1],
                port,
            )))),
        })
        .start(Executor::default())
        .unwrap()
}

fn initiator(
    port: u16,
    dir: &std::path::Path,
    total: u64,
    progress: Arc<AtomicU64>,
) -> Engine<Trader> {
    initiator_with(port, dir, total, progress, None)
}

fn initiator_with(
    port: u16,
    dir: &std::path::Path,
    total: u64,
    progress: Arc<AtomicU64>,
    tuning: Option<TuningConfig>,
) -> Engine<Trader> {
    let cfg = config("BUY", "SELL", Role::Initiator);
    let mut ic = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", "BUY", "SELL"),
        vec![SocketAddr::from(([127, 0, 0, 1], port))],
    );
    ic.reconnect_interval = Duration::from_secs(1);
    builder("initiator", tuning)
        .session(SessionSpec {
            store: StoreSpec::Journal(JournalConfig::new(dir, cfg.session_id())),
            config: cfg,
            transport: Transport::Initiator(ic),
        })
        .start(Trader {
            total,
            window: 64,
            sent: 0,
            reports: 0,
            progress,
        })
        .unwrap()
}

/// Waits (bounded) for `n` logons of the initiator's session, draining other events.
fn wait_logons(engine: &Engine<Trader>, n: usize, limit: Duration) {
    let start = Instant::now();
    let mut seen = 0;
    while seen < n {
        let left = limit
            .checked_sub(start.elapsed())
            .expect("timed out waiting for logon");
        if let Ok(EngineEvent::Session {
            event: spinfix_session::session::Event::LoggedOn { .. },
            ..
        }) = engine.events().recv_timeout(left)
        {
            seen += 1;
        }
    }
}

/// Waits (bounded) until the trader has `n` reports.
fn wait_progress(progress: &AtomicU64, n: u64, limit: Duration) {
    let start = Instant::now();
    while progress.load(Ordering::Acquire) < n {
        assert!(
            start.elapsed() < limit,
            "stalled at {} of {n} reports",
            progress.load(Ordering::Acquire)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn orders_survive_connection_cuts_exactly_once() {
    cuts_exactly_once(None, None);
}

#[test]
fn split_threads_and_rings_survive_connection_cuts_exactly_once() {
    // The acceptor in the I/O -> ring -> session shape, the initiator colocated.
    cuts_exactly_once(Some(split()), None);
    // Both split.
    cuts_exactly_once(Some(split()), Some(split()));
}

fn cuts_exactly_once(acc_tuning: Option<TuningConfig>, ini_tuning: Option<TuningConfig>) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let total = 100_000;
    let progress = Arc::new(AtomicU64::new(0));
    let acc = acceptor_with(port, &dir.path().join("acceptor"), acc_tuning);
    let ini = initiator_with(
        port,
        &dir.path().join("initiator"),
        total,
        Arc::clone(&progress),
        ini_tuning,
    );
    wait_logons(&ini, 1, Duration::from_secs(20));
    for cut in 1..=4 {
        // Cut mid-stream: while orders and reports are in flight.
        wait_progress(&progress, cut * total / 5, Duration::from_secs(120));
        ini.disconnect("FIX.4.4:BUY->SELL").unwrap();
        wait_logons(&ini, 1, Duration::from_secs(20));
    }
    wait_progress(&progress, total, Duration::from_secs(120));
    let trader = ini.stop(Duration::from_secs(2)).unwrap();
    let exec = acc.stop(Duration::from_secs(2)).unwrap();
    assert_eq!(trader.sent, total, "every order was sent");
    assert_eq!(exec.received, total, "the acceptor saw every order once");
    assert_eq!(trader.reports, total, "the initiator saw every report once");
}

#[test]
fn journals_resume_sequence_numbers_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let progress = Arc::new(AtomicU64::new(0));
    let (acc_dir, ini_dir) = (dir.path().join("acceptor"), dir.path().join("initiator"));
    let acc = acceptor(port, &acc_dir);
    let ini = initiator(port, &ini_dir, 100, Arc::clone(&progress));
    wait_progress(&progress, 100, Duration::from_secs(30));
    ini.stop(Duration::from_secs(2)).unwrap();
    acc.stop(Duration::from_secs(2)).unwrap();

    // Logon + 100 orders + Logout went out from the initiator: the next number is 103.
    let journal = spinfix_store::Journal::open_read_only(&ini_dir, "FIX.4.4:BUY->SELL").unwrap();
    use spinfix_session::store::MessageStore;
    assert_eq!(journal.next_sender_seq(), 103);
    assert_eq!(journal.next_target_seq(), 103);
    drop(journal);

    // Both sides start again from their journals and carry on where they were.
    let progress = Arc::new(AtomicU64::new(0));
    let acc = acceptor(port, &acc_dir);
    let ini = initiator(port, &ini_dir, 100, Arc::clone(&progress));
    wait_progress(&progress, 100, Duration::from_secs(30));
    ini.stop(Duration::from_secs(2)).unwrap();
    let exec = acc.stop(Duration::from_secs(2)).unwrap();
    assert_eq!(exec.received, 100);
    let journal = spinfix_store::Journal::open_read_only(&ini_dir, "FIX.4.4:BUY->SELL").unwrap();
    assert_eq!(journal.next_sender_seq(), 205);
}

/// Adds a password to the initiator's Logon; the acceptor's hook checks it.
#[derive(Debug)]
struct Password(&'static str);

impl spinfix_session::session::AdminHook for Password {
    fn on_outgoing(&mut self, msg_type: &[u8], w: &mut spinfix_session::codec::MessageWriter<'_>) {
        if msg_type == b"A" {
            w.str(554, self.0);
        }
    }

    fn check_logon(&mut self, logon: &Message<'_>) -> Result<(), String> {
        if logon.get(554) == Some(self.0.as_bytes()) {
            Ok(())
        } else {
            Err("Invalid password".into())
        }
    }
}

/// An application that only logs on, with a password.
#[derive(Debug, Default)]
struct Gatekeeper {
    password: &'static str,
}

impl Application for Gatekeeper {
    fn admin_hook(
        &mut self,
        _session: &SessionConfig,
    ) -> Option<Box<dyn spinfix_session::session::AdminHook>> {
        Some(Box::new(Password(self.password)))
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _msg: &Message<'_>) -> Result<(), AppReject> {
        Err(AppReject::UnsupportedMessageType)
    }
}

#[test]
fn the_application_adds_a_password_to_the_logon_and_refuses_a_wrong_one() {
    let port = free_port();
    let acc_cfg = config("SELL", "BUY", Role::Acceptor);
    let acc = Engine::builder()
        .session(SessionSpec {
            config: acc_cfg,
            transport: Transport::Acceptor(AcceptorSpec::new(SocketAddr::from((
                [127, 0, 0, 1],
                port,
            )))),
            store: StoreSpec::Memory,
        })
        .start(Gatekeeper { password: "secret" })
        .unwrap();
    let start_initiator = |password| {
        let mut ic = InitiatorConfig::new(
            SessionKey::new("FIX.4.4", "BUY", "SELL"),
            vec![SocketAddr::from(([127, 0, 0, 1], port))],
        );
        ic.reconnect_interval = Duration::from_secs(1);
        Engine::builder()
            .session(SessionSpec {
                config: config("BUY", "SELL", Role::Initiator),
                transport: Transport::Initiator(ic),
                store: StoreSpec::Memory,
            })
            .start(Gatekeeper { password })
            .unwrap()
    };
    let session_event = |engine: &Engine<Gatekeeper>, want: spinfix_session::session::Event| {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let left = until
                .checked_duration_since(Instant::now())
                .expect("timed out");
            if let Ok(EngineEvent::Session { event, .. }) = engine.events().recv_timeout(left) {
                if event == want {
                    return;
                }
            }
        }
    };
    let good = start_initiator("secret");
    session_event(
        &acc,
        spinfix_session::session::Event::LoggedOn { reset: false },
    );
    good.stop(Duration::from_secs(2)).unwrap();
    let bad = start_initiator("guess");
    session_event(&acc, spinfix_session::session::Event::LogonRefused);
    bad.stop(Duration::from_secs(1)).unwrap();
    acc.stop(Duration::from_secs(1)).unwrap();
}

/// Waits (bounded) for the next LoggedOn or LoggedOut of `engine`, draining other events.
fn next_logon_state(engine: &Engine<Trader>) -> spinfix_session::session::Event {
    use spinfix_session::session::Event;
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let left = until
            .checked_duration_since(Instant::now())
            .expect("timed out waiting for a logon or logout");
        if let Ok(EngineEvent::Session { event, .. }) = engine.events().recv_timeout(left) {
            if matches!(event, Event::LoggedOn { .. } | Event::LoggedOut) {
                return event;
            }
        }
    }
}

#[test]
fn operator_logout_holds_the_session_until_logon_and_reset_starts_again_from_one() {
    use spinfix_session::session::Event;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let progress = Arc::new(AtomicU64::new(0));
    let acc = acceptor(port, &dir.path().join("acceptor"));
    let ini = initiator(
        port,
        &dir.path().join("initiator"),
        10,
        Arc::clone(&progress),
    );
    let id = "FIX.4.4:BUY->SELL";
    assert_eq!(next_logon_state(&ini), Event::LoggedOn { reset: false });
    wait_progress(&progress, 10, Duration::from_secs(20));

    ini.logout(id, Some("end of day")).unwrap();
    assert_eq!(next_logon_state(&ini), Event::LoggedOut);
    // Held: three reconnect intervals pass without a new logon.
    let until = Instant::now() + Duration::from_secs(3);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(EngineEvent::Session { event, .. }) = ini.events().recv_timeout(left) {
            assert!(
                !matches!(event, Event::LoggedOn { .. }),
                "a logged-out session reconnected by itself"
            );
        }
    }
    ini.logon(id).unwrap();
    assert_eq!(next_logon_state(&ini), Event::LoggedOn { reset: false });

    // Reset: Logout, numbers back to 1, and the next Logon carries ResetSeqNumFlag.
    ini.reset(id).unwrap();
    assert_eq!(next_logon_state(&ini), Event::LoggedOut);
    assert_eq!(next_logon_state(&ini), Event::LoggedOn { reset: true });
    ini.stop(Duration::from_secs(2)).unwrap();
    acc.stop(Duration::from_secs(2)).unwrap();
    // Logon(1) and Logout(2) of the new epoch: the next number is 3.
    let journal =
        spinfix_store::Journal::open_read_only(&dir.path().join("initiator"), id).unwrap();
    use spinfix_session::store::MessageStore;
    assert_eq!(journal.next_sender_seq(), 3);
}
