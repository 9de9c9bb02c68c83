//! Validators and newtypes shared by several tools.

use std::fmt;

/// A NeonPanel company UUID as the tools accept it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// # Errors
    /// A message when `raw` cannot be a company UUID (empty, too long, or with characters
    /// that could alter an upstream URL path).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be a NeonPanel company UUID")
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// garde rule: the field is an account id.
#[allow(clippy::ptr_arg)] // garde passes the field itself
pub fn valid_account_id(value: &String, _ctx: &()) -> garde::Result {
    AccountId::parse(value)
        .map(|_| ())
        .map_err(garde::Error::new)
}

/// `YYYY-MM-DD` naming a real calendar day.
#[must_use]
pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return false;
    }
    let num = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && text.chars().all(|c| c.is_ascii_digit() || c == '-')
}

/// garde rule: an optional ISO date.
pub fn optional_date(value: &Option<String>, _ctx: &()) -> garde::Result {
    match value {
        Some(text) if !is_iso_date(text) => {
            Err(garde::Error::new("must be a date written YYYY-MM-DD"))
        }
        _ => Ok(()),
    }
}

/// garde rule: required free text, not blank, of a sane length (a search query).
#[allow(clippy::ptr_arg)] // garde passes the field itself
pub fn valid_query(value: &String, _ctx: &()) -> garde::Result {
    match value.trim().chars().count() {
        0 => Err(garde::Error::new("must not be blank")),
        201.. => Err(garde::Error::new("must be at most 200 characters")),
        _ => Ok(()),
    }
}

/// garde rule: optional free text of a sane length.
pub fn optional_text(value: &Option<String>, _ctx: &()) -> garde::Result {
    match value {
        Some(text) if text.chars().count() > 200 => {
            Err(garde::Error::new("must be at most 200 characters"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_must_name_real_days() {
        for ok in ["2024-02-29", "2025-12-31", "2000-02-29"] {
            assert!(is_iso_date(ok), "{ok}");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-1-01",
            "2025/01/01",
            "+025-01-01",
            "",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_refuse_path_characters() {
        assert!(AccountId::parse("a1b2c3d4-e5f6").is_ok());
        for bad in ["", "../admin", "a/b", "a?b=1", &"x".repeat(65)] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }
}
