//! The acceptor side as a child process of the bench (the same binary, started with the hidden
//! `bench --serve ROLE` flags), and the plumbing shared with the QuickFIX peer: reading a
//! child's stdout lines with a deadline, asking a child to stop early.
//!
//! Two processes are the default because that is how engines are deployed: no shared
//! allocator, no shared cache lines, each side with its own page tables. `--threads` keeps
//! both sides in one process instead.

use super::error::BenchError;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a child may take to say it is listening.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// The line a serving child prints once its listener is bound.
pub const LISTENING: &str = "listening ";

/// A child process the bench started; killed (by its own pid) and reaped when dropped.
#[derive(Debug)]
pub struct ChildProcess {
    contender: &'static str,
    program: PathBuf,
    child: Child,
    lines: Receiver<String>,
}

impl ChildProcess {
    /// Starts `command` with stdout piped and stderr passed through.
    pub fn spawn(contender: &'static str, mut command: Command) -> Result<Self, BenchError> {
        let program = PathBuf::from(command.get_program());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| BenchError::io(contender, format!("starting {}", program.display()), e))?;
        let (tx, lines) = channel();
        if let Some(stdout) = child.stdout.take() {
            forward_lines(stdout, tx);
        }
        Ok(ChildProcess {
            contender,
            program,
            child,
            lines,
        })
    }

    /// The next stdout line, waiting at most `timeout`. `Ok(None)`: the timeout passed.
    /// The child closing stdout (exiting) is an error naming its exit status.
    pub fn next_line(&mut self, timeout: Duration) -> Result<Option<String>, BenchError> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(Some(line)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self
                    .child
                    .wait()
                    .map_or_else(|e| format!("exit status unknown: {e}"), |s| s.to_string());
                Err(BenchError::Peer {
                    contender: self.contender,
                    program: self.program.clone(),
                    detail: format!("ended before its work was done ({status})"),
                })
            }
        }
    }

    /// Waits for a line starting with `prefix` (other lines are ignored) and returns the rest.
    pub fn expect_line(
        &mut self,
        prefix: &str,
        what: &'static str,
        deadline: Duration,
    ) -> Result<String, BenchError> {
        let until = Instant::now() + deadline;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(BenchError::Timeout {
                    contender: self.contender,
                    what,
                    secs: deadline.as_secs(),
                });
            }
            if let Some(line) = self.next_line(left)? {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.trim().to_string());
                }
            }
        }
    }

    /// Asks the child to stop early the way Ctrl-C would (SIGINT), so it reports what it has.
    pub fn interrupt(&self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) has no memory-safety preconditions. The pid is our own child's,
            // which has not been reaped (we hold its `Child` and only wait in `drop` or after
            // its stdout closed), so it cannot name another process.
            unsafe {
                libc::kill(pid, libc::SIGINT);
            }
        }
    }

    /// The program's path, for messages.
    pub fn program(&self) -> &Path {
        &self.program
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn forward_lines(stdout: ChildStdout, tx: std::sync::mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
}

/// The roles a serving child can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServeRole {
    /// The raw TCP responder of the `tcp` baseline.
    Tcp,
}

/// Starts this binary as a serving child pinned to `core` and waits for its address.
pub fn spawn_serve(
    contender: &'static str,
    role: ServeRole,
    core: Option<usize>,
    idle: super::idle::IdleStrategy,
) -> Result<(ChildProcess, SocketAddr), BenchError> {
    let exe = std::env::current_exe()
        .map_err(|e| BenchError::io(contender, "locating the spinfix binary", e))?;
    let mut command = Command::new(&exe);
    command.args(["bench", "--serve"]);
    command.arg(match role {
        ServeRole::Tcp => "tcp",
    });
    command.args(["--idle", idle.name()]);
    if let Some(c) = core {
        command.args(["--serve-core", &c.to_string()]);
    }
    let mut child = ChildProcess::spawn(contender, command)?;
    let addr = child.expect_line(LISTENING, "the acceptor child listening", STARTUP_DEADLINE)?;
    let addr: SocketAddr = addr.parse().map_err(|_| BenchError::Peer {
        contender,
        program: exe.clone(),
        detail: format!("printed an address that does not parse: {addr:?}"),
    })?;
    Ok((child, addr))
}
