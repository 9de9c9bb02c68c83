//! The salvo HTTP surface (docs/design.md §2): routes, the auth hoop, both MCP transports, health
//! and discovery documents. Domain and app errors are mapped to the wire here and only here.

mod access;
mod auth;
mod body;
mod caller;
mod challenge;
mod connections;
mod event_stream;
mod health;
mod limits;
mod rebinding;
mod reply;
mod sse;
mod streamable;
mod well_known;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use salvo::prelude::*;

use crate::adapters::metrics::Metrics;
use crate::domain::principal::ScopeSet;
use crate::ports::{
    Authenticator, HealthProbe, IssuerMetadata, McpHandler, SessionBus, SharedRateLimit,
};

pub(crate) use access::McpFacts;
pub(crate) use auth::AuthHoop;
pub(crate) use connections::PerIpConnections;
pub use rebinding::HostCheck;

/// What the HTTP layer needs to know of the configuration.
#[derive(Clone, Debug)]
pub(crate) struct HttpSettings {
    /// Canonical MCP URL (`MCP_RESOURCE_URL`), e.g. `https://mcp.example.com/mcp`.
    pub resource_url: String,
    /// Token issuer, advertised as the authorization server (RFC 9728 §2).
    pub issuer: String,
    /// Scopes every call needs.
    pub required_scopes: ScopeSet,
    /// Every scope any tool may need (`scopes_supported`).
    pub scopes_supported: ScopeSet,
    pub max_body_bytes: usize,
    /// Deadline for a JSON-RPC POST body to arrive in full (408 past it).
    pub body_read_timeout: Duration,
    pub heartbeat: Duration,
    pub enable_sse: bool,
    pub enable_streamable_http: bool,
    /// Browser origins allowed to call (`ALLOWED_ORIGINS` and `CORS_ALLOWED_ORIGINS`).
    pub allowed_origins: Vec<String>,
    /// Origins CORS answers for; CORS is off when empty.
    pub cors_allowed_origins: Vec<String>,
    /// `Host` values answered (`ALLOWED_HOSTS`); loopback names always are.
    pub allowed_hosts: HostCheck,
    /// The listener is a loopback address: loopback Origins on any port are then allowed.
    pub loopback_listener: bool,
    /// Per subject (or IP), 0 = unlimited.
    pub rate_limit_per_minute: u32,
    /// Read the client IP from `X-Forwarded-For` (behind a trusted load balancer only).
    pub trust_forwarded_for: bool,
    /// JSON-RPC requests in progress at once.
    pub max_concurrent_requests: usize,
}

impl HttpSettings {
    /// Scheme and authority of the resource URL.
    #[must_use]
    pub(crate) fn origin(&self) -> &str {
        crate::domain::resource::origin_of(&self.resource_url)
    }

    /// RFC 9728 §3.1: the well-known segment is inserted before the resource's path.
    #[must_use]
    pub(crate) fn metadata_url(&self, resource_path: &str) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource{resource_path}",
            self.origin()
        )
    }
}

/// Shared state of every handler.
pub(crate) struct HttpState {
    /// The application, through the driving port.
    pub mcp: Arc<dyn McpHandler>,
    pub authenticator: Arc<dyn Authenticator>,
    pub bus: Arc<dyn SessionBus>,
    pub probe: Arc<dyn HealthProbe>,
    pub issuer_metadata: Arc<dyn IssuerMetadata>,
    /// Counts the rate limit for the whole fleet (`RATE_LIMIT_SCOPE=fleet`).
    pub shared_rate_limit: Option<Arc<dyn SharedRateLimit>>,
    pub settings: HttpSettings,
    /// Set on shutdown: health turns 503 and new SSE streams are refused.
    pub draining: AtomicBool,
    /// This instance's metrics (recorded here, served on their own listener).
    pub metrics: Metrics,
}

/// Builds the router for `state`: request id and access log outermost, then the Host and Origin
/// checks, then per route the auth hoop, the rate limit (keyed by the subject it proved) and,
/// on the JSON-RPC POST routes, the body read (under its deadline) and only then the
/// concurrency cap.
#[must_use]
pub(crate) fn router(state: &Arc<HttpState>) -> Router {
    let settings = &state.settings;
    let rate = limits::RateLimit::new(settings.rate_limit_per_minute, settings.trust_forwarded_for)
        .with_shared(state.shared_rate_limit.clone());
    let busy = limits::ConcurrencyLimit::new(settings.max_concurrent_requests);
    let body = || body::ReadBody::new(settings.max_body_bytes, settings.body_read_timeout);
    let mut origins = settings.allowed_origins.clone();
    origins.extend(settings.cors_allowed_origins.iter().cloned());
    let mut router = Router::new()
        .hoop(access::AccessLog::new(state.metrics.clone()))
        .hoop(rebinding::HostGuard::new(settings.allowed_hosts.clone()))
        .hoop(limits::OriginGuard::new(
            origins,
            settings.loopback_listener,
        ))
        // Never rate-limited: load-balancer health checks come from a few addresses.
        .push(Router::with_path("healthz").get(health::Health::new(state)))
        .push(well_known::routes(state).hoop(rate.clone()))
        .push(
            Router::with_path(".well-known/oauth-authorization-server")
                .hoop(rate.clone())
                .get(well_known::AuthorizationServer::new(state)),
        );
    if settings.enable_streamable_http {
        router = router.push(
            Router::with_path("mcp")
                .hoop(AuthHoop::new(state, "/mcp", rate.clone()))
                .hoop(rate.clone())
                .push(
                    Router::new()
                        .hoop(body())
                        .hoop(busy.clone())
                        .post(streamable::McpPost::new(state)),
                )
                .get(streamable::MethodNotAllowed)
                .delete(streamable::MethodNotAllowed),
        );
    }
    if settings.enable_sse {
        router = router
            .push(
                Router::with_path("sse")
                    .hoop(AuthHoop::new(state, "/sse", rate.clone()))
                    .hoop(rate.clone())
                    .get(sse::SseOpen::new(state)),
            )
            .push(
                Router::with_path("messages")
                    .hoop(AuthHoop::new(state, "/sse", rate.clone()))
                    .hoop(rate)
                    .hoop(body())
                    .hoop(busy)
                    .post(sse::SsePost::new(state)),
            );
    }
    router
}

/// The service: the router, behind CORS when `CORS_ALLOWED_ORIGINS` is set (preflights are
/// answered before routing, so they never meet the auth hoop).
#[must_use]
pub(crate) fn service(state: &Arc<HttpState>) -> Service {
    let service = Service::new(router(state));
    let origins = &state.settings.cors_allowed_origins;
    if origins.is_empty() {
        return service;
    }
    let cors = salvo::cors::Cors::new()
        .allow_origin(origins.iter().map(String::as_str).collect::<Vec<_>>())
        .allow_methods(vec![
            salvo::http::Method::GET,
            salvo::http::Method::POST,
            salvo::http::Method::DELETE,
        ])
        .allow_headers(vec![
            "authorization",
            "content-type",
            "accept",
            "mcp-protocol-version",
            "mcp-method",
            "mcp-name",
            "mcp-session-id",
            "last-event-id",
            "x-request-id",
        ])
        .expose_headers(vec![
            "www-authenticate",
            "mcp-session-id",
            "x-request-id",
            "retry-after",
        ])
        .into_handler();
    service.hoop(cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> HttpSettings {
        HttpSettings {
            resource_url: url.into(),
            issuer: String::new(),
            required_scopes: ScopeSet::default(),
            scopes_supported: ScopeSet::default(),
            max_body_bytes: 1,
            body_read_timeout: Duration::from_secs(1),
            heartbeat: Duration::from_secs(1),
            enable_sse: true,
            enable_streamable_http: true,
            allowed_origins: Vec::new(),
            cors_allowed_origins: Vec::new(),
            allowed_hosts: HostCheck::Off,
            loopback_listener: false,
            rate_limit_per_minute: 0,
            trust_forwarded_for: false,
            max_concurrent_requests: 1,
        }
    }

    #[test]
    fn metadata_url_inserts_the_well_known_segment_before_the_path() {
        let s = settings("https://mcp.example.com/mcp");
        assert_eq!(s.origin(), "https://mcp.example.com");
        assert_eq!(
            s.metadata_url("/mcp"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            settings("http://127.0.0.1:3000").origin(),
            "http://127.0.0.1:3000"
        );
    }
}
