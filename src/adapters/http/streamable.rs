//! `POST /mcp`: the stateless Streamable HTTP endpoint, for every protocol revision.
//!
//! Stateless by design (docs/design.md §2): no session is minted and any `Mcp-Session-Id` is ignored,
//! so AgentCore Runtime's injected ids and a load balancer without stickiness both just work.

use std::sync::Arc;

use salvo::http::ParseError;
use salvo::prelude::*;
use serde_json::Value;
use serde_json::value::RawValue;

use super::HttpState;
use super::caller::CallerDepotExt;
use super::reply::{accepted, status_of, wants_sse_only, write};
use crate::app::service::{Reply, to_raw};
use crate::protocol::jsonrpc::{classify, error_response};
use crate::protocol::modern::{self, Headers};
use crate::protocol::{ProtocolVersion, RpcError};

pub struct McpPost {
    state: Arc<HttpState>,
}

impl McpPost {
    #[must_use]
    pub fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

/// Reads the body within the configured limit: 413 past it, -32700 for invalid JSON.
pub async fn read_json(req: &mut Request, limit: usize) -> Result<Value, (StatusCode, RpcError)> {
    match req.payload_with_max_size(limit).await {
        Ok(bytes) => serde_json::from_slice(bytes)
            .map_err(|_| (StatusCode::BAD_REQUEST, RpcError::parse_error())),
        Err(ParseError::PayloadTooLarge) => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            RpcError::invalid_request(format!("Request body exceeds {limit} bytes")),
        )),
        Err(_) => Err((
            StatusCode::BAD_REQUEST,
            RpcError::invalid_request("Unreadable request body"),
        )),
    }
}

#[async_trait]
impl Handler for McpPost {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Some(caller) = depot.caller().cloned() else {
            res.status_code(StatusCode::INTERNAL_SERVER_ERROR);
            return;
        };
        let sse_only = wants_sse_only(req);
        let body = match read_json(req, self.state.settings.max_body_bytes).await {
            Ok(body) => body,
            Err((status, error)) => {
                return write(res, status, &error_response(None, &error), sse_only);
            }
        };
        depot.insert_typed(super::McpFacts::of(&body));
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (version_h, method_h, name_h) = (
            header("mcp-protocol-version"),
            header("mcp-method"),
            header("mcp-name"),
        );
        let headers = Headers {
            protocol_version: version_h.as_deref(),
            method: method_h.as_deref(),
            name: name_h.as_deref(),
        };
        let service = &self.state.service;
        match body {
            Value::Array(items) => {
                let replies = batch(service, &caller, headers, items).await;
                match replies {
                    Err(reply) => write(res, status_of(reply.status), &reply.body, sse_only),
                    Ok(bodies) if bodies.is_empty() => accepted(res),
                    Ok(bodies) => write(res, StatusCode::OK, &bodies, sse_only),
                }
            }
            single => {
                let header_modern =
                    headers.protocol_version == Some(ProtocolVersion::V2026_07_28.as_str());
                let message = match classify(single) {
                    Ok(message) => message,
                    Err((id, error)) => {
                        let reply = Reply::error(id, &error, header_modern);
                        return write(res, status_of(reply.status), &reply.body, sse_only);
                    }
                };
                let version = match modern::resolve(headers, &message) {
                    Ok(version) => version,
                    Err(error) => {
                        let modern = header_modern || error.code == RpcError::UNSUPPORTED_VERSION;
                        let reply = Reply::error(message.id().cloned(), &error, modern);
                        return write(res, status_of(reply.status), &reply.body, sse_only);
                    }
                };
                match service.handle(&caller, version, message).await {
                    None => accepted(res),
                    Some(reply) => write(res, status_of(reply.status), &reply.body, sse_only),
                }
            }
        }
    }
}

/// JSON-RPC batches: only for revision 2025-03-26, never with `initialize` inside.
async fn batch(
    service: &crate::app::service::McpService,
    caller: &crate::domain::principal::Caller,
    headers: Headers<'_>,
    items: Vec<Value>,
) -> Result<Vec<Box<RawValue>>, Reply> {
    let refuse = |why: &'static str| Reply::error(None, &RpcError::invalid_request(why), false);
    if items.is_empty() {
        return Err(refuse("Invalid Request: empty batch"));
    }
    let version = match headers.protocol_version {
        None => ProtocolVersion::ASSUMED_WITHOUT_HEADER,
        Some(text) => ProtocolVersion::parse(text)
            .ok_or_else(|| Reply::error(None, &RpcError::unsupported_version(text), true))?,
    };
    if !version.allows_batches() {
        return Err(refuse(
            "JSON-RPC batches are only supported in protocol version 2025-03-26",
        ));
    }
    let mut bodies = Vec::new();
    for item in items {
        let message = match classify(item) {
            Ok(message) => message,
            Err((id, error)) => {
                bodies.push(to_raw(&error_response(id, &error)));
                continue;
            }
        };
        if message.method() == Some("initialize") {
            let error = RpcError::invalid_request("initialize must not be part of a batch");
            bodies.push(to_raw(&error_response(message.id().cloned(), &error)));
            continue;
        }
        if let Some(reply) = service.handle(caller, version, message).await {
            bodies.push(reply.body);
        }
    }
    Ok(bodies)
}

/// `GET`/`DELETE /mcp`: this server opens no server-initiated stream and keeps no session.
pub struct MethodNotAllowed;

#[async_trait]
impl Handler for MethodNotAllowed {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        res.status_code(StatusCode::METHOD_NOT_ALLOWED);
        res.headers_mut()
            .insert("allow", salvo::http::HeaderValue::from_static("POST"));
        let error = RpcError::new(RpcError::INVALID_REQUEST, "Method not allowed: use POST");
        res.render(Text::Json(error_response(None, &error).to_string()));
    }
}
