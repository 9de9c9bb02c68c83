//! A redacting wrapper for bearer tokens, client secrets and user JWTs.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

/// A secret string. `Debug` and `Display` never print it; only [`Secret::expose`] does,
/// and every call site of `expose` is a place where the secret leaves the process on purpose.
#[derive(Clone)]
pub struct Secret(Arc<Inner>);

struct Inner {
    text: Box<str>,
    /// SHA-256 of `text`, computed on first use and shared by every clone: the token verifier
    /// and the user-credential cache both key on it, and a request's token is hashed once.
    sha256: OnceLock<[u8; 32]>,
}

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<Box<str>>) -> Self {
        Self(Arc::new(Inner {
            text: value.into(),
            sha256: OnceLock::new(),
        }))
    }

    /// The secret itself, for an `Authorization` header or a form field.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0.text
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.text.is_empty()
    }

    /// The SHA-256 of the secret: a cache key that does not keep the secret's text around.
    #[must_use]
    pub fn sha256(&self) -> &[u8; 32] {
        self.0
            .sha256
            .get_or_init(|| Sha256::digest(self.0.text.as_bytes()).into())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Secret {}

impl Hash for Secret {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.text.hash(state);
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

    #[test]
    fn sha256_is_the_digest_of_the_text_and_shared_by_clones() {
        let secret = Secret::new("abc");
        let clone = secret.clone();
        // FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = clone.sha256().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        assert!(std::ptr::eq(secret.sha256(), clone.sha256()));
        assert_eq!(secret, Secret::new("abc"));
        assert_ne!(secret, Secret::new("abd"));
    }
}
