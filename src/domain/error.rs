//! Domain errors, one enum per port or use case. Adapters translate infrastructure errors
//! into these; the inbound edge maps them to the wire exactly once.

use std::fmt;

use serde_json::Value;

/// Why an inbound credential proof was not accepted (docs/design.md §3). The HTTP edge maps
/// each to its answer in one module: 401, 403, 503 + `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// RFC 6750 §3.1 `invalid_token` (401); the description is safe to show to the caller.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The proof is genuine but its holder has no access here (403), e.g. an IAM role that is
    /// mapped to no NeonPanel account; the description is safe to show to the caller.
    #[error("access denied: {0}")]
    Forbidden(&'static str),
    /// What decides cannot be reached (signing keys, a verification service) and nothing cached
    /// answers for this proof (503 + `Retry-After`).
    #[error("token verification is unavailable")]
    Unavailable,
    /// No authenticator is configured on this server.
    #[error("token verification is not configured: {0}")]
    NotConfigured(&'static str),
}

/// Why a user credential or service token could not be obtained (docs/design.md §4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// No source for this kind of credential is configured.
    #[error("{0}")]
    NotConfigured(&'static str),
    /// The issuer refused the exchange (`active: false`, 401, `invalid_grant`).
    #[error("the authorization server rejected the credential exchange")]
    Rejected,
    /// The issuer could not be reached or answered nonsense.
    #[error("the authorization server is unavailable: {0}")]
    Unavailable(String),
    /// The caller proved who they are without a NeonPanel sign-in, so there is nothing to
    /// exchange for their own credential.
    #[error("the caller has no NeonPanel sign-in")]
    NoSignIn,
}

/// The normalised failure codes of an upstream call (docs/design.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpstreamErrorKind {
    Unauthorized,
    Forbidden,
    NotFound,
    ValidationFailed,
    RateLimited,
    Unavailable,
    Timeout,
    BadResponse,
}

impl UpstreamErrorKind {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::ValidationFailed => "validation_failed",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "upstream_unavailable",
            Self::Timeout => "timeout",
            Self::BadResponse => "bad_upstream_response",
        }
    }

    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Unavailable | Self::Timeout)
    }

    /// The kind an upstream HTTP status maps to.
    #[must_use]
    pub fn from_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            400 | 409 | 422 => Self::ValidationFailed,
            429 => Self::RateLimited,
            408 | 504 => Self::Timeout,
            500..=599 => Self::Unavailable,
            _ => Self::BadResponse,
        }
    }
}

/// A failed NeonPanel API call, normalised to `{status, code, message, details?}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("NeonPanel answered {status} ({}): {message}", kind.code())]
pub struct UpstreamError {
    /// The HTTP status, or 0 when no response arrived (timeout, connection refused).
    pub status: u16,
    pub kind: UpstreamErrorKind,
    pub message: String,
    pub details: Option<Value>,
}

impl UpstreamError {
    #[must_use]
    pub fn new(status: u16, kind: UpstreamErrorKind, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            details: None,
        }
    }
}

/// A caller asked for an account they are not known to reach (docs/design.md §4 invariant).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("account {account} is not reachable with your NeonPanel access")]
pub struct AccessDenied {
    pub account: String,
}

/// One invalid tool argument, with a JSON-pointer-like field path (SEP-1303).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

/// All argument problems of one call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    #[must_use]
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError {
            path: path.into(),
            message: message.into(),
        }])
    }

    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// "Invalid arguments: coverageDays must be at least 1; sku is required." Each message reads
/// after its field name; a problem with the arguments as a whole is filed under `arguments`.
impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Invalid arguments: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let path = if e.path.is_empty() {
                "arguments"
            } else {
                e.path.as_str()
            };
            write!(f, "{path} {}", e.message)?;
        }
        f.write_str(".")
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_statuses_map_to_contract_codes() {
        let table = [
            (401, "unauthorized", false),
            (403, "forbidden", false),
            (404, "not_found", false),
            (422, "validation_failed", false),
            (429, "rate_limited", true),
            (503, "upstream_unavailable", true),
            (504, "timeout", true),
            (302, "bad_upstream_response", false),
        ];
        for (status, code, retryable) in table {
            let kind = UpstreamErrorKind::from_status(status);
            assert_eq!(kind.code(), code, "status {status}");
            assert_eq!(kind.retryable(), retryable, "status {status}");
        }
    }
}
