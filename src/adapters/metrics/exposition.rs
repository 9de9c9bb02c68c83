//! Writes the series in a Prometheus exposition format with prometheus-client's encoders (which
//! own names, escaping, `# HELP`/`# TYPE` and, for OpenMetrics, `# UNIT` and `# EOF`). Counters
//! and histograms appear once they have counted something, so label sets nobody used do not
//! make hundreds of zero series; gauges always appear.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::Series;
use super::histogram::Histogram;
use super::labels::{CacheName, Endpoint, Route, STATUS_NAMES};
use crate::ports::ToolOutcome;

/// Which text format a scraper gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4, understood by every scraper.
    Prometheus,
    /// OpenMetrics 1.0 text, for scrapers that ask for it.
    OpenMetrics,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it (Prometheus does by default), else the
    /// classic text format.
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Self {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Self::OpenMetrics,
            _ => Self::Prometheus,
        }
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

pub(super) fn render(series: &Arc<Series>, format: Format) -> String {
    let mut registry = Registry::with_prefix("neonpanel_mcp");
    registry.register_collector(Box::new(Collect(Arc::clone(series))));
    let mut text = String::new();
    let written = match format {
        Format::Prometheus => {
            prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
        }
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut text, &registry),
    };
    if written.is_err() {
        // Writing to a String cannot fail; the encoder refuses only malformed input.
        tracing::error!("metrics could not be encoded");
    }
    text
}

/// The label set of a series without labels.
const NO_LABELS: [(&str, &str); 0] = [];

struct Collect(Arc<Series>);

impl fmt::Debug for Collect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Collect")
    }
}

fn count(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

fn level(gauge: &AtomicI64) -> i64 {
    gauge.load(Ordering::Relaxed)
}

fn route_name(slot: usize) -> &'static str {
    Route::ALL.get(slot).map_or("other", |r| r.as_str())
}

fn endpoint_name(slot: usize) -> &'static str {
    Endpoint::ALL.get(slot).map_or("other", |e| e.as_str())
}

fn status_name(slot: usize) -> &'static str {
    STATUS_NAMES.get(slot).copied().unwrap_or("other")
}

impl Collector for Collect {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let s = &self.0;
        let mut build = encoder.encode_descriptor(
            "build_info",
            "The running version; always 1",
            None,
            MetricType::Gauge,
        )?;
        build
            .encode_family(&[("version", env!("CARGO_PKG_VERSION"))])?
            .encode_gauge(&1_i64)?;

        counters(
            &mut encoder,
            (
                "http_requests",
                "HTTP requests answered, by route template and status",
            ),
            s.http_requests.iter().enumerate().flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, cell)| {
                    (
                        [("route", route_name(r)), ("status", status_name(c))],
                        count(cell),
                    )
                })
            }),
        )?;
        histograms(
            &mut encoder,
            (
                "http_request_duration",
                "Time to answer an HTTP request (for SSE, to open the stream)",
            ),
            s.http_duration
                .iter()
                .enumerate()
                .map(|(r, h)| ([("route", route_name(r))], h)),
        )?;
        gauges(
            &mut encoder,
            (
                "http_requests_in_flight",
                "HTTP requests being answered now",
            ),
            s.http_in_flight
                .iter()
                .enumerate()
                .map(|(r, g)| ([("route", route_name(r))], level(g))),
        )?;
        counters(
            &mut encoder,
            (
                "rate_limit_refusals",
                "Requests refused with 429 by the per-subject rate limit",
            ),
            s.rate_limited
                .iter()
                .enumerate()
                .map(|(r, c)| ([("route", route_name(r))], count(c))),
        )?;
        histograms(
            &mut encoder,
            (
                "tool_call_duration",
                "tools/call by tool and outcome; _count is the number of calls",
            ),
            s.tool_calls.iter().enumerate().flat_map(|(t, row)| {
                let tool = s.tool_names.name(t);
                row.iter().enumerate().filter_map(move |(o, h)| {
                    let tool = tool?;
                    let outcome = ToolOutcome::ALL.get(o).map_or("error", |o| o.as_str());
                    Some(([("tool", tool), ("outcome", outcome)], h))
                })
            }),
        )?;
        counters(
            &mut encoder,
            (
                "upstream_requests",
                "Outbound calls by endpoint and status (or failure)",
            ),
            s.upstream_requests.iter().enumerate().flat_map(|(e, row)| {
                row.iter().enumerate().map(move |(c, cell)| {
                    (
                        [("endpoint", endpoint_name(e)), ("status", status_name(c))],
                        count(cell),
                    )
                })
            }),
        )?;
        histograms(
            &mut encoder,
            (
                "upstream_request_duration",
                "Time of one outbound call, retries counted apart",
            ),
            s.upstream_duration
                .iter()
                .enumerate()
                .map(|(e, h)| ([("endpoint", endpoint_name(e))], h)),
        )?;
        counters(
            &mut encoder,
            (
                "cache_lookups",
                "Cache lookups by cache and result (hit or miss)",
            ),
            s.cache_lookups.iter().enumerate().flat_map(|(c, row)| {
                let cache = CacheName::ALL.get(c).map_or("other", |c| c.as_str());
                row.iter().zip(["hit", "miss"]).map(move |(cell, result)| {
                    ([("cache", cache), ("result", result)], count(cell))
                })
            }),
        )?;
        gauges(
            &mut encoder,
            ("sse_sessions", "Legacy SSE streams open on this instance"),
            [(NO_LABELS, level(&s.sse_open))],
        )?;
        counters(
            &mut encoder,
            (
                "sse_sessions_opened",
                "Legacy SSE streams opened on this instance",
            ),
            [(NO_LABELS, count(&s.sse_opened))],
        )
    }
}

fn counters<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    (name, help): (&'static str, &'static str),
    series: impl IntoIterator<Item = (L, u64)>,
) -> fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in series {
        if value > 0 {
            family
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&value, None)?;
        }
    }
    Ok(())
}

fn gauges<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    (name, help): (&'static str, &'static str),
    series: impl IntoIterator<Item = (L, i64)>,
) -> fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in series {
        family.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

fn histograms<'h, L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    (name, help): (&'static str, &'static str),
    series: impl IntoIterator<Item = (L, &'h Histogram)>,
) -> fmt::Result {
    let mut family =
        encoder.encode_descriptor(name, help, Some(&Unit::Seconds), MetricType::Histogram)?;
    for (labels, histogram) in series {
        if histogram.is_empty() {
            continue;
        }
        let snapshot = histogram.snapshot();
        family
            .encode_family(&labels)?
            .encode_histogram::<NoLabelSet>(
                snapshot.sum_seconds,
                snapshot.count,
                &snapshot.buckets,
                None,
            )?;
    }
    Ok(())
}
