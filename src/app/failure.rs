//! A tool call that ran and failed: rendered as an `isError` result (docs/design.md §7).
//!
//! One voice for every message a model reads: each kind of failure has a fixed text (listed in
//! README "Error messages") that says what happened and what to do next, names arguments as
//! the model wrote them, and never carries NeonPanel's own text, a Rust type or an OS error.
//! What NeonPanel actually answered goes to the log instead, redacted, under the request id.
//!
//! Another tenant's account and an account that does not exist get the same answer, so a
//! caller cannot learn which accounts exist by probing ids.

use serde_json::{Value, json};

use super::redact::redact;
use crate::domain::error::{
    AccessDenied, CredentialError, FieldErrors, UpstreamError, UpstreamErrorKind,
};
use crate::domain::tools::FailureCode;

/// The fixed texts of the failures that do not depend on what was asked.
pub mod messages {
    pub const SIGN_IN_AGAIN: &str =
        "Your NeonPanel sign-in has expired or was revoked. Sign in again, then retry.";
    pub const SIGN_IN_UNAVAILABLE: &str =
        "NeonPanel's sign-in service is unavailable right now. Try again in a minute.";
    pub const UNAVAILABLE: &str = "NeonPanel is unavailable right now. Try again in a minute.";
    pub const TIMEOUT: &str = "NeonPanel did not answer in time. Try again in a minute.";
    pub const RATE_LIMITED: &str =
        "NeonPanel is receiving too many requests. Wait a minute, then retry.";
    pub const BAD_RESPONSE: &str =
        "NeonPanel sent an answer this server cannot read. Try again later.";
    pub const UPSTREAM_REJECTED: &str = "NeonPanel did not accept this request. Check the dates \
         (YYYY-MM-DD) and ids you passed, then retry.";
    pub const LIST_NOT_ALLOWED: &str =
        "Your NeonPanel access does not include the list of accounts.";
    pub const NOT_FOUND: &str = "NeonPanel found nothing with the ids you passed.";
}

/// What a call was about, so that a refusal or a miss can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// The caller's list of accounts.
    Accounts,
    /// One account as a whole.
    Account(&'a str),
    /// One inventory item of an account.
    InventoryItem { account: &'a str, id: i64 },
    /// A record named by a `fetch` id: a refusal reads exactly like a miss.
    Record(&'a str),
}

/// The normalised failure of one tool call. Its message is safe to show to a model: it never
/// holds a token, a secret or an internal error chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolFailure {
    pub status: u16,
    pub code: FailureCode,
    pub message: String,
    pub retryable: bool,
    pub details: Option<Value>,
    /// RFC 6750 challenge for `_meta["mcp/www_authenticate"]`, when signing in again (or with
    /// more scopes) would help.
    pub www_authenticate: Option<String>,
    /// What the upstream actually said, redacted: for the log, never for the model. (A boxed
    /// `str` keeps the failure small enough to return by value.)
    pub detail: Option<Box<str>>,
    /// Set when NeonPanel refused or missed, so that [`ToolFailure::about`] may name the target.
    upstream: Option<UpstreamErrorKind>,
}

impl ToolFailure {
    #[must_use]
    pub fn new(status: u16, code: FailureCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retryable: false,
            details: None,
            www_authenticate: None,
            detail: None,
            upstream: None,
        }
    }

    #[must_use]
    pub fn invalid_arguments(errors: &FieldErrors) -> Self {
        let mut failure = Self::new(400, FailureCode::InvalidArguments, errors.to_string());
        failure.details = Some(json!({ "fields": errors.0 }));
        failure
    }

    /// The one answer for an account the caller cannot use, whether it belongs to someone else,
    /// does not exist, or their role there does not cover the data asked for.
    #[must_use]
    pub fn no_access(account: &str) -> Self {
        Self::new(
            403,
            FailureCode::Forbidden,
            format!(
                "Account {account} is not one of the NeonPanel accounts you can use, or your \
                 role there does not include this data. Call neonpanel_list_accounts to see \
                 your accounts."
            ),
        )
    }

    #[must_use]
    pub fn from_credential(error: &CredentialError) -> Self {
        match error {
            CredentialError::NotConfigured(what) => {
                Self::new(503, FailureCode::UpstreamUnavailable, *what)
            }
            CredentialError::Rejected => {
                Self::new(401, FailureCode::Unauthorized, messages::SIGN_IN_AGAIN)
            }
            CredentialError::Unavailable(why) => Self {
                retryable: true,
                detail: Some(redact(why).into()),
                ..Self::new(
                    503,
                    FailureCode::UpstreamUnavailable,
                    messages::SIGN_IN_UNAVAILABLE,
                )
            },
        }
    }

    /// The one answer for a `fetch` id that names no record the caller can read, whether it
    /// is malformed, belongs to another tenant or does not exist.
    #[must_use]
    pub fn no_record(id: &str) -> Self {
        Self::new(
            404,
            FailureCode::NotFound,
            format!(
                "No NeonPanel record with the id {id:?} is among your accounts. Use search to \
                 find ids."
            ),
        )
    }

    /// Names `target` in a NeonPanel refusal or miss: a 403, or a 404 on an account as a
    /// whole, becomes [`ToolFailure::no_access`]; a 404 on an item says which item.
    #[must_use]
    pub fn about(self, target: Target<'_>) -> Self {
        let kind = match self.upstream {
            Some(kind @ (UpstreamErrorKind::Forbidden | UpstreamErrorKind::NotFound)) => kind,
            _ => return self,
        };
        let named = match (kind, target) {
            (UpstreamErrorKind::Forbidden, Target::Accounts) => {
                Self::new(403, FailureCode::Forbidden, messages::LIST_NOT_ALLOWED)
            }
            (UpstreamErrorKind::NotFound, Target::InventoryItem { account, id }) => Self::new(
                404,
                FailureCode::NotFound,
                format!("Inventory item {id} was not found in account {account}."),
            ),
            (_, Target::Account(account) | Target::InventoryItem { account, .. }) => {
                Self::no_access(account)
            }
            (_, Target::Record(id)) => Self::no_record(id),
            _ => return self,
        };
        Self {
            detail: self.detail,
            upstream: self.upstream,
            ..named
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
        use UpstreamErrorKind as K;
        let message = match e.kind {
            K::Unauthorized => messages::SIGN_IN_AGAIN,
            K::RateLimited => messages::RATE_LIMITED,
            K::Timeout => messages::TIMEOUT,
            K::ValidationFailed => messages::UPSTREAM_REJECTED,
            K::BadResponse => messages::BAD_RESPONSE,
            K::NotFound => messages::NOT_FOUND,
            // Refined by `about`, which knows the account; this stands when nothing is named.
            K::Forbidden => "Your NeonPanel access does not include this data.",
            _ => messages::UNAVAILABLE,
        };
        let mut detail = format!("NeonPanel answered {}: {}", e.status, e.message);
        if let Some(details) = &e.details {
            detail.push_str(&format!(" {details}"));
        }
        Self {
            status: if e.status == 0 { 504 } else { e.status },
            code: FailureCode::from(e.kind),
            message: message.to_owned(),
            retryable: e.kind.retryable(),
            details: None,
            www_authenticate: None,
            detail: Some(redact(&detail).into()),
            upstream: Some(e.kind),
        }
    }
}

impl From<AccessDenied> for ToolFailure {
    fn from(e: AccessDenied) -> Self {
        Self::no_access(&e.account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(status: u16, body: &str) -> ToolFailure {
        UpstreamError::new(status, UpstreamErrorKind::from_status(status), body).into()
    }

    #[test]
    fn upstream_text_never_reaches_the_message_but_is_kept_for_the_log() {
        for (status, body) in [
            (500, "SQLSTATE[HY000] at /var/www/app.php"),
            (0, "connection reset by peer (os error 104)"),
            (404, "Not found."),
            (422, "The given data was invalid."),
            (403, "This action is unauthorized."),
        ] {
            let failure = upstream(status, body);
            assert!(!failure.message.contains(body), "{}", failure.message);
            assert!(!failure.message.contains("returned"), "{}", failure.message);
            assert!(failure.detail.as_deref().unwrap_or_default().contains(body));
        }
    }

    #[test]
    fn another_tenants_account_and_a_missing_one_read_the_same() {
        let target = Target::Account("c-42");
        let forbidden = upstream(403, "This action is unauthorized.").about(target);
        let missing = upstream(404, "Not found.").about(target);
        let unreachable = ToolFailure::from(AccessDenied {
            account: "c-42".into(),
        });
        assert_eq!(forbidden.message, missing.message);
        assert_eq!(forbidden.message, unreachable.message);
        assert_eq!(
            (forbidden.code, missing.code),
            (FailureCode::Forbidden, FailureCode::Forbidden)
        );
    }

    #[test]
    fn a_missing_item_is_named_and_other_failures_are_left_alone() {
        let item = Target::InventoryItem {
            account: "c-1",
            id: 999,
        };
        let missing = upstream(404, "Not found.").about(item);
        assert_eq!(
            missing.message,
            "Inventory item 999 was not found in account c-1."
        );
        assert_eq!(missing.code, FailureCode::NotFound);
        let down = upstream(503, "down").about(item);
        assert_eq!(down.message, messages::UNAVAILABLE);
        let sku = ToolFailure::new(404, FailureCode::NotFound, "SKU X was not found").about(item);
        assert_eq!(sku.message, "SKU X was not found");
    }
}
