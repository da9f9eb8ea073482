//! The latency chart: each contender's percentile distribution, hand-written as SVG.
//!
//! Both axes are logarithmic, as in HdrHistogram's plots: x is the percentile spread by
//! 1/(1-p) (so 90%, 99%, 99.9%, ... are evenly spaced and the tail gets room), y is the
//! latency in microseconds (so a 9 µs floor and a 90 µs engine fit on one chart).

use crate::bench::contender::RunSettings;
use crate::bench::hist::LatencyHistogram;
use std::fmt::Write as _;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 520.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
/// The x axis ends at 99.9999%.
const MAX_NINES: f64 = 6.0;

fn colour(name: &str) -> &'static str {
    match name {
        "spinfix" => "#d62728",
        "tcp" => "#7f7f7f",
        "quickfix" => "#1f77b4",
        _ => "#2ca02c",
    }
}

/// x position of quantile `q` in "nines" (0 = 0%, 1 = 90%, 2 = 99%, ...), capped at `cap`.
fn nines(q: f64, cap: f64) -> f64 {
    if q >= 1.0 {
        cap
    } else {
        (1.0 / (1.0 - q)).log10().min(cap)
    }
}

/// The SVG document for the named histograms.
pub fn render(curves: &[(&str, &LatencyHistogram)], s: &RunSettings) -> String {
    // The x axis goes as far as the samples resolve: 1,000 samples say nothing past 99.9%.
    let most = curves
        .iter()
        .map(|(_, h)| h.len())
        .max()
        .unwrap_or(0)
        .max(10);
    let x_max = (most as f64).log10().ceil().clamp(1.0, MAX_NINES);
    // Percentile curves in (nines, µs).
    let series: Vec<(&str, Vec<(f64, f64)>)> = curves
        .iter()
        .map(|(name, h)| {
            let points = h
                .iter_quantiles(5)
                .map(|v| {
                    let us = h.highest_equivalent(v.value_iterated_to()) as f64 / 1_000.0;
                    (nines(v.quantile_iterated_to(), x_max), us.max(0.001))
                })
                .collect();
            (*name, points)
        })
        .collect();
    let all = series.iter().flat_map(|(_, p)| p.iter().map(|(_, y)| *y));
    let (lo, hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let (lo, hi) = if lo > hi { (1.0, 10.0) } else { (lo, hi) };
    let y_min = lo.log10().floor();
    let y_max = hi.log10().ceil().max(y_min + 1.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + x / x_max * plot_w;
    let py = |us: f64| TOP + plot_h - (us.log10() - y_min) / (y_max - y_min) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let pace = s.rate.map_or_else(
        || "back-to-back".to_string(),
        |r| format!("{r} orders/s offered"),
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="24" font-size="15">NewOrderSingle → ExecutionReport round trip, {} samples, {}</text>"#,
        s.messages,
        escape(&pace)
    );
    // Horizontal grid: every power of ten, with 2x and 5x minor lines.
    let mut decade = y_min;
    while decade <= y_max {
        let v = 10f64.powf(decade);
        let y = py(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#bbb"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0,
            format_us(v)
        );
        for minor in [2.0, 5.0] {
            let m = v * minor;
            if m.log10() < y_max {
                let y = py(m);
                let _ = writeln!(
                    svg,
                    r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/>"##,
                    LEFT + plot_w
                );
            }
        }
        decade += 1.0;
    }
    // Vertical grid: 0%, 90%, 99%, ...
    let labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
    for (i, label) in labels.iter().enumerate().take(x_max as usize + 1) {
        let x = px(i as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 18.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">percentile</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">latency (µs, log scale)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    for (i, (name, points)) in series.iter().enumerate() {
        let mut path = String::new();
        for (x, y) in points {
            let _ = write!(path, "{:.1},{:.1} ", px(*x), py(*y));
        }
        let _ = writeln!(
            svg,
            r#"<polyline class="{}" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            escape(name),
            colour(name),
            path.trim_end()
        );
        let ly = TOP + 10.0 + i as f64 * 20.0;
        let lx = LEFT + plot_w + 15.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 20.0,
            colour(name),
            lx + 26.0,
            ly + 4.0,
            escape(name)
        );
    }
    let _ = writeln!(svg, "</svg>");
    svg
}

fn format_us(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0} µs")
    } else {
        format!("{v} µs")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::Outcome;
    use super::*;

    #[test]
    fn one_polyline_per_contender_within_the_canvas() {
        let results = [latency("tcp", 9_000), latency("quickfix", 90_000)];
        let curves: Vec<_> = results
            .iter()
            .map(|m| match &m.outcome {
                Outcome::Latency(r, _) => (m.name, &r.hist),
                Outcome::Throughput(_) => unreachable!(),
            })
            .collect();
        let svg = render(&curves, &settings());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(r#"class="tcp""#) && svg.contains(r#"class="quickfix""#));
        for pts in svg.split("points=\"").skip(1) {
            let pts = &pts[..pts.find('"').unwrap()];
            for pair in pts.split(' ') {
                let (x, y) = pair.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!(
                    (0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y),
                    "{pair}"
                );
            }
        }
    }

    #[test]
    fn nines_spread_the_tail() {
        assert_eq!(nines(0.0, 6.0), 0.0);
        assert!((nines(0.99, 6.0) - 2.0).abs() < 1e-9);
        assert_eq!(nines(1.0, 3.0), 3.0);
        assert_eq!(nines(0.99999, 3.0), 3.0);
    }
}
