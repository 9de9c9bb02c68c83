//! `GET /metrics` on a listener of its own (`METRICS_ADDR`). Its router is never pushed onto the
//! public one, so the public port answers 404 there.

use std::io;
use std::net::SocketAddr;

use salvo::conn::Acceptor;
use salvo::conn::tcp::TcpAcceptor;
use salvo::http::HeaderValue;
use salvo::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use salvo::prelude::*;
use salvo::server::ServerHandle;

use super::{Format, Metrics};

/// Answers a scrape with the current exposition.
struct Scrape {
    metrics: Metrics,
}

#[async_trait]
impl Handler for Scrape {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok());
        let format = Format::negotiate(accept);
        let body = self.metrics.render(format);
        let headers = res.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res.body(body);
    }
}

/// The metrics listener's only route; anything else is 404.
#[must_use]
pub fn router(metrics: &Metrics) -> Router {
    Router::new().push(Router::with_path("metrics").get(Scrape {
        metrics: metrics.clone(),
    }))
}

/// The bound, not yet running metrics listener.
pub struct MetricsServer {
    server: Server<TcpAcceptor>,
    service: Service,
    local_addr: SocketAddr,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// The I/O error when `addr` cannot be bound.
    pub async fn bind(addr: SocketAddr, metrics: &Metrics) -> io::Result<Self> {
        let acceptor = TcpListener::new(addr)
            .try_bind()
            .await
            .map_err(|e| io::Error::other(e.to_string()))?;
        let local_addr = acceptor
            .holdings()
            .first()
            .and_then(|h| h.local_addr.clone().into_std())
            .unwrap_or(addr);
        Ok(Self {
            server: Server::new(acceptor),
            service: Service::new(router(metrics)),
            local_addr,
        })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Starts serving on a task of its own.
    #[must_use]
    pub fn spawn(self) -> RunningMetrics {
        tracing::info!(addr = %self.local_addr, "metrics served on /metrics");
        let handle = self.server.handle();
        let task = tokio::spawn(self.server.serve(self.service));
        RunningMetrics { handle, task }
    }
}

/// A metrics listener that is serving.
pub struct RunningMetrics {
    handle: ServerHandle,
    task: tokio::task::JoinHandle<()>,
}

impl RunningMetrics {
    /// Stops at once: a scrape in progress is cut, the next one finds the port closed.
    pub async fn stop(self) {
        self.handle.stop_forceful();
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use salvo::test::{ResponseExt, TestClient};

    use super::*;
    use crate::adapters::metrics::Route;
    use crate::ports::{Telemetry, ToolOutcome};

    #[tokio::test]
    async fn metrics_route_answers_the_format_the_scraper_asks_for() {
        // Arrange
        let metrics = Metrics::new();
        metrics.request(Route::Mcp, 200, std::time::Duration::from_millis(3));
        metrics.tool_call(None, ToolOutcome::UnknownTool, std::time::Duration::ZERO);
        let service = Service::new(router(&metrics));

        // Act
        let mut classic = TestClient::get("http://127.0.0.1/metrics")
            .send(&service)
            .await;
        let mut open = TestClient::get("http://127.0.0.1/metrics")
            .add_header(ACCEPT, "application/openmetrics-text;version=1.0.0", true)
            .send(&service)
            .await;
        let other = TestClient::get("http://127.0.0.1/mcp").send(&service).await;

        // Assert
        assert_eq!(classic.status_code, Some(StatusCode::OK));
        assert_eq!(
            classic.headers().get(CONTENT_TYPE).unwrap(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = classic.take_string().await.unwrap();
        assert!(
            text.contains("neonpanel_mcp_http_requests_total{route=\"/mcp\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(!text.contains("# EOF"));
        assert!(
            open.headers()
                .get(CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text")
        );
        let text = open.take_string().await.unwrap();
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert!(text.contains("# UNIT neonpanel_mcp_tool_call_duration_seconds seconds"));
        assert_eq!(other.status_code, Some(StatusCode::NOT_FOUND));
    }
}
