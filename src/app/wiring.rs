//! The composition root: builds the adapters from configuration and runs the server
//! (`App::build` / `App::port` / `App::run_until_stopped`, the zero2prod shape).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use salvo::conn::Acceptor;
use salvo::conn::tcp::TcpAcceptor;
use salvo::prelude::*;
use salvo::server::ServerHandle;

use super::config::Config;
use super::credentials::Credentials;
use super::service::McpService;
use super::tools::ToolRunner;
use crate::adapters::http::{HttpSettings, HttpState, router};
use crate::domain::policy::ToolPolicy;
use crate::domain::principal::ScopeSet;
use crate::domain::tools::{Catalogue, ToolId};
use crate::ports::{Authenticator, NeonPanelApi, ServiceTokens, SessionBus, UserCredentials};

/// The adapters behind the ports, as built by [`App::build`] or supplied by tests.
pub struct AppParts {
    pub authenticator: Arc<dyn Authenticator>,
    pub users: Arc<dyn UserCredentials>,
    pub service_tokens: Arc<dyn ServiceTokens>,
    pub api: Arc<dyn NeonPanelApi>,
    pub bus: Arc<dyn SessionBus>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: salvo::Error,
    },
    #[error("{0}")]
    Adapter(String),
}

/// A bound, not yet running server.
pub struct App {
    server: Server<TcpAcceptor>,
    router: Router,
    local_addr: SocketAddr,
    shutdown: Shutdown,
}

/// Stops the server gracefully: health turns 503, SSE streams end, in-flight calls finish.
#[derive(Clone)]
pub struct Shutdown {
    state: Arc<HttpState>,
    handle: ServerHandle,
    grace: Duration,
}

impl Shutdown {
    pub async fn trigger(&self) {
        if self.state.draining.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!(grace_ms = self.grace.as_millis(), "shutting down");
        // salvo's graceful stop waits for every connection; SSE streams never end by
        // themselves, so end them first.
        self.state.bus.close_all().await;
        self.handle.stop_graceful(self.grace);
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

impl App {
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
            heartbeat: config.heartbeat,
            enable_sse: config.enable_sse,
            enable_streamable_http: config.enable_streamable_http,
        };
        let credentials = Credentials::new(
            parts.users,
            parts.service_tokens,
            Arc::clone(&parts.api),
            settings.metadata_url("/mcp"),
        );
        let runner = ToolRunner::new(credentials, parts.api, policies, config.page_size);
        let service = Arc::new(McpService::new(
            catalogue,
            runner,
            &config.auth.required_scopes,
            100,
        ));
        let state = Arc::new(HttpState {
            service,
            authenticator: parts.authenticator,
            bus: parts.bus,
            settings,
            draining: AtomicBool::new(false),
        });
        let acceptor = TcpListener::new(config.listen)
            .try_bind()
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.listen,
                source,
            })?;
        let local_addr = acceptor
            .holdings()
            .first()
            .and_then(|h| h.local_addr.clone().into_std())
            .unwrap_or(config.listen);
        let server = Server::new(acceptor);
        let shutdown = Shutdown {
            state: Arc::clone(&state),
            handle: server.handle(),
            grace: config.shutdown_grace,
        };
        Ok(Self {
            server,
            router: router(&state),
            local_addr,
            shutdown,
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
        self.server.serve(Service::new(self.router)).await;
    }
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
