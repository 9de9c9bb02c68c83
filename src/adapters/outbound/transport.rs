//! The HTTP machinery under [`super::Outbound`]: hyper's pooled HTTP/1.1 client on the tokio
//! runtime, rustls for `https`, the response cap and the mapping of transport failures.
//!
//! Why hyper's client and not reqwest (which sits on the same hyper client): per call, reqwest
//! turned the URL into a `Uri`, cloned the header map, parsed the URL back twice (its redirect
//! layer and its response, even with redirects off) and went through retry and timeout layers.
//! Under callgrind that was about a tenth of the instructions of a cached-token `tools/call`,
//! and this adapter needs none of it: it never follows redirects, never retries (the NeonPanel
//! adapter does, by its own rules) and has one deadline per call.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Empty, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::{MAX_RESPONSE_BYTES, Method, OutboundConfig, OutboundError, RequestBody};

const AGENT: HeaderValue =
    HeaderValue::from_static(concat!("neonpanel-mcp/", env!("CARGO_PKG_VERSION")));

/// The pool of requests without a body: every NeonPanel API call and most others.
type BodilessClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;
/// The pool of requests with a body (the OAuth token endpoints), rare and short.
type BodyClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// hyper's pooled clients, one per body type.
///
/// Why two: hyper hands each request to its connection through a channel that allocates
/// 32 requests at a time, and a busy keep-alive connection holds two such blocks. With a body
/// field a block is 8,992 bytes, just past the allocator's 8 KiB size class, so it takes
/// 10 KiB; with the zero-sized [`Empty`] body it is 7,968 bytes and fits in 8 KiB. Every
/// call waiting on NeonPanel holds one connection, so that is 4 KiB less per call in flight
/// (README "Performance").
#[derive(Clone)]
pub(super) struct Clients {
    bodiless: BodilessClient,
    with_body: BodyClient,
}

impl Clients {
    /// Keep-alive pools of as many idle connections per host as calls may be in flight, so a
    /// burst that ends does not close connections the next burst reopens.
    pub(super) fn new(config: &OutboundConfig, max_inflight: usize) -> Self {
        let connector = connector(config);
        Self {
            bodiless: pool(max_inflight).build(connector.clone()),
            with_body: pool(max_inflight).build(connector),
        }
    }

    /// Starts `method url` (absolute `http` or `https`) with `headers` and `body` on the pool
    /// for its body; hyper sends nothing until the returned future is polled.
    pub(super) fn request(
        &self,
        method: Method,
        url: url::Url,
        headers: Vec<(&'static str, String)>,
        body: Option<RequestBody>,
    ) -> Result<ResponseFuture, OutboundError> {
        let head = head(method, url, headers, body.as_ref())?;
        Ok(match body {
            None => self
                .bodiless
                .request(http::Request::from_parts(head, Empty::new())),
            Some(body) => {
                let bytes = encode_body(body)?;
                self.with_body
                    .request(http::Request::from_parts(head, Full::new(bytes)))
            }
        })
    }
}

fn connector(config: &OutboundConfig) -> HttpsConnector<HttpConnector> {
    let mut tcp = HttpConnector::new();
    // The TLS layer decides which schemes are allowed (`http` and `https`).
    tcp.enforce_http(false);
    // Requests are small and latency-bound: send them at once.
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(config.connect_timeout));
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config())
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp)
}

fn pool(max_inflight: usize) -> hyper_util::client::legacy::Builder {
    let mut builder = Client::builder(TokioExecutor::new());
    builder
        .pool_max_idle_per_host(max_inflight)
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_timer(TokioTimer::new());
    builder
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

/// The head of the request hyper sends: `url` must be absolute `http` or `https`.
fn head(
    method: Method,
    url: url::Url,
    headers: Vec<(&'static str, String)>,
    body: Option<&RequestBody>,
) -> Result<http::request::Parts, OutboundError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OutboundError::Transport(format!(
            "unsupported URL scheme {}",
            url.scheme()
        )));
    }
    let uri = http::Uri::try_from(String::from(url))
        .map_err(|e| OutboundError::Transport(format!("invalid URL: {e}")))?;
    let (mut head, ()) = http::Request::new(()).into_parts();
    head.method = match method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
    };
    head.uri = uri;
    let map = &mut head.headers;
    map.insert(USER_AGENT, AGENT);
    let content_type = match body {
        None => None,
        Some(RequestBody::Form(_)) => Some("application/x-www-form-urlencoded"),
        Some(RequestBody::Json(_)) => Some("application/json"),
    };
    if let Some(content_type) = content_type {
        map.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in headers {
        let value = HeaderValue::try_from(value)
            .map_err(|_| OutboundError::Transport(format!("invalid {name} header")))?;
        let name = HeaderName::try_from(name)
            .map_err(|_| OutboundError::Transport(format!("invalid header name {name}")))?;
        map.append(name, value);
    }
    if !map.contains_key(ACCEPT) {
        map.insert(ACCEPT, HeaderValue::from_static("*/*"));
    }
    Ok(head)
}

/// The bytes of `body`, as its content type says.
fn encode_body(body: RequestBody) -> Result<Bytes, OutboundError> {
    Ok(match body {
        RequestBody::Form(fields) => Bytes::from(form_encode(&fields)),
        RequestBody::Json(value) => Bytes::from(
            serde_json::to_vec(&value).map_err(|e| OutboundError::Transport(e.to_string()))?,
        ),
    })
}

/// Reads the body frame by frame and stops at the cap, so a huge or endless answer never sits
/// in memory whole.
pub(super) async fn read_capped(
    headers: &http::HeaderMap,
    mut body: hyper::body::Incoming,
) -> Result<Vec<u8>, OutboundError> {
    let limit = usize::try_from(MAX_RESPONSE_BYTES).unwrap_or(usize::MAX);
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
        return Err(OutboundError::TooLarge);
    }
    let hint = declared.unwrap_or(0).min(64 * 1024);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| OutboundError::Transport(chain(&e)))?;
        if let Ok(chunk) = frame.into_data() {
            if bytes.len().saturating_add(chunk.len()) > limit {
                return Err(OutboundError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok(bytes)
}

/// `application/x-www-form-urlencoded`, as browsers and OAuth servers expect it.
fn form_encode(fields: &[(String, String)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
        .into_bytes()
}

/// A failure before any answer: a connect timeout is a timeout, other connect failures are
/// `Connect`, the rest `Transport`. The text never holds the URL (it may carry a query).
pub(super) fn map_error(error: &hyper_util::client::legacy::Error) -> OutboundError {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return OutboundError::Timeout;
        }
        source = cause.source();
    }
    if error.is_connect() {
        OutboundError::Connect(chain(error))
    } else {
        OutboundError::Transport(chain(error))
    }
}

/// The error and its whole source chain, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut detail = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}
