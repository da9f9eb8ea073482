//! The QuickFIX acceptance scripts (fix42, fix44, validate) run directly against the session
//! state machine, configured as `at.cfg.in` describes. Reads the scripts at test time from the
//! shared directory; skips with a notice when it is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use support::runner::{acceptance_configs, run_dir};
use support::validators::{Validators, SPEC};

const ACCEPTANCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/acceptance");
/// Every script of the suite must pass.
const FLOOR: usize = 118;

#[test]
fn quickfix_acceptance_suite() {
    let root = Path::new(ACCEPTANCE);
    if !root.is_dir() {
        println!("acceptance scripts not found at {ACCEPTANCE}: skipped");
        return;
    }
    let validators = Validators::load();
    if validators.is_none() {
        println!("dictionaries not found at {SPEC}: running without validation");
    }
    let factory =
        |key: &str, target: &str| validators.as_ref().and_then(|v| v.for_session(key, target));
    let mut passed = 0;
    let mut total = 0;
    for dir in ["fix42", "fix44", "validate"] {
        let (p, failed) = run_dir(&root.join(dir), &|| acceptance_configs(&factory));
        println!("{dir}: {p} passed, {} failed", failed.len());
        for (name, why) in &failed {
            println!("  FAIL {dir}/{name}: {why}");
        }
        passed += p;
        total += p + failed.len();
    }
    println!("acceptance: {passed}/{total} passed");
    assert!(
        passed >= FLOOR,
        "{passed} passed, fewer than the floor {FLOOR}"
    );
}
