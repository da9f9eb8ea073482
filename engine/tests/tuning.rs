//! The TOML tuning file: shorthands, full thread lists, and each refusal naming file, key, value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::config::{ThreadRole, TuningConfig, TuningError};
use spinfix::idle::{Backoff, IdleStrategy};
use std::path::Path;
use std::time::Duration;

const CORES: [usize; 4] = [0, 1, 2, 3];

fn parse(text: &str) -> Result<TuningConfig, TuningError> {
    TuningConfig::parse(Path::new("tuning.toml"), text, &CORES)
}

fn refusal(text: &str) -> (String, String, String) {
    match parse(text).unwrap_err() {
        e @ TuningError::Invalid { .. } => {
            let msg = e.to_string();
            let TuningError::Invalid { key, value, .. } = e else {
                unreachable!()
            };
            (key, value, msg)
        }
        other => panic!("{text}: {other}"),
    }
}

#[test]
fn an_empty_file_is_one_colocated_unpinned_thread() {
    let c = parse("").unwrap();
    assert_eq!(c, TuningConfig::default());
    assert!(c.is_colocated());
    assert_eq!(c.threads[0].core, None);
    assert_eq!(c.rings.inbound, 4 << 20);
}

#[test]
fn one_core_means_colocated_two_split_io_and_sessions() {
    let c = parse("cores = [2]\nidle = { strategy = \"busy-spin\" }\n").unwrap();
    assert_eq!(c.threads.len(), 1);
    assert_eq!(c.threads[0].role, ThreadRole::Colocated);
    assert_eq!(c.threads[0].core, Some(2));
    assert_eq!(c.threads[0].idle, IdleStrategy::BusySpin);
    let c = parse("cores = [1, 3]").unwrap();
    assert_eq!(
        c.threads
            .iter()
            .map(|t| (t.role, t.core))
            .collect::<Vec<_>>(),
        vec![(ThreadRole::Io, Some(1)), (ThreadRole::Session, Some(3))]
    );
    assert!(!c.is_colocated());
}

#[test]
fn a_full_thread_list_with_idle_rings_sockets_and_sessions() {
    let text = r#"
idle = { strategy = "yield" }

[rings]
inbound_bytes = 65536
outbound_bytes = 131072

[sockets]
send_buffer_size = 262144
receive_buffer_size = 0

[[threads]]
name = "net"
role = "io"
core = 1

[[threads]]
role = "session"
core = 2
idle = { strategy = "backoff", max_spins = 10, max_yields = 2, min_park_us = 5, max_park_us = 500 }
sessions = ["FIX.4.4:ISLD->TW44"]

[[threads]]
role = "session"
core = 3
"#;
    let c = parse(text).unwrap();
    assert_eq!(c.rings.inbound, 65536);
    assert_eq!(c.rings.outbound, 131072);
    assert_eq!(c.sockets.send_buffer_size, Some(262144));
    assert_eq!(c.sockets.receive_buffer_size, None);
    assert_eq!(c.threads[0].name, "net");
    assert_eq!(c.threads[0].idle, IdleStrategy::Yield);
    assert_eq!(c.threads[1].name, "session-1");
    assert_eq!(
        c.threads[1].idle,
        IdleStrategy::Backoff(Backoff {
            max_spins: 10,
            max_yields: 2,
            min_park: Duration::from_micros(5),
            max_park: Duration::from_micros(500),
        })
    );
    assert_eq!(c.thread_for("FIX.4.4:ISLD->TW44"), Some(1));
    assert_eq!(c.thread_for("FIX.4.2:ISLD->TW42"), Some(1));
    assert!(c
        .check_sessions(Path::new("tuning.toml"), &["FIX.4.4:ISLD->TW44".into()])
        .is_ok());
    let e = c.check_sessions(Path::new("tuning.toml"), &[]).unwrap_err();
    assert!(e.to_string().contains("threads[1].sessions"));
}

#[test]
fn a_core_that_does_not_exist_is_an_error_not_a_silent_no_pin() {
    let (key, value, msg) = refusal("[[threads]]\nrole = \"colocated\"\ncore = 64\n");
    assert_eq!((key.as_str(), value.as_str()), ("threads[0].core", "64"));
    assert!(
        msg.starts_with("tuning.toml: threads[0].core = 64: no such core"),
        "{msg}"
    );
    let (key, _, _) = refusal("cores = [0, 9]");
    assert_eq!(key, "threads[1].core");
}

#[test]
fn the_machines_own_cores_are_checked_by_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, "cores = [100000]\n").unwrap();
    let e = TuningConfig::load(&path).unwrap_err();
    assert!(
        e.to_string()
            .contains("threads[0].core = 100000: no such core"),
        "{e}"
    );
    let e = TuningConfig::load(&dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(e, TuningError::Read { .. }));
}

#[test]
fn unknown_keys_and_wrong_types_are_parse_errors_naming_the_key() {
    for (text, needle) in [
        ("threads_count = 2", "threads_count"),
        ("[rings]\ninbound = 4096", "inbound"),
        ("[[threads]]\nrole = \"io\"\ncpu = 1", "cpu"),
        ("[[threads]]\nrole = \"worker\"", "worker"),
        ("cores = \"2\"", "cores"),
        ("idle = { strategy = \"sleep\" }", "sleep"),
    ] {
        match parse(text).unwrap_err() {
            TuningError::Parse { message, .. } => assert!(message.contains(needle), "{message}"),
            other => panic!("{text}: {other}"),
        }
    }
}

#[test]
fn semantic_refusals_name_the_key_and_value() {
    for (text, key) in [
        ("cores = [0]\n[[threads]]\nrole = \"colocated\"", "cores"),
        ("cores = []", "cores"),
        ("cores = [0, 1, 2]", "cores"),
        ("[rings]\ninbound_bytes = 5000", "rings.inbound_bytes"),
        ("[rings]\noutbound_bytes = 1024", "rings.outbound_bytes"),
        ("[sockets]\nsend_buffer_size = 4294967296", "sockets.send_buffer_size"),
        ("idle = { strategy = \"busy-spin\", max_spins = 3 }", "idle.strategy"),
        ("idle = { strategy = \"backoff\", min_park_us = 10, max_park_us = 5 }", "idle.min_park_us"),
        ("idle = { strategy = \"backoff\", max_park_us = 0 }", "idle.max_park_us"),
        ("threads = []", "threads"),
        ("[[threads]]\nrole = \"io\"", "threads"),
        ("[[threads]]\nrole = \"io\"\nsessions = [\"X\"]\n[[threads]]\nrole = \"session\"", "threads[0].sessions"),
        (
            "[[threads]]\nrole = \"session\"\nsessions = [\"X\"]\n[[threads]]\nrole = \"session\"\nsessions = [\"X\"]\n[[threads]]\nrole = \"io\"",
            "threads[1].sessions",
        ),
        ("[[threads]]\nname = \"a\"\nrole = \"colocated\"\n[[threads]]\nname = \"a\"\nrole = \"colocated\"", "threads[1].name"),
        (
            "[[threads]]\nrole = \"colocated\"\ncore = 1\nidle = { strategy = \"busy-spin\" }\n[[threads]]\nrole = \"colocated\"\ncore = 1",
            "threads[1].core",
        ),
        (
            "[[threads]]\nrole = \"colocated\"\ncore = 1\nidle = { strategy = \"backoff\", max_park_us = 0 }",
            "threads[0].idle.max_park_us",
        ),
    ] {
        let (k, _, msg) = refusal(text);
        assert_eq!(k, key, "{text}");
        assert!(msg.starts_with(&format!("tuning.toml: {key} = ")), "{msg}");
    }
    // Two backing-off threads may share a core.
    assert!(parse(
        "[[threads]]\nrole = \"colocated\"\ncore = 1\n[[threads]]\nrole = \"colocated\"\ncore = 1"
    )
    .is_ok());
}
