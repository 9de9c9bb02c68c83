//! Validation of server messages against the official MCP JSON Schemas.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Value, json};

fn document(version: &str) -> &'static Value {
    static DOCS: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    let docs = DOCS.get_or_init(|| {
        let load = |text: &str| serde_json::from_str::<Value>(text).expect("schema parses");
        HashMap::from([
            (
                "2025-11-25",
                load(include_str!("../schemas/mcp-schema-2025-11-25.json")),
            ),
            (
                "2026-07-28",
                load(include_str!("../schemas/mcp-schema-2026-07-28.json")),
            ),
        ])
    });
    &docs[version]
}

/// Validates `instance` against definition `name` of the schema of `version`.
pub fn check(version: &str, name: &str, instance: &Value) {
    let mut schema = document(version).clone();
    assert!(
        schema["$defs"].get(name).is_some(),
        "no definition {name} in {version}"
    );
    schema["$ref"] = json!(format!("#/$defs/{name}"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} ({version}) rejects {instance:#}:\n{}",
        errors.join("\n")
    );
}

/// Validates one JSON-RPC message the server sent in answer to a request of `method`
/// (`None` when the request is unknown, such as a parse error).
///
/// An error reply whose request id is unknown carries `"id": null` (JSON-RPC 2.0 §5); the MCP
/// schemas express "no id" as an absent `id`, so such a reply is validated without it, as the
/// official conformance harness does.
pub fn check_message(method: Option<&str>, modern: bool, message: &Value) {
    if message.get("error").is_some() && message.get("id") == Some(&Value::Null) {
        let mut without_id = message.clone();
        if let Some(object) = without_id.as_object_mut() {
            object.remove("id");
        }
        return check_message(method, modern, &without_id);
    }
    if modern {
        let name = match (message.get("error"), method) {
            (Some(_), _) => "JSONRPCErrorResponse",
            (None, Some("tools/list")) => "ListToolsResultResponse",
            (None, Some("tools/call")) => "CallToolResultResponse",
            (None, Some("server/discover")) => "DiscoverResultResponse",
            (None, _) => "JSONRPCResultResponse",
        };
        check("2026-07-28", name, message);
        if let Some(code) = message.pointer("/error/code").and_then(Value::as_i64) {
            let specific = match code {
                -32020 => Some("HeaderMismatchError"),
                -32022 => Some("UnsupportedProtocolVersionError"),
                _ => None,
            };
            if let Some(specific) = specific {
                check("2026-07-28", specific, message);
            }
        }
        return;
    }
    if message.get("error").is_some() {
        check("2025-11-25", "JSONRPCErrorResponse", message);
        return;
    }
    check("2025-11-25", "JSONRPCResultResponse", message);
    let result = &message["result"];
    let name = match method {
        Some("initialize") => "InitializeResult",
        Some("tools/list") => "ListToolsResult",
        Some("tools/call") => "CallToolResult",
        _ => "Result",
    };
    check("2025-11-25", name, result);
}
