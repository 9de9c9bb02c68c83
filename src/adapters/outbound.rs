//! The one way this server makes an outbound HTTP call: one shared async hyper client
//! (HTTP/1.1 keep-alive pool, `TCP_NODELAY`, explicit timeouts, rustls on aws-lc-rs, no
//! redirects; see [`transport`]) driven on the tokio runtime itself, at most `max_inflight`
//! calls at once. Every upstream adapter (JWKS, token endpoints, the NeonPanel API, probes)
//! goes through [`Outbound::send`].
//!
//! Why async: a blocking client needs one OS thread per call in flight. Under load that meant
//! hundreds of threads, futex wake-ups on every hand-off and a hop between pools per call; a
//! waiting async call costs a few hundred bytes of future instead (see the README,
//! *Performance*).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, LOCATION, RETRY_AFTER};
use hyper_util::client::legacy::ResponseFuture;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::adapters::metrics::{Endpoint, Metrics};

mod transport;

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

/// Where a request goes: a URL still to be parsed, or one parsed already. A hot caller parses
/// its base once (parsing a host runs IDNA mapping, which showed in profiles of `tools/call`).
#[derive(Clone, Debug)]
pub enum Target {
    Text(String),
    Parsed(url::Url),
}

impl From<String> for Target {
    fn from(url: String) -> Self {
        Self::Text(url)
    }
}

impl From<&str> for Target {
    fn from(url: &str) -> Self {
        Self::Text(url.to_owned())
    }
}

impl From<&String> for Target {
    fn from(url: &String) -> Self {
        Self::Text(url.clone())
    }
}

impl From<url::Url> for Target {
    fn from(url: url::Url) -> Self {
        Self::Parsed(url)
    }
}

#[derive(Clone, Debug)]
pub struct OutboundRequest {
    pub method: Method,
    pub url: Target,
    pub query: Vec<(&'static str, String)>,
    /// Header values may hold secrets: this type is never logged.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<RequestBody>,
    /// Which upstream endpoint this is, for metrics (never the URL, which holds ids).
    pub endpoint: Endpoint,
}

impl OutboundRequest {
    #[must_use]
    pub fn get(url: impl Into<Target>) -> Self {
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
    pub fn post(url: impl Into<Target>, body: RequestBody) -> Self {
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

/// Any HTTP answer, whatever its status (OAuth error bodies matter).
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
    clients: transport::Clients,
    total_timeout: Duration,
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

impl Outbound {
    #[must_use]
    pub fn new(config: &OutboundConfig) -> Self {
        let max_inflight = config.max_inflight.max(1);
        Self {
            clients: transport::Clients::new(config, max_inflight),
            total_timeout: config.total_timeout,
            permits: Arc::new(Semaphore::new(max_inflight)),
            metrics: Metrics::off(),
        }
    }

    /// Counts every call in `metrics`, by the endpoint its request names.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Sends `request` and reads its whole answer (at most 8 MiB).
    ///
    /// The request is turned into hyper's before the returned future first runs (nothing is
    /// sent until it does), so what waits on the upstream holds hyper's pending response and
    /// a timer, not a second copy of the URL, headers and body (README "Performance").
    ///
    /// # Errors
    /// [`OutboundError`] when no HTTP answer arrived in time or at all.
    pub fn send(
        &self,
        request: OutboundRequest,
    ) -> impl Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_ {
        let endpoint = request.endpoint;
        let pending = self.start(request);
        async move {
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|_| OutboundError::Transport("client is shutting down".into()))?;
            let started = std::time::Instant::now();
            let result = match pending {
                // One deadline for the whole call: connect, send, wait and read.
                Ok(pending) => tokio::time::timeout(self.total_timeout, receive(pending))
                    .await
                    .unwrap_or(Err(OutboundError::Timeout)),
                Err(refused) => Err(refused),
            };
            let spent = started.elapsed();
            // One upstream call ends here: its outcome (`result`, with the status) and its
            // duration (`spent`) are known.
            self.metrics.upstream(endpoint, &result, spent);
            let micros = u64::try_from(spent.as_micros()).unwrap_or(u64::MAX);
            let _ = UPSTREAM_MICROS.try_with(|total| total.set(total.get().saturating_add(micros)));
            result
        }
    }

    /// hyper's request for `request`, on the client for its kind of body; not yet sent.
    fn start(&self, request: OutboundRequest) -> Result<ResponseFuture, OutboundError> {
        let OutboundRequest {
            method,
            url,
            query,
            headers,
            body,
            ..
        } = request;
        let mut url = match url {
            Target::Parsed(url) => url,
            Target::Text(text) => url::Url::parse(&text)
                .map_err(|e| OutboundError::Transport(format!("invalid URL: {e}")))?,
        };
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &query {
                pairs.append_pair(name, value);
            }
        }
        self.clients.request(method, url, headers, body)
    }
}

/// Waits for the answer to `pending` and reads it whole.
async fn receive(pending: ResponseFuture) -> Result<OutboundResponse, OutboundError> {
    let response = pending.await.map_err(|e| transport::map_error(&e))?;
    let (parts, body) = response.into_parts();
    let header = |name: &HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = header(&RETRY_AFTER).and_then(|v| v.parse::<u64>().ok());
    let location = header(&LOCATION).map(str::to_owned);
    let body = transport::read_capped(&parts.headers, body).await?;
    Ok(OutboundResponse {
        status: parts.status.as_u16(),
        retry_after,
        location,
        body,
    })
}
