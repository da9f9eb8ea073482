//! The benches' plain-loop mode, for instruction counts and best-of timings.
//!
//! With `SPINFIX_COUNT=<case>` (and optionally `SPINFIX_COUNT_N`, default 10,000) a bench binary
//! runs one case in [`count_loop`] instead of criterion, so that `valgrind --tool=callgrind
//! --toggle-collect=*count_loop*` counts exactly the loop: counts are repeatable on a loaded
//! machine where wall-clock figures are not. With `SPINFIX_TIME` as well, the best of 200 rounds
//! is timed instead: the figure other processes disturb least.

use std::hint::black_box;

/// The case and iteration count asked for, if the binary runs in plain-loop mode.
pub fn requested() -> Option<(String, u64)> {
    let case = std::env::var("SPINFIX_COUNT").ok()?;
    let n = std::env::var("SPINFIX_COUNT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Some((case, n))
}

/// Calls `f` `n` times. Kept out of line so callgrind can toggle collection on it by name.
#[inline(never)]
pub fn count_loop(n: u64, f: &mut dyn FnMut() -> u64) -> u64 {
    let mut acc = 0u64;
    for _ in 0..n {
        acc = acc.wrapping_add(black_box(f()));
    }
    acc
}

/// Runs `round` once (counting) or 200 times (timing, with `SPINFIX_TIME`) and prints the
/// outcome; `round` returns its checksum and its nanoseconds per iteration.
pub fn report(case: &str, n: u64, mut round: impl FnMut() -> (u64, f64)) {
    if std::env::var_os("SPINFIX_TIME").is_some() {
        let best = (0..200).map(|_| round().1).fold(f64::INFINITY, f64::min);
        println!("{case}: best {best:.1} ns/iteration ({n} iterations a round)");
        return;
    }
    let (sum, _) = round();
    println!("{case}: {n} iterations (checksum {sum})");
}
