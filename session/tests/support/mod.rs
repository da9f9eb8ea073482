//! Test harnesses shared by the session's integration tests.
#![allow(dead_code)]

pub mod runner;
