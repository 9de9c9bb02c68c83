//! The composition root: builds the adapters from configuration and runs the server
//! (`App::build` / `App::port` / `App::run_until_stopped`, the zero2prod shape).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use salvo::conn::Acceptor;
use salvo::conn::tcp::TcpAcceptor;
use salvo::prelude::*;
use salvo::server::ServerHandle;

use super::config::{ClientAuth, Config, RateLimitScope, UserSourceSettings};
use crate::adapters::http::{self, HttpSettings, HttpState};
use crate::adapters::issuer_metadata::CachedIssuerMetadata;
use crate::adapters::jwks::{JwksAuthenticator, JwksConfig, SystemClock, parse_algorithm};
use crate::adapters::metrics::Metrics;
use crate::adapters::metrics::serve::MetricsServer;
use crate::adapters::neonpanel::{
    ApiConfig, ClientAuthMethod, ClientCredentialsTokens, ExchangedUserCredentials,
    HttpNeonPanelApi, RequestedTokenType, ServiceTokenConfig, UnconfiguredServiceTokens,
    UserCredentialConfig, UserSource,
};
use crate::adapters::outbound::{Outbound, OutboundConfig};
use crate::adapters::probes::UpstreamProbe;
use crate::adapters::rate_limit::RedisRateLimit;
use crate::adapters::sessions::{self, MemorySessionBus, RedisSessionBus};
use crate::app::credentials::Credentials;
use crate::app::service::McpService;
use crate::app::tools::ToolRunner;
use crate::domain::policy::ToolPolicy;
use crate::domain::principal::ScopeSet;
use crate::domain::secret::Secret;
use crate::domain::tools::{Catalogue, ToolId};
use crate::ports::{
    Authenticator, HealthProbe, IssuerMetadata, NeonPanelApi, ServiceTokens, SessionBus,
    SharedRateLimit, UserCredentials,
};

/// The adapters behind the ports, as built by [`App::build`] or supplied by tests.
pub struct AppParts {
    pub authenticator: Arc<dyn Authenticator>,
    pub users: Arc<dyn UserCredentials>,
    pub service_tokens: Arc<dyn ServiceTokens>,
    pub api: Arc<dyn NeonPanelApi>,
    pub bus: Arc<dyn SessionBus>,
    pub probe: Arc<dyn HealthProbe>,
    pub issuer_metadata: Arc<dyn IssuerMetadata>,
    /// Where the adapters and the app record metrics; [`Metrics::off`] when not served.
    pub metrics: Metrics,
    /// The fleet-wide rate limit (`RATE_LIMIT_SCOPE=fleet`); `None` counts per instance.
    pub shared_rate_limit: Option<Arc<dyn SharedRateLimit>>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("{0}")]
    Adapter(String),
}

/// A bound, not yet running server.
pub struct App {
    server: Server<TcpAcceptor>,
    service: Service,
    local_addr: SocketAddr,
    shutdown: Shutdown,
    metrics: Option<MetricsServer>,
}

/// Stops the server gracefully, in two phases. Draining: `/healthz` answers 503 while new
/// connections and requests are still served, so a load balancer takes the instance out of
/// rotation without a client seeing a refused connection. Then stopping: SSE streams end, the
/// listener closes, and in-flight calls get the rest of the grace.
#[derive(Clone)]
pub struct Shutdown {
    state: Arc<HttpState>,
    handle: ServerHandle,
    /// The whole budget from the signal to exit.
    grace: Duration,
    /// The draining part of `grace`.
    drain: Duration,
}

impl Shutdown {
    /// Runs both phases; returns once the graceful stop has been requested. A second call
    /// while the first is running returns at once.
    pub async fn trigger(&self) {
        if self.state.draining.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!(
            drain_ms = u64::try_from(self.drain.as_millis()).unwrap_or(u64::MAX),
            grace_ms = u64::try_from(self.grace.as_millis()).unwrap_or(u64::MAX),
            "draining: /healthz answers 503, requests are still served"
        );
        tokio::time::sleep(self.drain).await;
        tracing::info!("shutting down: closing SSE streams and the listener");
        // salvo's graceful stop waits for every connection; SSE streams never end by
        // themselves, so end them first.
        self.state.bus.close_all().await;
        self.handle
            .stop_graceful(self.grace.saturating_sub(self.drain));
    }
}

/// Per-tool policies: defaults from the catalogue, overridden by `TOOL_AUTH_MODES`;
/// `PLAN_PURCHASE_SCOPE` applies when plan_purchase runs in `user` mode.
#[must_use]
pub fn policies(config: &Config, catalogue: &Catalogue) -> HashMap<ToolId, ToolPolicy> {
    catalogue
        .iter()
        .map(|spec| {
            let mode = config
                .tool_modes
                .get(spec.name)
                .copied()
                .unwrap_or(spec.default_mode);
            let extra_scopes = match (&config.plan_purchase_scope, spec.id, mode) {
                (Some(scope), ToolId::PlanPurchase, crate::domain::policy::AuthMode::User) => {
                    ScopeSet::parse(scope)
                }
                _ => ScopeSet::default(),
            };
            (spec.id, ToolPolicy { mode, extra_scopes })
        })
        .collect()
}

impl AppParts {
    /// The production adapters for `config`: JWKS verification, NeonPanel over HTTP, the
    /// configured user-credential source and service token, in-memory SSE sessions.
    ///
    /// # Errors
    /// [`StartupError::Adapter`] when an adapter refuses its configuration.
    pub async fn from_config(config: &Config) -> Result<Self, StartupError> {
        let metrics = if config.metrics_addr.is_some() {
            Metrics::new()
        } else {
            Metrics::off()
        };
        let outbound = Outbound::new(&OutboundConfig {
            connect_timeout: Duration::from_secs(2),
            total_timeout: config.http_timeout,
            max_inflight: config.max_inflight,
        })
        .with_metrics(metrics.clone());
        let clock: Arc<dyn crate::ports::Clock> = Arc::new(SystemClock);
        let auth = &config.auth;
        let mut jwks = JwksConfig::new(&auth.jwks_uri, &auth.issuer, auth.audiences.clone());
        jwks.algorithms = auth
            .algorithms
            .iter()
            .map(|a| parse_algorithm(a))
            .collect::<Result<_, _>>()
            .map_err(|e| StartupError::Adapter(format!("NEONPANEL_OAUTH_ALGORITHMS: {e}")))?;
        jwks.leeway_secs = auth.leeway_secs;
        jwks.tenant_claim.clone_from(&auth.tenant_claim);
        let authenticator = JwksAuthenticator::new(jwks, outbound.clone(), Arc::clone(&clock))
            .map_err(|e| StartupError::Adapter(format!("token verification: {e}")))?
            .with_metrics(metrics.clone());
        let method = |auth: ClientAuth| match auth {
            ClientAuth::Post => ClientAuthMethod::Post,
            ClientAuth::Basic => ClientAuthMethod::Basic,
        };
        let service_tokens: Arc<dyn ServiceTokens> = match &config.client {
            Some(client) => Arc::new(ClientCredentialsTokens::new(
                ServiceTokenConfig {
                    token_url: client.token_url.clone(),
                    client_id: client.client_id.clone(),
                    client_secret: client.client_secret.clone(),
                    scope: client.scope.clone(),
                    audience: client.audience.clone(),
                    auth_method: method(client.auth),
                },
                outbound.clone(),
                Arc::clone(&clock),
            )),
            None => Arc::new(UnconfiguredServiceTokens),
        };
        let source = match (&config.user_source, &config.client) {
            (UserSourceSettings::UserJwtEndpoint(url), _) => {
                UserSource::UserJwtEndpoint { url: url.clone() }
            }
            (UserSourceSettings::Introspection(url), Some(client)) => UserSource::Introspection {
                url: url.clone(),
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                auth_method: method(client.auth),
            },
            (UserSourceSettings::TokenExchange, Some(client)) => UserSource::TokenExchange {
                token_url: client.token_url.clone(),
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                auth_method: method(client.auth),
                audience: client.audience.clone(),
                scope: client.scope.clone(),
                requested_token_type: RequestedTokenType::Jwt,
            },
            (UserSourceSettings::Passthrough, _) => {
                tracing::warn!(
                    "NEONPANEL_ALLOW_TOKEN_PASSTHROUGH is on: inbound access tokens are sent to \
                     NeonPanel, which the MCP authorization spec forbids (token passthrough)"
                );
                UserSource::Passthrough
            }
            _ => UserSource::None,
        };
        let users = ExchangedUserCredentials::new(
            UserCredentialConfig::new(source),
            outbound.clone(),
            clock,
        )
        .with_metrics(metrics.clone());
        let outbound_for_metadata = outbound.clone();
        // Several instances share legacy SSE sessions through Redis (README, "Running in production").
        let redis = match &config.redis_url {
            Some(url) => Some(connect_redis(url, config.redis_ca_file.as_deref()).await?),
            None => None,
        };
        let shared_rate_limit = match (&redis, config.rate_limit_scope) {
            (Some(redis), RateLimitScope::Fleet) => Some(Arc::new(RedisRateLimit::new(
                redis.connection(),
                "neonpanel-mcp",
            ))
                as Arc<dyn SharedRateLimit>),
            _ => None,
        };
        let bus: Arc<dyn SessionBus> = match &redis {
            Some(redis) => Arc::clone(redis) as Arc<dyn SessionBus>,
            None => Arc::new(MemorySessionBus::new()),
        };
        let probe = UpstreamProbe::new(
            outbound.clone(),
            config.auth.jwks_uri.clone(),
            Arc::clone(&service_tokens),
            redis,
        );
        let api = HttpNeonPanelApi::new(
            ApiConfig {
                base_url: config.api_base.clone(),
                ..ApiConfig::default()
            },
            outbound,
        );
        Ok(Self {
            authenticator: Arc::new(authenticator),
            users: Arc::new(users),
            service_tokens,
            api: Arc::new(api),
            bus,
            probe: Arc::new(probe),
            issuer_metadata: Arc::new(CachedIssuerMetadata::new(
                outbound_for_metadata,
                config.auth.issuer.clone(),
            )),
            metrics,
            shared_rate_limit,
        })
    }
}

/// The Redis session bus, over TLS for `rediss://` (trusting `ca_file` when given).
pub async fn connect_redis(
    url: &Secret,
    ca_file: Option<&Path>,
) -> Result<Arc<RedisSessionBus>, StartupError> {
    let ca = match ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            StartupError::Adapter(format!(
                "REDIS_CA_FILE: cannot read {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let client = sessions::redis::client(url.expose(), ca.as_deref())
        .map_err(|e| StartupError::Adapter(format!("REDIS_URL: {e}")))?;
    RedisSessionBus::connect(client, "neonpanel-mcp")
        .await
        .map_err(|e| StartupError::Adapter(format!("REDIS_URL: {e}")))
}

impl App {
    /// Builds the production app for `config` and binds its listener.
    ///
    /// # Errors
    /// As [`AppParts::from_config`] and [`App::from_parts`].
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        Self::from_parts(config, AppParts::from_config(config).await?).await
    }

    /// Builds the app over `parts` and binds its listener (port 0 picks a free port).
    ///
    /// # Errors
    /// [`StartupError::Bind`] when the address cannot be bound.
    pub async fn from_parts(config: &Config, parts: AppParts) -> Result<Self, StartupError> {
        let catalogue = Catalogue::standard();
        let policies = policies(config, &catalogue);
        let mut scopes_supported = config.auth.required_scopes.clone();
        for policy in policies.values() {
            scopes_supported = scopes_supported.union(&policy.extra_scopes);
        }
        let settings = HttpSettings {
            resource_url: config.resource_url.clone(),
            issuer: config.auth.issuer.clone(),
            required_scopes: config.auth.required_scopes.clone(),
            scopes_supported,
            max_body_bytes: config.max_body_bytes,
            body_read_timeout: config.body_read_timeout,
            heartbeat: config.heartbeat,
            enable_sse: config.enable_sse,
            enable_streamable_http: config.enable_streamable_http,
            allowed_origins: config.allowed_origins.clone(),
            cors_allowed_origins: config.cors_allowed_origins.clone(),
            allowed_hosts: config.allowed_hosts.clone(),
            loopback_listener: config.listen.ip().is_loopback(),
            rate_limit_per_minute: config.rate_limit_per_minute,
            trust_forwarded_for: config.trust_forwarded_for,
            max_concurrent_requests: config.max_concurrent_requests,
        };
        let credentials = Credentials::new(
            parts.users,
            parts.service_tokens,
            Arc::clone(&parts.api),
            settings.metadata_url("/mcp"),
        );
        let runner = ToolRunner::new(credentials, parts.api, policies, config.page_size);
        let mcp = Arc::new(
            McpService::new(catalogue, runner, &config.auth.required_scopes, 100)
                .with_telemetry(Arc::new(parts.metrics.clone())),
        );
        let state = Arc::new(HttpState {
            mcp,
            authenticator: parts.authenticator,
            bus: parts.bus,
            probe: parts.probe,
            issuer_metadata: parts.issuer_metadata,
            shared_rate_limit: parts.shared_rate_limit,
            settings,
            draining: AtomicBool::new(false),
            metrics: parts.metrics.clone(),
        });
        let metrics =
            match config.metrics_addr {
                Some(addr) => Some(MetricsServer::bind(addr, &parts.metrics).await.map_err(
                    |e| StartupError::Bind {
                        addr,
                        reason: e.to_string(),
                    },
                )?),
                None => None,
            };
        let acceptor = bind(config.listen).map_err(|e| StartupError::Bind {
            addr: config.listen,
            reason: e.to_string(),
        })?;
        let local_addr = acceptor
            .holdings()
            .first()
            .and_then(|h| h.local_addr.clone().into_std())
            .unwrap_or(config.listen);
        let server = Server::new(acceptor)
            .fuse_policy(http::PerIpConnections::new(config.max_connections_per_ip));
        let shutdown = Shutdown {
            state: Arc::clone(&state),
            handle: server.handle(),
            grace: config.shutdown_grace,
            drain: config.shutdown_drain,
        };
        Ok(Self {
            server,
            service: http::service(&state),
            local_addr,
            shutdown,
            metrics,
        })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `/metrics` is served, when `METRICS_ADDR` is set.
    #[must_use]
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(MetricsServer::local_addr)
    }

    /// A handle that stops this app gracefully.
    #[must_use]
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Serves until a shutdown is triggered (by the handle, SIGTERM or Ctrl-C).
    pub async fn run_until_stopped(self) {
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            shutdown.trigger().await;
        });
        // Metrics stay up while the app drains, so the drain itself can be watched.
        let metrics = self.metrics.map(MetricsServer::spawn);
        self.server.serve(self.service).await;
        if let Some(metrics) = metrics {
            metrics.stop().await;
        }
    }
}

/// Pending connections the kernel queues before `accept`: a burst of new connections (a load
/// balancer warming up, hundreds of agents at once) waits there rather than being refused. 1024
/// is what axum and hyper servers commonly use; tokio's own default is 128.
const LISTEN_BACKLOG: u32 = 1024;

/// Binds `addr` with [`LISTEN_BACKLOG`] (and `SO_REUSEADDR`, as tokio does, so a restart does
/// not wait for old connections in `TIME_WAIT`).
fn bind(addr: SocketAddr) -> std::io::Result<TcpAcceptor> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    TcpAcceptor::try_from(socket.listen(LISTEN_BACKLOG)?)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
