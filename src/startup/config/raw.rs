//! Reading raw setting text: blanks, lists, URLs, numbers and switches. Each reader names the
//! variable in its error and pushes it onto the shared list instead of stopping.

use std::str::FromStr;

/// The trimmed value, or `None` when unset or blank (an empty `NEONPANEL_USER_JWT_URL=` in a
/// copied `.env.example` means "not set").
pub(super) fn present(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A comma- or space-separated list; empty when unset.
pub(super) fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An http(s) URL without its trailing slash.
pub(super) fn url(name: &str, value: Option<&String>, errors: &mut Vec<String>) -> Option<String> {
    let value = present(value)?;
    if value.starts_with("https://") || value.starts_with("http://") {
        Some(value.trim_end_matches('/').to_owned())
    } else {
        errors.push(format!("{name}: must be an http(s) URL, got {value:?}"));
        None
    }
}

/// A whole number of type `T`; `what` says which (`a port number (0-65535)`).
pub(super) fn number<T: FromStr>(
    name: &str,
    value: Option<&String>,
    what: &str,
    errors: &mut Vec<String>,
) -> Option<T> {
    let text = present(value)?;
    text.parse().map_or_else(
        |_| {
            errors.push(format!("{name}: expected {what}, got {text:?}"));
            None
        },
        Some,
    )
}

/// A count or size: a whole number from 0.
pub(super) fn count<T: FromStr>(
    name: &str,
    value: Option<&String>,
    errors: &mut Vec<String>,
) -> Option<T> {
    number(name, value, "a whole number", errors)
}

/// A switch, read like clap's `BoolishValueParser` did: `true`/`false`, `yes`/`no`, `on`/`off`,
/// `1`/`0`, `y`/`n`, `t`/`f`, in any case. A bare `--flag` arrives as `true`.
pub(super) fn switch(name: &str, value: Option<&String>, errors: &mut Vec<String>) -> Option<bool> {
    let text = present(value)?;
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "y" | "t" => Some(true),
        "false" | "no" | "off" | "0" | "n" | "f" => Some(false),
        _ => {
            errors.push(format!("{name}: expected true or false, got {text:?}"));
            None
        }
    }
}
