//! Our own scenario scripts (tests/scripts/*.def, acceptance format) for the versions and rules
//! the QuickFIX suite leaves to variants: FIX.4.0, 4.1, 4.3 and FIXT.1.1, timers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use support::runner::{acceptance_configs, run_dir};
use support::validators::{Validators, SPEC};

#[test]
fn own_scenario_scripts() {
    let validators = Validators::load();
    if validators.is_none() {
        println!("dictionaries not found at {SPEC}: running without validation");
    }
    let factory =
        |key: &str, target: &str| validators.as_ref().and_then(|v| v.for_session(key, target));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let (passed, failed) = run_dir(&dir, &|| acceptance_configs(&factory));
    for (name, why) in &failed {
        println!("FAIL {name}: {why}");
    }
    println!("own scripts: {passed} passed, {} failed", failed.len());
    assert!(passed >= 10);
    assert!(failed.is_empty(), "{} scripts failed", failed.len());
}
