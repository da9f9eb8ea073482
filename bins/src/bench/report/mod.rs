//! What a bench run produces: the table, the ratios, `.hgrm` files, the SVG chart and the JSON
//! lines, from the results of every contender that ran.

mod hgrm;
mod json;
mod svg;
mod table;

use super::contender::{LatencyRun, RunSettings, ThroughputRun};
use super::error::BenchError;
use super::hist::Summary;
use std::path::{Path, PathBuf};

pub use json::line as json_line;
pub use table::render as table;

/// The implementations in the order the table and chart show them.
pub const ORDER: [&str; 3] = ["spinfix", "tcp", "quickfix"];

/// One contender's result.
#[derive(Debug)]
pub struct Measured {
    /// `spinfix`, `tcp` or `quickfix`.
    pub name: &'static str,
    /// What was measured.
    pub outcome: Outcome,
}

/// A latency or a throughput result.
#[derive(Debug)]
pub enum Outcome {
    /// Round-trip latencies with their summary.
    Latency(LatencyRun, Summary),
    /// Orders per second.
    Throughput(ThroughputRun),
}

impl Measured {
    /// A latency result.
    pub fn latency(name: &'static str, run: LatencyRun) -> Self {
        let summary = Summary::of(&run.hist);
        Measured {
            name,
            outcome: Outcome::Latency(run, summary),
        }
    }

    /// A throughput result.
    pub fn throughput(name: &'static str, run: ThroughputRun) -> Self {
        Measured {
            name,
            outcome: Outcome::Throughput(run),
        }
    }

    fn summary(&self) -> Option<&Summary> {
        match &self.outcome {
            Outcome::Latency(_, s) => Some(s),
            Outcome::Throughput(_) => None,
        }
    }

    fn interrupted(&self) -> bool {
        match &self.outcome {
            Outcome::Latency(r, _) => r.interrupted,
            Outcome::Throughput(r) => r.interrupted,
        }
    }

    fn shape(&self) -> &str {
        match &self.outcome {
            Outcome::Latency(r, _) => &r.shape,
            Outcome::Throughput(r) => &r.shape,
        }
    }

    fn bytes(&self) -> (usize, usize) {
        match &self.outcome {
            Outcome::Latency(r, _) => r.bytes,
            Outcome::Throughput(r) => r.bytes,
        }
    }
}

/// Writes `<impl>-latency.hgrm` per latency result, `latency.svg` when there is any, and
/// `results.jsonl`; returns the paths written.
pub fn write_files(
    dir: &Path,
    results: &[Measured],
    settings: &RunSettings,
) -> Result<Vec<PathBuf>, BenchError> {
    std::fs::create_dir_all(dir).map_err(|source| BenchError::Output {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut write = |name: String, text: String| -> Result<(), BenchError> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| BenchError::Output {
            path: path.clone(),
            source,
        })?;
        written.push(path);
        Ok(())
    };
    let mut curves = Vec::new();
    for m in results {
        if let Outcome::Latency(run, _) = &m.outcome {
            write(format!("{}-latency.hgrm", m.name), hgrm::render(&run.hist))?;
            curves.push((m.name, &run.hist));
        }
    }
    if !curves.is_empty() {
        write("latency.svg".to_string(), svg::render(&curves, settings))?;
    }
    let mut lines = String::new();
    for m in results {
        lines.push_str(&json_line(m, settings));
        lines.push('\n');
    }
    write("results.jsonl".to_string(), lines)?;
    Ok(written)
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::bench::hist::new_latency;
    use crate::bench::idle::IdleStrategy;
    use crate::bench::pin::CorePlan;
    use std::time::Duration;

    pub fn settings() -> RunSettings {
        RunSettings {
            messages: 1000,
            warmup: 100,
            rate: None,
            window: 64,
            rounds: 1,
            threads: false,
            idle: IdleStrategy::Spin,
            cores: CorePlan::from_cores(false, &[0, 1]),
            validate: false,
            dictionary: None,
            work_dir: PathBuf::from("/tmp"),
        }
    }

    /// A latency run whose 1,000 samples are `base_ns` plus a spread up to 3x.
    pub fn latency_run(base_ns: u64) -> LatencyRun {
        let mut hist = new_latency("tcp").unwrap();
        for i in 0..1000u64 {
            hist.record(base_ns + i * base_ns / 500).unwrap();
        }
        LatencyRun {
            hist,
            interrupted: false,
            bytes: (201, 221),
            shape: "2 processes".into(),
        }
    }

    /// A latency result whose samples are `base_ns` plus a spread.
    pub fn latency(name: &'static str, base_ns: u64) -> Measured {
        let mut hist = new_latency(name).unwrap();
        for i in 0..1000u64 {
            hist.record(base_ns + i * base_ns / 500).unwrap();
        }
        Measured::latency(
            name,
            LatencyRun {
                hist,
                interrupted: false,
                bytes: (201, 221),
                shape: "2 processes".into(),
            },
        )
    }

    pub fn throughput(name: &'static str, per_s: u64) -> Measured {
        Measured::throughput(
            name,
            ThroughputRun {
                count: per_s,
                elapsed: Duration::from_secs(1),
                interrupted: false,
                bytes: (201, 221),
                shape: "2 processes".into(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn files_are_written_per_result() {
        let dir = tempfile::tempdir().unwrap();
        let results = [latency("tcp", 9_000), latency("quickfix", 90_000)];
        let written = write_files(dir.path(), &results, &settings()).unwrap();
        let names: Vec<_> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "tcp-latency.hgrm",
                "quickfix-latency.hgrm",
                "latency.svg",
                "results.jsonl"
            ]
        );
        let jsonl = std::fs::read_to_string(dir.path().join("results.jsonl")).unwrap();
        assert_eq!(jsonl.lines().count(), 2);
    }
}
