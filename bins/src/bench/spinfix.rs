//! The spinfix contender: a spinfix initiator against a spinfix acceptor, FIX.4.4, journals on
//! (OS write-back), the same message fields and CompIDs as the baselines.
//!
//! The acceptor is `spinfix acceptor --app executor` in a child process (or an engine on a
//! thread with `--threads`), pinned and idling as the run says, configured by a QuickFIX
//! settings file and a tuning file written into the run's work directory. The initiator is a
//! [`LocalEngine`] stepped by the measuring loop itself on its pinned thread: each order is
//! encoded into the session's transmit buffer and written by the next poll, each report is
//! decoded in place from the socket buffer, with no thread hop in between.

use super::contender::{Contender, LatencyRun, RunSettings, ThroughputRun};
use super::driver::{
    drive_latency, drive_throughput, on_pinned_thread, LatencyPlan, RoundTrip, ThroughputPlan,
};
use super::error::BenchError;
use super::idle::IdleStrategy;
use super::messages::{Images, ACCEPTOR_COMP_ID, INITIATOR_COMP_ID};
use super::pin::EngineShape;
use super::process::{ChildProcess, LISTENING, STARTUP_DEADLINE};
use super::progress::Probe;
use spinfix::{
    AppReject, Application, Ctx, Engine, LocalEngine, SessionSpec, StoreSpec, Transport,
};
use spinfix_io::{InitiatorConfig, SessionKey};
use spinfix_session::codec::Message;
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::time::{TimePrecision, TimestampFormatter};
use spinfix_store::JournalConfig;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const NAME: &str = "spinfix";
const LOGON_DEADLINE: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs are numbered so each starts from fresh journals.
static RUN: AtomicU64 = AtomicU64::new(0);

/// The spinfix contender.
pub fn contender() -> Result<Box<dyn Contender>, &'static str> {
    Ok(Box::new(SpinfixContender))
}

#[derive(Debug)]
struct SpinfixContender;

fn engine_error(what: &str, e: impl std::fmt::Display) -> BenchError {
    BenchError::Peer {
        contender: NAME,
        program: PathBuf::from("spinfix engine"),
        detail: format!("{what}: {e}"),
    }
}

fn idle_toml(idle: IdleStrategy) -> &'static str {
    match idle {
        IdleStrategy::Spin => "busy-spin",
        IdleStrategy::Yield => "yield",
        IdleStrategy::Backoff => "backoff",
    }
}

/// The acceptor's settings and tuning files, written into `dir`.
fn acceptor_files(s: &RunSettings, dir: &Path) -> Result<(PathBuf, PathBuf), BenchError> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|source| BenchError::Output {
            path: path.to_path_buf(),
            source,
        })
    };
    // The settings file wants a real port: take a free one from the OS and release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| BenchError::io(NAME, "finding a free port", e))?
        .port();
    let mut cfg = format!(
        "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort={port}\n\
         StartTime=00:00:00\nEndTime=00:00:00\nFileStorePath={}\nTimeStampPrecision=6\n\
         ResetOnLogon=Y\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID={ACCEPTOR_COMP_ID}\n\
         TargetCompID={INITIATOR_COMP_ID}\n",
        dir.join("acceptor-store").display()
    );
    match (s.validate, &s.dictionary) {
        (true, Some(d)) => cfg.push_str(&format!(
            "UseDataDictionary=Y\nDataDictionary={}\n",
            d.display()
        )),
        _ => cfg.push_str("UseDataDictionary=N\n"),
    }
    let idle = idle_toml(s.idle);
    let core = |c: Option<&usize>| c.map_or(String::new(), |c| format!("core = {c}\n"));
    let tuning = match s.cores.shape {
        EngineShape::Colocated => format!(
            "[[threads]]\nrole = \"colocated\"\n{}[threads.idle]\nstrategy = \"{idle}\"\n",
            core(s.cores.acceptor.first())
        ),
        EngineShape::Split => format!(
            "[rings]\ninbound_bytes = 4194304\noutbound_bytes = 4194304\n\
             [[threads]]\nrole = \"io\"\n{}[threads.idle]\nstrategy = \"{idle}\"\n\
             [[threads]]\nrole = \"session\"\n{}[threads.idle]\nstrategy = \"{idle}\"\n",
            core(s.cores.acceptor.first()),
            core(s.cores.acceptor.get(1))
        ),
    };
    let (cfg_path, tuning_path) = (dir.join("acceptor.cfg"), dir.join("acceptor.toml"));
    write(&cfg_path, cfg)?;
    write(&tuning_path, tuning)?;
    Ok((cfg_path, tuning_path))
}

/// The acceptor of one run.
enum Acceptor {
    Process(ChildProcess),
    Thread(Engine<crate::apps::Executor>),
}

impl Acceptor {
    fn start(s: &RunSettings, dir: &Path) -> Result<(Acceptor, SocketAddr), BenchError> {
        let (cfg, tuning) = acceptor_files(s, dir)?;
        if s.threads {
            let settings = spinfix::config::load_settings(&cfg)
                .map_err(|e| engine_error("acceptor settings", e))?;
            let tuning = spinfix::config::TuningConfig::load(&tuning)
                .map_err(|e| engine_error("acceptor tuning", e))?;
            let mut b = Engine::builder().tuning(tuning);
            let mut dicts = spinfix::DictionaryCache::default();
            for st in &settings {
                b = b.session(
                    SessionSpec::from_settings(st, &mut dicts)
                        .map_err(|e| engine_error("acceptor session", e))?,
                );
            }
            let engine = b
                .start_with(|_| Ok(crate::apps::Executor::default()))
                .map_err(|e| engine_error("starting the acceptor", e))?;
            let addr = *engine
                .listening()
                .first()
                .ok_or_else(|| engine_error("acceptor", "no listening port"))?;
            return Ok((Acceptor::Thread(engine), addr));
        }
        let exe = std::env::current_exe()
            .map_err(|e| BenchError::io(NAME, "locating the spinfix binary", e))?;
        let mut command = Command::new(&exe);
        command
            .arg("acceptor")
            .arg("--config")
            .arg(&cfg)
            .arg("--tuning")
            .arg(&tuning);
        command.args(["--app", "executor", "--quiet"]);
        let mut child = ChildProcess::spawn(NAME, command)?;
        let addr = child.expect_line(LISTENING, "the acceptor listening", STARTUP_DEADLINE)?;
        let addr = addr.parse().map_err(|_| BenchError::Peer {
            contender: NAME,
            program: exe,
            detail: format!("printed an address that does not parse: {addr:?}"),
        })?;
        Ok((Acceptor::Process(child), addr))
    }

    fn finish(self) {
        match self {
            // SIGINT makes `spinfix acceptor` log out and stop; dropping reaps it.
            Acceptor::Process(child) => {
                child.interrupt();
                drop(child);
            }
            Acceptor::Thread(engine) => {
                let _ = engine.stop_all(STOP_TIMEOUT);
            }
        }
    }
}

/// The initiator's application: counts the ExecutionReports.
#[derive(Debug, Default)]
struct Counter {
    logged_on: bool,
    reports: u64,
}

impl Application for Counter {
    fn on_logon(&mut self, _ctx: &mut Ctx<'_>) {
        self.logged_on = true;
    }

    fn on_logout(&mut self, _ctx: &mut Ctx<'_>) {
        self.logged_on = false;
    }

    #[inline]
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        if msg.msg_type() == b"8" {
            self.reports += 1;
        }
        Ok(())
    }
}

/// The measuring loop's view of the spinfix initiator.
struct Initiator {
    engine: LocalEngine<Counter>,
    fmt: TimestampFormatter,
    reported: u64,
    ids: crate::apps::IdCounter,
    ids_sent: u64,
}

impl Initiator {
    fn connect(addr: SocketAddr, dir: &Path, idle: IdleStrategy) -> Result<Initiator, BenchError> {
        let config = SessionConfig::builder(
            "FIX.4.4",
            INITIATOR_COMP_ID,
            ACCEPTOR_COMP_ID,
            Role::Initiator,
        )
        .heart_bt_int(Duration::from_secs(30))
        .reset_on_logon(true)
        .timestamp_precision(TimePrecision::Micros)
        .build()
        .map_err(|e| engine_error("initiator session", e))?;
        let mut ic = InitiatorConfig::new(
            SessionKey::new("FIX.4.4", INITIATOR_COMP_ID, ACCEPTOR_COMP_ID),
            vec![addr],
        );
        ic.reconnect_interval = Duration::from_secs(1);
        let store = StoreSpec::Journal(JournalConfig::new(
            dir.join("initiator-store"),
            config.session_id(),
        ));
        let mut engine = Engine::builder()
            .name("bench-spinfix-initiator")
            .idle(match idle {
                IdleStrategy::Spin => spinfix::idle::IdleStrategy::BusySpin,
                IdleStrategy::Yield => spinfix::idle::IdleStrategy::Yield,
                IdleStrategy::Backoff => spinfix::idle::IdleStrategy::default(),
            })
            .session(SessionSpec {
                config,
                transport: Transport::Initiator(ic),
                store,
            })
            .build_local(Counter::default())
            .map_err(|e| engine_error("starting the initiator", e))?;
        let start = Instant::now();
        while !engine.app().logged_on {
            if start.elapsed() > LOGON_DEADLINE {
                return Err(BenchError::Timeout {
                    contender: NAME,
                    what: "the initiator's logon",
                    secs: LOGON_DEADLINE.as_secs(),
                });
            }
            if engine.poll() == 0 {
                thread::sleep(Duration::from_micros(50));
            }
        }
        Ok(Initiator {
            engine,
            fmt: TimestampFormatter::new(),
            reported: 0,
            ids: crate::apps::IdCounter::new(b"ORD-"),
            ids_sent: 0,
        })
    }

    fn stop(self) {
        let _ = self.engine.stop(STOP_TIMEOUT);
    }
}

impl RoundTrip for Initiator {
    #[inline]
    fn send_order(&mut self, n: u64) -> Result<(), BenchError> {
        // The drivers number orders 1, 2, 3, ...: counting up is cheaper than formatting `n`.
        if n != self.ids_sent + 1 {
            self.ids = crate::apps::IdCounter::starting_after(b"ORD-", n - 1);
        }
        self.ids_sent = n;
        let id = *self.ids.next();
        let fmt = &mut self.fmt;
        let mut ctx = self
            .engine
            .session(0)
            .ok_or_else(|| engine_error("initiator", "no session"))?;
        let now = ctx.now().utc;
        ctx.send(b"D", |w| {
            w.bytes(11, &id) // ClOrdID
                .str(1, "ACC-0001") // Account
                .char(21, b'1') // HandlInst
                .str(55, "AAPL") // Symbol
                .char(54, b'1') // Side
                .timestamp(60, fmt, now, TimePrecision::Micros) // TransactTime
                .uint(38, 100) // OrderQty
                .char(40, b'2') // OrdType
                .str(44, "187.25") // Price
                .char(59, b'0'); // TimeInForce
        })
        .map(|_| ())
        .map_err(|e| engine_error("sending an order", e))
    }

    #[inline]
    fn poll(&mut self) -> Result<u64, BenchError> {
        self.engine.poll();
        let app = self.engine.app();
        if !app.logged_on {
            return Err(BenchError::PeerClosed {
                contender: NAME,
                done: app.reports,
            });
        }
        let new = app.reports - self.reported;
        self.reported = app.reports;
        Ok(new)
    }
}

impl SpinfixContender {
    fn shape(&self, s: &RunSettings) -> String {
        let acceptor = match s.cores.shape {
            EngineShape::Colocated => "acceptor colocated (I/O + session on 1 thread)",
            EngineShape::Split => "acceptor split (I/O thread -> ring -> session thread)",
        };
        format!(
            "{}, initiator colocated on the measuring thread, {acceptor} ({}), {}, FIX.4.4, \
             journals on (OS write-back), validation {}",
            if s.threads {
                "1 process"
            } else {
                "2 processes"
            },
            s.cores.describe(),
            s.idle.describe(),
            if s.validate { "on" } else { "off" }
        )
    }

    fn with_initiator<T: Send>(
        &self,
        s: &RunSettings,
        work: impl FnOnce(&mut Initiator) -> Result<T, BenchError> + Send,
    ) -> Result<T, BenchError> {
        let dir = s
            .work_dir
            .join(format!("spinfix-{}", RUN.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).map_err(|source| BenchError::Output {
            path: dir.clone(),
            source,
        })?;
        let (acceptor, addr) = Acceptor::start(s, &dir)?;
        let core = s.cores.initiator_core();
        let idle = s.idle;
        let dir_ref = &dir;
        let result = on_pinned_thread(NAME, "bench-spinfix-initiator", core, move || {
            let mut initiator = Initiator::connect(addr, dir_ref, idle)?;
            let r = work(&mut initiator);
            initiator.stop();
            r
        });
        acceptor.finish();
        result
    }
}

impl Contender for SpinfixContender {
    fn name(&self) -> &'static str {
        NAME
    }

    fn run_latency(&mut self, s: &RunSettings, mut probe: Probe) -> Result<LatencyRun, BenchError> {
        let plan = LatencyPlan::of(s);
        let idle = s.idle;
        let (hist, interrupted) =
            self.with_initiator(s, |rt| drive_latency(NAME, rt, plan, idle, &mut probe))?;
        let images = Images::new()?;
        Ok(LatencyRun {
            hist,
            interrupted,
            bytes: (images.order.len(), images.report.len()),
            shape: self.shape(s),
        })
    }

    fn run_throughput(
        &mut self,
        s: &RunSettings,
        mut probe: Probe,
    ) -> Result<ThroughputRun, BenchError> {
        let plan = ThroughputPlan::of(s);
        let idle = s.idle;
        let (count, elapsed, interrupted) =
            self.with_initiator(s, |rt| drive_throughput(rt, plan, idle, &mut probe))?;
        let images = Images::new()?;
        Ok(ThroughputRun {
            count,
            elapsed,
            interrupted,
            bytes: (images.order.len(), images.report.len()),
            shape: self.shape(s),
        })
    }
}
