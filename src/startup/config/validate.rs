//! [`Settings`] → [`Config`]: every value parsed and every rule checked, all problems
//! collected (docs/design.md §8), so that one start shows the operator everything to fix.

mod infra;
mod upstream;

use std::net::SocketAddr;
use std::time::Duration;

use super::flags::Settings;
use super::raw::{count, list, number, present, switch, url};
use super::settings::{AuthSettings, Config, ConfigErrors, LogFormat};
use super::{aws_iam, hosts};
use crate::app::tools::{Catalogue, ToolSelection};
use crate::domain::pagination::PageSize;
use crate::domain::principal::ScopeSet;
use crate::domain::records::RecordUrls;
use crate::domain::resource::sse_resource_of;

/// Drain window when `SHUTDOWN_DRAIN_MS` is unset (capped at the grace): long enough for a
/// load balancer's health check to see the 503 once or for it to finish deregistering.
const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// The JWS algorithms a token may be signed with: asymmetric only (RFC 8725 §3.1: never
/// `none`, and no HMAC, whose key would be the public JWKS).
const ALGORITHMS: [&str; 8] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
];

impl Settings {
    /// Checks everything and builds the typed [`Config`].
    ///
    /// # Errors
    /// [`ConfigErrors`] listing every missing or invalid setting, one line each, each naming
    /// its environment variable.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let config = self.check(&mut errors);
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// Builds the configuration, with defaults standing in for invalid values, and records
    /// every problem in `errors` (the result is only used when there is none).
    fn check(&self, errors: &mut Vec<String>) -> Config {
        let agentcore = switch("AGENTCORE", self.agentcore.as_ref(), errors).unwrap_or(false);
        let port = number(
            "PORT",
            self.port.as_ref(),
            "a port number (0-65535)",
            errors,
        )
        .unwrap_or(if agentcore { 8000 } else { 3000 });
        let host = present(self.host.as_ref()).unwrap_or("0.0.0.0");
        let listen = format!("{host}:{port}")
            .parse::<SocketAddr>()
            .unwrap_or_else(|_| {
                errors.push(format!("HOST: {host:?} is not an IP address"));
                SocketAddr::from(([0, 0, 0, 0], port))
            });
        let log_format = match present(self.log_format.as_ref()).unwrap_or("pretty") {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => {
                errors.push(format!(
                    "LOG_FORMAT: expected json or pretty, got {other:?}"
                ));
                LogFormat::Pretty
            }
        };
        let resource_url = url("MCP_RESOURCE_URL", self.resource_url.as_ref(), errors)
            .unwrap_or_else(|| format!("http://localhost:{port}/mcp"));
        let enable_sse =
            switch("ENABLE_SSE", self.enable_sse.as_ref(), errors).unwrap_or(true) && !agentcore;
        let auth = self.auth(&resource_url, enable_sse, errors);
        let allowed_hosts = hosts::host_check(
            present(self.allowed_hosts.as_ref()),
            agentcore,
            &resource_url,
            errors,
        );
        let page_size = match count("NEONPANEL_PAGE_SIZE", self.page_size.as_ref(), errors)
            .map(PageSize::new)
        {
            None => PageSize::default(),
            Some(Ok(size)) => size,
            Some(Err(e)) => {
                errors.push(format!("NEONPANEL_PAGE_SIZE: {e}"));
                PageSize::default()
            }
        };
        let client = self.client_settings(errors);
        let user_source = self.user_source(client.is_some(), errors);
        let max_body_bytes = count("MAX_BODY_BYTES", self.max_body_bytes.as_ref(), errors);
        if max_body_bytes == Some(0) {
            errors.push("MAX_BODY_BYTES: must be greater than 0".into());
        }
        let body_read_timeout_ms = count(
            "BODY_READ_TIMEOUT_MS",
            self.body_read_timeout_ms.as_ref(),
            errors,
        );
        if body_read_timeout_ms == Some(0) {
            errors.push("BODY_READ_TIMEOUT_MS: must be greater than 0".into());
        }
        let (shutdown_grace, shutdown_drain) = self.shutdown(errors);
        let tools = match present(self.tools.as_ref()) {
            None => ToolSelection::all(),
            Some(text) => ToolSelection::parse(text, &Catalogue::standard()).unwrap_or_else(|e| {
                errors.push(format!("TOOLS: {e}"));
                ToolSelection::all()
            }),
        };
        let web_url = url("NEONPANEL_WEB_URL", self.web_url.as_ref(), errors);
        let record_urls = RecordUrls::new(web_url.as_deref().unwrap_or(RecordUrls::DEFAULT_WEB))
            .with_overrides(present(self.record_url_templates.as_ref()).unwrap_or_default())
            .unwrap_or_else(|e| {
                errors.push(format!("RECORD_URL_TEMPLATES: {e}"));
                RecordUrls::default()
            });
        let aws_iam = aws_iam::aws_iam(
            present(self.aws_iam_principals.as_ref()),
            present(self.aws_sts_endpoints.as_ref()),
            client.is_some(),
            errors,
        );
        let millis = |name: &str, value: Option<&String>, errors: &mut Vec<String>, default| {
            Duration::from_millis(count(name, value, errors).unwrap_or(default))
        };
        Config {
            listen,
            log_level: present(self.log_level.as_ref())
                .unwrap_or("info")
                .to_owned(),
            log_format,
            resource_url,
            auth,
            api_base: url("NEONPANEL_API_BASE", self.api_base.as_ref(), errors)
                .unwrap_or_else(|| "https://my.neonpanel.com".to_owned()),
            http_timeout: millis(
                "NEONPANEL_HTTP_TIMEOUT_MS",
                self.http_timeout_ms.as_ref(),
                errors,
                10_000,
            ),
            max_inflight: count("NEONPANEL_MAX_INFLIGHT", self.max_inflight.as_ref(), errors)
                .unwrap_or(64)
                .max(1),
            page_size,
            client,
            user_source,
            tool_modes: self.tool_modes(errors),
            tools,
            record_urls,
            plan_purchase_scope: present(self.plan_purchase_scope.as_ref()).map(str::to_owned),
            heartbeat: millis(
                "SSE_HEARTBEAT_MS",
                self.sse_heartbeat_ms.as_ref(),
                errors,
                15_000,
            )
            .max(Duration::from_millis(100)),
            allowed_origins: list(present(self.allowed_origins.as_ref())),
            cors_allowed_origins: list(present(self.cors_allowed_origins.as_ref())),
            allowed_hosts,
            max_body_bytes: max_body_bytes.unwrap_or(1024 * 1024),
            rate_limit_per_minute: count(
                "RATE_LIMIT_PER_MINUTE",
                self.rate_limit_per_minute.as_ref(),
                errors,
            )
            .unwrap_or(600),
            max_concurrent_requests: count(
                "MAX_CONCURRENT_REQUESTS",
                self.max_concurrent_requests.as_ref(),
                errors,
            )
            .unwrap_or(1024)
            .max(1),
            trust_forwarded_for: switch(
                "TRUST_FORWARDED_FOR",
                self.trust_forwarded_for.as_ref(),
                errors,
            )
            .unwrap_or(false),
            shutdown_grace,
            shutdown_drain,
            body_read_timeout: Duration::from_millis(body_read_timeout_ms.unwrap_or(10_000)),
            max_connections_per_ip: count(
                "MAX_CONNECTIONS_PER_IP",
                self.max_connections_per_ip.as_ref(),
                errors,
            )
            .unwrap_or(256),
            enable_sse,
            enable_streamable_http: switch(
                "ENABLE_STREAMABLE_HTTP",
                self.enable_streamable_http.as_ref(),
                errors,
            )
            .unwrap_or(true),
            redis_url: self.redis_url.clone().filter(|url| !url.is_empty()),
            metrics_addr: self.metrics_addr(listen, errors),
            redis_ca_file: present(self.redis_ca_file.as_ref()).map(Into::into),
            rate_limit_scope: self.redis_checks(errors),
            aws_iam,
        }
    }

    /// How inbound tokens are verified.
    fn auth(&self, resource_url: &str, enable_sse: bool, errors: &mut Vec<String>) -> AuthSettings {
        let issuer = present(self.oauth_issuer.as_ref());
        if issuer.is_none() {
            errors.push("NEONPANEL_OAUTH_ISSUER: required (the issuer of access tokens)".into());
        }
        let jwks_uri = url(
            "NEONPANEL_OAUTH_JWKS_URI",
            self.oauth_jwks_uri.as_ref(),
            errors,
        );
        if present(self.oauth_jwks_uri.as_ref()).is_none() {
            errors.push("NEONPANEL_OAUTH_JWKS_URI: required (where the signing keys are)".into());
        }
        let mut audiences = list(present(self.oauth_expected_audience.as_ref()));
        if audiences.is_empty() {
            // Both transports advertise their own RFC 9728 resource (a client given the `/sse`
            // URL asks for a token for `/sse`), so both are accepted audiences by default.
            audiences.push(resource_url.to_owned());
            if enable_sse {
                audiences.push(sse_resource_of(resource_url));
            }
        }
        let algorithms = match present(self.oauth_algorithms.as_ref()) {
            None => vec!["RS256".to_owned(), "ES256".to_owned()],
            Some(text) => list(Some(text)),
        };
        for alg in algorithms
            .iter()
            .filter(|alg| !ALGORITHMS.contains(&alg.as_str()))
        {
            errors.push(format!(
                "NEONPANEL_OAUTH_ALGORITHMS: {alg:?} is not allowed (asymmetric RS*/PS*/ES* only; never none or HS*)"
            ));
        }
        AuthSettings {
            issuer: issuer.unwrap_or_default().to_owned(),
            jwks_uri: jwks_uri.unwrap_or_default(),
            audiences,
            required_scopes: ScopeSet::from_scopes(list(present(
                self.oauth_required_scopes.as_ref(),
            ))),
            algorithms,
            leeway_secs: count(
                "NEONPANEL_OAUTH_LEEWAY_SECS",
                self.oauth_leeway_secs.as_ref(),
                errors,
            )
            .unwrap_or(60),
            tenant_claim: present(self.tenant_claim.as_ref())
                .unwrap_or("tenant")
                .to_owned(),
        }
    }

    /// `SHUTDOWN_GRACE_MS` and the part of it spent draining (never longer than it).
    fn shutdown(&self, errors: &mut Vec<String>) -> (Duration, Duration) {
        let grace = Duration::from_millis(
            count("SHUTDOWN_GRACE_MS", self.shutdown_grace_ms.as_ref(), errors).unwrap_or(25_000),
        );
        let drain = match count("SHUTDOWN_DRAIN_MS", self.shutdown_drain_ms.as_ref(), errors)
            .map(Duration::from_millis)
        {
            Some(drain) if drain > grace => {
                errors.push("SHUTDOWN_DRAIN_MS: must not exceed SHUTDOWN_GRACE_MS".into());
                drain
            }
            Some(drain) => drain,
            None => DEFAULT_DRAIN.min(grace),
        };
        (grace, drain)
    }
}
