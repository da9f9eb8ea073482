//! The `tcp` baseline end to end: a tiny run produces the table, the JSON keys, the .hgrm file
//! and the SVG chart. No timing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use bench_support::{bench, json_lines, number, run};

const LATENCY_KEYS: [&str; 6] = [
    "p50_us", "p90_us", "p99_us", "p999_us", "p9999_us", "max_us",
];

#[test]
fn latency_run_writes_table_json_hgrm_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args([
        "--baseline",
        "tcp",
        "--messages",
        "300",
        "--warmup",
        "30",
        "--json",
    ]);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "status {:?}\n{stderr}", out.status);

    // --json: stdout is JSON lines only; the table goes to stderr.
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with('{') && l.ends_with('}')),
        "{stdout}"
    );
    let lines = json_lines(&stdout, "tcp");
    assert_eq!(lines.len(), 1, "{stdout}");
    let line = lines[0];
    assert!(line.contains("\"mode\":\"latency\""), "{line}");
    for key in LATENCY_KEYS {
        assert!(number(line, key) > 0.0, "{key} in {line}");
    }
    assert_eq!(number(line, "messages"), 300.0);
    assert_eq!(number(line, "warmup"), 30.0);
    assert_eq!(number(line, "count"), 300.0);
    assert!(
        line.contains("\"rate\":null") && line.contains("\"threads\":false"),
        "{line}"
    );
    assert!(line.contains("\"idle\":\"backoff\""), "{line}");
    assert!(number(line, "p50_us") <= number(line, "p99_us"));
    assert!(number(line, "p9999_us") <= number(line, "max_us"));

    for label in ["p50", "p90", "p99", "p99.9", "p99.99", "max", "spinfix/tcp"] {
        assert!(
            stderr.contains(label),
            "{label} missing from the table:\n{stderr}"
        );
    }
    assert!(stderr.contains("2 processes"), "{stderr}");

    let hgrm = std::fs::read_to_string(dir.path().join("tcp-latency.hgrm")).unwrap();
    assert!(
        hgrm.contains("Percentile") && hgrm.contains("Total count"),
        "{hgrm}"
    );
    let svg = std::fs::read_to_string(dir.path().join("latency.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("class=\"tcp\""),
        "{svg}"
    );
    let jsonl = std::fs::read_to_string(dir.path().join("results.jsonl")).unwrap();
    assert_eq!(json_lines(&jsonl, "tcp").len(), 1);
}

#[test]
fn paced_latency_in_threads_mode_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args([
        "--baseline",
        "tcp",
        "--threads",
        "--messages",
        "200",
        "--warmup",
        "20",
    ]);
    cmd.args(["--rate", "20000"]);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("20000 orders/s offered"), "{stdout}");
    assert!(stdout.contains("2 threads in 1 process"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("p99.99")), "{stdout}");
}

#[test]
fn throughput_run_reports_orders_per_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args(["--baseline", "tcp", "--throughput", "--window", "16"]);
    cmd.args(["--messages", "2000", "--warmup", "200", "--json"]);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&stdout, "tcp");
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].contains("\"mode\":\"throughput\""), "{}", lines[0]);
    assert!(number(lines[0], "msgs_per_s") > 0.0);
    assert_eq!(number(lines[0], "count"), 2000.0);
    assert_eq!(number(lines[0], "window"), 16.0);
    // No latency histogram in throughput mode, so no chart.
    assert!(!dir.path().join("latency.svg").exists());
}

#[test]
fn unusable_flags_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bench(dir.path());
    cmd.args(["--baseline", "tcp", "--messages", "0"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--messages 0"));
}
