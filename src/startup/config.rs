//! Typed configuration (docs/design.md §8), loaded once from the environment (and `.env`) or the
//! equivalent `--flags`, validated as a whole so that startup reports every problem at once.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::builder::BoolishValueParser;

use crate::app::tools::{Catalogue, ToolSelection};
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::principal::ScopeSet;
use crate::domain::records::RecordUrls;
use crate::domain::resource::sse_resource_of;
use crate::domain::secret::Secret;

mod hosts;

pub use hosts::HostCheck;

/// Drain window when `SHUTDOWN_DRAIN_MS` is unset (capped at the grace): long enough for a
/// load balancer's health check to see the 503 once or for it to finish deregistering.
const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// Raw settings as given; every field is optional here and checked in [`Settings::validate`].
#[derive(Args, Clone, Debug, Default)]
pub struct Settings {
    /// Port to listen on. Default 3000 (8000 with --agentcore).
    #[arg(long, env = "PORT")]
    pub port: Option<u16>,
    /// Address to bind. Default 0.0.0.0 (127.0.0.1 under `sandbox`).
    #[arg(long, env = "HOST")]
    pub host: Option<String>,
    /// tracing filter, such as `info` or `neonpanel_mcp=debug`. Default info.
    #[arg(long, env = "LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Log format: `json` or `pretty`. Default pretty.
    #[arg(long, env = "LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Comment heartbeat interval on SSE streams, in milliseconds. Default 15000.
    #[arg(long, env = "SSE_HEARTBEAT_MS")]
    pub sse_heartbeat_ms: Option<u64>,
    /// Required. Issuer of the access tokens clients present (the `iss` claim), such as
    /// https://my.neonpanel.com.
    #[arg(long, env = "NEONPANEL_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,
    /// Required. Where the issuer publishes its signing keys (JWKS), such as
    /// https://my.neonpanel.com/oauth2/jwks.
    #[arg(long, env = "NEONPANEL_OAUTH_JWKS_URI")]
    pub oauth_jwks_uri: Option<String>,
    /// Comma-separated audiences; a token must name one of them. Default: MCP_RESOURCE_URL.
    #[arg(long, env = "NEONPANEL_OAUTH_EXPECTED_AUDIENCE")]
    pub oauth_expected_audience: Option<String>,
    /// Space- or comma-separated scopes every call needs. Default: none.
    #[arg(long, env = "NEONPANEL_OAUTH_REQUIRED_SCOPES")]
    pub oauth_required_scopes: Option<String>,
    /// Comma-separated JWS algorithms accepted (RS*, PS*, ES* only). Default RS256,ES256.
    #[arg(long, env = "NEONPANEL_OAUTH_ALGORITHMS")]
    pub oauth_algorithms: Option<String>,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds. Default 60.
    #[arg(long, env = "NEONPANEL_OAUTH_LEEWAY_SECS")]
    pub oauth_leeway_secs: Option<u64>,
    /// Token claim that names the caller's tenant (their own company). Default tenant.
    #[arg(long, env = "NEONPANEL_TENANT_CLAIM")]
    pub tenant_claim: Option<String>,
    /// User credential source 1: NeonPanel endpoint that turns the caller's access token
    /// into a user JWT. The first configured source wins; without any, user-mode tools fail.
    #[arg(long, env = "NEONPANEL_USER_JWT_URL")]
    pub user_jwt_url: Option<String>,
    /// User credential source 2: RFC 7662 introspection endpoint (needs NEONPANEL_CLIENT_ID
    /// and NEONPANEL_CLIENT_SECRET). Default: unset.
    #[arg(long, env = "NEONPANEL_TOKEN_INTROSPECT_URL")]
    pub token_introspect_url: Option<String>,
    /// User credential source 3: `rfc8693` exchanges access tokens at
    /// NEONPANEL_OAUTH_TOKEN_URL (needs client credentials). Default: unset.
    #[arg(long, env = "NEONPANEL_TOKEN_EXCHANGE")]
    pub token_exchange: Option<String>,
    /// User credential source 4: forward the inbound access token to NeonPanel (forbidden by
    /// the MCP spec). Default false.
    #[arg(long, env = "NEONPANEL_ALLOW_TOKEN_PASSTHROUGH", value_parser = BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub allow_token_passthrough: Option<bool>,
    /// Base URL of the NeonPanel API. Default https://my.neonpanel.com.
    #[arg(long, env = "NEONPANEL_API_BASE")]
    pub api_base: Option<String>,
    /// Token endpoint for the service token and token exchange. Required with
    /// NEONPANEL_CLIENT_ID.
    #[arg(long, env = "NEONPANEL_OAUTH_TOKEN_URL")]
    pub oauth_token_url: Option<String>,
    /// Client id of this server at NeonPanel (service token, introspection, exchange).
    /// Set with NEONPANEL_CLIENT_SECRET or not at all. Default: unset (no service token).
    #[arg(long, env = "NEONPANEL_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Client secret matching NEONPANEL_CLIENT_ID. Never printed. Default: unset.
    #[arg(long, env = "NEONPANEL_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,
    /// `scope` asked for with the service token. Default: none.
    #[arg(long, env = "NEONPANEL_IAT_SCOPE")]
    pub iat_scope: Option<String>,
    /// `audience` asked for with the service token and exchanged tokens. Default: none.
    #[arg(long, env = "NEONPANEL_IAT_AUDIENCE")]
    pub iat_audience: Option<String>,
    /// How the client authenticates: `client_secret_post` or `client_secret_basic`.
    /// Default client_secret_post.
    #[arg(long, env = "NEONPANEL_IAT_AUTH_METHOD")]
    pub iat_auth_method: Option<String>,
    /// Timeout of each call to NeonPanel, in milliseconds. Default 10000.
    #[arg(long, env = "NEONPANEL_HTTP_TIMEOUT_MS")]
    pub http_timeout_ms: Option<u64>,
    /// Calls to NeonPanel in progress at once. Default 64.
    #[arg(long, env = "NEONPANEL_MAX_INFLIGHT")]
    pub max_inflight: Option<usize>,
    /// Page size of list tools, 10 to 60. Default 25.
    #[arg(long, env = "NEONPANEL_PAGE_SIZE")]
    pub page_size: Option<u32>,
    /// Per-tool credential modes, `tool=user|iat|hybrid,…`. Default: each tool's own.
    #[arg(long, env = "TOOL_AUTH_MODES")]
    pub tool_auth_modes: Option<String>,
    /// Tools this instance offers: names or groups (all, chatgpt, neonpanel), comma-separated.
    /// Default: all.
    #[arg(long, env = "TOOLS")]
    pub tools: Option<String>,
    /// NeonPanel's web app, for the links `search`/`fetch` cite. Default https://my.neonpanel.com.
    #[arg(long, env = "NEONPANEL_WEB_URL")]
    pub web_url: Option<String>,
    /// Link templates per record kind, `company|order|item=<URL with {web} {account} {id}>,…`.
    #[arg(long, env = "RECORD_URL_TEMPLATES")]
    pub record_url_templates: Option<String>,
    /// Extra scope neonpanel_plan_purchase needs in `user` mode. Default: none.
    #[arg(long, env = "PLAN_PURCHASE_SCOPE")]
    pub plan_purchase_scope: Option<String>,
    /// Canonical URL of this MCP server (the token audience, RFC 8707/9728 `resource`).
    /// Default http://localhost:PORT/mcp; set it to the public URL in production.
    #[arg(long, env = "MCP_RESOURCE_URL")]
    pub resource_url: Option<String>,
    /// Comma-separated Origins allowed to call (a request without Origin is always
    /// allowed). Default: none.
    #[arg(long, env = "ALLOWED_ORIGINS")]
    pub allowed_origins: Option<String>,
    /// Comma-separated Origins that get CORS headers (browser clients). Default: none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS")]
    pub cors_allowed_origins: Option<String>,
    /// Comma-separated `Host` values accepted (DNS-rebinding defence): `name` for any port,
    /// `name:port` for one; `*` turns the check off. Default: the host of MCP_RESOURCE_URL
    /// (`*` with --agentcore); loopback hosts are always accepted.
    #[arg(long, env = "ALLOWED_HOSTS")]
    pub allowed_hosts: Option<String>,
    /// Largest request body, in bytes. Default 1048576.
    #[arg(long, env = "MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Requests per minute per token subject (per client IP when anonymous); 0 = off.
    /// Default 600.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a load balancer
    /// that sets it, such as an ALB). Default false.
    #[arg(long, env = "TRUST_FORWARDED_FOR", value_parser = BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub trust_forwarded_for: Option<bool>,
    /// JSON-RPC requests in progress at once before new ones get 503. Default 1024.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS")]
    pub max_concurrent_requests: Option<usize>,
    /// On SIGTERM, the whole time allowed before exit (drain window + in-flight calls), in
    /// milliseconds. Default 25000.
    #[arg(long, env = "SHUTDOWN_GRACE_MS")]
    pub shutdown_grace_ms: Option<u64>,
    /// The first part of the grace, in milliseconds: new requests are still served while
    /// `/healthz` answers 503, so a load balancer deregisters the instance before it stops
    /// accepting. Default 10000 (at most the grace).
    #[arg(long, env = "SHUTDOWN_DRAIN_MS")]
    pub shutdown_drain_ms: Option<u64>,
    /// How long a JSON-RPC POST may take to deliver its body before 408, in milliseconds.
    /// Default 10000.
    #[arg(long, env = "BODY_READ_TIMEOUT_MS")]
    pub body_read_timeout_ms: Option<u64>,
    /// Open connections allowed per client IP address; 0 = no cap (set 0 behind a load
    /// balancer, where every connection comes from it). Default 256.
    #[arg(long, env = "MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<usize>,
    /// Serve the legacy SSE transport (`/sse`, `/messages`). Default true (false with
    /// --agentcore).
    #[arg(long, env = "ENABLE_SSE", value_parser = BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub enable_sse: Option<bool>,
    /// Serve Streamable HTTP (`/mcp`). Default true.
    #[arg(long, env = "ENABLE_STREAMABLE_HTTP", value_parser = BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub enable_streamable_http: Option<bool>,
    /// Redis for legacy SSE sessions across instances (`redis://…`, or `rediss://…` for TLS).
    /// Default: unset (sessions in memory, one instance).
    #[arg(long, env = "REDIS_URL", hide_env_values = true, value_parser = secret)]
    pub redis_url: Option<Secret>,
    /// Address of the Prometheus `/metrics` listener, such as `127.0.0.1:9464`; never the
    /// public port, so metrics are not published by accident. Default: unset (metrics off).
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<String>,
    /// PEM file of the CA that signed the Redis server's certificate, trusted instead of the
    /// public roots (only with `rediss://`). Default: unset (public roots).
    #[arg(long, env = "REDIS_CA_FILE")]
    pub redis_ca_file: Option<String>,
    /// Where the rate limit counts: `local` (each instance on its own) or `fleet` (one limit
    /// per subject for every instance, kept in Redis; needs REDIS_URL; one Redis round trip
    /// per request). Default local.
    #[arg(long, env = "RATE_LIMIT_SCOPE")]
    pub rate_limit_scope: Option<String>,
    /// AgentCore Runtime mode: port 8000, `/mcp` only, stateless. Default false.
    #[arg(long, env = "AGENTCORE", value_parser = BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub agentcore: Option<bool>,
}

/// Where the per-subject rate limit is counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateLimitScope {
    /// Per instance, in memory: N instances allow N times the limit.
    #[default]
    Local,
    /// Across the fleet, in Redis; each instance falls back to its local count while Redis
    /// is unreachable.
    Fleet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// How inbound tokens are verified.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub issuer: String,
    pub jwks_uri: String,
    pub audiences: Vec<String>,
    pub required_scopes: ScopeSet,
    pub algorithms: Vec<String>,
    pub leeway_secs: u64,
    pub tenant_claim: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    Post,
    Basic,
}

/// Client credentials for the service token and for introspection / exchange.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub auth: ClientAuth,
}

/// Where user credentials come from (docs/design.md §4: the first configured wins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSourceSettings {
    UserJwtEndpoint(String),
    Introspection(String),
    TokenExchange,
    Passthrough,
    None,
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub log_level: String,
    pub log_format: LogFormat,
    pub resource_url: String,
    pub auth: AuthSettings,
    pub api_base: String,
    pub http_timeout: Duration,
    pub max_inflight: usize,
    pub page_size: PageSize,
    pub client: Option<ClientSettings>,
    pub user_source: UserSourceSettings,
    pub tool_modes: HashMap<String, AuthMode>,
    /// `TOOLS`: what `tools/list` shows and `tools/call` accepts.
    pub tools: ToolSelection,
    /// Links of `search`/`fetch` results (`NEONPANEL_WEB_URL`, `RECORD_URL_TEMPLATES`).
    pub record_urls: RecordUrls,
    pub plan_purchase_scope: Option<String>,
    pub heartbeat: Duration,
    pub allowed_origins: Vec<String>,
    pub cors_allowed_origins: Vec<String>,
    pub allowed_hosts: HostCheck,
    pub max_body_bytes: usize,
    pub rate_limit_per_minute: u32,
    pub trust_forwarded_for: bool,
    pub max_concurrent_requests: usize,
    pub shutdown_grace: Duration,
    /// Part of `shutdown_grace` spent draining (never longer than it).
    pub shutdown_drain: Duration,
    pub body_read_timeout: Duration,
    pub max_connections_per_ip: usize,
    pub enable_sse: bool,
    pub enable_streamable_http: bool,
    /// Redis URL for the session bus; it may hold a password, so it is a secret.
    pub redis_url: Option<Secret>,
    /// Where `/metrics` is served; `None` turns metrics off.
    pub metrics_addr: Option<SocketAddr>,
    /// CA to trust for `rediss://` instead of the public roots.
    pub redis_ca_file: Option<PathBuf>,
    pub rate_limit_scope: RateLimitScope,
}

/// Every problem found, one per line (printed at startup before exiting with status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}

/// clap value parser that wraps the value at once, so no `Debug` of the settings shows it.
#[allow(clippy::unnecessary_wraps)] // clap's value_parser signature
fn secret(text: &str) -> Result<Secret, String> {
    Ok(Secret::new(text))
}

fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn url(name: &str, value: Option<&String>, errors: &mut Vec<String>) -> Option<String> {
    let value = value?.trim();
    if value.starts_with("https://") || value.starts_with("http://") {
        Some(value.trim_end_matches('/').to_owned())
    } else {
        errors.push(format!("{name}: must be an http(s) URL, got {value:?}"));
        None
    }
}

impl Settings {
    /// Checks everything and builds the typed [`Config`].
    ///
    /// # Errors
    /// [`ConfigErrors`] listing every missing or invalid setting.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        self.without_blanks().check()
    }

    /// An empty value (`NEONPANEL_USER_JWT_URL=` in a copied `.env.example`) means "not set".
    fn without_blanks(&self) -> Settings {
        fn blank(value: &mut Option<String>) {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        let mut s = self.clone();
        blank(&mut s.host);
        blank(&mut s.log_level);
        blank(&mut s.log_format);
        blank(&mut s.oauth_issuer);
        blank(&mut s.oauth_jwks_uri);
        blank(&mut s.oauth_expected_audience);
        blank(&mut s.oauth_required_scopes);
        blank(&mut s.oauth_algorithms);
        blank(&mut s.tenant_claim);
        blank(&mut s.user_jwt_url);
        blank(&mut s.token_introspect_url);
        blank(&mut s.token_exchange);
        blank(&mut s.api_base);
        blank(&mut s.oauth_token_url);
        blank(&mut s.client_id);
        blank(&mut s.iat_scope);
        blank(&mut s.iat_audience);
        blank(&mut s.iat_auth_method);
        blank(&mut s.tool_auth_modes);
        blank(&mut s.tools);
        blank(&mut s.web_url);
        blank(&mut s.record_url_templates);
        blank(&mut s.plan_purchase_scope);
        blank(&mut s.resource_url);
        blank(&mut s.allowed_origins);
        blank(&mut s.cors_allowed_origins);
        blank(&mut s.allowed_hosts);
        blank(&mut s.metrics_addr);
        blank(&mut s.redis_ca_file);
        blank(&mut s.rate_limit_scope);
        if s.client_secret.as_ref().is_some_and(Secret::is_empty) {
            s.client_secret = None;
        }
        if s.redis_url.as_ref().is_some_and(Secret::is_empty) {
            s.redis_url = None;
        }
        s
    }

    fn check(&self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let agentcore = self.agentcore.unwrap_or(false);
        let port = self.port.unwrap_or(if agentcore { 8000 } else { 3000 });
        let host = self.host.clone().unwrap_or_else(|| "0.0.0.0".to_owned());
        let listen = match format!("{host}:{port}").parse::<SocketAddr>() {
            Ok(addr) => addr,
            Err(_) => {
                errors.push(format!("HOST: {host:?} is not an IP address"));
                SocketAddr::from(([0, 0, 0, 0], port))
            }
        };
        let log_format = match self.log_format.as_deref().unwrap_or("pretty") {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => {
                errors.push(format!(
                    "LOG_FORMAT: expected json or pretty, got {other:?}"
                ));
                LogFormat::Pretty
            }
        };
        let resource_url = url("MCP_RESOURCE_URL", self.resource_url.as_ref(), &mut errors)
            .unwrap_or_else(|| format!("http://localhost:{port}/mcp"));
        let issuer = self.oauth_issuer.clone();
        if issuer.is_none() {
            errors.push("NEONPANEL_OAUTH_ISSUER: required (the issuer of access tokens)".into());
        }
        let jwks_uri = url(
            "NEONPANEL_OAUTH_JWKS_URI",
            self.oauth_jwks_uri.as_ref(),
            &mut errors,
        );
        if self.oauth_jwks_uri.is_none() {
            errors.push("NEONPANEL_OAUTH_JWKS_URI: required (where the signing keys are)".into());
        }
        let enable_sse = self.enable_sse.unwrap_or(true) && !agentcore;
        let mut audiences = list(self.oauth_expected_audience.as_deref());
        if audiences.is_empty() {
            // Both transports advertise their own RFC 9728 resource (a client given the `/sse`
            // URL asks for a token for `/sse`), so both are accepted audiences by default.
            audiences.push(resource_url.clone());
            if enable_sse {
                audiences.push(sse_resource_of(&resource_url));
            }
        }
        let allowed_hosts = hosts::host_check(
            self.allowed_hosts.as_deref(),
            agentcore,
            &resource_url,
            &mut errors,
        );
        let algorithms = match self.oauth_algorithms.as_deref() {
            None => vec!["RS256".to_owned(), "ES256".to_owned()],
            Some(text) => list(Some(text)),
        };
        for alg in &algorithms {
            if ![
                "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
            ]
            .contains(&alg.as_str())
            {
                errors.push(format!(
                    "NEONPANEL_OAUTH_ALGORITHMS: {alg:?} is not allowed (asymmetric RS*/PS*/ES* only; never none or HS*)"
                ));
            }
        }
        let auth = AuthSettings {
            issuer: issuer.unwrap_or_default(),
            jwks_uri: jwks_uri.unwrap_or_default(),
            audiences,
            required_scopes: ScopeSet::from_scopes(list(self.oauth_required_scopes.as_deref())),
            algorithms,
            leeway_secs: self.oauth_leeway_secs.unwrap_or(60),
            tenant_claim: self
                .tenant_claim
                .clone()
                .unwrap_or_else(|| "tenant".to_owned()),
        };
        let api_base = url("NEONPANEL_API_BASE", self.api_base.as_ref(), &mut errors)
            .unwrap_or_else(|| "https://my.neonpanel.com".to_owned());
        let page_size = match self.page_size.map(PageSize::new) {
            None => PageSize::default(),
            Some(Ok(size)) => size,
            Some(Err(e)) => {
                errors.push(format!("NEONPANEL_PAGE_SIZE: {e}"));
                PageSize::default()
            }
        };
        let client = self.client_settings(&mut errors);
        let user_source = self.user_source(client.is_some(), &mut errors);
        let tool_modes = self.tool_modes(&mut errors);
        let tools = match self.tools.as_deref() {
            None => ToolSelection::all(),
            Some(text) => ToolSelection::parse(text, &Catalogue::standard()).unwrap_or_else(|e| {
                errors.push(format!("TOOLS: {e}"));
                ToolSelection::all()
            }),
        };
        let web_url = url("NEONPANEL_WEB_URL", self.web_url.as_ref(), &mut errors);
        let record_urls = RecordUrls::new(web_url.as_deref().unwrap_or(RecordUrls::DEFAULT_WEB))
            .with_overrides(self.record_url_templates.as_deref().unwrap_or_default())
            .unwrap_or_else(|e| {
                errors.push(format!("RECORD_URL_TEMPLATES: {e}"));
                RecordUrls::default()
            });
        let metrics_addr = self.metrics_addr(listen, &mut errors);
        let rate_limit_scope = self.redis_checks(&mut errors);
        if let Some(0) = self.max_body_bytes {
            errors.push("MAX_BODY_BYTES: must be greater than 0".into());
        }
        if let Some(0) = self.body_read_timeout_ms {
            errors.push("BODY_READ_TIMEOUT_MS: must be greater than 0".into());
        }
        let shutdown_grace = Duration::from_millis(self.shutdown_grace_ms.unwrap_or(25_000));
        let shutdown_drain = match self.shutdown_drain_ms.map(Duration::from_millis) {
            Some(drain) if drain > shutdown_grace => {
                errors.push("SHUTDOWN_DRAIN_MS: must not exceed SHUTDOWN_GRACE_MS".into());
                drain
            }
            Some(drain) => drain,
            None => DEFAULT_DRAIN.min(shutdown_grace),
        };
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            listen,
            log_level: self.log_level.clone().unwrap_or_else(|| "info".to_owned()),
            log_format,
            resource_url,
            auth,
            api_base,
            http_timeout: Duration::from_millis(self.http_timeout_ms.unwrap_or(10_000)),
            max_inflight: self.max_inflight.unwrap_or(64).max(1),
            page_size,
            client,
            user_source,
            tool_modes,
            tools,
            record_urls,
            plan_purchase_scope: self.plan_purchase_scope.clone().filter(|s| !s.is_empty()),
            heartbeat: Duration::from_millis(self.sse_heartbeat_ms.unwrap_or(15_000).max(100)),
            allowed_origins: list(self.allowed_origins.as_deref()),
            cors_allowed_origins: list(self.cors_allowed_origins.as_deref()),
            allowed_hosts,
            max_body_bytes: self.max_body_bytes.unwrap_or(1024 * 1024),
            rate_limit_per_minute: self.rate_limit_per_minute.unwrap_or(600),
            max_concurrent_requests: self.max_concurrent_requests.unwrap_or(1024).max(1),
            trust_forwarded_for: self.trust_forwarded_for.unwrap_or(false),
            shutdown_grace,
            shutdown_drain,
            body_read_timeout: Duration::from_millis(self.body_read_timeout_ms.unwrap_or(10_000)),
            max_connections_per_ip: self.max_connections_per_ip.unwrap_or(256),
            enable_sse,
            enable_streamable_http: self.enable_streamable_http.unwrap_or(true),
            redis_url: self.redis_url.clone(),
            metrics_addr,
            redis_ca_file: self.redis_ca_file.as_ref().map(PathBuf::from),
            rate_limit_scope,
        })
    }

    /// `METRICS_ADDR` as a socket address of its own: sharing the public one would publish the
    /// metrics (or fail to bind).
    fn metrics_addr(&self, listen: SocketAddr, errors: &mut Vec<String>) -> Option<SocketAddr> {
        let text = self.metrics_addr.as_deref()?.trim();
        match text.parse::<SocketAddr>() {
            Ok(addr) if addr.port() != 0 && addr.port() == listen.port() => {
                errors.push(format!(
                    "METRICS_ADDR: {addr} uses the public port {}; give metrics a port of their own",
                    listen.port()
                ));
                None
            }
            Ok(addr) => Some(addr),
            Err(_) => {
                errors.push(format!(
                    "METRICS_ADDR: expected IP:port such as 127.0.0.1:9464, got {text:?}"
                ));
                None
            }
        }
    }

    /// REDIS_URL, REDIS_CA_FILE and RATE_LIMIT_SCOPE, which depend on each other.
    fn redis_checks(&self, errors: &mut Vec<String>) -> RateLimitScope {
        let url = self.redis_url.as_ref().map(Secret::expose);
        // The URL may hold a password: name the problem, never echo the value.
        let tls = url.is_some_and(|u| u.starts_with("rediss://"));
        if url.is_some_and(|u| !u.starts_with("redis://") && !tls) {
            errors.push("REDIS_URL: must be a redis:// or rediss:// (TLS) URL".into());
        }
        if self.redis_ca_file.is_some() && !tls {
            errors.push("REDIS_CA_FILE: only applies to a rediss:// REDIS_URL".into());
        }
        match self.rate_limit_scope.as_deref().map(str::trim) {
            None | Some("local") => RateLimitScope::Local,
            Some("fleet") if url.is_some() => RateLimitScope::Fleet,
            Some("fleet") => {
                errors.push("RATE_LIMIT_SCOPE: fleet needs REDIS_URL (the shared count)".into());
                RateLimitScope::Local
            }
            Some(other) => {
                errors.push(format!(
                    "RATE_LIMIT_SCOPE: expected local or fleet, got {other:?}"
                ));
                RateLimitScope::Local
            }
        }
    }

    fn client_settings(&self, errors: &mut Vec<String>) -> Option<ClientSettings> {
        let (Some(id), Some(secret)) = (&self.client_id, &self.client_secret) else {
            if self.client_id.is_some() != self.client_secret.is_some() {
                errors.push(
                    "NEONPANEL_CLIENT_ID and NEONPANEL_CLIENT_SECRET: set both or neither".into(),
                );
            }
            return None;
        };
        let Some(token_url) = url(
            "NEONPANEL_OAUTH_TOKEN_URL",
            self.oauth_token_url.as_ref(),
            errors,
        ) else {
            if self.oauth_token_url.is_none() {
                errors.push("NEONPANEL_OAUTH_TOKEN_URL: required with client credentials".into());
            }
            return None;
        };
        let auth = match self
            .iat_auth_method
            .as_deref()
            .unwrap_or("client_secret_post")
        {
            "client_secret_post" => ClientAuth::Post,
            "client_secret_basic" => ClientAuth::Basic,
            other => {
                errors.push(format!(
                    "NEONPANEL_IAT_AUTH_METHOD: expected client_secret_post or client_secret_basic, got {other:?}"
                ));
                ClientAuth::Post
            }
        };
        Some(ClientSettings {
            token_url,
            client_id: id.clone(),
            client_secret: secret.clone(),
            scope: self.iat_scope.clone(),
            audience: self.iat_audience.clone(),
            auth,
        })
    }

    fn user_source(&self, has_client: bool, errors: &mut Vec<String>) -> UserSourceSettings {
        if let Some(u) = url("NEONPANEL_USER_JWT_URL", self.user_jwt_url.as_ref(), errors) {
            return UserSourceSettings::UserJwtEndpoint(u);
        }
        if let Some(u) = url(
            "NEONPANEL_TOKEN_INTROSPECT_URL",
            self.token_introspect_url.as_ref(),
            errors,
        ) {
            if !has_client {
                errors.push("NEONPANEL_TOKEN_INTROSPECT_URL: needs NEONPANEL_CLIENT_ID/SECRET for client authentication".into());
            }
            return UserSourceSettings::Introspection(u);
        }
        match self.token_exchange.as_deref() {
            Some("rfc8693") if has_client => return UserSourceSettings::TokenExchange,
            Some("rfc8693") => errors.push(
                "NEONPANEL_TOKEN_EXCHANGE: rfc8693 needs NEONPANEL_OAUTH_TOKEN_URL and client credentials".into(),
            ),
            Some("" | "none") | None => {}
            Some(other) => errors.push(format!("NEONPANEL_TOKEN_EXCHANGE: expected rfc8693, got {other:?}")),
        }
        if self.allow_token_passthrough == Some(true) {
            return UserSourceSettings::Passthrough;
        }
        UserSourceSettings::None
    }

    fn tool_modes(&self, errors: &mut Vec<String>) -> HashMap<String, AuthMode> {
        let catalogue = Catalogue::standard();
        let mut modes = HashMap::new();
        for pair in list(self.tool_auth_modes.as_deref()) {
            let Some((tool, mode)) = pair.split_once('=') else {
                errors.push(format!("TOOL_AUTH_MODES: expected tool=mode, got {pair:?}"));
                continue;
            };
            let Some(spec) = catalogue.find(tool.trim()) else {
                errors.push(format!("TOOL_AUTH_MODES: unknown tool {tool:?}"));
                continue;
            };
            match mode.parse::<AuthMode>() {
                Ok(mode) => {
                    modes.insert(spec.spec().name.to_owned(), mode);
                }
                Err(e) => errors.push(format!("TOOL_AUTH_MODES: {e}")),
            }
        }
        modes
    }
}

#[cfg(test)]
mod tests;
