//! A tool call that ran and failed: rendered as an `isError` result (docs/design.md §7).

use serde_json::{Value, json};

use crate::domain::error::{AccessDenied, CredentialError, FieldErrors, UpstreamError};

/// The normalised failure of one tool call. Its message is safe to show to a model: it never
/// holds a token, a secret or an internal error chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolFailure {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub retryable: bool,
    pub details: Option<Value>,
    /// RFC 6750 challenge for `_meta["mcp/www_authenticate"]`, when signing in again (or with
    /// more scopes) would help.
    pub www_authenticate: Option<String>,
}

impl ToolFailure {
    #[must_use]
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retryable: false,
            details: None,
            www_authenticate: None,
        }
    }

    #[must_use]
    pub fn invalid_arguments(errors: &FieldErrors) -> Self {
        let mut failure = Self::new(400, "invalid_arguments", errors.to_string());
        failure.details = Some(json!({ "fields": errors.0 }));
        failure
    }

    #[must_use]
    pub fn from_credential(error: &CredentialError) -> Self {
        match error {
            CredentialError::NotConfigured(what) => Self::new(503, "upstream_unavailable", *what),
            CredentialError::Rejected => Self::new(
                401,
                "unauthorized",
                "NeonPanel did not accept your sign-in for this call; sign in again",
            ),
            CredentialError::Unavailable(_) => Self {
                retryable: true,
                ..Self::new(
                    503,
                    "upstream_unavailable",
                    "NeonPanel's authorization server is unavailable; try again shortly",
                )
            },
        }
    }

    /// The structured error object (`structuredContent.error`).
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut error = serde_json::Map::new();
        error.insert("status".into(), json!(self.status));
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        error.insert("retryable".into(), json!(self.retryable));
        if let Some(details) = &self.details {
            error.insert("details".into(), details.clone());
        }
        json!({ "error": error })
    }
}

impl From<UpstreamError> for ToolFailure {
    fn from(e: UpstreamError) -> Self {
        let message = if e.status == 0 {
            format!(
                "NeonPanel could not be reached ({}): {}",
                e.kind.code(),
                e.message
            )
        } else {
            format!("NeonPanel returned {}: {}", e.status, e.message)
        };
        Self {
            status: if e.status == 0 { 504 } else { e.status },
            code: e.kind.code(),
            message,
            retryable: e.kind.retryable(),
            details: e.details,
            www_authenticate: None,
        }
    }
}

impl From<AccessDenied> for ToolFailure {
    fn from(e: AccessDenied) -> Self {
        Self::new(403, "forbidden", e.to_string())
    }
}
