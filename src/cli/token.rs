//! `neonpanel-mcp token`: signs a user in (Authorization Code + PKCE) and prints the access
//! token. The token is only useful if its audience is the MCP server, so `--resource` is
//! required; the issuer can be found from the server's protected-resource metadata (RFC 9728).

use std::process::{ExitCode, Stdio};
use std::time::Duration;

use clap::Args;
use neonpanel_mcp::adapters::oauth_client::{TokenRequest, obtain_token};
use neonpanel_mcp::adapters::outbound::{Outbound, OutboundConfig, OutboundRequest};
use serde_json::Value;

#[derive(Args, Debug)]
pub(crate) struct TokenArgs {
    /// The MCP server's canonical URL, such as http://127.0.0.1:3000/mcp (its MCP_RESOURCE_URL).
    /// Required: it is sent as the RFC 8707 resource and becomes the token's audience; a token
    /// for any other audience is refused by the server.
    #[arg(long, value_name = "URL")]
    resource: Option<String>,
    /// The authorization server (its RFC 8414 metadata is discovered). Default: the first
    /// `authorization_servers` entry of the resource's RFC 9728 metadata.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// A registered client id; without one the client registers itself (RFC 7591).
    #[arg(long)]
    client_id: Option<String>,
    /// Scopes to ask for.
    #[arg(long, default_value = "openid neonpanel:read")]
    scope: String,
    /// Sandbox only: approve as this demo user (alice, bob, carol) without a browser.
    #[arg(long, value_name = "USER")]
    auto_approve: Option<String>,
    /// How long to wait for the browser to come back, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    wait_secs: u64,
}

const NO_RESOURCE: &str = "\
neonpanel-mcp token: --resource is required.
The token's audience must be the MCP server's canonical URL (its MCP_RESOURCE_URL, e.g.
http://127.0.0.1:3000/mcp; the sandbox prints it in its banner). A token issued without it
has another audience, and the server refuses it with 401.";

/// RFC 9728 §3.1: the metadata path is inserted between the origin and the resource's path.
fn metadata_url(resource: &str) -> Option<String> {
    let (scheme, rest) = resource.split_once("://")?;
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let path = path.trim_end_matches('/');
    Some(format!(
        "{scheme}://{authority}/.well-known/oauth-protected-resource{path}"
    ))
}

/// The canonical resource and its first authorization server, from the server itself.
async fn discover(outbound: &Outbound, resource: &str) -> anyhow::Result<(String, String)> {
    let Some(url) = metadata_url(resource) else {
        anyhow::bail!("--resource {resource:?} is not an http(s) URL");
    };
    let response = outbound
        .send(OutboundRequest::get(&url))
        .await
        .map_err(|e| anyhow::anyhow!("cannot read {url}: {e}; pass --issuer"))?;
    if response.status != 200 {
        anyhow::bail!("{url} answered HTTP {}; pass --issuer", response.status);
    }
    let doc: Value = serde_json::from_slice(&response.body)
        .map_err(|_| anyhow::anyhow!("{url} is not JSON; pass --issuer"))?;
    let issuer = doc
        .get("authorization_servers")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("{url} names no authorization server; pass --issuer"))?;
    let canonical = doc
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or(resource);
    Ok((canonical.to_owned(), issuer.to_owned()))
}

/// Best effort, and silent: on a machine without a browser the URL printed above is the way.
fn open_browser(url: &str) {
    let has_display = cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !has_display {
        return;
    }
    for opener in ["xdg-open", "open"] {
        let spawned = std::process::Command::new(opener)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if spawned.is_ok() {
            break;
        }
    }
}

/// Runs the flow and prints the access token on stdout (alone, for `$(…)`).
///
/// # Errors
/// When discovery, sign-in or the token request fails.
pub(crate) async fn run(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let Some(resource) = args.resource else {
        eprintln!("{NO_RESOURCE}");
        return Ok(ExitCode::from(2));
    };
    let outbound = Outbound::new(&OutboundConfig::default());
    let (resource, issuer) = match args.issuer {
        Some(issuer) => (resource, issuer),
        None => {
            let (canonical, issuer) = discover(&outbound, &resource).await?;
            if canonical != resource {
                eprintln!("(the server's canonical resource is {canonical}; using it)");
            }
            (canonical, issuer)
        }
    };
    let request = TokenRequest {
        issuer,
        client_id: args.client_id,
        scope: args.scope,
        resource: Some(resource),
        auto_approve: args.auto_approve,
        wait: Duration::from_secs(args.wait_secs),
    };
    let answer = obtain_token(&outbound, &request, |url| {
        eprintln!("Open this URL in a browser to sign in:\n\n  {url}\n");
        open_browser(url);
    })
    .await?;
    let Some(access_token) = answer.get("access_token").and_then(|t| t.as_str()) else {
        anyhow::bail!("the token endpoint answered without an access_token");
    };
    println!("{access_token}");
    let scope = answer.get("scope").and_then(|s| s.as_str()).unwrap_or("-");
    if let Some(expires) = answer.get("expires_in") {
        eprintln!("(expires in {expires} s; scope: {scope})");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_path_before_the_resource_path() {
        assert_eq!(
            metadata_url("http://127.0.0.1:3000/mcp").as_deref(),
            Some("http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            metadata_url("https://mcp.example.com").as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(metadata_url("mcp.example.com"), None);
    }
}
