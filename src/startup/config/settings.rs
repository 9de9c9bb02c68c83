//! The validated, typed configuration: what wiring builds the adapters from.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::aws_iam::AwsIamSettings;
use super::hosts::HostCheck;
use crate::app::tools::ToolSelection;
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::principal::ScopeSet;
use crate::domain::records::RecordUrls;
use crate::domain::secret::Secret;

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
    /// AWS IAM callers; `None` when `AWS_IAM_PRINCIPALS` is unset.
    pub aws_iam: Option<AwsIamSettings>,
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
