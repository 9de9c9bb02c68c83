//! The command-line flags and environment variables of `serve` and `check` (clap).
//!
//! Nothing is parsed here beyond splitting argv: values stay text until validation, which
//! reports every problem at once (docs/design.md §8).

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, Args, Command};

use crate::domain::secret::Secret;

/// The serve flags and their environment variables, as given: every value is raw text, so
/// that a badly typed one (`PORT=not-a-port`) is reported by [`Settings::validate`] together
/// with every other problem instead of clap stopping at the first. A new setting is one field
/// here, one in [`super::Config`] (or a sub-settings struct) and its check in `validate`.
#[derive(Args, Clone, Debug, Default)]
pub struct Settings {
    /// Port to listen on. Default 3000 (8000 with --agentcore).
    #[arg(long, env = "PORT")]
    pub port: Option<String>,
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
    pub sse_heartbeat_ms: Option<String>,
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
    pub oauth_leeway_secs: Option<String>,
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
    #[arg(long, env = "NEONPANEL_ALLOW_TOKEN_PASSTHROUGH", value_parser = SwitchText, num_args = 0..=1, default_missing_value = "true")]
    pub allow_token_passthrough: Option<String>,
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
    pub http_timeout_ms: Option<String>,
    /// Calls to NeonPanel in progress at once. Default 64.
    #[arg(long, env = "NEONPANEL_MAX_INFLIGHT")]
    pub max_inflight: Option<String>,
    /// Page size of list tools, 10 to 60. Default 25.
    #[arg(long, env = "NEONPANEL_PAGE_SIZE")]
    pub page_size: Option<String>,
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
    pub max_body_bytes: Option<String>,
    /// Requests per minute per token subject (per client IP when anonymous); 0 = off.
    /// Default 600.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<String>,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a load balancer
    /// that sets it, such as an ALB). Default false.
    #[arg(long, env = "TRUST_FORWARDED_FOR", value_parser = SwitchText, num_args = 0..=1, default_missing_value = "true")]
    pub trust_forwarded_for: Option<String>,
    /// JSON-RPC requests in progress at once before new ones get 503. Default 1024.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS")]
    pub max_concurrent_requests: Option<String>,
    /// On SIGTERM, the whole time allowed before exit (drain window + in-flight calls), in
    /// milliseconds. Default 25000.
    #[arg(long, env = "SHUTDOWN_GRACE_MS")]
    pub shutdown_grace_ms: Option<String>,
    /// The first part of the grace, in milliseconds: new requests are still served while
    /// `/healthz` answers 503, so a load balancer deregisters the instance before it stops
    /// accepting. Default 10000 (at most the grace).
    #[arg(long, env = "SHUTDOWN_DRAIN_MS")]
    pub shutdown_drain_ms: Option<String>,
    /// How long a JSON-RPC POST may take to deliver its body before 408, in milliseconds.
    /// Default 10000.
    #[arg(long, env = "BODY_READ_TIMEOUT_MS")]
    pub body_read_timeout_ms: Option<String>,
    /// Open connections allowed per client IP address; 0 = no cap (set 0 behind a load
    /// balancer, where every connection comes from it). Default 256.
    #[arg(long, env = "MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<String>,
    /// Serve the legacy SSE transport (`/sse`, `/messages`). Default true (false with
    /// --agentcore).
    #[arg(long, env = "ENABLE_SSE", value_parser = SwitchText, num_args = 0..=1, default_missing_value = "true")]
    pub enable_sse: Option<String>,
    /// Serve Streamable HTTP (`/mcp`). Default true.
    #[arg(long, env = "ENABLE_STREAMABLE_HTTP", value_parser = SwitchText, num_args = 0..=1, default_missing_value = "true")]
    pub enable_streamable_http: Option<String>,
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
    /// AWS IAM callers: a JSON object mapping role ARNs to the NeonPanel accounts each reaches,
    /// such as `{"arn:aws:iam::123456789012:role/Agent": ["<company uuid>"]}` (README, "AWS IAM
    /// callers"). Needs the service token. Default: unset (IAM callers off).
    #[arg(long, env = "AWS_IAM_PRINCIPALS")]
    pub aws_iam_principals: Option<String>,
    /// STS endpoints an IAM token may name, comma-separated: `aws` (sts.amazonaws.com and
    /// sts.REGION.amazonaws.com), `https://host[:port]`, or `http://127.0.0.1:PORT` (loopback
    /// only, for the sandbox and tests). Default aws.
    #[arg(long, env = "AWS_STS_ENDPOINTS")]
    pub aws_sts_endpoints: Option<String>,
    /// AgentCore Runtime mode: port 8000, `/mcp` only, stateless. Default false.
    #[arg(long, env = "AGENTCORE", value_parser = SwitchText, num_args = 0..=1, default_missing_value = "true")]
    pub agentcore: Option<String>,
}

/// clap value parser that wraps the value at once, so no `Debug` of the settings shows it.
#[allow(clippy::unnecessary_wraps)] // clap's value_parser signature
fn secret(text: &str) -> Result<Secret, String> {
    Ok(Secret::new(text))
}

/// A switch's text, taken as is (validation reads it, so a bad one is reported with every other
/// problem), while `--help` still lists `true, false` as clap's `BoolishValueParser` did.
#[derive(Clone, Copy, Debug)]
struct SwitchText;

impl TypedValueParser for SwitchText {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &Command,
        _arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        // Not UTF-8: the replacement characters make it an invalid switch for validation.
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            ["true", "false"].into_iter().map(PossibleValue::new),
        ))
    }
}
