//! `neonpanel-mcp sandbox`: the built-in NeonPanel stand-in plus the real server wired to it,
//! exactly as in production (JWKS over HTTP, user-JWT exchange, API calls over sockets).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::Args;
use neonpanel_mcp::domain::aws_iam::StsEndpoints;
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::startup::config::Settings;
use neonpanel_mcp::startup::wiring::App;
use neonpanel_sandbox::{DEMO_AWS_REGION, DEMO_ROLE_COMPANY, Sandbox, SandboxConfig};

/// Origins of the MCP Inspector's web UI, so it can connect from the browser.
const INSPECTOR_ORIGINS: &str = "http://localhost:6274,http://127.0.0.1:6274";

/// `listed` (the operator's `--allowed-origins` or `--cors-allowed-origins`) plus the
/// Inspector's origins: the sandbox adds to the operator's list, never replaces it.
fn with_inspector(listed: Option<&str>) -> String {
    match listed.map(str::trim).filter(|l| !l.is_empty()) {
        Some(listed) => format!("{listed},{INSPECTOR_ORIGINS}"),
        None => INSPECTOR_ORIGINS.to_owned(),
    }
}

/// `neonpanel-mcp sandbox` flags: its own, then the server settings it keeps.
#[derive(Args, Debug)]
pub(crate) struct SandboxArgs {
    /// Port of the sandbox (OAuth issuer and NeonPanel API); 0 picks a free one.
    #[arg(long, env = "SANDBOX_PORT", default_value_t = 3001)]
    pub sandbox_port: u16,
    /// Public base URL of the MCP server when it is reached through a container port, proxy
    /// or tunnel, such as https://abc.example.dev: the MCP URLs, the resource and the token
    /// audience name it. Default http://HOST:PORT (localhost when HOST is 0.0.0.0).
    #[arg(long, env = "PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Public base URL of the sandbox itself (OAuth issuer, sign-in page, API), for the same
    /// reasons. Default http://HOST:SANDBOX_PORT (localhost when HOST is 0.0.0.0).
    #[arg(long, env = "SANDBOX_PUBLIC_URL", value_name = "URL")]
    pub sandbox_public_url: Option<String>,
    /// Server settings; those that wire it to NeonPanel are the sandbox's (not listed here).
    #[command(flatten)]
    pub settings: Settings,
}

/// Settings [`settings_for`] replaces: hidden from `sandbox --help`, which lists only what
/// the sandbox honours.
pub(crate) const REPLACED_SETTINGS: &[&str] = &[
    "resource_url",
    "oauth_issuer",
    "oauth_jwks_uri",
    "oauth_required_scopes",
    "oauth_expected_audience",
    "api_base",
    "user_jwt_url",
    "token_introspect_url",
    "token_exchange",
    "allow_token_passthrough",
    "oauth_token_url",
    "client_id",
    "client_secret",
    "iat_audience",
    "aws_iam_principals",
    "aws_sts_endpoints",
];

/// `TOOL_AUTH_MODES` of the sandbox when the operator sets none: the data tools in `hybrid`, so
/// the demo IAM role (which has no NeonPanel sign-in) can run them with the service token,
/// confined to its company; a signed-in user is still served with their own credential first.
const IAM_DEMO_TOOL_MODES: &str = "neonpanel_list_accounts=hybrid,neonpanel_get_account=hybrid,\
     neonpanel_search_inventory=hybrid,neonpanel_search_orders=hybrid,\
     neonpanel_get_landed_cost=hybrid";

/// `AWS_IAM_PRINCIPALS` and `AWS_STS_ENDPOINTS` for the sandbox's STS stand-in: its demo role
/// reaches one demo company. `None` when the sandbox's URL is not one the allow-list takes
/// (plain http to a non-loopback host), which leaves IAM callers off.
fn iam_settings(sandbox: &Sandbox) -> Option<(String, String)> {
    StsEndpoints::parse(sandbox.sts_url()).ok()?;
    let role = sandbox.aws_demo_keys().first()?.role_arn.clone();
    let mapping = serde_json::json!({ role: [DEMO_ROLE_COMPANY] }).to_string();
    Some((mapping, sandbox.sts_url().to_owned()))
}

/// `base` (from the environment and flags) with everything that names NeonPanel pointed at
/// `sandbox`; logging, limits, timeouts and the rest keep the operator's values.
#[must_use]
pub(crate) fn settings_for(
    sandbox: &Sandbox,
    base: Settings,
    host: &str,
    port: u16,
    public: &str,
) -> Settings {
    let (client_id, client_secret) = sandbox.service_client();
    let allowed_origins = with_inspector(base.allowed_origins.as_deref());
    let cors_allowed_origins = with_inspector(base.cors_allowed_origins.as_deref());
    let (aws_iam_principals, aws_sts_endpoints) = iam_settings(sandbox).unzip();
    let tool_auth_modes = base.tool_auth_modes.clone().or_else(|| {
        aws_iam_principals
            .is_some()
            .then(|| IAM_DEMO_TOOL_MODES.to_owned())
    });
    Settings {
        host: Some(host.to_owned()),
        port: Some(port.to_string()),
        resource_url: Some(format!("{public}/mcp")),
        oauth_issuer: Some(sandbox.issuer().to_owned()),
        oauth_jwks_uri: Some(sandbox.jwks_uri()),
        oauth_required_scopes: Some("neonpanel:read".to_owned()),
        api_base: Some(sandbox.base_url().to_owned()),
        user_jwt_url: Some(sandbox.user_jwt_url()),
        oauth_token_url: Some(sandbox.token_url()),
        client_id: Some(client_id),
        client_secret: Some(Secret::new(client_secret)),
        iat_audience: Some(sandbox.api_audience().to_owned()),
        allowed_origins: Some(allowed_origins),
        cors_allowed_origins: Some(cors_allowed_origins),
        token_introspect_url: None,
        token_exchange: None,
        allow_token_passthrough: None,
        oauth_expected_audience: None,
        aws_iam_principals,
        aws_sts_endpoints,
        tool_auth_modes,
        ..base
    }
}

/// Port 0 means "any free port"; the resource URL (the token audience) must name the real one,
/// so it is chosen before the server binds.
fn concrete_port(host: &str, port: u16) -> anyhow::Result<u16> {
    if port != 0 {
        return Ok(port);
    }
    let probe = std::net::TcpListener::bind((host, 0))?;
    Ok(probe.local_addr()?.port())
}

/// The URL others reach `host:port` at: `public` when given, else `http://host:port`, with an
/// unspecified address (0.0.0.0, ::) named `localhost`: it is where one listens, not an
/// address anyone can connect to.
fn advertised(public: Option<&str>, host: &str, port: u16) -> String {
    if let Some(public) = public {
        let public = public.trim_end_matches('/');
        return public.strip_suffix("/mcp").unwrap_or(public).to_owned();
    }
    match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => format!("http://localhost:{port}"),
        Ok(IpAddr::V6(ip)) => format!("http://[{ip}]:{port}"),
        _ => format!("http://{host}:{port}"),
    }
}

pub(crate) async fn run(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let base = args.settings;
    // Loopback unless told otherwise: the sandbox's demo users are not for the network.
    let host = base.host.clone().unwrap_or_else(|| "127.0.0.1".to_owned());
    let host = host.as_str();
    // Settings are text until validated; the port is needed before that, to pick a free one.
    let port = match base
        .port
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => 3000,
        Some(text) => text
            .parse()
            .map_err(|_| anyhow::anyhow!("PORT: expected a port number (0-65535), got {text:?}"))?,
    };
    let port = concrete_port(host, port)?;
    let sandbox_port = concrete_port(host, args.sandbox_port)?;
    let bind: SocketAddr = format!("{host}:{sandbox_port}").parse()?;
    let sandbox = Sandbox::start(SandboxConfig {
        bind,
        public_url: Some(advertised(
            args.sandbox_public_url.as_deref(),
            host,
            sandbox_port,
        )),
    })
    .await?;
    let public = advertised(args.public_url.as_deref(), host, port);
    let config = match settings_for(&sandbox, base, host, port, &public).validate() {
        Ok(config) => config,
        Err(errors) => anyhow::bail!("sandbox settings are invalid: {errors}"),
    };
    crate::init_logging(&config);
    let app = App::build(&config).await?;
    let local = advertised(None, &app.local_addr().ip().to_string(), app.port());
    let token = sandbox.mint_access_token(
        "alice",
        &config.resource_url,
        "openid neonpanel:read",
        8 * 3600,
    )?;
    print_banner(&sandbox, &public, &local, &config.resource_url, &token);
    print!(
        "{}",
        iam_banner(&sandbox, config.aws_iam.is_some(), &config.resource_url)
    );
    app.run_until_stopped().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The banner's IAM part: demo keys any SigV4 signer can presign a token with.
fn iam_banner(sandbox: &Sandbox, iam_on: bool, resource: &str) -> String {
    let Some(key) = sandbox
        .aws_demo_keys()
        .into_iter()
        .next()
        .filter(|_| iam_on)
    else {
        return String::new();
    };
    format!(
        "
AWS IAM caller (role {role}, reaching one demo company): presign STS GetCallerIdentity in
region {DEMO_AWS_REGION}, signing the header x-neonpanel-mcp-audience: {resource}, and send
`Authorization: Bearer aws-sts-v1.<base64url of the presigned URL>` (README, \"AWS IAM callers\"):

AWS_ACCESS_KEY_ID={id}
AWS_SECRET_ACCESS_KEY={secret}
AWS_STS_ENDPOINT={sts}
AWS_REGION={DEMO_AWS_REGION}
",
        role = key.role_arn,
        id = key.access_key_id,
        secret = key.secret_access_key,
        sts = sandbox.sts_url(),
    )
}

fn print_banner(sandbox: &Sandbox, base: &str, local: &str, resource: &str, token: &str) {
    let users: Vec<String> = sandbox
        .users()
        .iter()
        .map(|u| format!("{} ({} companies)", u.id, u.companies.len()))
        .collect();
    println!(
        "\
neonpanel-mcp sandbox is running (Ctrl-C to stop)

  MCP (Streamable HTTP):  {base}/mcp
  MCP (legacy SSE):       {base}/sse
  NeonPanel sandbox:      {sandbox_url}   (OAuth issuer and API)
  Listening on:           {local}
  Demo users:             {users}

Demo access token (alice, 8 h, audience {resource}):

ACCESS_TOKEN={token}

Try it:
  curl -s {base}/mcp -H \"Authorization: Bearer $ACCESS_TOKEN\" -H 'Content-Type: application/json' \\
    -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"neonpanel_list_accounts\",\"arguments\":{{}}}}}}'
  ACCESS_TOKEN=$ACCESS_TOKEN scripts/mcp_check.sh {base}
  npx @modelcontextprotocol/inspector   # Streamable HTTP, URL {base}/mcp, header Authorization: Bearer $ACCESS_TOKEN
  cargo run --release -- token --issuer {sandbox_url} --resource {resource}   # sign in as another user
",
        sandbox_url = sandbox.base_url(),
        users = users.join(", "),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_operators_allowed_origins_are_kept_next_to_the_inspectors() {
        // Arrange
        let sandbox = Sandbox::start(SandboxConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            public_url: None,
        })
        .await
        .unwrap();
        let base = Settings {
            allowed_origins: Some("http://tool.example:8080".into()),
            ..Settings::default()
        };

        // Act
        let config = settings_for(&sandbox, base, "127.0.0.1", 3999, "http://127.0.0.1:3999")
            .validate()
            .unwrap();
        let defaults = settings_for(
            &sandbox,
            Settings::default(),
            "127.0.0.1",
            3999,
            "http://127.0.0.1:3999",
        )
        .validate()
        .unwrap();
        sandbox.shutdown().await;

        // Assert
        assert!(
            config
                .allowed_origins
                .contains(&"http://tool.example:8080".to_owned())
        );
        assert!(
            config
                .allowed_origins
                .contains(&"http://localhost:6274".to_owned())
        );
        assert_eq!(
            defaults.cors_allowed_origins,
            ["http://localhost:6274", "http://127.0.0.1:6274"]
        );
    }
}
