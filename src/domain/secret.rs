//! A redacting wrapper for bearer tokens, client secrets and user JWTs.

use std::fmt;
use std::sync::Arc;

/// A secret string. `Debug` and `Display` never print it; only [`Secret::expose`] does,
/// and every call site of `expose` is a place where the secret leaves the process on purpose.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(Arc<str>);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for an `Authorization` header or a form field.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// An OAuth bearer token (inbound access token, user JWT or service token).
pub type BearerToken = Secret;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_never_show_the_value() {
        let secret = Secret::new("eyJhbGciOiJSUzI1NiJ9.payload.sig");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(secret.to_string(), "[redacted]");
        assert_eq!(secret.expose(), "eyJhbGciOiJSUzI1NiJ9.payload.sig");
    }
}
