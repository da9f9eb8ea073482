//! The `quickfix` baseline: QuickFIX C++ (Debian's libquickfix-dev) on both ends, through
//! `quickfix-peer` (bins/quickfix-peer/peer.cpp, built by bins/build.rs when pkg-config finds
//! the library).
//!
//! Why QuickFIX on both ends, timed by QuickFIX's initiator: a Rust initiator talking to a
//! QuickFIX acceptor would measure half of each engine, flattering whichever is slower. So the
//! peer's initiator times its own round trips (steady_clock, same rules as the Rust driver:
//! warm-up excluded, coordinated-omission correction at a rate) and writes them as a list of
//! nanoseconds; the bench only reads the list. Sessions use FIX.4.4, a FileStore in a fresh
//! directory (the OS's write-back, no fsync, like spinfix's journal), no logging, and
//! data-dictionary validation only when `--validate` is given with a dictionary.

use super::contender::{Contender, LatencyRun, RunSettings, ThroughputRun};
use super::error::BenchError;
use super::hist::read_ns_list;
use super::messages::{ACCEPTOR_COMP_ID, INITIATOR_COMP_ID};
use super::process::{ChildProcess, STARTUP_DEADLINE};
use super::progress::Probe;
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const NAME: &str = "quickfix";

/// Where the peer was built, when it was (see build.rs).
#[cfg(spinfix_quickfix_peer)]
const BUILT_PEER: Option<&str> = Some(env!("SPINFIX_QUICKFIX_PEER"));
#[cfg(not(spinfix_quickfix_peer))]
const BUILT_PEER: Option<&str> = None;

/// QuickFIX C++ initiator and acceptor.
#[derive(Debug)]
pub struct QuickfixContender {
    peer: PathBuf,
}

impl QuickfixContender {
    /// Finds the peer program: `$SPINFIX_QUICKFIX_PEER` at run time, else the one built with
    /// this binary. `Err` holds the notice to print when the baseline must be skipped.
    pub fn locate() -> Result<Self, String> {
        let peer = std::env::var_os("SPINFIX_QUICKFIX_PEER")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| BUILT_PEER.map(PathBuf::from));
        match peer {
            None => Err(
                "quickfix baseline skipped: QuickFIX C++ was not found when spinfix \
                         was built (install libquickfix-dev and pkg-config, then rebuild)"
                    .to_string(),
            ),
            Some(p) if !p.is_file() => Err(format!(
                "quickfix baseline skipped: the peer program {} is missing (rebuild spinfix)",
                p.display()
            )),
            Some(peer) => Ok(QuickfixContender { peer }),
        }
    }

    fn shape(&self, s: &RunSettings) -> String {
        format!(
            "{}, SocketInitiator/SocketAcceptor polled on 1 thread per side ({}), {}, FileStore",
            if s.threads {
                "2 threads in 1 process"
            } else {
                "2 processes"
            },
            s.cores.describe(),
            s.idle.describe()
        )
    }

    /// Runs the peer(s) once; `window` 0 is latency mode.
    fn run(
        &self,
        s: &RunSettings,
        window: u64,
        probe: &mut Probe,
    ) -> Result<PeerOutcome, BenchError> {
        let dir = s.work_dir.join(format!(
            "quickfix-{}",
            if window == 0 { "latency" } else { "throughput" }
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| BenchError::io(NAME, format!("creating {}", dir.display()), e))?;
        let port = free_port()?;
        let acceptor_cfg = dir.join("acceptor.cfg");
        let initiator_cfg = dir.join("initiator.cfg");
        write_file(&acceptor_cfg, &settings_file(s, &dir, Role::Acceptor, port))?;
        write_file(
            &initiator_cfg,
            &settings_file(s, &dir, Role::Initiator, port),
        )?;
        let latencies = dir.join("latencies-ns.txt");

        let core = |c: Option<usize>| c.map_or_else(|| "-1".to_string(), |c| c.to_string());
        let mut initiator_args: Vec<String> = vec![
            "--config".into(),
            initiator_cfg.display().to_string(),
            "--cpu".into(),
            core(s.cores.initiator_core()),
            "--idle".into(),
            s.idle.name().into(),
            "--messages".into(),
            s.messages.to_string(),
            "--warmup".into(),
            s.warmup.to_string(),
            "--window".into(),
            window.to_string(),
            "--out".into(),
            latencies.display().to_string(),
        ];
        if let Some(rate) = s.rate.filter(|_| window == 0) {
            initiator_args.extend(["--rate".into(), format!("{rate}")]);
        }

        // The acceptor first (its own process unless --threads), then the initiator.
        let _acceptor = if s.threads {
            initiator_args.extend([
                "--acceptor-config".into(),
                acceptor_cfg.display().to_string(),
                "--acceptor-cpu".into(),
                core(s.cores.acceptor_core()),
            ]);
            None
        } else {
            let mut cmd = Command::new(&self.peer);
            cmd.arg("acceptor")
                .arg("--config")
                .arg(&acceptor_cfg)
                .args(["--cpu", &core(s.cores.acceptor_core())])
                .args(["--idle", s.idle.name()]);
            let mut acceptor = ChildProcess::spawn(NAME, cmd)?;
            acceptor.expect_line("ready", "the QuickFIX acceptor listening", STARTUP_DEADLINE)?;
            Some(acceptor)
        };
        let mut cmd = Command::new(&self.peer);
        cmd.arg(if s.threads { "pair" } else { "initiator" })
            .args(&initiator_args);
        let mut initiator = ChildProcess::spawn(NAME, cmd)?;

        let mut bytes = (0, 0);
        let mut forwarded = false;
        loop {
            if probe.interrupted() && !forwarded {
                // Ctrl-C reaches the peer with the terminal's process group; `kill -INT` on
                // the bench alone does not, so pass it on.
                initiator.interrupt();
                forwarded = true;
            }
            let Some(line) = initiator.next_line(Duration::from_millis(100))? else {
                continue;
            };
            let mut words = line.split_whitespace();
            match words.next() {
                Some("progress") => {
                    if let Some(done) = words.next().and_then(|w| w.parse().ok()) {
                        probe.maybe_report(done);
                    }
                }
                Some("bytes") => {
                    let mut n = || words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                    bytes = (n(), n());
                }
                Some("done") => {
                    let nums: Vec<u64> = words.filter_map(|w| w.parse().ok()).collect();
                    let [count, elapsed_ns, interrupted] = nums[..] else {
                        return Err(BenchError::Peer {
                            contender: NAME,
                            program: initiator.program().to_path_buf(),
                            detail: format!("unreadable result line {line:?}"),
                        });
                    };
                    return Ok(PeerOutcome {
                        count,
                        elapsed: Duration::from_nanos(elapsed_ns),
                        interrupted: interrupted != 0 || forwarded,
                        bytes,
                        latencies,
                    });
                }
                _ => {}
            }
        }
    }
}

struct PeerOutcome {
    count: u64,
    elapsed: Duration,
    interrupted: bool,
    bytes: (usize, usize),
    latencies: PathBuf,
}

impl Contender for QuickfixContender {
    fn name(&self) -> &'static str {
        NAME
    }

    fn run_latency(&mut self, s: &RunSettings, mut probe: Probe) -> Result<LatencyRun, BenchError> {
        let outcome = self.run(s, 0, &mut probe)?;
        let hist = read_ns_list(NAME, &outcome.latencies)?;
        Ok(LatencyRun {
            hist,
            interrupted: outcome.interrupted,
            bytes: outcome.bytes,
            shape: self.shape(s),
        })
    }

    fn run_throughput(
        &mut self,
        s: &RunSettings,
        mut probe: Probe,
    ) -> Result<ThroughputRun, BenchError> {
        let outcome = self.run(s, s.window.max(1), &mut probe)?;
        Ok(ThroughputRun {
            count: outcome.count,
            elapsed: outcome.elapsed,
            interrupted: outcome.interrupted,
            bytes: outcome.bytes,
            shape: self.shape(s),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Acceptor,
    Initiator,
}

/// A QuickFIX settings file for one side.
fn settings_file(s: &RunSettings, dir: &Path, role: Role, port: u16) -> String {
    let (kind, sender, target, store) = match role {
        Role::Acceptor => (
            "acceptor",
            ACCEPTOR_COMP_ID,
            INITIATOR_COMP_ID,
            "store-acceptor",
        ),
        Role::Initiator => (
            "initiator",
            INITIATOR_COMP_ID,
            ACCEPTOR_COMP_ID,
            "store-initiator",
        ),
    };
    let mut cfg = String::new();
    let _ = writeln!(cfg, "[DEFAULT]");
    let _ = writeln!(cfg, "ConnectionType={kind}");
    let _ = writeln!(cfg, "FileStorePath={}", dir.join(store).display());
    let _ = writeln!(cfg, "StartTime=00:00:00");
    let _ = writeln!(cfg, "EndTime=00:00:00");
    let _ = writeln!(cfg, "HeartBtInt=30");
    let _ = writeln!(cfg, "ReconnectInterval=1");
    let _ = writeln!(cfg, "SocketNodelay=Y");
    let _ = writeln!(cfg, "TimestampPrecision=6");
    let _ = writeln!(cfg, "ResetOnLogon=Y");
    match (&s.dictionary, s.validate) {
        (Some(dict), true) => {
            let _ = writeln!(cfg, "UseDataDictionary=Y");
            let _ = writeln!(cfg, "DataDictionary={}", dict.display());
        }
        _ => {
            let _ = writeln!(cfg, "UseDataDictionary=N");
        }
    }
    let _ = writeln!(cfg, "[SESSION]");
    let _ = writeln!(cfg, "BeginString=FIX.4.4");
    let _ = writeln!(cfg, "SenderCompID={sender}");
    let _ = writeln!(cfg, "TargetCompID={target}");
    match role {
        Role::Acceptor => {
            let _ = writeln!(cfg, "SocketAcceptAddress=127.0.0.1");
            let _ = writeln!(cfg, "SocketAcceptPort={port}");
        }
        Role::Initiator => {
            let _ = writeln!(cfg, "SocketConnectHost=127.0.0.1");
            let _ = writeln!(cfg, "SocketConnectPort={port}");
        }
    }
    cfg
}

fn write_file(path: &Path, text: &str) -> Result<(), BenchError> {
    std::fs::write(path, text)
        .map_err(|e| BenchError::io(NAME, format!("writing {}", path.display()), e))
}

/// A loopback port that was free a moment ago (QuickFIX binds it itself).
fn free_port() -> Result<u16, BenchError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| BenchError::io(NAME, "finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| BenchError::io(NAME, "finding a free port", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::idle::IdleStrategy;
    use crate::bench::pin::CorePlan;

    fn settings(validate: bool) -> RunSettings {
        RunSettings {
            messages: 10,
            warmup: 0,
            rate: None,
            window: 8,
            rounds: 1,
            threads: false,
            idle: IdleStrategy::Backoff,
            cores: CorePlan::from_cores(false, &[0, 1]),
            validate,
            dictionary: Some(PathBuf::from("/dict/FIX44.xml")),
            work_dir: PathBuf::from("/tmp/x"),
        }
    }

    #[test]
    fn settings_files_mirror_each_other() {
        let s = settings(false);
        let a = settings_file(&s, Path::new("/w"), Role::Acceptor, 4000);
        let i = settings_file(&s, Path::new("/w"), Role::Initiator, 4000);
        assert!(a.contains("ConnectionType=acceptor") && a.contains("SocketAcceptPort=4000"));
        assert!(i.contains("ConnectionType=initiator") && i.contains("SocketConnectPort=4000"));
        assert!(a.contains("SenderCompID=SPINFIX-ACC") && i.contains("SenderCompID=SPINFIX-INI"));
        assert!(a.contains("FileStorePath=/w/store-acceptor"));
        assert!(a.contains("UseDataDictionary=N"));
    }

    #[test]
    fn validation_uses_the_dictionary() {
        let a = settings_file(&settings(true), Path::new("/w"), Role::Acceptor, 1);
        assert!(a.contains("UseDataDictionary=Y") && a.contains("DataDictionary=/dict/FIX44.xml"));
    }
}
