//! `neonpanel-mcp sandbox`: the built-in NeonPanel stand-in plus the real server wired to it,
//! exactly as in production (JWKS over HTTP, user-JWT exchange, API calls over sockets).

use std::net::SocketAddr;
use std::process::ExitCode;

use neonpanel_mcp::app::config::Settings;
use neonpanel_mcp::app::wiring::App;
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::sandbox::{Sandbox, SandboxConfig};

/// Origins of the MCP Inspector's web UI, so it can connect from the browser.
const INSPECTOR_ORIGINS: &str = "http://localhost:6274,http://127.0.0.1:6274";

/// Server settings that point at `sandbox`.
#[must_use]
pub fn settings_for(sandbox: &Sandbox, host: &str, port: u16) -> Settings {
    let (client_id, client_secret) = sandbox.service_client();
    Settings {
        host: Some(host.to_owned()),
        port: Some(port),
        resource_url: Some(format!("http://{host}:{port}/mcp")),
        oauth_issuer: Some(sandbox.issuer().to_owned()),
        oauth_jwks_uri: Some(sandbox.jwks_uri()),
        oauth_required_scopes: Some("neonpanel:read".to_owned()),
        api_base: Some(sandbox.base_url().to_owned()),
        user_jwt_url: Some(sandbox.user_jwt_url()),
        oauth_token_url: Some(sandbox.token_url()),
        client_id: Some(client_id),
        client_secret: Some(Secret::new(client_secret)),
        iat_audience: Some(sandbox.api_audience().to_owned()),
        allowed_origins: Some(INSPECTOR_ORIGINS.to_owned()),
        cors_allowed_origins: Some(INSPECTOR_ORIGINS.to_owned()),
        ..Settings::default()
    }
}

pub async fn run(host: &str, port: u16, sandbox_port: u16) -> anyhow::Result<ExitCode> {
    let bind: SocketAddr = format!("{host}:{sandbox_port}").parse()?;
    let sandbox = Sandbox::start(SandboxConfig {
        bind,
        public_url: None,
    })
    .await?;
    let config = match settings_for(&sandbox, host, port).validate() {
        Ok(config) => config,
        Err(errors) => anyhow::bail!("sandbox settings are invalid: {errors}"),
    };
    crate::init_logging(&config);
    let app = App::build(&config).await?;
    let base = format!("http://{}", app.local_addr());
    let token = sandbox.mint_access_token(
        "alice",
        &config.resource_url,
        "openid neonpanel:read",
        8 * 3600,
    )?;
    print_banner(&sandbox, &base, &config.resource_url, &token);
    app.run_until_stopped().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn print_banner(sandbox: &Sandbox, base: &str, resource: &str, token: &str) {
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
