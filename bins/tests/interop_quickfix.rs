//! Interop with QuickFIX C++ 1.15.1 over loopback, through the `quickfix-peer` program that
//! bins/build.rs builds (skipped with a notice when QuickFIX was not found at build time).
//!
//! Why a real peer: the acceptance scripts check spinfix against QuickFIX's expectations line by
//! line, but only a live QuickFIX session checks that the two implementations agree on
//! everything the scripts leave implicit (framing under load, Logon/Logout handshakes, resend
//! with PossDup and GapFill across a crash). Both sides idle without spinning (QuickFIX polls
//! with a 1 ms timeout, spinfix backs off); every wait is bounded; nothing asserts on time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::idle::IdleStrategy;
use spinfix::{AppReject, Application, Ctx, Engine, SessionSpec, Sessions, StoreSpec, Transport};
use spinfix_io::{InitiatorConfig, SessionKey};
use spinfix_session::codec::{tags, Message};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Event;
use spinfix_store::JournalConfig;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The spinfix side's CompID and QuickFIX's.
const SPX: &str = "SPX";
const QF: &str = "QF";
const SESSION: &str = "FIX.4.4:SPX->QF";

fn peer() -> Option<PathBuf> {
    match option_env!("SPINFIX_QUICKFIX_PEER") {
        Some(p) if !p.is_empty() && Path::new(p).exists() => Some(PathBuf::from(p)),
        _ => {
            eprintln!(
                "interop_quickfix: skipped: the QuickFIX peer was not built \
                 (install libquickfix-dev and pkg-config, then rebuild)"
            );
            None
        }
    }
}

/// FIX44.xml from ../shared when present, so QuickFIX validates what spinfix sends.
fn dictionary_lines() -> String {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/FIX44.xml");
    if spec.exists() {
        format!("UseDataDictionary=Y\nDataDictionary={}\n", spec.display())
    } else {
        "UseDataDictionary=N\n".into()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process with its stdout lines on a channel; killed (by its pid) and reaped on drop.
struct Proc {
    child: Child,
    lines: Receiver<String>,
    name: &'static str,
}

impl Proc {
    fn spawn(name: &'static str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc { child, lines, name }
    }

    /// The first stdout line starting with `prefix`, within `limit`.
    fn expect_line(&self, prefix: &str, limit: Duration) -> String {
        let until = Instant::now() + limit;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(e) => panic!("{}: no line '{prefix}' ({e})", self.name),
            }
        }
    }

    /// Waits (bounded, polling every 20 ms) for the process to end by itself.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < until,
                "{} did not exit within {limit:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal by name (`kill -NAME pid`), e.g. STOP to freeze the process.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} {}", self.child.id());
    }

    /// SIGKILL: a crash, as far as the process's store is concerned.
    fn crash(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A QuickFIX acceptor (the peer's `acceptor` mode: answers each NewOrderSingle with an
/// ExecutionReport, exits after the initiator's Logout). Its FileStore lives in `dir`, so a
/// restart after a crash resumes its sequence numbers.
fn quickfix_acceptor(peer: &Path, dir: &Path, port: u16) -> Proc {
    let cfg = format!(
        "[DEFAULT]\nConnectionType=acceptor\nFileStorePath={}\nStartTime=00:00:00\n\
         EndTime=00:00:00\nSocketReuseAddress=Y\nSocketNodelay=Y\n{}[SESSION]\n\
         BeginString=FIX.4.4\nSenderCompID={QF}\nTargetCompID={SPX}\n\
         SocketAcceptAddress=127.0.0.1\nSocketAcceptPort={port}\n",
        dir.join("qf-store").display(),
        dictionary_lines()
    );
    let path = dir.join("qf-acceptor.cfg");
    std::fs::write(&path, cfg).unwrap();
    let mut cmd = Command::new(peer);
    cmd.current_dir(dir)
        .arg("acceptor")
        .arg("--config")
        .arg(&path)
        .args(["--idle", "backoff"]);
    let p = Proc::spawn("quickfix acceptor", cmd);
    p.expect_line("ready", Duration::from_secs(20));
    p
}

/// What the spinfix trader saw: reports per ClOrdID, and how many came as PossDup replays.
#[derive(Debug, Default)]
struct Seen {
    reports: Vec<u32>,
    poss_dup: u64,
    unexpected: Vec<String>,
    /// (ClOrdID, MsgSeqNum, PossDup, OrderID) of every report, to explain a duplicate.
    log: Vec<(u64, u64, bool, String)>,
    /// The spinfix session's resend events, in order.
    resends: Vec<Event>,
}

/// Sends `total` NewOrderSingles (ClOrdID 1..=total), at most `window` unanswered, and counts
/// the ExecutionReports per ClOrdID. Counting instead of asserting in the callback keeps a
/// failure on the test thread, with the whole picture.
struct Trader {
    total: u64,
    window: u64,
    sent: u64,
    seen: Arc<Mutex<Seen>>,
    /// Distinct ClOrdIDs answered, for the test thread to wait on.
    answered: Arc<AtomicU64>,
    duplicates: Arc<AtomicU64>,
    /// `sent`, visible to the test thread.
    sent_shared: Arc<AtomicU64>,
    /// Set by the test thread: send nothing new for now.
    hold: Arc<AtomicBool>,
}

impl Trader {
    fn new(total: u64) -> Trader {
        Trader {
            total,
            window: 64,
            sent: 0,
            seen: Arc::new(Mutex::new(Seen {
                reports: vec![0; total as usize + 1],
                ..Seen::default()
            })),
            answered: Arc::new(AtomicU64::new(0)),
            duplicates: Arc::new(AtomicU64::new(0)),
            sent_shared: Arc::new(AtomicU64::new(0)),
            hold: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Application for Trader {
    fn on_event(&mut self, _ctx: &mut Ctx<'_>, event: &Event) {
        if matches!(
            event,
            Event::GapDetected { .. }
                | Event::ResendRequested { .. }
                | Event::ResendDone { .. }
                | Event::ResendServed { .. }
        ) {
            self.seen.lock().unwrap().resends.push(*event);
        }
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        let mut seen = self.seen.lock().unwrap();
        if msg.msg_type() != b"8" {
            let t = String::from_utf8_lossy(msg.msg_type()).into_owned();
            seen.unexpected.push(t);
            return Ok(());
        }
        let poss_dup = msg.get(tags::POSS_DUP_FLAG) == Some(b"Y");
        if poss_dup {
            seen.poss_dup += 1;
        }
        let id: u64 = msg.get_as(tags::CL_ORD_ID).ok().flatten().unwrap_or(0);
        let seq: u64 = msg.get_as(tags::MSG_SEQ_NUM).ok().flatten().unwrap_or(0);
        let order = String::from_utf8_lossy(msg.get(37).unwrap_or(b"")).into_owned();
        seen.log.push((id, seq, poss_dup, order));
        match seen.reports.get_mut(id as usize) {
            Some(n) if id > 0 => {
                *n += 1;
                if *n == 1 {
                    self.answered.fetch_add(1, Ordering::AcqRel);
                } else {
                    self.duplicates.fetch_add(1, Ordering::AcqRel);
                }
            }
            _ => seen.unexpected.push(format!("ClOrdID {id}")),
        }
        Ok(())
    }

    fn poll(&mut self, sessions: &mut Sessions<'_>) -> usize {
        let Some(mut ctx) = sessions.get(0) else {
            return 0;
        };
        if self.hold.load(Ordering::Acquire) {
            return 0;
        }
        let answered = self.answered.load(Ordering::Acquire);
        let mut work = 0;
        while ctx.is_logged_on() && self.sent < self.total && self.sent - answered < self.window {
            let id = self.sent + 1;
            let sent = ctx.send(b"D", |w| {
                w.uint(11, id).char(21, b'1').str(55, "AAPL").char(54, b'1');
                w.str(60, "20261122-10:00:00.000")
                    .uint(38, 100)
                    .char(40, b'2');
                w.str(44, "187.25");
            });
            if sent.is_err() {
                break;
            }
            self.sent = id;
            self.sent_shared.store(id, Ordering::Release);
            work += 1;
        }
        work
    }
}

/// A spinfix initiator engine (colocated, backing off when idle) with a journal in `dir`.
fn spinfix_initiator(dir: &Path, port: u16, trader: Trader) -> Engine<Trader> {
    let cfg = SessionConfig::builder("FIX.4.4", SPX, QF, Role::Initiator)
        .heart_bt_int(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut ic = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", SPX, QF),
        vec![SocketAddr::from(([127, 0, 0, 1], port))],
    );
    ic.reconnect_interval = Duration::from_secs(1);
    Engine::builder()
        .name("interop-initiator")
        .idle(IdleStrategy::default())
        .session(SessionSpec {
            store: StoreSpec::Journal(JournalConfig::new(
                dir.join("spx-journal"),
                cfg.session_id(),
            )),
            config: cfg,
            transport: Transport::Initiator(ic),
        })
        .start(trader)
        .unwrap()
}

/// Waits (bounded) until `counter` reaches `n`.
fn wait_count(counter: &AtomicU64, n: u64, limit: Duration, what: &str) {
    let start = Instant::now();
    while counter.load(Ordering::Acquire) < n {
        assert!(
            start.elapsed() < limit,
            "{what}: stalled at {} of {n}",
            counter.load(Ordering::Acquire)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_exactly_once(seen: &Mutex<Seen>, total: u64) {
    let seen = seen.lock().unwrap();
    assert!(
        seen.unexpected.is_empty(),
        "unexpected: {:?}",
        seen.unexpected
    );
    let missing: Vec<usize> = (1..=total as usize)
        .filter(|&i| seen.reports[i] == 0)
        .take(10)
        .collect();
    let twice: Vec<usize> = (1..=total as usize)
        .filter(|&i| seen.reports[i] > 1)
        .take(10)
        .collect();
    assert!(missing.is_empty(), "orders never answered: {missing:?}");
    let detail: Vec<_> = seen
        .log
        .iter()
        .filter(|r| twice.contains(&(r.0 as usize)))
        .collect();
    assert!(
        twice.is_empty(),
        "orders answered twice: {twice:?} (ClOrdID, MsgSeqNum, PossDup, OrderID): {detail:?}"
    );
}

/// (a) spinfix initiates against a QuickFIX acceptor: Logon, orders answered, and spinfix's
/// Logout answered by QuickFIX (the peer exits only after the logout handshake).
#[test]
fn spinfix_initiator_against_quickfix_acceptor() {
    let Some(peer) = peer() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut qf = quickfix_acceptor(&peer, dir.path(), port);
    let total = 500;
    let trader = Trader::new(total);
    let (seen, answered) = (Arc::clone(&trader.seen), Arc::clone(&trader.answered));
    let ini = spinfix_initiator(dir.path(), port, trader);
    wait_count(&answered, total, Duration::from_secs(40), "reports");
    ini.logout(SESSION, Some("done")).unwrap();
    let status = qf.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "quickfix acceptor: {status:?}");
    let trader = ini.stop(Duration::from_secs(5)).unwrap();
    assert_eq!(trader.sent, total);
    assert_exactly_once(&seen, total);
}

/// (b) QuickFIX initiates against `spinfix acceptor --app executor`: Logon, orders answered,
/// QuickFIX's Logout answered by spinfix (the peer waits for the answer before it exits).
#[test]
fn quickfix_initiator_against_spinfix_acceptor() {
    let Some(peer) = peer() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let acc_cfg = dir.path().join("spx-acceptor.cfg");
    std::fs::write(
        &acc_cfg,
        format!(
            "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\n\
             SocketAcceptPort={port}\nStartTime=00:00:00\nEndTime=00:00:00\n\
             FileStorePath={}\n{}[SESSION]\nBeginString=FIX.4.4\nSenderCompID={SPX}\n\
             TargetCompID={QF}\n",
            dir.path().join("spx-store").display(),
            dictionary_lines()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spinfix"));
    cmd.arg("acceptor")
        .arg("--config")
        .arg(&acc_cfg)
        .args(["--app", "executor", "--quiet"]);
    let acc = Proc::spawn("spinfix acceptor", cmd);
    acc.expect_line("listening", Duration::from_secs(20));

    let ini_cfg = dir.path().join("qf-initiator.cfg");
    std::fs::write(
        &ini_cfg,
        format!(
            "[DEFAULT]\nConnectionType=initiator\nFileStorePath={}\nStartTime=00:00:00\n\
             EndTime=00:00:00\nHeartBtInt=30\nReconnectInterval=1\n{}[SESSION]\n\
             BeginString=FIX.4.4\nSenderCompID={QF}\nTargetCompID={SPX}\n\
             SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\n",
            dir.path().join("qf-store").display(),
            dictionary_lines()
        ),
    )
    .unwrap();
    let total = 500;
    let mut cmd = Command::new(&peer);
    cmd.current_dir(dir.path())
        .arg("initiator")
        .arg("--config")
        .arg(&ini_cfg)
        .args(["--idle", "backoff", "--warmup", "0", "--window", "16"])
        .args(["--messages", &total.to_string(), "--out", ""]);
    let mut qf = Proc::spawn("quickfix initiator", cmd);
    let done = qf.expect_line("done ", Duration::from_secs(60));
    let count: u64 = done.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_eq!(count, total, "{done}");
    let status = qf.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "quickfix initiator: {status:?}");
    drop(acc);
}

/// (c) Gaps across the two implementations, each forced deterministically by freezing the
/// QuickFIX acceptor (SIGSTOP) with a full window of 64 orders in its socket:
/// 1. spinfix drops the connection, QuickFIX then answers into the closed socket: on the next
///    Logon spinfix sees the gap, sends a ResendRequest and gets the 64 reports as PossDup
///    replays from QuickFIX's FileStore;
/// 2. QuickFIX is killed (SIGKILL) frozen: the orders die unread, and after its restart on its
///    FileStore QuickFIX asks spinfix to resend them from spinfix's journal.
///
/// Every order must be answered exactly once, and both resend directions must have happened.
#[test]
fn crash_and_resend_across_implementations_exactly_once() {
    let Some(peer) = peer() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut qf = quickfix_acceptor(&peer, dir.path(), port);
    let total = 3000;
    let trader = Trader::new(total);
    let (seen, answered, dups, sent) = (
        Arc::clone(&trader.seen),
        Arc::clone(&trader.answered),
        Arc::clone(&trader.duplicates),
        Arc::clone(&trader.sent_shared),
    );
    let hold = Arc::clone(&trader.hold);
    // Freezes QuickFIX when it is idle: every order sent so far answered, and a moment for it to
    // record the last one's sequence number (not observable from outside). A freeze in the
    // middle of an order would make QuickFIX answer that order again after a crash: at-least-once
    // is all a crash gives an application that ignores PossDup, as the peer's does.
    let freeze_idle = |qf: &Proc| {
        hold.store(true, Ordering::Release);
        let n = sent.load(Ordering::Acquire);
        wait_count(
            &answered,
            n,
            Duration::from_secs(20),
            "orders answered before the freeze",
        );
        std::thread::sleep(Duration::from_millis(100));
        qf.signal("STOP");
        hold.store(false, Ordering::Release);
    };
    let ini = spinfix_initiator(dir.path(), port, trader);
    // Cut 1, QuickFIX -> spinfix: freeze QuickFIX with a full window of orders in its socket,
    // drop spinfix's connection, then let QuickFIX run: it answers the orders into the closed
    // connection (and, being the peer's acceptor mode, ends), so after its restart spinfix's
    // Logon finds a gap and QuickFIX replays the reports (PossDup).
    wait_count(
        &answered,
        total / 4,
        Duration::from_secs(40),
        "reports before the cut",
    );
    freeze_idle(&qf);
    let at_freeze = answered.load(Ordering::Acquire);
    wait_count(
        &sent,
        at_freeze + 64,
        Duration::from_secs(20),
        "orders sent into the frozen peer",
    );
    ini.disconnect(SESSION).unwrap();
    qf.signal("CONT");
    // The peer's acceptor mode ends at its session's logout; it restarts on its FileStore.
    qf.wait_exit(Duration::from_secs(20));
    drop(qf);
    let mut qf = quickfix_acceptor(&peer, dir.path(), port);
    // Cut 2, spinfix -> QuickFIX: a crash of QuickFIX (below).
    let start = Instant::now();
    while answered.load(Ordering::Acquire) < total / 2 {
        if start.elapsed() > Duration::from_secs(20) {
            let seen = seen.lock().unwrap();
            panic!(
                "reports after the cut: stalled at {} of {}; sent {}; resend events {:?}; \
                 engine events {:?}",
                answered.load(Ordering::Acquire),
                total / 2,
                sent.load(Ordering::Acquire),
                seen.resends,
                ini.events().try_iter().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Freeze QuickFIX, let spinfix fill its window of 64 unanswered orders into the socket,
    // then kill it: those orders die unread in its receive buffer, so its restart must find a
    // gap and ask spinfix to resend them (deterministically, whatever the timing).
    freeze_idle(&qf);
    let at_freeze = answered.load(Ordering::Acquire);
    wait_count(
        &sent,
        at_freeze + 64,
        Duration::from_secs(20),
        "orders sent into the frozen peer",
    );
    qf.crash();
    drop(qf);
    let mut qf = quickfix_acceptor(&peer, dir.path(), port);
    wait_count(
        &answered,
        total,
        Duration::from_secs(60),
        "reports after the restart",
    );
    ini.logout(SESSION, Some("done")).unwrap();
    let status = qf.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "quickfix acceptor: {status:?}");
    let trader = ini.stop(Duration::from_secs(5)).unwrap();
    assert_eq!(trader.sent, total);
    let _ = dups;
    assert_exactly_once(&seen, total);
    let seen = seen.lock().unwrap();
    assert!(
        seen.resends
            .iter()
            .any(|e| matches!(e, Event::ResendServed { .. })),
        "QuickFIX never asked spinfix to resend the orders it lost: {:?}",
        seen.resends
    );
    assert!(
        seen.resends
            .iter()
            .any(|e| matches!(e, Event::ResendRequested { .. })),
        "spinfix never asked QuickFIX to resend the reports it missed: {:?}",
        seen.resends
    );
    assert!(seen.poss_dup > 0, "no report came as a PossDup replay");
    eprintln!(
        "crash and resend: {} reports came as PossDup replays; spinfix resend events {:?}",
        seen.poss_dup, seen.resends
    );
}
