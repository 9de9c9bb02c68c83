//! Request ids and the one access-log line per request.
//!
//! The line carries request id, method, route, status, latency, the verified subject and, on
//! MCP routes, the JSON-RPC method and tool. Never a header value, a token or a body.

use std::time::Instant;

use salvo::http::HeaderValue;
use salvo::http::header::HeaderName;
use salvo::prelude::*;
use salvo::request_id::{IdGenerator, UlidGenerator};
use tracing::Instrument;

use super::caller::CallerDepotExt;
use crate::adapters::metrics::{Metrics, Route};
use crate::adapters::outbound::measure_upstream;
use crate::protocol::Summary;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the MCP handlers learned about the request, for the access log.
#[derive(Clone, Debug, Default)]
pub(crate) struct McpFacts {
    pub method: Option<String>,
    pub tool: Option<String>,
}

impl McpFacts {}

impl From<Summary> for McpFacts {
    fn from(summary: Summary) -> Self {
        Self {
            method: summary.method,
            tool: summary.tool,
        }
    }
}

/// `X-Request-Id` from the client when it is a sane token (≤ 64 of `[A-Za-z0-9._-]`, so it
/// cannot forge log lines), otherwise a new ULID; echoed on the response.
struct SaneOrNew(UlidGenerator);

impl IdGenerator for SaneOrNew {
    fn generate(&self, req: &mut Request, depot: &mut Depot) -> String {
        let incoming = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            })
            .map(str::to_owned);
        incoming.unwrap_or_else(|| self.0.generate(req, depot))
    }
}

/// The access-log hoop: it gives each request its id (echoed as `X-Request-Id`), logs one line
/// per request and records each request's route, status and latency in `metrics`.
///
/// The id is put on the response on the way out, not on the request and the response on the
/// way in as salvo's request-id hoop does: the request's header map would grow, and the
/// response's be allocated, for as long as a call waits on NeonPanel (about 2 KiB per call in
/// flight; README "Performance").
pub(super) struct AccessLog {
    metrics: Metrics,
    ids: SaneOrNew,
}

impl AccessLog {
    #[must_use]
    pub(super) fn new(metrics: Metrics) -> Self {
        Self {
            metrics,
            ids: SaneOrNew(UlidGenerator::new()),
        }
    }
}

#[async_trait]
impl Handler for AccessLog {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        let started = Instant::now();
        let route = Route::of(req.uri().path());
        let in_flight = self.metrics.in_flight(route);
        let request_id = self.ids.generate(req, depot);
        // Every event logged while the request is handled carries its id (recorded only when
        // the span is enabled).
        let span = tracing::info_span!("request", request_id = %request_id);
        let (_, upstream) = measure_upstream(ctrl.call_next(req, depot, res))
            .instrument(span)
            .await;
        drop(in_flight);
        // A sane client id or a ULID: always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(X_REQUEST_ID, value);
        }
        let status = res.status_code.unwrap_or(StatusCode::OK).as_u16();
        self.metrics.request(route, status, started.elapsed());
        // Only the rate limit answers 429 here (NeonPanel's 429s become tool results).
        if status == 429 {
            self.metrics.rate_limited(route);
        }
        // Under `LOG_LEVEL=warn` the line is not written: skip gathering its facts.
        if !tracing::enabled!(target: "access", tracing::Level::INFO) {
            return;
        }
        let facts = depot.get_typed::<McpFacts>().ok();
        let subject = depot.caller().map(|c| c.principal.subject.to_string());
        tracing::info!(
            target: "access",
            request_id = %request_id,
            method = %req.method(),
            route = req.uri().path(),
            status,
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            upstream_ms = u64::try_from(upstream.as_millis()).unwrap_or(u64::MAX),
            subject = subject.as_deref().unwrap_or("-"),
            mcp_method = facts.and_then(|f| f.method.as_deref()).unwrap_or("-"),
            tool = facts.and_then(|f| f.tool.as_deref()).unwrap_or("-"),
            "request"
        );
    }
}
