//! One JSON object per result, for scripts: hand-written, flat, keys in a fixed order.

use super::{Measured, Outcome};
use crate::bench::contender::RunSettings;
use crate::bench::hist::PERCENTILES;
use std::fmt::Write as _;

/// The JSON line of one result (no trailing newline).
pub fn line(m: &Measured, s: &RunSettings) -> String {
    let mut o = Obj::default();
    o.str("impl", m.name);
    match &m.outcome {
        Outcome::Latency(run, summary) => {
            o.str("mode", "latency");
            for ((_, _, key), v) in PERCENTILES.iter().zip(summary.percentiles) {
                o.num(key, v);
            }
            o.num("max_us", summary.max);
            o.num("mean_us", summary.mean);
            o.int("count", summary.count);
            o.bytes(run.bytes);
            o.boolean("interrupted", run.interrupted);
            o.str("shape", &run.shape);
        }
        Outcome::Throughput(run) => {
            o.str("mode", "throughput");
            o.num("msgs_per_s", run.msgs_per_s());
            o.num("elapsed_s", run.elapsed.as_secs_f64());
            o.int("count", run.count);
            o.bytes(run.bytes);
            o.boolean("interrupted", run.interrupted);
            o.str("shape", &run.shape);
        }
    }
    o.int("messages", s.messages);
    o.int("warmup", s.warmup);
    o.int("rounds", s.rounds);
    match s.rate {
        Some(r) => o.num("rate", r),
        None => o.raw("rate", "null"),
    }
    o.int("window", s.window);
    o.boolean("threads", s.threads);
    o.str("idle", s.idle.name());
    o.str("engine_shape", s.cores.shape.name());
    o.boolean("validate", s.validate);
    o.raw("initiator_cores", &list(&s.cores.initiator));
    o.raw("acceptor_cores", &list(&s.cores.acceptor));
    o.finish()
}

fn list(v: &[usize]) -> String {
    let items: Vec<String> = v.iter().map(|c| c.to_string()).collect();
    format!("[{}]", items.join(","))
}

#[derive(Default)]
struct Obj {
    out: String,
}

impl Obj {
    fn key(&mut self, k: &str) {
        self.out.push(if self.out.is_empty() { '{' } else { ',' });
        escape_into(&mut self.out, k);
        self.out.push(':');
    }
    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push_str(v);
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        escape_into(&mut self.out, v);
    }
    fn num(&mut self, k: &str, v: f64) {
        self.key(k);
        if v.is_finite() {
            let _ = write!(self.out, "{}", (v * 1000.0).round() / 1000.0);
        } else {
            self.out.push_str("null");
        }
    }
    fn int(&mut self, k: &str, v: u64) {
        self.key(k);
        let _ = write!(self.out, "{v}");
    }
    fn boolean(&mut self, k: &str, v: bool) {
        self.raw(k, if v { "true" } else { "false" });
    }
    fn bytes(&mut self, (req, resp): (usize, usize)) {
        self.int("order_bytes", req as u64);
        self.int("report_bytes", resp as u64);
    }
    fn finish(mut self) -> String {
        if self.out.is_empty() {
            self.out.push('{');
        }
        self.out.push('}');
        self.out
    }
}

/// Appends `s` as a JSON string literal.
fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        escape_into(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn numbers_are_rounded_and_non_finite_is_null() {
        let mut o = Obj::default();
        o.num("a", 9.123456);
        o.num("b", f64::INFINITY);
        assert_eq!(o.finish(), r#"{"a":9.123,"b":null}"#);
    }
}
