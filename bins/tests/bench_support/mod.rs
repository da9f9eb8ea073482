//! Running `spinfix bench` as a user would, with a bounded wait and no busy-spinning
//! (`--idle backoff`): the machine CI runs on has two cores.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any bench in the tests may run.
pub const DEADLINE: Duration = Duration::from_secs(240);

/// A `spinfix bench` command with the test defaults: tiny runs, back-off idling, output to `out`.
pub fn bench(out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spinfix"));
    cmd.args(["bench", "--idle", "backoff", "--out"]).arg(out);
    cmd
}

/// Kills (by its pid) and reaps a child when dropped, so a failed test leaves nothing running.
pub struct Guard(pub Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

/// Runs `cmd` to completion within [`DEADLINE`], polling every 20 ms.
pub fn run(mut cmd: Command) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn spinfix bench");
    let mut guard = Guard(Some(child));
    let child = guard.0.as_mut().unwrap();
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let until = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < until,
            "spinfix bench did not finish within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    guard.0 = None;
    output
}

/// The JSON lines of one implementation.
pub fn json_lines<'a>(stdout: &'a str, implementation: &str) -> Vec<&'a str> {
    let tag = format!("\"impl\":\"{implementation}\"");
    stdout.lines().filter(|l| l.contains(&tag)).collect()
}

/// A number field of a flat JSON line.
pub fn number(line: &str, key: &str) -> f64 {
    let at = line
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("no {key} in {line}"));
    let rest = &line[at + key.len() + 3..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("{key} is not a number in {line}"))
}

/// Whether this build carries the QuickFIX peer; prints why a test is skipped otherwise.
pub fn quickfix_skipped(stderr: &str) -> bool {
    if stderr.contains("quickfix baseline skipped") {
        eprintln!("skipped: the QuickFIX peer is not built here");
        true
    } else {
        false
    }
}
