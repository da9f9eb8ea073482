//! The slot for the spinfix engine's own measurement.
//!
//! The engine is being assembled alongside this harness. To plug it in, implement
//! [`Contender`] here (the in-process initiator is easiest through
//! [`super::driver::RoundTrip`] and [`super::driver::drive_latency`] /
//! [`super::driver::drive_throughput`], which the `tcp` baseline uses too, so both are timed by
//! the same loop) and return it from [`contender`]. The acceptor's application answers each
//! NewOrderSingle with an ExecutionReport (see [`super::messages`] for the fields); journals
//! on with the OS's write-back; `RunSettings::validate` toggles data-dictionary validation;
//! `RunSettings::cores.shape` says colocated or split, and the shape string the run returns
//! is what the table prints. Until then the bench says so and reports no spinfix numbers.

use super::contender::Contender;

/// What the bench prints while the slot is empty.
pub const NOT_BUILT: &str = "spinfix contender not built yet: the engine's measurement plugs in \
                             at bins/src/bench/spinfix.rs; no spinfix numbers are reported";

/// The spinfix contender, or why there is none.
pub fn contender() -> Result<Box<dyn Contender>, &'static str> {
    Err(NOT_BUILT)
}
