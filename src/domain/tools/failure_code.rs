//! The machine-readable code of a failed tool call (`structuredContent.error.code`), a closed
//! set so that the app can branch on it (the 401 retry) and telemetry can label by it.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::domain::error::UpstreamErrorKind;

/// Why a tool call failed, in the words of README "Error messages".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureCode {
    InvalidArguments,
    Unauthorized,
    Forbidden,
    NotFound,
    /// NeonPanel refused the request's content (422).
    ValidationFailed,
    RateLimited,
    UpstreamUnavailable,
    Timeout,
    BadUpstreamResponse,
    Internal,
}

impl FailureCode {
    /// Every code, in a fixed order.
    pub const ALL: [Self; 10] = [
        Self::InvalidArguments,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::ValidationFailed,
        Self::RateLimited,
        Self::UpstreamUnavailable,
        Self::Timeout,
        Self::BadUpstreamResponse,
        Self::Internal,
    ];

    /// The wire text of the code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArguments => "invalid_arguments",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::ValidationFailed => "validation_failed",
            Self::RateLimited => "rate_limited",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::Timeout => "timeout",
            Self::BadUpstreamResponse => "bad_upstream_response",
            Self::Internal => "internal",
        }
    }
}

impl From<UpstreamErrorKind> for FailureCode {
    fn from(kind: UpstreamErrorKind) -> Self {
        use UpstreamErrorKind as K;
        match kind {
            K::Unauthorized => Self::Unauthorized,
            K::Forbidden => Self::Forbidden,
            K::NotFound => Self::NotFound,
            K::ValidationFailed => Self::ValidationFailed,
            K::RateLimited => Self::RateLimited,
            K::Timeout => Self::Timeout,
            K::BadResponse => Self::BadUpstreamResponse,
            _ => Self::UpstreamUnavailable,
        }
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FailureCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_kinds_keep_their_wire_codes() {
        for kind in [
            UpstreamErrorKind::Unauthorized,
            UpstreamErrorKind::Forbidden,
            UpstreamErrorKind::NotFound,
            UpstreamErrorKind::ValidationFailed,
            UpstreamErrorKind::RateLimited,
            UpstreamErrorKind::Unavailable,
            UpstreamErrorKind::Timeout,
            UpstreamErrorKind::BadResponse,
        ] {
            assert_eq!(FailureCode::from(kind).as_str(), kind.code(), "{kind:?}");
        }
    }
}
