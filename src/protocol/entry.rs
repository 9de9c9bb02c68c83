//! The one entry point of both HTTP transports (docs/design.md §2): the body of a POST plus
//! the MCP headers (`/mcp`) or the session's negotiated revision (`/messages`) → what to
//! answer. JSON framing, the batch rules and the era of each message are decided here, once;
//! the transports only read the body and write what comes back (JSON, or SSE).

use std::future::Future;

use serde_json::Value;

use super::jsonrpc::{Message, RpcError, classify, error_response};
use super::modern::{self, Headers};
use super::reply::{Reply, ReplyStatus, to_raw};
use super::version::{Era, ProtocolVersion};

/// What a legacy SSE session speaks before its `initialize` ran: the transport's own revision.
pub const SSE_BEFORE_INITIALIZE: ProtocolVersion = ProtocolVersion::V2024_11_05;

/// One HTTP POST of an MCP transport, the caller aside.
#[derive(Clone, Copy, Debug)]
pub struct Post<'a> {
    /// The body as received (size limits and read deadlines are the transport's business).
    pub body: &'a [u8],
    pub transport: Transport<'a>,
}

/// Where the POST arrived, which decides how the revision of its messages is found.
#[derive(Clone, Copy, Debug)]
pub enum Transport<'a> {
    /// `POST /mcp`: stateless, so every message says its revision (headers, `_meta`).
    Streamable(Headers<'a>),
    /// `POST /messages` of a legacy SSE session: what its `initialize` negotiated, if it ran.
    Session(Option<ProtocolVersion>),
}

/// What the transport does with the POST.
#[derive(Debug)]
pub enum Exchange {
    /// Nothing to answer (notifications, client responses, a batch of only those): 202.
    Accepted,
    /// The response (or batch array): on the POST for `/mcp`, on the session's stream for SSE.
    Answer(Reply),
    /// The body is not JSON: answered on the POST itself, whatever the transport.
    Refused(Reply),
}

/// What the body asked for, for the access log: its method (`"batch"` for an array) and tool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub method: Option<String>,
    pub tool: Option<String>,
}

impl Summary {
    fn of(body: &Value) -> Self {
        if body.is_array() {
            return Self {
                method: Some("batch".to_owned()),
                tool: None,
            };
        }
        let text = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Self {
            method: text("/method"),
            tool: text("/params/name"),
        }
    }
}

/// The outcome of [`answer`].
#[derive(Debug)]
pub struct Answered {
    pub summary: Summary,
    pub exchange: Exchange,
}

/// Answers one POST: parses the body, applies the batch rules, resolves each message's
/// revision and hands each message to `dispatch` (the application's answer to one message;
/// `None` for notifications and client responses).
pub async fn answer<F, Fut>(post: Post<'_>, mut dispatch: F) -> Answered
where
    F: FnMut(ProtocolVersion, Message) -> Fut,
    Fut: Future<Output = Option<Reply>>,
{
    let Ok(body) = serde_json::from_slice::<Value>(post.body) else {
        let refusal = Reply::error(None, &RpcError::parse_error(), Era::Legacy);
        return Answered {
            summary: Summary::default(),
            exchange: Exchange::Refused(refusal),
        };
    };
    let summary = Summary::of(&body);
    let exchange = match body {
        Value::Array(items) => match batch_version(post.transport, items.is_empty()) {
            // Boxed: only a batch needs the batch's state, and inline every single call
            // waiting on NeonPanel would keep room for it.
            Ok(version) => Box::pin(batch(version, items, &mut dispatch)).await,
            Err(refusal) => Exchange::Answer(refusal),
        },
        single => one(post.transport, single, &mut dispatch).await,
    };
    Answered { summary, exchange }
}

/// JSON-RPC batches exist only in revision 2025-03-26 (added then, removed in 2025-06-18),
/// and are never empty (JSON-RPC 2.0 §6).
fn batch_version(transport: Transport<'_>, empty: bool) -> Result<ProtocolVersion, Reply> {
    let refuse =
        |why: &'static str| Reply::error(None, &RpcError::invalid_request(why), Era::Legacy);
    if empty {
        return Err(refuse("Invalid Request: empty batch"));
    }
    let version = match transport {
        Transport::Session(negotiated) => negotiated.unwrap_or(SSE_BEFORE_INITIALIZE),
        Transport::Streamable(headers) => match headers.protocol_version {
            None => ProtocolVersion::ASSUMED_WITHOUT_HEADER,
            Some(text) => ProtocolVersion::parse(text).ok_or_else(|| {
                Reply::error(None, &RpcError::unsupported_version(text), Era::Modern)
            })?,
        },
    };
    if version.allows_batches() {
        Ok(version)
    } else {
        Err(refuse(
            "JSON-RPC batches are only supported in protocol version 2025-03-26",
        ))
    }
}

/// Every item answered in order; `initialize` is refused inside a batch (MCP 2025-03-26
/// lifecycle: it must be the first message, alone).
async fn batch<F, Fut>(version: ProtocolVersion, items: Vec<Value>, dispatch: &mut F) -> Exchange
where
    F: FnMut(ProtocolVersion, Message) -> Fut,
    Fut: Future<Output = Option<Reply>>,
{
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
        if let Some(reply) = dispatch(version, message).await {
            bodies.push(reply.body);
        }
    }
    if bodies.is_empty() {
        return Exchange::Accepted;
    }
    Exchange::Answer(Reply {
        body: to_raw(&bodies),
        status: ReplyStatus::Ok,
        negotiated: None,
    })
}

async fn one<F, Fut>(transport: Transport<'_>, value: Value, dispatch: &mut F) -> Exchange
where
    F: FnMut(ProtocolVersion, Message) -> Fut,
    Fut: Future<Output = Option<Reply>>,
{
    let (version, message) = match transport {
        Transport::Session(negotiated) => match classify(value) {
            Ok(message) => (negotiated.unwrap_or(SSE_BEFORE_INITIALIZE), message),
            Err((id, error)) => return Exchange::Answer(Reply::error(id, &error, Era::Legacy)),
        },
        Transport::Streamable(headers) => {
            // Before the message is read, only the header can say the client is modern.
            let header_era =
                if headers.protocol_version == Some(ProtocolVersion::V2026_07_28.as_str()) {
                    Era::Modern
                } else {
                    Era::Legacy
                };
            let message = match classify(value) {
                Ok(message) => message,
                Err((id, error)) => return Exchange::Answer(Reply::error(id, &error, header_era)),
            };
            match modern::resolve(headers, &message) {
                Ok(version) => (version, message),
                Err(error) => {
                    let era = if error.code == RpcError::UNSUPPORTED_VERSION {
                        Era::Modern
                    } else {
                        header_era
                    };
                    let id = message.id().cloned();
                    return Exchange::Answer(Reply::error(id, &error, era));
                }
            }
        }
    };
    match dispatch(version, message).await {
        None => Exchange::Accepted,
        Some(reply) => Exchange::Answer(reply),
    }
}

#[cfg(test)]
mod tests;
