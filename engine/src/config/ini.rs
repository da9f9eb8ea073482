//! A small reader for QuickFIX's settings-file syntax.
//!
//! Hand-written rather than `rust-ini` because QuickFIX files repeat `[SESSION]` once per session,
//! and every error must point at a line; the whole format is sections, `Key=Value` lines, blank
//! lines and `#` comments.

use super::error::SettingsError;
use std::path::Path;

/// Which section a block of keys came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    Default,
    Session,
}

/// One `Key=Value` line.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) line: usize,
}

/// One section with its entries in file order.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub(crate) kind: SectionKind,
    pub(crate) line: usize,
    pub(crate) entries: Vec<Entry>,
}

/// Splits `text` into sections; `file` names the source in errors.
pub(crate) fn parse(file: &Path, text: &str) -> Result<Vec<Section>, SettingsError> {
    let mut sections: Vec<Section> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let syntax = |problem: &'static str| SettingsError::Syntax {
            file: file.to_path_buf(),
            line,
            text: raw.to_owned(),
            problem,
        };
        if let Some(rest) = trimmed.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| syntax("a section header must end with `]`"))?
                .trim();
            let kind = if name.eq_ignore_ascii_case("DEFAULT") {
                SectionKind::Default
            } else if name.eq_ignore_ascii_case("SESSION") {
                SectionKind::Session
            } else {
                return Err(syntax("unknown section (expected [DEFAULT] or [SESSION])"));
            };
            sections.push(Section {
                kind,
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .ok_or_else(|| syntax("expected `Key=Value`, a `[SECTION]` or a `#` comment"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(syntax("empty key"));
        }
        let section = sections
            .last_mut()
            .ok_or_else(|| syntax("a key before any [DEFAULT] or [SESSION] section"))?;
        if let Some(first) = section
            .entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            return Err(SettingsError::DuplicateKey {
                file: file.to_path_buf(),
                key: key.to_owned(),
                first: first.line,
                line,
            });
        }
        section.entries.push(Entry {
            key: key.to_owned(),
            value: value.trim().to_owned(),
            line,
        });
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_repeat_and_comments_and_blanks_are_skipped() {
        let text = "# top\n[DEFAULT]\nA=1\n\n[SESSION]\nB = two words \n[session]\nB=3\n";
        let s = parse(Path::new("t.cfg"), text).unwrap_or_default();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].kind, SectionKind::Default);
        assert_eq!(s[1].entries[0].value, "two words");
        assert_eq!(s[1].entries[0].line, 6);
        assert_eq!(s[2].kind, SectionKind::Session);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        for (text, line) in [
            ("A=1\n", 1),
            ("[DEFAULT]\nnot a pair\n", 2),
            ("[DEFAULT\n", 1),
            ("[OTHER]\n", 1),
            ("[DEFAULT]\n=1\n", 2),
        ] {
            match parse(Path::new("t.cfg"), text) {
                Err(SettingsError::Syntax { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(matches!(
            parse(Path::new("t.cfg"), "[SESSION]\nA=1\na=2\n"),
            Err(SettingsError::DuplicateKey {
                first: 2,
                line: 3,
                ..
            })
        ));
    }
}
