//! spinfix's FIX session layer as a deterministic state machine.
//!
//! This crate does no I/O, spawns no thread and reads no clock. Time comes in as an argument
//! ([`time::Now`]), frames come in as bytes, and actions come out to be drained by the caller.
//! That is what lets every protocol rule be tested with simulated time and replayed exactly.
//!
//! - [`codec`]: framing, zero-copy decoding, in-place encoding, typed field values.
//! - [`time`]: the monotonic and UTC timestamps the caller passes in, and SendingTime formatting.
//! - [`session`]: the sans-I/O session state machine ([`session::Session`]), configured by
//!   [`config::SessionConfig`], with [`seq`] numbers and [`timer`] deadlines.
//! - [`store`]: the [`store::MessageStore`] trait the session persists through, and an in-memory store.
// Denied, not forbidden: the SSE2 block scan of the decoder (`codec/decode/block.rs`) is the one
// module allowed it.
#![deny(unsafe_code)]

pub mod codec;
pub mod config;
pub mod dict;
mod digits;
pub mod reject;
pub mod seq;
pub mod session;
pub mod store;
pub mod time;
pub mod timer;
