//! `POST /mcp`: the stateless Streamable HTTP endpoint, for every protocol revision.
//!
//! Stateless by design (docs/design.md §2): no session is minted and any `Mcp-Session-Id` is ignored,
//! so AgentCore Runtime's injected ids and a load balancer without stickiness both just work.

use std::sync::Arc;

use salvo::http::ParseError;
use salvo::prelude::*;

use super::caller::CallerDepotExt;
use super::reply::{accepted, status_of, wants_sse_only, write};
use super::{HttpState, McpFacts};
use crate::protocol::jsonrpc::error_response;
use crate::protocol::modern::Headers;
use crate::protocol::{Exchange, Post, RpcError, Transport};

pub(super) struct McpPost {
    state: Arc<HttpState>,
}

impl McpPost {
    #[must_use]
    pub(super) fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

/// Reads the body within the configured limit: 413 past it.
///
/// The read runs in its own allocation: salvo's read future is about 550 bytes, and a handler
/// that awaited it inline would keep that room for as long as its call then waits on
/// NeonPanel (README "Performance", where the memory goes).
pub(super) async fn read_body(
    req: &mut Request,
    limit: usize,
) -> Result<&[u8], (StatusCode, RpcError)> {
    match Box::pin(req.payload_with_max_size(limit)).await {
        Ok(bytes) => Ok(bytes),
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

/// The value of header `name` when it is text, owned so that the body may then be read.
fn header(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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
        let (version_h, method_h, name_h) = (
            header(req, "mcp-protocol-version"),
            header(req, "mcp-method"),
            header(req, "mcp-name"),
        );
        let body = match read_body(req, self.state.settings.max_body_bytes).await {
            Ok(body) => body,
            Err((status, error)) => {
                return write(res, status, &error_response(None, &error), sse_only);
            }
        };
        let headers = Headers {
            protocol_version: version_h.as_deref(),
            method: method_h.as_deref(),
            name: name_h.as_deref(),
        };
        let post = Post {
            body,
            transport: Transport::Streamable(headers),
        };
        let answered = self.state.mcp.answer(&caller, post).await;
        depot.insert_typed(McpFacts::from(answered.summary));
        match answered.exchange {
            Exchange::Accepted => accepted(res),
            Exchange::Answer(reply) | Exchange::Refused(reply) => {
                write(res, status_of(reply.status), &reply.body, sse_only);
            }
        }
    }
}

/// `GET`/`DELETE /mcp`: this server opens no server-initiated stream and keeps no session.
pub(super) struct MethodNotAllowed;

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
