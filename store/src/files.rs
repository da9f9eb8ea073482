//! File names: which files belong to a journal, and the dated name an old epoch is kept under.
//!
//! A journal with stem `S` in folder `D` is `D/S.hdr` plus `D/S.out.NNNNNNNN.seg` and
//! `D/S.in.NNNNNNNN.seg`. A reset renames them all to the stem `S.YYYYMMDD-HHMMSS.nnnnnnnnn`
//! (the old epoch's creation time), which is itself a journal that opens read-only like any other.

use crate::error::JournalError;
use crate::record::Direction;
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};
use std::path::{Path, PathBuf};

/// The file-name stem for a session id: anything outside `[A-Za-z0-9._-]` becomes `_`.
pub(crate) fn stem_for(session_id: &str) -> String {
    session_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn header_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.hdr"))
}

pub(crate) fn segment_path(dir: &Path, stem: &str, direction: Direction, number: u64) -> PathBuf {
    dir.join(format!("{stem}.{}.{number:08}.seg", direction.tag()))
}

/// Where a file is written before the rename that makes it appear whole.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

fn read_dir(dir: &Path) -> Result<Vec<String>, JournalError> {
    let rd = std::fs::read_dir(dir).map_err(|e| JournalError::io("list", dir, e))?;
    let mut names = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| JournalError::io("list", dir, e))?;
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The segment number in `name` if it is one of `stem`'s segments in `direction`.
fn segment_number(name: &str, stem: &str, direction: Direction) -> Option<u64> {
    let rest = name
        .strip_prefix(stem)?
        .strip_prefix('.')?
        .strip_prefix(direction.tag())?
        .strip_prefix('.')?
        .strip_suffix(".seg")?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// `stem`'s segments in `direction`, by number.
pub(crate) fn list_segments(
    dir: &Path,
    stem: &str,
    direction: Direction,
) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let mut v: Vec<(u64, PathBuf)> = read_dir(dir)?
        .into_iter()
        .filter_map(|n| segment_number(&n, stem, direction).map(|k| (k, dir.join(n))))
        .collect();
    v.sort();
    Ok(v)
}

/// Headers in `dir` that may be archives of `stem` (`stem.<something>.hdr`).
pub(crate) fn list_archive_headers(dir: &Path, stem: &str) -> Result<Vec<PathBuf>, JournalError> {
    let prefix = format!("{stem}.");
    let mut v: Vec<PathBuf> = read_dir(dir)?
        .into_iter()
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".hdr") && n.len() > prefix.len() + 4)
        .map(|n| dir.join(n))
        .collect();
    v.sort();
    Ok(v)
}

/// Removes files a crash left half-made (`stem.*.tmp`): nothing refers to them.
pub(crate) fn remove_temps(dir: &Path, stem: &str) -> Result<(), JournalError> {
    let prefix = format!("{stem}.");
    for n in read_dir(dir)? {
        if n.starts_with(&prefix) && n.ends_with(".tmp") {
            let p = dir.join(&n);
            std::fs::remove_file(&p)
                .map_err(|e| JournalError::io("remove stale temporary", p, e))?;
        }
    }
    Ok(())
}

/// A stem for the epoch created at `created` that no file in `dir` uses yet.
pub(crate) fn archive_stem(dir: &Path, stem: &str, created: UtcTime) -> String {
    let mut buf = [0u8; 32];
    let n = TimestampFormatter::new()
        .format(created, TimePrecision::Nanos, &mut buf)
        .unwrap_or(0);
    let stamp: String = buf[..n]
        .iter()
        .filter(|&&b| b != b':')
        .map(|&b| b as char)
        .collect();
    let base = format!("{stem}.{stamp}");
    let mut candidate = base.clone();
    let mut k = 2;
    while header_path(dir, &candidate).exists() {
        candidate = format!("{base}-{k}");
        k += 1;
    }
    candidate
}

/// Makes renames and creations in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| JournalError::io("fsync directory", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(stem_for("FIX.4.4:A->B"), "FIX.4.4_A-_B");
        let p = segment_path(Path::new("/j"), "S", Direction::Outbound, 3);
        assert_eq!(p, Path::new("/j/S.out.00000003.seg"));
        assert_eq!(
            segment_number("S.out.00000003.seg", "S", Direction::Outbound),
            Some(3)
        );
        assert_eq!(
            segment_number("S.out.00000003.seg", "S", Direction::Inbound),
            None
        );
        assert_eq!(
            segment_number("S.x.out.00000003.seg", "S", Direction::Outbound),
            None
        );
        assert_eq!(segment_number("S.out..seg", "S", Direction::Outbound), None);
        assert_eq!(
            segment_number("S.out.12a.seg", "S", Direction::Outbound),
            None
        );
    }
}
