//! Latency histograms: values recorded in nanoseconds, reported in microseconds.

use super::error::BenchError;
use hdrhistogram::Histogram;
use std::path::Path;

/// The histogram every contender records into: nanoseconds, three significant digits.
pub type LatencyHistogram = Histogram<u64>;

/// The largest latency recorded exactly (60 s); anything slower is recorded as this.
const HIGHEST_NS: u64 = 60_000_000_000;

/// A fresh latency histogram (about 200 KiB, allocated before a run, never during it).
pub fn new_latency(contender: &'static str) -> Result<LatencyHistogram, BenchError> {
    Histogram::new_with_bounds(1, HIGHEST_NS, 3).map_err(|e| BenchError::Histogram {
        contender,
        detail: e.to_string(),
    })
}

/// The percentiles the table, the JSON lines and the chart's markers report:
/// (label, quantile, JSON key).
pub const PERCENTILES: [(&str, f64, &str); 5] = [
    ("p50", 0.50, "p50_us"),
    ("p90", 0.90, "p90_us"),
    ("p99", 0.99, "p99_us"),
    ("p99.9", 0.999, "p999_us"),
    ("p99.99", 0.9999, "p9999_us"),
];

/// A histogram's figures in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Samples recorded.
    pub count: u64,
    /// Values at [`PERCENTILES`], in order.
    pub percentiles: [f64; 5],
    /// The largest sample.
    pub max: f64,
    /// The mean.
    pub mean: f64,
}

impl Summary {
    /// Reads the figures off a histogram.
    pub fn of(h: &LatencyHistogram) -> Summary {
        let mut percentiles = [0.0; 5];
        for (slot, (_, q, _)) in percentiles.iter_mut().zip(PERCENTILES) {
            *slot = ns_to_us(h.value_at_quantile(q));
        }
        Summary {
            count: h.len(),
            percentiles,
            max: ns_to_us(h.max()),
            mean: h.mean() / 1_000.0,
        }
    }
}

/// Nanoseconds to microseconds.
pub fn ns_to_us(ns: u64) -> f64 {
    ns as f64 / 1_000.0
}

/// Reads a peer's latency file (one integer of nanoseconds per line) into a histogram.
pub fn read_ns_list(contender: &'static str, path: &Path) -> Result<LatencyHistogram, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BenchError::io(contender, format!("reading {}", path.display()), e))?;
    let mut h = new_latency(contender)?;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let ns: u64 = line.parse().map_err(|_| BenchError::BadLatency {
            contender,
            path: path.to_path_buf(),
            line: i + 1,
            value: line.to_string(),
        })?;
        h.saturating_record(ns);
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_microseconds() {
        let mut h = new_latency("tcp").unwrap();
        for ns in 1..=10_000u64 {
            h.record(ns * 1_000).unwrap();
        }
        let s = Summary::of(&h);
        assert_eq!(s.count, 10_000);
        assert!((s.percentiles[0] - 5_000.0).abs() < 10.0, "{s:?}");
        assert!((s.max - 10_000.0).abs() < 10.0, "{s:?}");
    }

    #[test]
    fn a_latency_file_is_read_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.txt");
        std::fs::write(&good, "1000\n2000\n\n3000\n").unwrap();
        assert_eq!(read_ns_list("quickfix", &good).unwrap().len(), 3);
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "1000\nfast\n").unwrap();
        let err = read_ns_list("quickfix", &bad).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("fast"), "{err}");
    }
}
