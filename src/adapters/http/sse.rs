//! Legacy HTTP+SSE transport (protocol 2024-11-05): `GET /sse` opens a stream whose first
//! event names the message endpoint; `POST /messages?sessionId=…` answers `202` and the
//! JSON-RPC response travels on the stream. Used by Bedrock's Inline Agent (Python
//! `mcp.client.sse.sse_client`) and older clients.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::{StreamExt, stream};
use salvo::http::header::HeaderValue;
use salvo::prelude::*;
use serde_json::json;

use super::caller::CallerDepotExt;
use super::event_stream::{self, KeepAlive};
use super::reply::status_of;
use super::streamable::read_body;
use super::{HttpState, McpFacts};
use crate::ports::{BusError, SessionBus, SessionId};
use crate::protocol::jsonrpc::error_response;
use crate::protocol::{Exchange, Post, Transport};

pub(super) struct SseOpen {
    state: Arc<HttpState>,
}

impl SseOpen {
    #[must_use]
    pub(super) fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

/// Closes the session when the stream is dropped (client gone or server stopping).
struct CloseOnDrop {
    bus: Arc<dyn SessionBus>,
    id: SessionId,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let bus = Arc::clone(&self.bus);
        let id = self.id.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { bus.close(&id).await });
        }
    }
}

#[async_trait]
impl Handler for SseOpen {
    async fn handle(
        &self,
        _req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Some(caller) = depot.caller() else {
            res.status_code(StatusCode::INTERNAL_SERVER_ERROR);
            return;
        };
        if self.state.draining.load(Ordering::Relaxed) {
            res.status_code(StatusCode::SERVICE_UNAVAILABLE);
            return;
        }
        let (id, inbox) = match self.state.bus.open(caller.principal.subject.clone()).await {
            Ok(opened) => opened,
            Err(e) => {
                tracing::error!(error = %e, "cannot open SSE session");
                retry_later(res);
                res.status_code(StatusCode::SERVICE_UNAVAILABLE);
                return;
            }
        };
        tracing::info!(session = %id, subject = %caller.principal.subject, "SSE session opened");
        // The endpoint is relative (docs/design.md §2): clients resolve it against the URL they used,
        // which keeps it right behind proxies that rewrite the host.
        let endpoint = event_stream::event("endpoint", &format!("/messages?sessionId={id}"));
        let guard = CloseOnDrop {
            bus: Arc::clone(&self.state.bus),
            id,
        };
        let open = self.state.metrics.sse_session();
        let messages = inbox.map(move |message| {
            let _alive = (&guard, &open);
            event_stream::event("message", &message)
        });
        let events = stream::iter([endpoint]).chain(messages);
        event_stream::stream(res, KeepAlive::new(events, self.state.settings.heartbeat));
        res.headers_mut()
            .insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
}

pub(super) struct SsePost {
    state: Arc<HttpState>,
}

impl SsePost {
    #[must_use]
    pub(super) fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

/// How long a client should wait after a 503 of the session store: about the time owners
/// need to re-register their sessions once Redis is back.
const RETRY_AFTER_SECS: u64 = 2;

fn retry_later(res: &mut Response) {
    res.headers_mut()
        .insert("retry-after", HeaderValue::from(RETRY_AFTER_SECS));
}

/// 503 with `Retry-After` while the session store cannot answer: the session may well be
/// alive, and a 404 would tell the client to drop it.
fn bus_unavailable(res: &mut Response, error: &BusError) {
    tracing::error!(error = %error, "session bus unavailable");
    retry_later(res);
    plain_error(
        res,
        StatusCode::SERVICE_UNAVAILABLE,
        "session store unavailable",
    );
}

fn plain_error(res: &mut Response, status: StatusCode, message: &str) {
    res.status_code(status);
    res.render(Json(json!({ "error": message })));
}

#[async_trait]
impl Handler for SsePost {
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
        let Some(id) = req.query::<String>("sessionId").map(SessionId::new) else {
            return plain_error(
                res,
                StatusCode::BAD_REQUEST,
                "sessionId query parameter is required",
            );
        };
        let bus = &self.state.bus;
        let info = match bus.info(&id).await {
            Ok(info) => info,
            Err(BusError::UnknownSession) => {
                return plain_error(res, StatusCode::NOT_FOUND, "unknown or closed session");
            }
            // Also while Redis is restoring records it lost: the session may well be alive,
            // and 404 would tell the client to drop it.
            Err(e) => return bus_unavailable(res, &e),
        };
        if info.subject != caller.principal.subject {
            return plain_error(
                res,
                StatusCode::FORBIDDEN,
                "this session belongs to another user",
            );
        }
        let body = match read_body(req, self.state.settings.max_body_bytes).await {
            Ok(body) => body,
            Err((status, error)) => {
                res.status_code(status);
                res.render(Text::Json(error_response(None, &error).to_string()));
                return;
            }
        };
        let post = Post {
            body,
            transport: Transport::Session(info.protocol),
        };
        let answered = self.state.mcp.answer(&caller, post).await;
        depot.insert_typed(McpFacts::from(answered.summary));
        let reply = match answered.exchange {
            Exchange::Accepted => None,
            Exchange::Answer(reply) => Some(reply),
            Exchange::Refused(reply) => {
                res.status_code(status_of(reply.status));
                res.render(Text::Json(String::from(Box::<str>::from(reply.body))));
                return;
            }
        };
        if let Some(reply) = reply {
            if let Some(negotiated) = reply.negotiated {
                let _ = bus.set_protocol(&id, negotiated).await;
            }
            match bus
                .deliver(&id, String::from(Box::<str>::from(reply.body)))
                .await
            {
                Ok(()) => {}
                Err(BusError::UnknownSession) => {
                    return plain_error(res, StatusCode::NOT_FOUND, "the session closed");
                }
                Err(e) => return bus_unavailable(res, &e),
            }
        }
        res.status_code(StatusCode::ACCEPTED);
        res.render(Text::Plain("Accepted"));
    }
}
