//! The TOML tuning file: threads, cores, idle strategies, ring sizes, socket buffer defaults.
//!
//! Documented in `tuning.md` at the repository root; keep the two in step.

use crate::idle::{Backoff, IdleStrategy};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a thread does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadRole {
    /// Sockets only: frames go to session threads over rings.
    Io,
    /// Sessions only: frames come from I/O threads over rings.
    Session,
    /// Sockets and sessions on one thread, no ring: the lowest latency on few cores.
    Colocated,
}

impl ThreadRole {
    fn name(self) -> &'static str {
        match self {
            ThreadRole::Io => "io",
            ThreadRole::Session => "session",
            ThreadRole::Colocated => "colocated",
        }
    }
}

/// One thread of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadConfig {
    /// The thread's name (`<role>-<n>` unless given).
    pub name: String,
    /// What it does.
    pub role: ThreadRole,
    /// The core it is pinned to; unpinned when absent.
    pub core: Option<usize>,
    /// What it does when idle.
    pub idle: IdleStrategy,
    /// Session ids (`FIX.4.4:ISLD->TW44`) it owns; sessions listed nowhere go to the first
    /// session or colocated thread.
    pub sessions: Vec<String>,
}

/// Ring capacities in bytes, per direction, per I/O-session thread pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingSizes {
    /// I/O to session (inbound frames and connection events).
    pub inbound: usize,
    /// Session to I/O (outbound frames and commands).
    pub outbound: usize,
}

/// Socket buffer sizes used where a session's settings give none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SocketDefaults {
    /// SO_SNDBUF; OS default when absent.
    pub send_buffer_size: Option<usize>,
    /// SO_RCVBUF; OS default when absent.
    pub receive_buffer_size: Option<usize>,
}

/// The checked tuning configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuningConfig {
    /// The engine's threads, in file order.
    pub threads: Vec<ThreadConfig>,
    /// Ring sizes.
    pub rings: RingSizes,
    /// Socket buffer defaults.
    pub sockets: SocketDefaults,
}

/// What is wrong with a tuning file.
#[derive(Debug, thiserror::Error)]
pub enum TuningError {
    /// The file could not be read.
    #[error("{}: cannot read tuning config: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, or a value of the wrong type (toml's message names the key
    /// and the line).
    #[error("{}: {message}", file.display())]
    Parse {
        /// The file.
        file: PathBuf,
        /// toml's description.
        message: String,
    },
    /// A value that parses but cannot be used.
    #[error("{}: {key} = {value}: {reason}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The key's path, e.g. `threads[1].core`.
        key: String,
        /// The value as read.
        value: String,
        /// Why it is refused.
        reason: String,
    },
}

const MIN_RING: usize = 4096;
const MAX_RING: usize = 1 << 30;
/// 4 MiB: a ring carries payloads up to half its size, and a session accepts frames up to
/// 1 MiB by default, with room for a batch of them.
const DEFAULT_RING: usize = 4 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTuning {
    cores: Option<Vec<usize>>,
    idle: Option<RawIdle>,
    rings: Option<RawRings>,
    sockets: Option<RawSockets>,
    threads: Option<Vec<RawThread>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawStrategy {
    BusySpin,
    Yield,
    Backoff,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdle {
    strategy: RawStrategy,
    max_spins: Option<u32>,
    max_yields: Option<u32>,
    min_park_us: Option<u64>,
    max_park_us: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRings {
    inbound_bytes: Option<usize>,
    outbound_bytes: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSockets {
    send_buffer_size: Option<usize>,
    receive_buffer_size: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThread {
    name: Option<String>,
    role: ThreadRole,
    core: Option<usize>,
    idle: Option<RawIdle>,
    #[serde(default)]
    sessions: Vec<String>,
}

impl Default for TuningConfig {
    /// One colocated thread, unpinned, backing off when idle; 4 MiB rings; OS socket buffers.
    fn default() -> Self {
        TuningConfig {
            threads: vec![ThreadConfig {
                name: "colocated-0".into(),
                role: ThreadRole::Colocated,
                core: None,
                idle: IdleStrategy::default(),
                sessions: Vec::new(),
            }],
            rings: RingSizes {
                inbound: DEFAULT_RING,
                outbound: DEFAULT_RING,
            },
            sockets: SocketDefaults::default(),
        }
    }
}

impl TuningConfig {
    /// Reads and checks the file at `path` against the cores of this machine.
    pub fn load(path: &Path) -> Result<TuningConfig, TuningError> {
        let text = std::fs::read_to_string(path).map_err(|source| TuningError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text, &crate::agent::available_cores())
    }

    /// Parses `text` (named `file` in errors) against the cores `available`.
    pub fn parse(
        file: &Path,
        text: &str,
        available: &[usize],
    ) -> Result<TuningConfig, TuningError> {
        let raw: RawTuning = toml::from_str(text).map_err(|e| TuningError::Parse {
            file: file.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let invalid = |key: String, value: String, reason: String| TuningError::Invalid {
            file: file.to_path_buf(),
            key,
            value,
            reason,
        };
        let default_idle = match &raw.idle {
            Some(idle) => {
                idle_strategy(idle).map_err(|(k, v, r)| invalid(format!("idle.{k}"), v, r))?
            }
            None => IdleStrategy::default(),
        };
        let mut config = TuningConfig::default();
        if let Some(rings) = &raw.rings {
            for (key, value, slot) in [
                (
                    "rings.inbound_bytes",
                    rings.inbound_bytes,
                    &mut config.rings.inbound,
                ),
                (
                    "rings.outbound_bytes",
                    rings.outbound_bytes,
                    &mut config.rings.outbound,
                ),
            ] {
                if let Some(v) = value {
                    if !v.is_power_of_two() || !(MIN_RING..=MAX_RING).contains(&v) {
                        return Err(invalid(
                            key.into(),
                            v.to_string(),
                            format!("must be a power of two from {MIN_RING} to {MAX_RING}"),
                        ));
                    }
                    *slot = v;
                }
            }
        }
        if let Some(s) = &raw.sockets {
            for (key, value) in [
                ("sockets.send_buffer_size", s.send_buffer_size),
                ("sockets.receive_buffer_size", s.receive_buffer_size),
            ] {
                if value.is_some_and(|v| v > 1 << 31) {
                    return Err(invalid(
                        key.into(),
                        format!("{value:?}"),
                        "must be at most 2 GiB (0 for the OS default)".into(),
                    ));
                }
            }
            config.sockets = SocketDefaults {
                send_buffer_size: s.send_buffer_size.filter(|v| *v > 0),
                receive_buffer_size: s.receive_buffer_size.filter(|v| *v > 0),
            };
        }
        config.threads = match (&raw.cores, &raw.threads) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "cores".into(),
                    format!("{:?}", raw.cores.unwrap_or_default()),
                    "give either `cores` or `[[threads]]`, not both".into(),
                ))
            }
            (Some(cores), None) => threads_from_cores(cores, default_idle)
                .map_err(|reason| invalid("cores".into(), format!("{cores:?}"), reason))?,
            (None, Some(threads)) => {
                let mut out = Vec::with_capacity(threads.len());
                for (i, t) in threads.iter().enumerate() {
                    let idle = match &t.idle {
                        Some(idle) => idle_strategy(idle)
                            .map_err(|(k, v, r)| invalid(format!("threads[{i}].idle.{k}"), v, r))?,
                        None => default_idle,
                    };
                    out.push(ThreadConfig {
                        name: t
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("{}-{i}", t.role.name())),
                        role: t.role,
                        core: t.core,
                        idle,
                        sessions: t.sessions.clone(),
                    });
                }
                out
            }
            (None, None) => {
                let mut threads = TuningConfig::default().threads;
                threads[0].idle = default_idle;
                threads
            }
        };
        check_threads(&config.threads, available)
            .map_err(|(key, value, reason)| invalid(key, value, reason))?;
        Ok(config)
    }

    /// Whether one thread does everything (no rings).
    pub fn is_colocated(&self) -> bool {
        self.threads.iter().all(|t| t.role == ThreadRole::Colocated)
    }

    /// The index of the thread that owns `session` (by its `FIX.4.4:ISLD->TW44` id): the thread
    /// listing it, else the first session or colocated thread.
    pub fn thread_for(&self, session: &str) -> Option<usize> {
        self.threads
            .iter()
            .position(|t| t.sessions.iter().any(|s| s == session))
            .or_else(|| self.threads.iter().position(|t| t.role != ThreadRole::Io))
    }

    /// Checks that every session the file names exists among `sessions` (ids as displayed);
    /// `file` names the tuning file in the error.
    pub fn check_sessions(&self, file: &Path, sessions: &[String]) -> Result<(), TuningError> {
        for (i, t) in self.threads.iter().enumerate() {
            if let Some(unknown) = t.sessions.iter().find(|s| !sessions.contains(s)) {
                return Err(TuningError::Invalid {
                    file: file.to_path_buf(),
                    key: format!("threads[{i}].sessions"),
                    value: format!("{unknown:?}"),
                    reason: "no such session in the settings file".into(),
                });
            }
        }
        Ok(())
    }
}

/// The shorthand: one core runs everything colocated; two split I/O (first) from sessions.
fn threads_from_cores(cores: &[usize], idle: IdleStrategy) -> Result<Vec<ThreadConfig>, String> {
    let thread = |name: &str, role, core| ThreadConfig {
        name: name.into(),
        role,
        core: Some(core),
        idle,
        sessions: Vec::new(),
    };
    match cores {
        [one] => Ok(vec![thread("colocated-0", ThreadRole::Colocated, *one)]),
        [io, session] => Ok(vec![
            thread("io-0", ThreadRole::Io, *io),
            thread("session-1", ThreadRole::Session, *session),
        ]),
        _ => {
            Err("give one core (colocated) or two (I/O, sessions); use [[threads]] for more".into())
        }
    }
}

type Refusal = (String, String, String);

fn idle_strategy(raw: &RawIdle) -> Result<IdleStrategy, Refusal> {
    let has_params = raw.max_spins.is_some()
        || raw.max_yields.is_some()
        || raw.min_park_us.is_some()
        || raw.max_park_us.is_some();
    let fixed = |name: &str| -> Result<(), Refusal> {
        if has_params {
            Err((
                "strategy".into(),
                format!("{name:?}"),
                "max_spins, max_yields, min_park_us and max_park_us apply only to \"backoff\""
                    .into(),
            ))
        } else {
            Ok(())
        }
    };
    match raw.strategy {
        RawStrategy::BusySpin => fixed("busy-spin").map(|_| IdleStrategy::BusySpin),
        RawStrategy::Yield => fixed("yield").map(|_| IdleStrategy::Yield),
        RawStrategy::Backoff => {
            let d = Backoff::default();
            let min = raw.min_park_us.map_or(d.min_park, Duration::from_micros);
            let max = raw.max_park_us.map_or(d.max_park, Duration::from_micros);
            if max.is_zero() || max > Duration::from_secs(1) {
                return Err((
                    "max_park_us".into(),
                    max.as_micros().to_string(),
                    "must be from 1 to 1000000 microseconds".into(),
                ));
            }
            if min.is_zero() || min > max {
                return Err((
                    "min_park_us".into(),
                    min.as_micros().to_string(),
                    format!("must be from 1 to max_park_us ({})", max.as_micros()),
                ));
            }
            Ok(IdleStrategy::Backoff(Backoff {
                max_spins: raw.max_spins.unwrap_or(d.max_spins),
                max_yields: raw.max_yields.unwrap_or(d.max_yields),
                min_park: min,
                max_park: max,
            }))
        }
    }
}

fn check_threads(threads: &[ThreadConfig], available: &[usize]) -> Result<(), Refusal> {
    if threads.is_empty() {
        return Err((
            "threads".into(),
            "[]".into(),
            "at least one thread is needed".into(),
        ));
    }
    let count = |role| threads.iter().filter(|t| t.role == role).count();
    let (io, session) = (count(ThreadRole::Io), count(ThreadRole::Session));
    if (io > 0) != (session > 0) {
        let (key, value) = if io > 0 {
            ("io", io)
        } else {
            ("session", session)
        };
        return Err((
            "threads".into(),
            format!("{value} {key} thread(s)"),
            "I/O threads and session threads come together (or use role = \"colocated\")".into(),
        ));
    }
    for (i, t) in threads.iter().enumerate() {
        if let Some(core) = t.core {
            if !available.contains(&core) {
                return Err((
                    format!("threads[{i}].core"),
                    core.to_string(),
                    format!("no such core on this machine (available: {available:?})"),
                ));
            }
            let shared = threads[..i].iter().position(|o| o.core == Some(core));
            if let Some(j) = shared {
                if t.idle.spins() || threads[j].idle.spins() {
                    return Err((
                        format!("threads[{i}].core"),
                        core.to_string(),
                        format!(
                            "threads[{j}] is on the same core and one of them spins; spinning \
                             threads need a core each"
                        ),
                    ));
                }
            }
        }
        if threads[..i].iter().any(|o| o.name == t.name) {
            return Err((
                format!("threads[{i}].name"),
                format!("{:?}", t.name),
                "used twice".into(),
            ));
        }
        if t.role == ThreadRole::Io && !t.sessions.is_empty() {
            return Err((
                format!("threads[{i}].sessions"),
                format!("{:?}", t.sessions),
                "an I/O thread owns no sessions".into(),
            ));
        }
        for s in &t.sessions {
            let earlier = threads[..i].iter().position(|o| o.sessions.contains(s));
            if t.sessions.iter().filter(|x| *x == s).count() > 1 || earlier.is_some() {
                return Err((
                    format!("threads[{i}].sessions"),
                    format!("{s:?}"),
                    "a session belongs to one thread, once".into(),
                ));
            }
        }
    }
    Ok(())
}
