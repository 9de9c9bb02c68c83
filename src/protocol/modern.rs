//! Which protocol revision a `POST /mcp` message speaks, and the HTTP header rules of
//! 2026-07-28 (SEP-2243: `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` mirror the body).

use serde_json::Value;

use super::jsonrpc::{Message, RpcError};
use super::version::{Era, ProtocolVersion};

/// `_meta` key carrying the revision of a 2026-07-28 request.
pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key carrying the client's capabilities for one 2026-07-28 request.
pub const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key naming the server on every 2026-07-28 result.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// The MCP headers of one HTTP request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Headers<'a> {
    pub protocol_version: Option<&'a str>,
    pub method: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// Decides the revision of one message on the streamable endpoint.
///
/// A message is modern when its `_meta` names a revision or the header says 2026-07-28; it
/// must then carry consistent headers and `_meta`. Otherwise it is legacy: `initialize`
/// negotiates in the body, and later requests say their revision in the header (absent means
/// 2025-03-26). The endpoint is stateless, so nothing is remembered between requests.
///
/// # Errors
/// `-32020` for missing or mismatched headers, `-32022` for a revision we do not speak,
/// `-32602` for a modern request without its required `_meta`.
pub fn resolve(headers: Headers<'_>, message: &Message) -> Result<ProtocolVersion, RpcError> {
    let Some(method) = message.method() else {
        return legacy_from_header(headers);
    };
    let meta = message
        .params()
        .and_then(|p| p.get("_meta"))
        .and_then(Value::as_object);
    let meta_version = meta
        .and_then(|m| m.get(META_VERSION))
        .and_then(Value::as_str);
    let header_modern = headers.protocol_version == Some(ProtocolVersion::V2026_07_28.as_str());
    if meta_version.is_none() && !header_modern {
        if method == "initialize" {
            // Negotiated from the body by the service; any header is not yet meaningful.
            return Ok(ProtocolVersion::LATEST_LEGACY);
        }
        return legacy_from_header(headers);
    }
    let Some(header_version) = headers.protocol_version else {
        return Err(RpcError::header_mismatch(
            "MCP-Protocol-Version header is required",
        ));
    };
    let Some(body_version) = meta_version else {
        return Err(RpcError::invalid_params(format!(
            "params._meta[\"{META_VERSION}\"] is required in protocol 2026-07-28"
        )));
    };
    if header_version != body_version {
        return Err(RpcError::header_mismatch(
            "MCP-Protocol-Version header does not match params._meta protocolVersion",
        ));
    }
    let version = ProtocolVersion::parse(body_version)
        .filter(|v| v.era() == Era::Modern)
        .ok_or_else(|| RpcError::unsupported_version(body_version))?;
    match headers.method {
        None => return Err(RpcError::header_mismatch("Mcp-Method header is required")),
        Some(h) if h != method => {
            return Err(RpcError::header_mismatch(
                "Mcp-Method header does not match the body",
            ));
        }
        Some(_) => {}
    }
    if method == "tools/call" {
        let body_name = message
            .params()
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str);
        match (headers.name, body_name) {
            (None, _) => return Err(RpcError::header_mismatch("Mcp-Name header is required")),
            (Some(h), Some(b)) if h == b => {}
            _ => {
                return Err(RpcError::header_mismatch(
                    "Mcp-Name header does not match the body",
                ));
            }
        }
    }
    if matches!(message, Message::Request { .. })
        && !meta.is_some_and(|m| m.get(META_CAPABILITIES).is_some_and(Value::is_object))
    {
        return Err(RpcError::invalid_params(format!(
            "params._meta[\"{META_CAPABILITIES}\"] is required in protocol 2026-07-28"
        )));
    }
    Ok(version)
}

fn legacy_from_header(headers: Headers<'_>) -> Result<ProtocolVersion, RpcError> {
    match headers.protocol_version {
        None => Ok(ProtocolVersion::ASSUMED_WITHOUT_HEADER),
        Some(text) => ProtocolVersion::parse(text)
            .filter(|v| v.era() == Era::Legacy)
            .ok_or_else(|| RpcError::unsupported_version(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::jsonrpc::classify;
    use serde_json::json;

    fn modern_call(name: &str) -> Message {
        classify(
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
                "name": name,
                "_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}}
            }}),
        )
        .unwrap()
    }

    fn headers<'a>(v: Option<&'a str>, m: Option<&'a str>, n: Option<&'a str>) -> Headers<'a> {
        Headers {
            protocol_version: v,
            method: m,
            name: n,
        }
    }

    #[test]
    fn legacy_requests_take_their_version_from_the_header_or_assume_2025_03_26() {
        let ping = classify(json!({"jsonrpc":"2.0","id":1,"method":"ping"})).unwrap();
        assert_eq!(
            resolve(Headers::default(), &ping),
            Ok(ProtocolVersion::V2025_03_26)
        );
        let h = headers(Some("2025-06-18"), None, None);
        assert_eq!(resolve(h, &ping), Ok(ProtocolVersion::V2025_06_18));
        let h = headers(Some("1900-01-01"), None, None);
        assert_eq!(
            resolve(h, &ping).unwrap_err().code,
            RpcError::UNSUPPORTED_VERSION
        );
    }

    #[test]
    fn modern_request_with_consistent_headers_is_accepted() {
        let h = headers(
            Some("2026-07-28"),
            Some("tools/call"),
            Some("neonpanel_list_accounts"),
        );
        assert_eq!(
            resolve(h, &modern_call("neonpanel_list_accounts")),
            Ok(ProtocolVersion::V2026_07_28)
        );
    }

    #[test]
    fn modern_header_violations_are_header_mismatch_errors() {
        let call = modern_call("neonpanel_list_accounts");
        let table = [
            headers(None, Some("tools/call"), Some("neonpanel_list_accounts")),
            headers(Some("2026-07-28"), None, Some("neonpanel_list_accounts")),
            headers(
                Some("2026-07-28"),
                Some("tools/list"),
                Some("neonpanel_list_accounts"),
            ),
            headers(Some("2026-07-28"), Some("tools/call"), None),
            headers(Some("2026-07-28"), Some("tools/call"), Some("other_tool")),
            headers(
                Some("2025-11-25"),
                Some("tools/call"),
                Some("neonpanel_list_accounts"),
            ),
        ];
        for h in table {
            assert_eq!(
                resolve(h, &call).unwrap_err().code,
                RpcError::HEADER_MISMATCH,
                "{h:?}"
            );
        }
    }

    #[test]
    fn modern_request_without_meta_or_capabilities_is_invalid_params() {
        let bare =
            classify(json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})).unwrap();
        let h = headers(Some("2026-07-28"), Some("tools/list"), None);
        assert_eq!(
            resolve(h, &bare).unwrap_err().code,
            RpcError::INVALID_PARAMS
        );
        let no_caps = classify(json!({"jsonrpc":"2.0","id":1,"method":"tools/list",
            "params":{"_meta":{META_VERSION:"2026-07-28"}}}))
        .unwrap();
        assert_eq!(
            resolve(h, &no_caps).unwrap_err().code,
            RpcError::INVALID_PARAMS
        );
    }

    #[test]
    fn unknown_modern_era_version_is_unsupported() {
        let msg = classify(json!({"jsonrpc":"2.0","id":1,"method":"tools/list",
            "params":{"_meta":{META_VERSION:"2027-01-01", META_CAPABILITIES:{}}}}))
        .unwrap();
        let h = headers(Some("2027-01-01"), Some("tools/list"), None);
        let err = resolve(h, &msg).unwrap_err();
        assert_eq!(err.code, RpcError::UNSUPPORTED_VERSION);
        assert_eq!(err.data.unwrap()["requested"], "2027-01-01");
    }
}
