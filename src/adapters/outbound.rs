//! The one way this server makes an outbound HTTP call: a shared async `reqwest::Client`
//! (HTTP/1.1 keep-alive pool, `TCP_NODELAY`, explicit timeouts, rustls on aws-lc-rs, no
//! redirects) driven on the tokio runtime itself, at most `max_inflight` calls at once. Every
//! upstream adapter (JWKS, token endpoints, the NeonPanel API, probes) goes through
//! [`Outbound::send`].
//!
//! Why async: a blocking client needs one OS thread per call in flight. Under load that meant
//! hundreds of threads, futex wake-ups on every hand-off and a hop between pools per call; a
//! waiting async call costs a few hundred bytes of future instead (see the README,
//! *Performance*).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use serde_json::Value;
use tokio::sync::Semaphore;

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

/// Where a request goes: a URL still to be parsed, or one parsed already. A hot caller parses
/// its base once (parsing a host runs IDNA mapping, which showed in profiles of `tools/call`).
#[derive(Clone, Debug)]
pub enum Target {
    Text(String),
    Parsed(reqwest::Url),
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

impl From<reqwest::Url> for Target {
    fn from(url: reqwest::Url) -> Self {
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
    client: reqwest::Client,
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

impl Outbound {
    #[must_use]
    pub fn new(config: &OutboundConfig) -> Self {
        let max_inflight = config.max_inflight.max(1);
        let client = settings(config, max_inflight)
            .tls_backend_preconfigured(tls_config())
            .build()
            // Only the TLS setup can fail; reqwest's own rustls setup (aws-lc-rs, the system
            // roots) is the fallback, with the same timeouts and no redirects.
            .or_else(|error| {
                tracing::error!(%error, "outbound TLS setup failed; using reqwest's");
                settings(config, max_inflight).build()
            })
            .unwrap_or_default();
        Self {
            client,
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
    /// # Errors
    /// [`OutboundError`] when no HTTP answer arrived in time or at all.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| OutboundError::Transport("client is shutting down".into()))?;
        let started = std::time::Instant::now();
        let endpoint = request.endpoint;
        let result = self.execute(request).await;
        let spent = started.elapsed();
        // One upstream call ends here: its outcome (`result`, with the status) and its
        // duration (`spent`) are known.
        self.metrics.upstream(endpoint, &result, spent);
        let micros = u64::try_from(spent.as_micros()).unwrap_or(u64::MAX);
        let _ = UPSTREAM_MICROS.try_with(|total| total.set(total.get().saturating_add(micros)));
        result
    }

    async fn execute(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
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
            Target::Text(text) => reqwest::Url::parse(&text)
                .map_err(|e| OutboundError::Transport(format!("invalid URL: {e}")))?,
        };
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &query {
                pairs.append_pair(name, value);
            }
        }
        let mut builder = match method {
            Method::Get => self.client.get(url),
            Method::Post => self.client.post(url),
        };
        for (name, value) in headers {
            let value = HeaderValue::try_from(value)
                .map_err(|_| OutboundError::Transport(format!("invalid {name} header")))?;
            let name = HeaderName::try_from(name)
                .map_err(|_| OutboundError::Transport(format!("invalid header name {name}")))?;
            builder = builder.header(name, value);
        }
        builder = match body {
            Some(RequestBody::Form(fields)) => builder
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .body(form_encode(&fields)),
            Some(RequestBody::Json(value)) => {
                let bytes = serde_json::to_vec(&value)
                    .map_err(|e| OutboundError::Transport(e.to_string()))?;
                builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(bytes)
            }
            None => builder,
        };
        let mut response = builder.send().await.map_err(map_error)?;
        let status = response.status().as_u16();
        let header = |name: &HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let retry_after = header(&RETRY_AFTER).and_then(|v| v.parse::<u64>().ok());
        let location = header(&LOCATION).map(str::to_owned);
        let body = read_capped(&mut response).await?;
        Ok(OutboundResponse {
            status,
            retry_after,
            location,
            body,
        })
    }
}

/// Everything but TLS.
fn settings(config: &OutboundConfig, max_inflight: usize) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.total_timeout)
        // A redirect could carry a bearer token to another host: never follow one.
        .redirect(reqwest::redirect::Policy::none())
        // Requests are small and latency-bound: send them at once.
        .tcp_nodelay(true)
        // Keep as many idle connections as calls may be in flight, so a burst that ends does
        // not close connections the next burst would reopen.
        .pool_max_idle_per_host(max_inflight)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("neonpanel-mcp/", env!("CARGO_PKG_VERSION")))
}

/// Reads the body chunk by chunk and stops at the cap, so a huge or endless answer never sits
/// in memory whole.
async fn read_capped(response: &mut reqwest::Response) -> Result<Vec<u8>, OutboundError> {
    let limit = usize::try_from(MAX_RESPONSE_BYTES).unwrap_or(usize::MAX);
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES)
    {
        return Err(OutboundError::TooLarge);
    }
    let hint = response.content_length().unwrap_or(0).min(64 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(map_error)? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(OutboundError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// rustls on aws-lc-rs (the crypto backend jsonwebtoken also uses) with the Mozilla roots
/// compiled in, so the container image's CA bundle does not decide whom we trust.
fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // aws-lc-rs supports every safe default version: the fallback is never taken.
        .unwrap_or_else(|_| rustls::ClientConfig::builder())
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// `application/x-www-form-urlencoded`, as browsers and OAuth servers expect it.
fn form_encode(fields: &[(String, String)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
        .into_bytes()
}

fn map_error(error: reqwest::Error) -> OutboundError {
    if error.is_timeout() {
        return OutboundError::Timeout;
    }
    // The full source chain, without the URL (it may carry a query the caller built).
    let error = error.without_url();
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_connect() {
        OutboundError::Connect(detail)
    } else {
        OutboundError::Transport(detail)
    }
}
