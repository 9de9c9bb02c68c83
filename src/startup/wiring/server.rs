//! The listener, the HTTP settings built from the configuration, and the graceful stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use salvo::conn::tcp::TcpAcceptor;
use salvo::server::ServerHandle;

use crate::adapters::http::{HttpSettings, HttpState};
use crate::domain::principal::ScopeSet;
use crate::startup::config::Config;

/// What the HTTP adapter needs to know of `config`; `scopes_supported` is every scope a
/// tool may need.
pub(super) fn http_settings(config: &Config, scopes_supported: ScopeSet) -> HttpSettings {
    HttpSettings {
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
    }
}

/// Stops the server gracefully, in two phases. Draining: `/healthz` answers 503 while new
/// connections and requests are still served, so a load balancer takes the instance out of
/// rotation without a client seeing a refused connection. Then stopping: SSE streams end, the
/// listener closes, and in-flight calls get the rest of the grace.
#[derive(Clone)]
pub struct Shutdown {
    pub(super) state: Arc<HttpState>,
    pub(super) handle: ServerHandle,
    /// The whole budget from the signal to exit.
    pub(super) grace: Duration,
    /// The draining part of `grace`.
    pub(super) drain: Duration,
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

/// Pending connections the kernel queues before `accept`: a burst of new connections (a load
/// balancer warming up, hundreds of agents at once) waits there rather than being refused. 1024
/// is what axum and hyper servers commonly use; tokio's own default is 128.
const LISTEN_BACKLOG: u32 = 1024;

/// Binds `addr` with [`LISTEN_BACKLOG`] (and `SO_REUSEADDR`, as tokio does, so a restart does
/// not wait for old connections in `TIME_WAIT`).
pub(super) fn bind(addr: SocketAddr) -> std::io::Result<TcpAcceptor> {
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

pub(super) async fn wait_for_signal() {
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
