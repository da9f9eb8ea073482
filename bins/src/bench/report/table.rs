//! The human-readable table: each percentile for every contender, and the two ratios that
//! travel between machines (spinfix/tcp: how close to the floor; quickfix/spinfix: how much
//! faster than the reference engine).

use super::{Measured, Outcome, ORDER};
use crate::bench::contender::RunSettings;
use crate::bench::hist::PERCENTILES;
use std::fmt::Write as _;

/// The table for `results`, with the settings and each contender's shape above it.
pub fn render(results: &[Measured], s: &RunSettings, notices: &[String]) -> String {
    let mut out = String::new();
    let latency = results
        .iter()
        .any(|m| matches!(m.outcome, Outcome::Latency(..)));
    let mode = if latency || results.is_empty() {
        let pace = match s.rate {
            Some(r) => format!("at {r} orders/s offered (coordinated-omission corrected)"),
            None => "back-to-back".to_string(),
        };
        format!(
            "latency: {} NewOrderSingle -> ExecutionReport round trips ({} warm-up), {pace}, \
             in {} rounds taken in turn",
            s.messages, s.warmup, s.rounds
        )
    } else {
        format!(
            "throughput: {} orders ({} warm-up), window {}, in {} rounds taken in turn",
            s.messages, s.warmup, s.window, s.rounds
        )
    };
    let _ = writeln!(out, "spinfix bench — {mode}");
    let _ = writeln!(
        out,
        "FIX.4.4 on loopback; {}; validation {}; spinfix shape: {}",
        s.cores.describe(),
        if s.validate { "on" } else { "off" },
        s.cores.shape.name()
    );
    for m in ordered(results) {
        let (req, resp) = m.bytes();
        let _ = writeln!(
            out,
            "  {:<9} {} ({req} B -> {resp} B){}",
            m.name,
            m.shape(),
            if m.interrupted() {
                " [interrupted: partial]"
            } else {
                ""
            }
        );
    }
    for n in notices {
        let _ = writeln!(out, "  note: {n}");
    }
    let _ = writeln!(out);
    if results.is_empty() {
        let _ = writeln!(out, "nothing was measured");
        return out;
    }
    if latency {
        latency_rows(&mut out, results);
    } else {
        throughput_rows(&mut out, results);
    }
    out
}

fn ordered(results: &[Measured]) -> impl Iterator<Item = &Measured> {
    ORDER
        .iter()
        .flat_map(move |name| results.iter().filter(move |m| m.name == *name))
}

fn find<'a>(results: &'a [Measured], name: &str) -> Option<&'a Measured> {
    results.iter().find(|m| m.name == name)
}

fn latency_rows(out: &mut String, results: &[Measured]) {
    let cols: Vec<&Measured> = ordered(results).filter(|m| m.summary().is_some()).collect();
    let _ = write!(out, "{:<10}", "µs");
    for m in &cols {
        let _ = write!(out, "{:>12}", m.name);
    }
    let _ = writeln!(out, "{:>14}{:>18}", "spinfix/tcp", "quickfix/spinfix");
    let value = |name: &str, row: usize| -> Option<f64> {
        let s = find(results, name)?.summary()?;
        Some(if row < PERCENTILES.len() {
            s.percentiles[row]
        } else {
            s.max
        })
    };
    for row in 0..=PERCENTILES.len() {
        let label = PERCENTILES.get(row).map_or("max", |p| p.0);
        let _ = write!(out, "{label:<10}");
        for m in &cols {
            let _ = write!(out, "{:>12}", us(value(m.name, row)));
        }
        let _ = write!(
            out,
            "{:>14}",
            ratio(value("spinfix", row), value("tcp", row))
        );
        let _ = writeln!(
            out,
            "{:>18}",
            ratio(value("quickfix", row), value("spinfix", row))
        );
    }
    let counts: Vec<String> = cols
        .iter()
        .filter_map(|m| m.summary().map(|s| format!("{} {}", m.name, s.count)))
        .collect();
    let _ = writeln!(out, "samples: {}", counts.join(", "));
    if find(results, "spinfix").is_none() {
        let _ = writeln!(out, "ratios need the spinfix contender: shown as -");
    }
}

fn throughput_rows(out: &mut String, results: &[Measured]) {
    let per_s = |name: &str| -> Option<f64> {
        match &find(results, name)?.outcome {
            Outcome::Throughput(r) => Some(r.msgs_per_s()),
            Outcome::Latency(..) => None,
        }
    };
    let _ = writeln!(
        out,
        "{:<10}{:>14}{:>10}{:>10}",
        "", "orders/s", "orders", "seconds"
    );
    for m in ordered(results) {
        if let Outcome::Throughput(r) = &m.outcome {
            let _ = writeln!(
                out,
                "{:<10}{:>14.0}{:>10}{:>10.3}",
                m.name,
                r.msgs_per_s(),
                r.count,
                r.elapsed.as_secs_f64()
            );
        }
    }
    // Rates: higher is better, so each ratio says how many times the other's rate spinfix
    // reaches (the latency table's ratios say how many times slower the other is).
    let _ = writeln!(
        out,
        "spinfix/tcp {}   spinfix/quickfix {}",
        ratio(per_s("spinfix"), per_s("tcp")),
        ratio(per_s("spinfix"), per_s("quickfix"))
    );
}

fn us(v: Option<f64>) -> String {
    match v {
        Some(v) if v >= 1000.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "-".to_string(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn ratios_appear_when_both_sides_were_measured() {
        let results = [
            latency("tcp", 10_000),
            latency("spinfix", 20_000),
            latency("quickfix", 100_000),
        ];
        let t = render(&results, &settings(), &[]);
        let p50 = t.lines().find(|l| l.starts_with("p50 ")).unwrap();
        assert!(p50.contains("2.00x") && p50.contains("5.00x"), "{t}");
        let header = t.lines().find(|l| l.starts_with("µs")).unwrap();
        let (s, q) = (
            header.find("spinfix").unwrap(),
            header.find("quickfix").unwrap(),
        );
        assert!(s < header.find("tcp").unwrap() && s < q, "{header}");
    }

    #[test]
    fn without_spinfix_the_ratios_are_dashes_not_numbers() {
        let results = [latency("tcp", 10_000), latency("quickfix", 100_000)];
        let t = render(&results, &settings(), &["spinfix not built".into()]);
        assert!(t.contains("note: spinfix not built"));
        let p99 = t.lines().find(|l| l.starts_with("p99 ")).unwrap();
        assert!(!p99.contains('x'), "{p99}");
        assert!(t.contains("max"));
    }

    #[test]
    fn throughput_lists_orders_per_second() {
        let results = [throughput("tcp", 500_000), throughput("quickfix", 50_000)];
        let t = render(&results, &settings(), &[]);
        assert!(t.contains("throughput:") && t.contains("500000"), "{t}");
    }
}
