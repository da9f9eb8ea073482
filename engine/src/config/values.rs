//! Parsing of QuickFIX value syntax: `Y`/`N`, whole numbers, ports, `HH:MM:SS`.

use super::error::SettingError;
use std::time::Duration;

fn invalid(key: &str, value: &str, expected: &'static str) -> SettingError {
    SettingError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

/// `Y` or `N` (either case), QuickFIX's only booleans.
pub(crate) fn boolean(key: &str, value: &str) -> Result<bool, SettingError> {
    if value.eq_ignore_ascii_case("Y") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("N") {
        Ok(false)
    } else {
        Err(invalid(key, value, "Y or N"))
    }
}

/// A whole number within `min..=max`.
pub(crate) fn number(
    key: &str,
    value: &str,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<u64, SettingError> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid(key, value, expected)),
    }
}

/// Whole seconds within `min..=max`.
pub(crate) fn seconds(
    key: &str,
    value: &str,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<Duration, SettingError> {
    number(key, value, min, max, expected).map(Duration::from_secs)
}

/// A TCP port, 1 to 65535.
pub(crate) fn port(key: &str, value: &str) -> Result<u16, SettingError> {
    number(key, value, 1, 65_535, "a TCP port from 1 to 65535").map(|n| n as u16)
}

/// A byte count where 0 means "the default".
pub(crate) fn buffer_size(key: &str, value: &str) -> Result<Option<usize>, SettingError> {
    let n = number(
        key,
        value,
        0,
        1 << 31,
        "a size in bytes (0 for the default) up to 2 GiB",
    )?;
    Ok((n > 0).then_some(n as usize))
}

/// A non-empty string.
pub(crate) fn text(key: &str, value: &str) -> Result<String, SettingError> {
    if value.is_empty() {
        Err(invalid(key, value, "a non-empty value"))
    } else {
        Ok(value.to_owned())
    }
}

/// `HH:MM:SS`, as seconds after midnight.
pub(crate) fn time_of_day(key: &str, value: &str) -> Result<u32, SettingError> {
    let bad = || invalid(key, value, "a time of day as HH:MM:SS");
    let mut parts = value.split(':');
    let mut next = |max: u32| -> Result<u32, SettingError> {
        let p = parts.next().ok_or_else(bad)?;
        if p.len() != 2 {
            return Err(bad());
        }
        p.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(bad)
    };
    let (h, m, s) = (next(23)?, next(59)?, next(59)?);
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_and_refuse() {
        assert_eq!(boolean("K", "y"), Ok(true));
        assert_eq!(boolean("K", "N"), Ok(false));
        assert!(boolean("K", "yes").is_err());
        assert_eq!(port("P", "5001"), Ok(5001));
        assert!(port("P", "0").is_err());
        assert!(port("P", "70000").is_err());
        assert_eq!(buffer_size("B", "0"), Ok(None));
        assert_eq!(buffer_size("B", "65536"), Ok(Some(65536)));
        assert_eq!(time_of_day("T", "00:00:00"), Ok(0));
        assert_eq!(time_of_day("T", "23:59:58"), Ok(86_398));
        for bad in ["24:00:00", "1:00:00", "00:00", "00:00:00:00", "aa:bb:cc"] {
            assert!(time_of_day("T", bad).is_err(), "{bad}");
        }
    }
}
