//! The `quickfix` baseline end to end with tiny runs, when the QuickFIX peer was built
//! (skipped with a message otherwise). No timing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use bench_support::{bench, json_lines, number, quickfix_skipped, run};

#[test]
fn latency_run_with_quickfix_on_both_ends() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args([
        "--baseline",
        "quickfix",
        "--messages",
        "100",
        "--warmup",
        "10",
        "--json",
    ]);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if quickfix_skipped(&stderr) {
        return;
    }
    assert!(out.status.success(), "status {:?}\n{stderr}", out.status);
    let lines = json_lines(&stdout, "quickfix");
    assert_eq!(lines.len(), 1, "{stdout}\n{stderr}");
    for key in [
        "p50_us", "p90_us", "p99_us", "p999_us", "p9999_us", "max_us",
    ] {
        assert!(number(lines[0], key) > 0.0, "{key} in {}", lines[0]);
    }
    assert_eq!(number(lines[0], "count"), 100.0);
    // QuickFIX's own messages are about the size of the tcp baseline's images.
    let order = number(lines[0], "order_bytes");
    assert!((180.0..=220.0).contains(&order), "{}", lines[0]);
    assert!(stderr.contains("FileStore"), "{stderr}");
    let hgrm = std::fs::read_to_string(dir.path().join("quickfix-latency.hgrm")).unwrap();
    assert!(hgrm.contains("Total count"));
    let svg = std::fs::read_to_string(dir.path().join("latency.svg")).unwrap();
    assert!(svg.contains("class=\"quickfix\""));
}

#[test]
fn throughput_run_with_both_sides_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args([
        "--baseline",
        "quickfix",
        "--threads",
        "--throughput",
        "--window",
        "8",
    ]);
    cmd.args(["--messages", "300", "--warmup", "30", "--json"]);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if quickfix_skipped(&stderr) {
        return;
    }
    assert!(out.status.success(), "status {:?}\n{stderr}", out.status);
    let lines = json_lines(&stdout, "quickfix");
    assert_eq!(lines.len(), 1, "{stdout}\n{stderr}");
    assert!(number(lines[0], "msgs_per_s") > 0.0, "{}", lines[0]);
    assert_eq!(number(lines[0], "count"), 300.0);
    assert!(lines[0].contains("\"threads\":true"));
}
