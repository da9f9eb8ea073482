//! Test harnesses shared by the session's integration tests.
#![allow(dead_code)]

pub mod pair;
pub mod runner;
pub mod validators;
