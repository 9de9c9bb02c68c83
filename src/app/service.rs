//! `McpService`: answers one JSON-RPC message for a verified caller. Transport-agnostic: it
//! implements the driving port [`McpHandler`], whose POSTs go through the protocol's one entry
//! point ([`crate::protocol::entry::answer`]) to [`McpService::handle`] message by message.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::failure::ToolFailure;
use super::tools::{CallError, Catalogue, ToolOutput, ToolRunner};
use crate::domain::pagination::Cursor;
use crate::domain::principal::{Caller, ScopeSet};
use crate::domain::tools::ToolSpec;
use crate::ports::{McpHandler, NoTelemetry, Telemetry, ToolOutcome};
use crate::protocol::modern::META_SERVER_INFO;
use crate::protocol::{Answered, Era, Message, Post, ProtocolVersion, Reply, RpcError, entry};

const SERVER_NAME: &str = "neonpanel-mcp";
const SERVER_TITLE: &str = "NeonPanel";
const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Cursor namespace of `tools/list`.
const TOOLS_LIST: &str = "tools";
/// Tools per `tools/list` page: every tool fits on one page, so clients that never follow
/// `nextCursor` still see them all.
pub(crate) const TOOLS_PAGE_SIZE: usize = 100;
/// How long clients may cache `tools/list` and `server/discover` (2026-07-28 `ttlMs`).
const LIST_TTL_MS: u64 = 300_000;

const INSTRUCTIONS: &str = "NeonPanel is inventory and accounting software for Amazon sellers. \
These read-only tools look up the signed-in user's NeonPanel accounts (companies), sales orders, \
inventory items and stock levels, purchase orders, revenue and COGS, landed cost per batch, and \
compute purchase (reorder) plans. Start with neonpanel_list_accounts to get an accountId, then \
pass it to the other tools; when only search and fetch are offered, search first and fetch a \
result's id. Lists are paginated: pass nextCursor back as cursor. Dates are YYYY-MM-DD. Errors \
come back as results with isError and a short explanation; access to an account the user cannot \
reach is refused.";

/// A successful `tools/call` result, written straight from the tool's serialized output.
#[derive(Serialize)]
struct ToolSuccess<'a> {
    content: [TextContent<'a>; 1],
    #[serde(rename = "structuredContent")]
    structured_content: &'a RawValue,
    #[serde(rename = "isError")]
    is_error: bool,
    /// 2026-07-28 only (see [`decorate_modern`]).
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Value>,
}

#[derive(Serialize)]
struct TextContent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

/// What a method answered: a JSON value, or a tool's output still to be wrapped.
enum Answer {
    Value(Value),
    Tool(ToolOutput),
}

pub(crate) struct McpService {
    /// The 2026-07-28 result `_meta` (server identity), built once.
    modern_meta: Value,
    catalogue: Catalogue,
    listing: Vec<Value>,
    runner: ToolRunner,
    tools_page_size: usize,
    telemetry: Arc<dyn Telemetry>,
}

impl McpService {
    #[must_use]
    pub(crate) fn new(
        catalogue: Catalogue,
        runner: ToolRunner,
        required_scopes: &ScopeSet,
        tools_page_size: usize,
    ) -> Self {
        let listing = catalogue
            .iter()
            .map(|spec| {
                let policy = runner.policy(spec);
                let scopes = required_scopes.union(&policy.extra_scopes);
                describe(spec, policy.mode.as_str(), &scopes)
            })
            .collect();
        Self {
            modern_meta: server_meta(),
            catalogue,
            listing,
            runner,
            tools_page_size: tools_page_size.max(1),
            telemetry: Arc::new(NoTelemetry),
        }
    }

    /// Reports every tool call (tool, outcome, duration) to `telemetry`.
    #[must_use]
    pub(crate) fn with_telemetry(mut self, telemetry: Arc<dyn Telemetry>) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Answers one message; `None` for notifications and client responses (HTTP 202).
    pub(crate) async fn handle(
        &self,
        caller: &Caller,
        version: ProtocolVersion,
        message: Message,
    ) -> Option<Reply> {
        let Message::Request { id, method, params } = message else {
            return None;
        };
        let era = version.era();
        let mut negotiated = None;
        let outcome = match (method.as_str(), era) {
            ("initialize", Era::Legacy) => {
                let v = ProtocolVersion::negotiate(
                    params
                        .as_ref()
                        .and_then(|p| p.get("protocolVersion"))
                        .and_then(Value::as_str),
                );
                negotiated = Some(v);
                Ok(Answer::Value(initialize_result(v)))
            }
            ("ping", Era::Legacy) => Ok(Answer::Value(json!({}))),
            ("server/discover", Era::Modern) => Ok(Answer::Value(discover_result())),
            ("tools/list", _) => self.list_tools(params.as_ref()).map(Answer::Value),
            ("tools/call", _) => self.call_tool(caller, version, params.as_ref()).await,
            _ => Err(RpcError::method_not_found(&method)),
        };
        Some(match outcome {
            Ok(Answer::Value(mut result)) => {
                if era == Era::Modern {
                    self.decorate_modern(&mut result, &method);
                }
                Reply::result(&id, &result, negotiated)
            }
            Ok(Answer::Tool(structured)) => {
                let result = ToolSuccess {
                    content: [TextContent {
                        kind: "text",
                        text: structured.get(),
                    }],
                    structured_content: &structured,
                    is_error: false,
                    result_type: (era == Era::Modern).then_some("complete"),
                    meta: (era == Era::Modern).then_some(&self.modern_meta),
                };
                Reply::result(&id, &result, negotiated)
            }
            Err(error) => Reply::error(Some(id), &error, era),
        })
    }

    /// 2026-07-28: every result says its `resultType` and names the server; lists and
    /// discovery are cacheable, and public (the same for every caller).
    fn decorate_modern(&self, result: &mut Value, method: &str) {
        let Some(object) = result.as_object_mut() else {
            return;
        };
        object.insert("resultType".into(), json!("complete"));
        object.insert("_meta".into(), self.modern_meta.clone());
        if matches!(method, "tools/list" | "server/discover") {
            object.insert("ttlMs".into(), json!(LIST_TTL_MS));
            object.insert("cacheScope".into(), json!("public"));
        }
    }

    fn list_tools(&self, params: Option<&Map<String, Value>>) -> Result<Value, RpcError> {
        let cursor = params.and_then(|p| p.get("cursor")).and_then(Value::as_str);
        let start = match cursor {
            None => 0,
            Some(text) => Cursor::decode(TOOLS_LIST, text)
                .ok()
                .and_then(|c| usize::try_from(c.page).ok())
                .filter(|start| *start < self.listing.len())
                .ok_or_else(|| RpcError::invalid_params("Invalid cursor for tools/list"))?,
        };
        let end = (start + self.tools_page_size).min(self.listing.len());
        let tools: Vec<Value> = self.listing.get(start..end).unwrap_or_default().to_vec();
        let mut result = Map::new();
        result.insert("tools".into(), Value::Array(tools));
        if end < self.listing.len() {
            let page = u32::try_from(end).map_err(|_| RpcError::internal())?;
            let cursor = Cursor {
                list: TOOLS_LIST,
                page,
            }
            .encode();
            result.insert("nextCursor".into(), Value::String(cursor));
        }
        Ok(Value::Object(result))
    }

    async fn call_tool(
        &self,
        caller: &Caller,
        version: ProtocolVersion,
        params: Option<&Map<String, Value>>,
    ) -> Result<Answer, RpcError> {
        let name = params
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::invalid_params("tools/call needs params.name"))?;
        let started = Instant::now();
        let record = |tool, outcome| self.telemetry.tool_call(tool, outcome, started.elapsed());
        let Some(tool) = self.catalogue.find(name) else {
            record(None, ToolOutcome::UnknownTool);
            return Err(RpcError::invalid_params(format!("Unknown tool: {name}")));
        };
        let spec = tool.spec();
        let args = params.and_then(|p| p.get("arguments"));
        Ok(match tool.call(&self.runner, caller, args).await {
            Ok(structured) => {
                record(Some(spec.name), ToolOutcome::Ok);
                Answer::Tool(structured)
            }
            Err(CallError::InvalidArguments(errors)) => {
                record(Some(spec.name), ToolOutcome::InvalidArguments);
                if !version.argument_errors_in_result() {
                    return Err(RpcError::invalid_params(errors.to_string())
                        .with_data(json!({ "fields": errors.0 })));
                }
                Answer::Value(failure_result(&ToolFailure::invalid_arguments(&errors)))
            }
            Err(CallError::Failed(failure)) => {
                record(Some(spec.name), ToolOutcome::of_failure(failure.code));
                // The model reads the fixed message; what NeonPanel said (redacted) is logged
                // here, inside the request's span, so it carries the request id.
                match &failure.detail {
                    Some(detail) => tracing::warn!(
                        tool = spec.name,
                        code = %failure.code,
                        status = failure.status,
                        detail = %detail,
                        "tool failed upstream"
                    ),
                    None => tracing::info!(
                        tool = spec.name,
                        code = %failure.code,
                        status = failure.status,
                        "tool failed"
                    ),
                }
                Answer::Value(failure_result(&failure))
            }
        })
    }
}

#[async_trait::async_trait]
impl McpHandler for McpService {
    async fn answer(&self, caller: &Caller, post: Post<'_>) -> Answered {
        entry::answer(post, |version, message| {
            self.handle(caller, version, message)
        })
        .await
    }
}

fn initialize_result(version: ProtocolVersion) -> Value {
    json!({
        "protocolVersion": version.as_str(),
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": { "name": SERVER_NAME, "title": SERVER_TITLE, "version": SERVER_VERSION },
        "instructions": INSTRUCTIONS,
    })
}

fn discover_result() -> Value {
    json!({
        "supportedVersions": ProtocolVersion::supported(),
        "capabilities": { "tools": { "listChanged": false } },
        "instructions": INSTRUCTIONS,
    })
}

/// The server identity every 2026-07-28 result carries in `_meta`.
fn server_meta() -> Value {
    json!({ META_SERVER_INFO: { "name": SERVER_NAME, "title": SERVER_TITLE, "version": SERVER_VERSION } })
}

fn failure_result(failure: &ToolFailure) -> Value {
    let mut result = Map::new();
    result.insert(
        "content".into(),
        json!([{ "type": "text", "text": failure.message }]),
    );
    result.insert("structuredContent".into(), failure.to_json());
    result.insert("isError".into(), Value::Bool(true));
    if let Some(challenge) = &failure.www_authenticate {
        result.insert(
            "_meta".into(),
            json!({ "mcp/www_authenticate": [challenge] }),
        );
    }
    Value::Object(result)
}

/// The `tools/list` entry of one tool (docs/design.md §6).
fn describe(spec: &ToolSpec, mode: &str, scopes: &ScopeSet) -> Value {
    let schemes = json!([{ "type": "oauth2", "scopes": scopes.iter().collect::<Vec<_>>() }]);
    json!({
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "inputSchema": spec.input_schema,
        "outputSchema": spec.output_schema,
        "annotations": {
            "title": spec.title,
            "readOnlyHint": true,
            "destructiveHint": false,
            "idempotentHint": true,
            "openWorldHint": false,
        },
        "securitySchemes": schemes,
        "_meta": { "neonpanel/authMode": mode, "securitySchemes": schemes },
    })
}

#[cfg(test)]
mod tests;
