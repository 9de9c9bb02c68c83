//! Telemetry: what the application reports about its own work (tool calls), so that an adapter
//! can turn it into metrics. Recording is synchronous and must be cheap: it runs on every call.

use std::time::Duration;

use crate::domain::tools::FailureCode;

/// How one `tools/call` ended. A fixed set, so that it can be a metric label: never a message,
/// an id or anything a caller chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToolOutcome {
    Ok,
    /// The name matched no tool in the catalogue.
    UnknownTool,
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
    /// A failure whose code is none of the above.
    Error,
}

impl ToolOutcome {
    /// Every outcome, in a fixed order (an adapter may index by it).
    pub const ALL: [Self; 13] = [
        Self::Ok,
        Self::UnknownTool,
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
        Self::Error,
    ];

    /// The outcome for a failed call with this failure `code`.
    #[must_use]
    pub const fn of_failure(code: FailureCode) -> Self {
        match code {
            FailureCode::InvalidArguments => Self::InvalidArguments,
            FailureCode::Unauthorized => Self::Unauthorized,
            FailureCode::Forbidden => Self::Forbidden,
            FailureCode::NotFound => Self::NotFound,
            FailureCode::ValidationFailed => Self::ValidationFailed,
            FailureCode::RateLimited => Self::RateLimited,
            FailureCode::UpstreamUnavailable => Self::UpstreamUnavailable,
            FailureCode::Timeout => Self::Timeout,
            FailureCode::BadUpstreamResponse => Self::BadUpstreamResponse,
            FailureCode::Internal => Self::Internal,
        }
    }

    /// The label value, in the words of the tool error codes.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::UnknownTool => "unknown_tool",
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
            Self::Error => "error",
        }
    }
}

/// Receives the facts of the application's work. Implementations must not block, allocate per
/// call or fail: a metric that cannot be recorded is dropped, never an error for the caller.
pub trait Telemetry: Send + Sync + 'static {
    /// One `tools/call` finished: `tool` is the registered tool's name (a closed set fixed at
    /// startup, never what the client sent), `None` when the name matched no registered tool.
    fn tool_call(&self, tool: Option<&'static str>, outcome: ToolOutcome, elapsed: Duration);
}

/// Telemetry that records nothing: the default where metrics are off.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTelemetry;

impl Telemetry for NoTelemetry {
    fn tool_call(&self, _tool: Option<&'static str>, _outcome: ToolOutcome, _elapsed: Duration) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_codes_map_to_the_outcome_of_the_same_name() {
        for code in FailureCode::ALL {
            assert_eq!(ToolOutcome::of_failure(code).as_str(), code.as_str());
        }
    }
}
