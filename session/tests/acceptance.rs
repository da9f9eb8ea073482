//! The QuickFIX acceptance scripts (fix42, fix44, validate) run directly against the session
//! state machine, configured as `at.cfg.in` describes. Reads the scripts at test time from the
//! shared directory; skips with a notice when it is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};
use spinfix_session::session::MessageValidator;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use support::runner::{acceptance_configs, run_dir};

const ACCEPTANCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/acceptance");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec");

/// Validators as `at.cfg.in` configures them: one dictionary per FIX.4.x version, FIXT11 with
/// the FIX50* application dictionary for FIXT.1.1, `ValidateFieldsHaveValues=N` for one.
struct Validators {
    dicts: HashMap<&'static str, Arc<Dictionary>>,
}

impl Validators {
    fn load() -> Option<Validators> {
        let mut dicts = HashMap::new();
        for name in [
            "FIX40", "FIX41", "FIX42", "FIX43", "FIX44", "FIXT11", "FIX50", "FIX50SP1", "FIX50SP2",
        ] {
            let d = Dictionary::from_file(Path::new(SPEC).join(format!("{name}.xml"))).ok()?;
            dicts.insert(name, Arc::new(d));
        }
        Some(Validators { dicts })
    }

    fn for_session(&self, key: &str, target: &str) -> Option<Arc<dyn MessageValidator>> {
        let mut opts = ValidationOptions::default();
        let v = match key {
            "FIXT.1.1" => {
                let app = match target {
                    "TW50" => "FIX50",
                    "TW50SP1" => "FIX50SP1",
                    _ => "FIX50SP2",
                };
                Validator::fixt(self.dicts["FIXT11"].clone(), self.dicts[app].clone(), opts)
            }
            _ => {
                let (bs, no_values) = match key.split_once('/') {
                    Some((bs, _)) => (bs, true),
                    None => (key, false),
                };
                opts.fields_have_values = !no_values;
                let name = bs.replace("FIX.", "FIX").replace('.', "");
                let d = self.dicts.get(name.as_str())?;
                Validator::new(d.clone(), opts)
            }
        };
        Some(Arc::new(v))
    }
}

/// The fewest scripts that must pass: raised as the session and dictionary grow, so a
/// regression fails the build.
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
