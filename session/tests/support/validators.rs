//! The data dictionaries of `../shared/spec` as the acceptance settings configure them.

use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};
use spinfix_session::session::MessageValidator;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec");

/// Validators as `at.cfg.in` configures them: one dictionary per FIX.4.x version, FIXT11 with
/// the FIX50* application dictionary for FIXT.1.1, `ValidateFieldsHaveValues=N` for one.
pub struct Validators {
    dicts: HashMap<&'static str, Arc<Dictionary>>,
}

impl Validators {
    pub fn load() -> Option<Validators> {
        let mut dicts = HashMap::new();
        for name in [
            "FIX40", "FIX41", "FIX42", "FIX43", "FIX44", "FIXT11", "FIX50", "FIX50SP1", "FIX50SP2",
        ] {
            let d = Dictionary::from_file(Path::new(SPEC).join(format!("{name}.xml"))).ok()?;
            dicts.insert(name, Arc::new(d));
        }
        Some(Validators { dicts })
    }

    pub fn for_session(&self, key: &str, target: &str) -> Option<Arc<dyn MessageValidator>> {
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
