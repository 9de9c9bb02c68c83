//! The composition root: builds the adapters from configuration and runs the server
//! (`App::build` / `App::port` / `App::run_until_stopped`, the zero2prod shape). Each concern
//! builds its adapters' configuration from the settings in its own module: `server`
//! (listener, HTTP settings, graceful stop), `auth`, `upstream` (NeonPanel) and `sessions`.

mod auth;
mod server;
mod sessions;
mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use salvo::conn::Acceptor;
use salvo::conn::tcp::TcpAcceptor;
use salvo::prelude::*;

use super::config::Config;
use crate::adapters::http::{self, HttpState};
use crate::adapters::issuer_metadata::CachedIssuerMetadata;
use crate::adapters::jwks::SystemClock;
use crate::adapters::metrics::Metrics;
use crate::adapters::metrics::serve::MetricsServer;
use crate::adapters::outbound::{Outbound, OutboundConfig};
use crate::adapters::probes::UpstreamProbe;
use crate::app::credentials::Credentials;
use crate::app::service::{McpService, TOOLS_PAGE_SIZE};
use crate::app::tools::{Catalogue, ToolRunner};
use crate::ports::{
    Authenticator, Clock, HealthProbe, IssuerMetadata, NeonPanelApi, ServiceTokens, SessionBus,
    SharedRateLimit, UserCredentials,
};

pub use server::Shutdown;
pub use sessions::connect_redis;
pub use upstream::policies;
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

impl AppParts {
    /// The production adapters for `config`: JWKS verification, NeonPanel over HTTP, the
    /// configured user-credential source and service token, SSE sessions in memory or Redis.
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
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let jwks = auth::authenticator(&config.auth, &outbound, &clock, &metrics)?;
        // The issuer's JWTs are the default proof; IAM callers (`aws-sts-v1.`) when configured.
        let authenticator = super::iam::with_iam_callers(config, Arc::new(jwks), &outbound, &clock);
        let service_tokens = upstream::service_tokens(config.client.as_ref(), &outbound, &clock);
        let users = upstream::user_credentials(config, &outbound, clock, &metrics);
        let sessions = sessions::session_parts(config).await?;
        let probe = UpstreamProbe::new(
            outbound.clone(),
            config.auth.jwks_uri.clone(),
            Arc::clone(&service_tokens),
            sessions.redis,
        );
        let issuer_metadata =
            CachedIssuerMetadata::new(outbound.clone(), config.auth.issuer.clone());
        Ok(Self {
            authenticator: Arc::new(authenticator),
            users: Arc::new(users),
            service_tokens,
            api: Arc::new(upstream::api(config, outbound)),
            bus: sessions.bus,
            probe: Arc::new(probe),
            issuer_metadata: Arc::new(issuer_metadata),
            metrics,
            shared_rate_limit: sessions.shared_rate_limit,
        })
    }
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
        let catalogue = Catalogue::standard().select(&config.tools);
        let policies = policies(config, &catalogue);
        let scopes_supported = config.auth.required_scopes.union(&policies.extra_scopes());
        let settings = server::http_settings(config, scopes_supported);
        let credentials = Credentials::new(
            parts.users,
            parts.service_tokens,
            Arc::clone(&parts.api),
            settings.metadata_url("/mcp"),
        );
        let runner = ToolRunner::new(credentials, parts.api, policies, config.page_size)
            .with_record_urls(config.record_urls.clone());
        let mcp = Arc::new(
            McpService::new(
                catalogue,
                runner,
                &config.auth.required_scopes,
                TOOLS_PAGE_SIZE,
            )
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
        let acceptor = server::bind(config.listen).map_err(|e| StartupError::Bind {
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
            server::wait_for_signal().await;
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
