//! What a request offers as proof of who sends it, as the driving side found it and before any
//! check. The inbound HTTP adapter extracts it; an [`crate::ports::Authenticator`] verifies it.
//!
//! One scheme today, `Bearer` (RFC 6750 §2.1); several authenticators can share it, each
//! recognising tokens of its own form (a JWT of the issuer, a token with a prefix of its own).
//! A request signed some other way (an AWS SigV4 `Authorization` header, say) is one more
//! variant, which every authenticator that does not know it simply does not claim.

use super::secret::BearerToken;

/// A credential proof. Its `Debug` never shows a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proof {
    /// `Authorization: Bearer <token>`.
    Bearer(BearerToken),
}

impl Proof {
    /// The bearer token, when the proof is one.
    #[must_use]
    pub fn bearer(&self) -> Option<&BearerToken> {
        match self {
            Self::Bearer(token) => Some(token),
        }
    }

    /// The scheme name, for logs (never the credential itself).
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Bearer(_) => "Bearer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_debug_never_shows_the_token() {
        let proof = Proof::Bearer(BearerToken::new("eyJhbGciOiJSUzI1NiJ9.secret.sig"));
        let debug = format!("{proof:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert_eq!(proof.scheme(), "Bearer");
        assert_eq!(
            proof.bearer().map(BearerToken::expose),
            Some("eyJhbGciOiJSUzI1NiJ9.secret.sig")
        );
    }
}
