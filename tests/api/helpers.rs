//! `spawn_app`: the real server on an OS-chosen port, with port doubles behind it.

use std::net::SocketAddr;
use std::sync::Arc;

use neonpanel_mcp::adapters::sessions::MemorySessionBus;
use neonpanel_mcp::ports::Authenticator;
use neonpanel_mcp::startup::wiring::{App, AppParts, Shutdown};

use super::doubles;

pub use neonpanel_mcp::startup::config::Settings;

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub shutdown: Shutdown,
    pub http: reqwest::Client,
    /// The health probe double, when the app was built over doubles.
    pub probe: Option<Arc<doubles::HealthyProbe>>,
}

impl TestApp {
    pub fn probe_runs(&self) -> usize {
        self.probe
            .as_ref()
            .map_or(0, |p| p.runs.load(std::sync::atomic::Ordering::SeqCst))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /mcp` with ALICE's token, JSON accepted, and extra headers.
    pub async fn post_mcp(&self, body: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/mcp"))
            .bearer_auth(doubles::ALICE)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request sent")
    }
}

/// Settings of a test server: loopback, port 0, short heartbeats.
pub fn settings() -> Settings {
    Settings {
        host: Some("127.0.0.1".into()),
        port: Some("0".into()),
        oauth_issuer: Some("https://issuer.test".into()),
        oauth_jwks_uri: Some("https://issuer.test/jwks".into()),
        oauth_required_scopes: Some("neonpanel:read".into()),
        resource_url: Some("http://127.0.0.1/mcp".into()),
        sse_heartbeat_ms: Some("200".into()),
        // Tests that stop the server do not wait for a load balancer; drain tests set their own.
        shutdown_drain_ms: Some("0".into()),
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(settings(), doubles::api()).await
}

pub async fn spawn_app_with(settings: Settings, api: doubles::MockApi) -> TestApp {
    spawn_app_authenticated_by(settings, api, Arc::new(doubles::authenticator())).await
}

/// As [`spawn_app_with`], with `authenticator` verifying every request's credential.
pub async fn spawn_app_authenticated_by(
    settings: Settings,
    api: doubles::MockApi,
    authenticator: Arc<dyn Authenticator>,
) -> TestApp {
    let config = settings.validate().expect("test settings are valid");
    let probe = Arc::new(doubles::HealthyProbe::default());
    let parts = AppParts {
        authenticator,
        users: Arc::new(doubles::users()),
        service_tokens: Arc::new(doubles::service_tokens()),
        api: Arc::new(api),
        bus: Arc::new(MemorySessionBus::new()),
        probe: Arc::clone(&probe) as _,
        issuer_metadata: Arc::new(doubles::StaticIssuerMetadata),
        metrics: neonpanel_mcp::adapters::metrics::Metrics::new(),
        shared_rate_limit: None,
    };
    let app = App::from_parts(&config, parts).await.expect("app builds");
    let addr = app.local_addr();
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        base: format!("http://{addr}"),
        shutdown,
        http: reqwest::Client::new(),
        probe: Some(probe),
    }
}
