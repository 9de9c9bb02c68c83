//! The one way this server makes an outbound HTTP call: a shared `ureq::Agent` (pooled
//! connections, explicit timeouts, rustls on aws-lc-rs) driven on tokio's blocking pool, at
//! most `max_inflight` calls at once. Every upstream adapter (JWKS, token endpoints, the
//! NeonPanel API) goes through [`Outbound::send`], so none can block the async runtime.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use ureq::tls::{TlsConfig, TlsProvider};

use crate::adapters::metrics::{Endpoint, Metrics};

/// Responses larger than this are refused rather than buffered.
const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct OutboundConfig {
    pub connect_timeout: Duration,
    /// Whole call: connect, send, wait and read (docs/design.md §5 `NEONPANEL_HTTP_TIMEOUT_MS`).
    pub total_timeout: Duration,
    pub max_inflight: usize,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(10),
            max_inflight: 64,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

#[derive(Clone, Debug)]
pub enum RequestBody {
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    Json(Value),
}

#[derive(Clone, Debug)]
pub struct OutboundRequest {
    pub method: Method,
    pub url: String,
    pub query: Vec<(&'static str, String)>,
    /// Header values may hold secrets: this type is never logged.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<RequestBody>,
    /// Which upstream endpoint this is, for metrics (never the URL, which holds ids).
    pub endpoint: Endpoint,
}

impl OutboundRequest {
    #[must_use]
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: Method::Get,
            url: url.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            endpoint: Endpoint::Other,
        }
    }

    #[must_use]
    pub fn post(url: impl Into<String>, body: RequestBody) -> Self {
        Self {
            method: Method::Post,
            body: Some(body),
            ..Self::get(url)
        }
    }

    #[must_use]
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Names the endpoint in metrics.
    #[must_use]
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    #[must_use]
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }
}

/// Any HTTP answer, whatever its status (`http_status_as_error(false)`: OAuth error bodies
/// matter).
#[derive(Clone, Debug)]
pub struct OutboundResponse {
    pub status: u16,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<u64>,
    /// `Location` of a redirect (never followed automatically).
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    #[error("timed out")]
    Timeout,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("response larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("transport error: {0}")]
    Transport(String),
}

tokio::task_local! {
    /// Microseconds spent waiting on upstream calls by the current request, when the request
    /// is scoped with [`measure_upstream`] (the access log does it).
    static UPSTREAM_MICROS: std::cell::Cell<u64>;
}

/// Runs `work` while adding up the time its outbound calls take; returns both.
pub async fn measure_upstream<F: std::future::Future>(work: F) -> (F::Output, Duration) {
    UPSTREAM_MICROS
        .scope(std::cell::Cell::new(0), async {
            let output = work.await;
            let micros = UPSTREAM_MICROS.try_with(std::cell::Cell::get).unwrap_or(0);
            (output, Duration::from_micros(micros))
        })
        .await
}

/// Shared outbound HTTP client; cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    agent: ureq::Agent,
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

impl Outbound {
    #[must_use]
    pub fn new(config: &OutboundConfig) -> Self {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.total_timeout))
            .http_status_as_error(false)
            // A redirect could carry a bearer token to another host: never follow one.
            .max_redirects(0)
            .tls_config(tls)
            .user_agent(concat!("neonpanel-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self {
            agent,
            permits: Arc::new(Semaphore::new(config.max_inflight.max(1))),
            metrics: Metrics::off(),
        }
    }

    /// Counts every call in `metrics`, by the endpoint its request names.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Sends `request` on the blocking pool.
    ///
    /// # Errors
    /// [`OutboundError`] when no HTTP answer arrived in time or at all.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| OutboundError::Transport("client is shutting down".into()))?;
        let agent = self.agent.clone();
        let endpoint = request.endpoint;
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            run(&agent, request)
        })
        .await
        .map_err(|_| OutboundError::Transport("outbound task failed".into()))?;
        self.metrics.upstream(endpoint, &result, started.elapsed());
        let spent = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let _ = UPSTREAM_MICROS.try_with(|total| total.set(total.get().saturating_add(spent)));
        result
    }
}

fn run(agent: &ureq::Agent, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
    let OutboundRequest {
        method,
        url,
        query,
        headers,
        body,
        ..
    } = request;
    let result = match method {
        Method::Get => {
            let mut req = agent.get(&url);
            for (k, v) in &query {
                req = req.query(*k, v);
            }
            for (k, v) in &headers {
                req = req.header(*k, v);
            }
            req.call()
        }
        Method::Post => {
            let mut req = agent.post(&url);
            for (k, v) in &query {
                req = req.query(*k, v);
            }
            for (k, v) in &headers {
                req = req.header(*k, v);
            }
            match body {
                Some(RequestBody::Form(fields)) => {
                    req.send_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                }
                Some(RequestBody::Json(value)) => req.send_json(&value),
                None => req.send_empty(),
            }
        }
    };
    let mut response = result.map_err(map_error)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(map_error)?;
    Ok(OutboundResponse {
        status,
        retry_after,
        location,
        body,
    })
}

fn map_error(error: ureq::Error) -> OutboundError {
    match error {
        ureq::Error::Timeout(_) => OutboundError::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            OutboundError::Connect(error.to_string())
        }
        ureq::Error::BodyExceedsLimit(_) => OutboundError::TooLarge,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => OutboundError::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            OutboundError::Connect(e.to_string())
        }
        other => OutboundError::Transport(other.to_string()),
    }
}
