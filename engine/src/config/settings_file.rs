//! Reads a QuickFIX settings file into one [`SessionSettings`] per [SESSION] section.

use super::builder::SessionSettingsBuilder;
use super::error::{SettingError, SettingsError};
use super::ini::{self, Entry, SectionKind};
use super::session_settings::SessionSettings;
use std::path::Path;

/// Reads and checks the settings file at `path`.
pub fn load_settings(path: &Path) -> Result<Vec<SessionSettings>, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    parse_settings(path, &text)
}

/// Parses settings-file `text`; `file` names it in errors.
///
/// Each [SESSION] section starts from every [DEFAULT] key seen before it (QuickFIX reads the
/// defaults first; a [DEFAULT] after sessions still applies to all of them here, as there), and
/// its own keys override them.
pub fn parse_settings(file: &Path, text: &str) -> Result<Vec<SessionSettings>, SettingsError> {
    let sections = ini::parse(file, text)?;
    let mut defaults: Vec<&Entry> = Vec::new();
    for section in sections.iter().filter(|s| s.kind == SectionKind::Default) {
        for entry in &section.entries {
            if let Some(first) = defaults
                .iter()
                .find(|d| d.key.eq_ignore_ascii_case(&entry.key))
            {
                return Err(SettingsError::DuplicateKey {
                    file: file.to_path_buf(),
                    key: entry.key.clone(),
                    first: first.line,
                    line: entry.line,
                });
            }
            defaults.push(entry);
        }
    }
    let mut out: Vec<(String, SessionSettings)> = Vec::new();
    let sessions = sections.iter().filter(|s| s.kind == SectionKind::Session);
    for (index, section) in sessions.enumerate() {
        let inherited = defaults.iter().copied().filter(|d| {
            !section
                .entries
                .iter()
                .any(|e| e.key.eq_ignore_ascii_case(&d.key))
        });
        let entries: Vec<&Entry> = inherited.chain(section.entries.iter()).collect();
        let mut builder = SessionSettingsBuilder::new();
        // Identity first, so every later error can name the session.
        let identity = |e: &&&Entry| {
            matches!(
                e.key.to_ascii_lowercase().as_str(),
                "beginstring" | "sendercompid" | "targetcompid"
            )
        };
        let mut failed: Option<(usize, SettingError)> = None;
        for entry in entries.iter().filter(identity) {
            if let Err(err) = builder.set(&entry.key, &entry.value) {
                failed = Some((entry.line, err));
                break;
            }
        }
        let name = section_name(index, &builder);
        let at = |line: usize, source: SettingError| SettingsError::Session {
            file: file.to_path_buf(),
            section: name.clone(),
            line,
            source: Box::new(source),
        };
        if let Some((line, err)) = failed {
            return Err(at(line, err));
        }
        for entry in entries.iter().filter(|e| !identity(e)) {
            builder
                .set(&entry.key, &entry.value)
                .map_err(|err| at(entry.line, err))?;
        }
        let settings = builder.build().map_err(|err| at(section.line, err))?;
        if let Some((first, _)) = out.iter().find(|(_, s)| s.id == settings.id) {
            return Err(SettingsError::DuplicateSession {
                file: file.to_path_buf(),
                section: name,
                line: section.line,
                first: first.clone(),
            });
        }
        out.push((name, settings));
    }
    if out.is_empty() {
        return Err(SettingsError::NoSessions {
            file: file.to_path_buf(),
        });
    }
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// `[SESSION] #3 FIX.4.4:ISLD->TW44`, or `[SESSION] #3` while the id is incomplete.
fn section_name(index: usize, builder: &SessionSettingsBuilder) -> String {
    let id = builder.id();
    if id.begin_string.is_empty() || id.sender_comp_id.is_empty() || id.target_comp_id.is_empty() {
        format!("[SESSION] #{}", index + 1)
    } else {
        format!("[SESSION] #{} {}", index + 1, id)
    }
}
