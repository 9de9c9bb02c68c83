//! How NeonPanel's answer to the last attempt becomes a typed value or an [`UpstreamError`]
//! (docs/design.md §5): transport failures, non-2xx answers with NeonPanel's own message, and
//! 2xx bodies this server cannot read.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::super::truncate_chars;
use crate::adapters::outbound::{OutboundError, OutboundResponse};
use crate::domain::error::{UpstreamError, UpstreamErrorKind};

/// Upstream messages are cut to this many characters before they reach a tool result.
const MAX_MESSAGE_CHARS: usize = 300;

/// The outcome of the last attempt, normalised to docs/design.md §5.
pub(super) fn interpret<T: DeserializeOwned>(
    result: Result<OutboundResponse, OutboundError>,
) -> Result<T, UpstreamError> {
    let response = result.map_err(|error| match error {
        OutboundError::Timeout => UpstreamError::new(
            0,
            UpstreamErrorKind::Timeout,
            "NeonPanel did not answer in time",
        ),
        OutboundError::Connect(_) => UpstreamError::new(
            0,
            UpstreamErrorKind::Unavailable,
            "could not connect to NeonPanel",
        ),
        OutboundError::TooLarge => UpstreamError::new(
            0,
            UpstreamErrorKind::BadResponse,
            "NeonPanel answered with a body too large to read",
        ),
        OutboundError::Transport(detail) => UpstreamError::new(
            0,
            UpstreamErrorKind::Unavailable,
            format!(
                "NeonPanel could not be reached: {}",
                truncate_chars(&detail, MAX_MESSAGE_CHARS)
            ),
        ),
    })?;
    if (200..300).contains(&response.status) {
        return serde_json::from_slice(&response.body).map_err(|e| {
            UpstreamError::new(
                response.status,
                UpstreamErrorKind::BadResponse,
                format!(
                    "NeonPanel answered with JSON this server cannot read: {}",
                    truncate_chars(&e.to_string(), MAX_MESSAGE_CHARS)
                ),
            )
        });
    }
    Err(error_from(&response))
}

/// A non-2xx answer as an [`UpstreamError`]; the message is NeonPanel's own when it gave one.
fn error_from(response: &OutboundResponse) -> UpstreamError {
    let status = response.status;
    let kind = UpstreamErrorKind::from_status(status);
    let body = serde_json::from_slice::<Value>(&response.body).ok();
    let message = body
        .as_ref()
        .and_then(|b| {
            ["message", "error_description"]
                .iter()
                .find_map(|k| b.get(*k).and_then(Value::as_str))
        })
        .filter(|m| !m.trim().is_empty())
        .map_or_else(
            || format!("NeonPanel answered HTTP {status}"),
            |m| truncate_chars(m.trim(), MAX_MESSAGE_CHARS),
        );
    let details = match kind {
        UpstreamErrorKind::ValidationFailed => body
            .as_ref()
            .and_then(|b| b.get("errors"))
            .filter(|e| e.is_object())
            .cloned(),
        UpstreamErrorKind::RateLimited => response.retry_after.map(|s| json!({ "retry_after": s })),
        _ => None,
    };
    UpstreamError {
        status,
        kind,
        message,
        details,
    }
}
