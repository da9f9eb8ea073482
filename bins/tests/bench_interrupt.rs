//! Ctrl-C: the bench stops the running measurement and prints what it measured so far.
//! SIGINT goes to the bench process alone (as `kill -INT` would), so the QuickFIX case also
//! checks that the bench passes it on to its peer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use bench_support::{bench, Guard, DEADLINE};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

/// Starts an endless bench, waits for its first progress line, interrupts it, and returns
/// (exit code, stdout, stderr). `None` when the baseline was skipped.
fn interrupt_after_progress(baseline: &str) -> Option<(Option<i32>, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args([
        "--baseline",
        baseline,
        "--messages",
        "100000000",
        "--warmup",
        "0",
    ]);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(Some(child));
    let child = guard.0.as_mut().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let until = Instant::now() + DEADLINE;
    let mut err = String::new();
    loop {
        let line = rx
            .recv_timeout(until.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no progress line before the deadline:\n{err}"));
        err.push_str(&line);
        err.push('\n');
        if line.contains("baseline skipped") {
            eprintln!("skipped: {line}");
            return None;
        }
        if line.contains(&format!("{baseline} latency:")) {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < until,
            "the bench did not stop after SIGINT:\n{err}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    guard.0 = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        err.push_str(&line);
        err.push('\n');
    }
    Some((status.code(), out.join().unwrap(), err))
}

#[test]
fn ctrl_c_prints_what_the_tcp_baseline_measured() {
    let (code, stdout, stderr) = interrupt_after_progress("tcp").unwrap();
    assert_eq!(code, Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("[interrupted: partial]"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("p50")), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[test]
fn ctrl_c_reaches_the_quickfix_peer() {
    let Some((code, stdout, stderr)) = interrupt_after_progress("quickfix") else {
        return;
    };
    assert_eq!(code, Some(130), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("quickfix") && stdout.contains("[interrupted: partial]"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("p99")), "{stdout}");
}
