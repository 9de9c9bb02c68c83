//! Prometheus metrics of one server instance: requests by route and status, tool calls by tool
//! and outcome, upstream calls by endpoint and status, cache hits, SSE sessions, requests in
//! flight and rate-limit refusals. Served by [`serve`] on its own listener (`METRICS_ADDR`),
//! never on the public port.
//!
//! Invariants:
//! - Every series lives in a fixed slot of an array of atomics, chosen by closed label enums:
//!   recording is a few relaxed `fetch_add`s, with no lock, map lookup or allocation.
//! - No label value comes from a request: never a path, token, subject, account or session id.
//! - Each [`Metrics`] is its own registry (one per `App`), so two apps in one process, such as
//!   parallel tests, never see each other's counts.

mod exposition;
mod histogram;
mod labels;
pub mod serve;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use self::histogram::Histogram;
use self::labels::{STATUS_NAMES, TOOL_SLOTS, ToolNames};
use crate::adapters::outbound::{OutboundError, OutboundResponse};
use crate::ports::{Telemetry, ToolOutcome};

pub use exposition::Format;
pub use labels::{CacheName, Endpoint, Route, Status};

const ROUTES: usize = Route::ALL.len();
const STATUSES: usize = STATUS_NAMES.len();
const OUTCOMES: usize = ToolOutcome::ALL.len();
const ENDPOINTS: usize = Endpoint::ALL.len();
const CACHES: usize = CacheName::ALL.len();

/// Every series of one instance.
#[derive(Default)]
struct Series {
    http_requests: [[AtomicU64; STATUSES]; ROUTES],
    http_duration: [Histogram; ROUTES],
    http_in_flight: [AtomicI64; ROUTES],
    rate_limited: [AtomicU64; ROUTES],
    tool_calls: [[Histogram; OUTCOMES]; TOOL_SLOTS],
    tool_names: ToolNames,
    upstream_requests: [[AtomicU64; STATUSES]; ENDPOINTS],
    upstream_duration: [Histogram; ENDPOINTS],
    /// `[hits, misses]` per cache.
    cache_lookups: [[AtomicU64; 2]; CACHES],
    sse_open: AtomicI64,
    sse_opened: AtomicU64,
}

/// A handle on one instance's metrics; cheap to clone. [`Metrics::off`] (the default) records
/// nothing, so adapters built without metrics (tests, the `check` command) pay one branch.
#[derive(Clone, Default)]
pub struct Metrics {
    series: Option<Arc<Series>>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("on", &self.series.is_some())
            .finish()
    }
}

fn bump(counter: Option<&AtomicU64>) {
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// A fresh, empty set of metrics that records.
    #[must_use]
    pub fn new() -> Self {
        Self {
            series: Some(Arc::new(Series::default())),
        }
    }

    /// Metrics that record nothing.
    #[must_use]
    pub fn off() -> Self {
        Self::default()
    }

    /// One HTTP request answered on `route` with `status` after `elapsed`.
    pub fn request(&self, route: Route, status: u16, elapsed: Duration) {
        let Some(series) = &self.series else { return };
        let slot = route.slot();
        bump(
            series
                .http_requests
                .get(slot)
                .and_then(|row| row.get(Status::http(status).slot())),
        );
        if let Some(histogram) = series.http_duration.get(slot) {
            histogram.observe(elapsed);
        }
    }

    /// One request refused by the rate limit.
    pub fn rate_limited(&self, route: Route) {
        let Some(series) = &self.series else { return };
        bump(series.rate_limited.get(route.slot()));
    }

    /// Counts a request on `route` as in flight until the guard is dropped.
    #[must_use]
    pub fn in_flight(&self, route: Route) -> InFlight<'_> {
        let gauge = self
            .series
            .as_deref()
            .and_then(|series| series.http_in_flight.get(route.slot()));
        if let Some(gauge) = gauge {
            gauge.fetch_add(1, Ordering::Relaxed);
        }
        InFlight { gauge }
    }

    /// One outbound call to `endpoint` finished (with an answer or without) after `elapsed`.
    pub fn upstream(
        &self,
        endpoint: Endpoint,
        result: &Result<OutboundResponse, OutboundError>,
        elapsed: Duration,
    ) {
        let Some(series) = &self.series else { return };
        let status = match result {
            Ok(response) => Status::http(response.status),
            Err(OutboundError::Timeout) => Status::TIMEOUT,
            Err(OutboundError::Connect(_)) => Status::CONNECT_ERROR,
            Err(_) => Status::TRANSPORT_ERROR,
        };
        let slot = endpoint.slot();
        bump(
            series
                .upstream_requests
                .get(slot)
                .and_then(|row| row.get(status.slot())),
        );
        if let Some(histogram) = series.upstream_duration.get(slot) {
            histogram.observe(elapsed);
        }
    }

    /// One lookup in `cache`, answered from it (`hit`) or not.
    pub fn cache(&self, cache: CacheName, hit: bool) {
        let Some(series) = &self.series else { return };
        let column = usize::from(!hit);
        bump(
            series
                .cache_lookups
                .get(cache.slot())
                .and_then(|row| row.get(column)),
        );
    }

    /// Counts one legacy SSE stream as open until the guard is dropped.
    #[must_use]
    pub fn sse_session(&self) -> SseSession {
        if let Some(series) = &self.series {
            series.sse_open.fetch_add(1, Ordering::Relaxed);
            series.sse_opened.fetch_add(1, Ordering::Relaxed);
        }
        SseSession {
            series: self.series.clone(),
        }
    }

    /// The exposition of every series, in `format`; empty when metrics are off.
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        self.series
            .as_ref()
            .map(|series| exposition::render(series, format))
            .unwrap_or_default()
    }
}

impl Telemetry for Metrics {
    fn tool_call(&self, tool: Option<&'static str>, outcome: ToolOutcome, elapsed: Duration) {
        let Some(series) = &self.series else { return };
        let column = ToolOutcome::ALL
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(OUTCOMES - 1);
        if let Some(histogram) = series
            .tool_calls
            .get(series.tool_names.slot(tool))
            .and_then(|row| row.get(column))
        {
            histogram.observe(elapsed);
        }
    }
}

/// A request in flight; dropping it ends it.
pub struct InFlight<'a> {
    gauge: Option<&'a AtomicI64>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(gauge) = self.gauge {
            gauge.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// An open SSE stream; dropping it closes it.
pub struct SseSession {
    series: Option<Arc<Series>>,
}

impl Drop for SseSession {
    fn drop(&mut self) {
        if let Some(series) = &self.series {
            series.sse_open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
