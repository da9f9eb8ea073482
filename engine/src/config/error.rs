//! What can be wrong with a settings file or a session's settings.

use std::path::PathBuf;

/// A problem with one session's settings, wherever they came from (a file or the builder).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingError {
    /// A key QuickFIX-style settings do not have (or spinfix does not know).
    #[error("unknown key {key}={value:?}")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Its value.
        value: String,
    },
    /// The value does not parse or is out of range.
    #[error("{key}={value:?}: expected {expected}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A key the session cannot do without.
    #[error("missing required key {key}")]
    MissingKey {
        /// The key, QuickFIX's spelling.
        key: &'static str,
    },
    /// A value spinfix understands but does not implement yet: refused rather than ignored.
    #[error("{key}={value:?}: {what} is not supported yet")]
    Unsupported {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// What it would need.
        what: &'static str,
    },
    /// Keys that are fine alone but not together.
    #[error("{0}")]
    Inconsistent(String),
}

/// A problem with a QuickFIX settings file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("{}: cannot read settings: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line that is not a section, a `Key=Value`, a comment or blank.
    #[error("{}:{line}: {problem}: {text:?}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line as written.
        text: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The same key twice in one section.
    #[error("{}:{line}: {key} already given on line {first} of the same section", file.display())]
    DuplicateKey {
        /// The file.
        file: PathBuf,
        /// The key.
        key: String,
        /// Line of the first occurrence.
        first: usize,
        /// Line of the second.
        line: usize,
    },
    /// A bad key or value in a section; `section` reads like `[SESSION] #3 FIX.4.4:ISLD->TW44`.
    #[error("{}:{line}: {section}: {source}", file.display())]
    Session {
        /// The file.
        file: PathBuf,
        /// The section, numbered among the [SESSION] sections, with its session id when known.
        section: String,
        /// The offending key's line, or the section's.
        line: usize,
        /// What is wrong (boxed to keep `Result`s small).
        source: Box<SettingError>,
    },
    /// Two sections define the same session.
    #[error("{}:{line}: {section}: the same session as {first}", file.display())]
    DuplicateSession {
        /// The file.
        file: PathBuf,
        /// The second section.
        section: String,
        /// Its line.
        line: usize,
        /// The first section with this id.
        first: String,
    },
    /// No [SESSION] section at all.
    #[error("{}: no [SESSION] section", file.display())]
    NoSessions {
        /// The file.
        file: PathBuf,
    },
}

impl SettingsError {
    /// The problem with a session's keys, when that is what this is.
    pub fn setting_error(&self) -> Option<&SettingError> {
        match self {
            SettingsError::Session { source, .. } => Some(source),
            _ => None,
        }
    }
}
