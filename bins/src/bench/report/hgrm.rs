//! `.hgrm` files: HdrHistogram's percentile-distribution text, in microseconds, which
//! HdrHistogram's plotter and most latency tooling read.

use crate::bench::hist::LatencyHistogram;
use std::fmt::Write as _;

const TICKS_PER_HALF_DISTANCE: u32 = 5;
const NS_PER_US: f64 = 1_000.0;

/// The percentile distribution of `h` with values in microseconds.
pub fn render(h: &LatencyHistogram) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    let mut total = 0u64;
    for v in h.iter_quantiles(TICKS_PER_HALF_DISTANCE) {
        total += v.count_since_last_iteration();
        let value = h.highest_equivalent(v.value_iterated_to()) as f64 / NS_PER_US;
        let q = v.quantile_iterated_to();
        if q < 1.0 {
            let _ = writeln!(
                out,
                "{value:12.3} {q:2.12} {total:10} {:14.2}",
                1.0 / (1.0 - q)
            );
        } else {
            let _ = writeln!(out, "{value:12.3} {q:2.12} {total:10}");
        }
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]",
        h.mean() / NS_PER_US,
        h.stdev() / NS_PER_US
    );
    let _ = writeln!(
        out,
        "#[Max     = {:12.3}, Total count    = {:12}]",
        h.max() as f64 / NS_PER_US,
        h.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::hist::new_latency;

    #[test]
    fn the_distribution_ends_at_the_total_count() {
        let mut h = new_latency("tcp").unwrap();
        for ns in [9_000u64, 9_500, 10_000, 12_000, 50_000] {
            h.record(ns).unwrap();
        }
        let text = render(&h);
        assert!(text.starts_with("       Value"));
        let last_data = text.lines().rfind(|l| !l.starts_with('#')).unwrap();
        assert!(last_data.contains("1.000000000000"), "{last_data}");
        assert!(last_data.trim_end().ends_with(" 5"), "{last_data}");
        assert!(text.contains("Total count    =            5"), "{text}");
    }
}
