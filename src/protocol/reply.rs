//! What the application answers to one message, serialized once, with the HTTP status its era
//! gives it.

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::jsonrpc::{RpcError, error_response};
use super::version::{Era, ProtocolVersion};

/// How the transport should answer a reply, beyond its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyStatus {
    Ok,
    BadRequest,
    NotFound,
    Internal,
}

impl ReplyStatus {
    /// The HTTP status for a JSON-RPC error `code` in the given era: 2026-07-28 maps unknown
    /// methods to 404 and protocol errors to 400; earlier revisions answer method-level errors
    /// with 200 like every SDK, and framing errors with 400.
    #[must_use]
    pub fn for_error(code: i32, era: Era) -> Self {
        let modern = era == Era::Modern;
        match code {
            RpcError::METHOD_NOT_FOUND if modern => Self::NotFound,
            RpcError::INTERNAL if modern => Self::Internal,
            RpcError::INVALID_PARAMS if modern => Self::BadRequest,
            RpcError::PARSE_ERROR
            | RpcError::INVALID_REQUEST
            | RpcError::HEADER_MISMATCH
            | RpcError::MISSING_CLIENT_CAPABILITY
            | RpcError::UNSUPPORTED_VERSION => Self::BadRequest,
            _ => Self::Ok,
        }
    }
}

/// One JSON-RPC response (or batch of them) and how to send it.
#[derive(Debug)]
pub struct Reply {
    /// The whole response message, serialized once; transports write it as is.
    pub body: Box<RawValue>,
    pub status: ReplyStatus,
    /// Set by `initialize`: the version the session now speaks.
    pub negotiated: Option<ProtocolVersion>,
}

impl Reply {
    /// The error response to request `id` (`null` when unknown), with its era's status.
    #[must_use]
    pub fn error(id: Option<Value>, error: &RpcError, era: Era) -> Self {
        Self {
            body: to_raw(&error_response(id, error)),
            status: ReplyStatus::for_error(error.code, era),
            negotiated: None,
        }
    }

    /// The success response to request `id`; `negotiated` when it answers `initialize`.
    #[must_use]
    pub fn result(
        id: &Value,
        result: &impl Serialize,
        negotiated: Option<ProtocolVersion>,
    ) -> Self {
        Self {
            body: to_raw(&Envelope {
                jsonrpc: "2.0",
                id,
                result,
            }),
            status: ReplyStatus::Ok,
            negotiated,
        }
    }
}

/// Serializes a reply; JSON values and our result structs always serialize, but if one ever
/// did not, `null` is sent rather than a panic.
#[must_use]
pub fn to_raw(value: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
#[derive(Serialize)]
struct Envelope<'a, R: Serialize> {
    jsonrpc: &'static str,
    id: &'a Value,
    result: &'a R,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_level_errors_are_http_200_in_the_legacy_era_and_4xx_or_5xx_in_the_modern_one() {
        let table = [
            (
                RpcError::METHOD_NOT_FOUND,
                ReplyStatus::Ok,
                ReplyStatus::NotFound,
            ),
            (
                RpcError::INVALID_PARAMS,
                ReplyStatus::Ok,
                ReplyStatus::BadRequest,
            ),
            (RpcError::INTERNAL, ReplyStatus::Ok, ReplyStatus::Internal),
            (
                RpcError::PARSE_ERROR,
                ReplyStatus::BadRequest,
                ReplyStatus::BadRequest,
            ),
            (
                RpcError::HEADER_MISMATCH,
                ReplyStatus::BadRequest,
                ReplyStatus::BadRequest,
            ),
        ];
        for (code, legacy, modern) in table {
            assert_eq!(ReplyStatus::for_error(code, Era::Legacy), legacy, "{code}");
            assert_eq!(ReplyStatus::for_error(code, Era::Modern), modern, "{code}");
        }
    }

    #[test]
    fn a_result_reply_is_a_jsonrpc_envelope_carrying_the_negotiated_version() {
        let reply = Reply::result(
            &Value::from(7),
            &serde_json::json!({"ok": true}),
            Some(ProtocolVersion::V2025_06_18),
        );
        assert_eq!(
            reply.body.get(),
            r#"{"jsonrpc":"2.0","id":7,"result":{"ok":true}}"#
        );
        assert_eq!(reply.status, ReplyStatus::Ok);
        assert_eq!(reply.negotiated, Some(ProtocolVersion::V2025_06_18));
    }
}
