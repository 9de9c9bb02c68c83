//! JSON-RPC 2.0 framing: classify what arrived, build what goes out.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

/// One inbound JSON-RPC message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Request {
        id: Value,
        method: String,
        params: Option<Map<String, Value>>,
    },
    Notification {
        method: String,
        params: Option<Map<String, Value>>,
    },
    /// A response to a server-initiated request; this server sends none, so it is dropped.
    Response,
}

impl Message {
    #[must_use]
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request { method, .. } | Self::Notification { method, .. } => Some(method),
            Self::Response => None,
        }
    }

    #[must_use]
    pub fn params(&self) -> Option<&Map<String, Value>> {
        match self {
            Self::Request { params, .. } | Self::Notification { params, .. } => params.as_ref(),
            Self::Response => None,
        }
    }

    #[must_use]
    pub fn id(&self) -> Option<&Value> {
        match self {
            Self::Request { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// A JSON-RPC error object, with the id of the request it answers when known.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i32,
    pub message: Cow<'static, str>,
    pub data: Option<Value>,
}

impl RpcError {
    pub const PARSE_ERROR: i32 = -32700;
    pub const INVALID_REQUEST: i32 = -32600;
    pub const METHOD_NOT_FOUND: i32 = -32601;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL: i32 = -32603;
    /// 2026-07-28 `HeaderMismatchError`.
    pub const HEADER_MISMATCH: i32 = -32020;
    /// 2026-07-28 `MissingRequiredClientCapabilityError`. No method of this server needs a
    /// client capability, so it is defined for completeness and never sent.
    pub const MISSING_CLIENT_CAPABILITY: i32 = -32021;
    /// 2026-07-28 `UnsupportedProtocolVersionError`.
    pub const UNSUPPORTED_VERSION: i32 = -32022;

    #[must_use]
    pub fn new(code: i32, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    #[must_use]
    pub fn parse_error() -> Self {
        Self::new(Self::PARSE_ERROR, "Parse error: the body is not valid JSON")
    }

    #[must_use]
    pub fn invalid_request(why: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::INVALID_REQUEST, why)
    }

    #[must_use]
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            Self::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    #[must_use]
    pub fn invalid_params(why: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::INVALID_PARAMS, why)
    }

    #[must_use]
    pub fn internal() -> Self {
        Self::new(Self::INTERNAL, "Internal error")
    }

    #[must_use]
    pub fn header_mismatch(why: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::HEADER_MISMATCH, why)
    }

    #[must_use]
    pub fn unsupported_version(requested: &str) -> Self {
        Self::new(
            Self::UNSUPPORTED_VERSION,
            format!("Unsupported protocol version: {requested}"),
        )
        .with_data(json!({
            "requested": requested,
            "supported": super::ProtocolVersion::supported(),
        }))
    }
}

/// Classifies one JSON value as a request, notification or response.
///
/// # Errors
/// `-32600` for anything that is not a JSON-RPC 2.0 message, carrying the request id when one
/// could be read.
pub fn classify(value: Value) -> Result<Message, (Option<Value>, RpcError)> {
    let Value::Object(mut object) = value else {
        return Err((
            None,
            RpcError::invalid_request("Invalid Request: expected a JSON object"),
        ));
    };
    let id = match object.remove("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => {
            return Err((
                None,
                RpcError::invalid_request("Invalid Request: id must be a string or a number"),
            ));
        }
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err((
            id,
            RpcError::invalid_request("Invalid Request: jsonrpc must be \"2.0\""),
        ));
    }
    let params = match object.remove("params") {
        None | Some(Value::Null) => None,
        Some(Value::Object(params)) => Some(params),
        Some(_) => {
            return Err((
                id,
                RpcError::invalid_request("Invalid Request: params must be an object"),
            ));
        }
    };
    match (object.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Message::Request { id, method, params }),
        (Some(Value::String(method)), None) => Ok(Message::Notification { method, params }),
        (Some(_), id) => Err((
            id,
            RpcError::invalid_request("Invalid Request: method must be a string"),
        )),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => {
            Ok(Message::Response)
        }
        (None, id) => Err((
            id,
            RpcError::invalid_request("Invalid Request: method is missing"),
        )),
    }
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
#[must_use]
pub fn result_response(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// `{"jsonrpc":"2.0","id":…,"error":{…}}`, with `"id": null` when the request's id is unknown
/// (unparseable or invalid message, refusal before the body is read): JSON-RPC 2.0 §5 requires
/// the member and says it "MUST be Null" then. The MCP schemas type `id` as an optional
/// string or integer, i.e. they model an unknown id as "no id", not as a different id; `null` is
/// how JSON-RPC writes that, and what the MCP SDKs send and the conformance suite accepts.
#[must_use]
pub fn error_response(id: Option<Value>, error: &RpcError) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("code".into(), json!(error.code));
    object.insert("message".into(), json!(error.message));
    if let Some(data) = &error.data {
        object.insert("data".into(), data.clone());
    }
    let mut body = serde_json::Map::new();
    body.insert("jsonrpc".into(), json!("2.0"));
    body.insert("id".into(), id.unwrap_or(Value::Null));
    body.insert("error".into(), Value::Object(object));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        let req = classify(json!({"jsonrpc":"2.0","id":1,"method":"ping"})).unwrap();
        assert!(matches!(req, Message::Request { .. }));
        let note = classify(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).unwrap();
        assert!(matches!(note, Message::Notification { .. }));
        let resp = classify(json!({"jsonrpc":"2.0","id":"x","result":{}})).unwrap();
        assert_eq!(resp, Message::Response);
    }

    #[test]
    fn malformed_messages_are_invalid_requests_with_their_id_when_readable() {
        let table = [
            (json!([]), None),
            (
                json!({"jsonrpc":"1.0","id":7,"method":"ping"}),
                Some(json!(7)),
            ),
            (json!({"jsonrpc":"2.0","id":null,"method":"ping"}), None),
            (json!({"jsonrpc":"2.0","id":{"a":1},"method":"ping"}), None),
            (
                json!({"jsonrpc":"2.0","id":"a","method":7}),
                Some(json!("a")),
            ),
            (
                json!({"jsonrpc":"2.0","id":"a","method":"x","params":[1]}),
                Some(json!("a")),
            ),
            (json!({"jsonrpc":"2.0","id":"a"}), Some(json!("a"))),
        ];
        for (value, expected_id) in table {
            let (id, error) = classify(value.clone()).unwrap_err();
            assert_eq!(error.code, RpcError::INVALID_REQUEST, "{value}");
            assert_eq!(id, expected_id, "{value}");
        }
    }

    #[test]
    fn error_response_writes_an_unknown_id_as_null_and_a_known_one_as_is() {
        let body = error_response(None, &RpcError::parse_error());
        assert_eq!(body.get("id"), Some(&Value::Null));
        assert_eq!(body["error"]["code"], -32700);
        let body = error_response(Some(json!("r-1")), &RpcError::internal());
        assert_eq!(body["id"], "r-1");
    }
}
