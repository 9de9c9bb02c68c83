//! neonpanel-mcp command line: `serve` (default) | `sandbox` | `token` | `check`.

mod cli;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use neonpanel_mcp::adapters::oauth_client::{TokenRequest, obtain_token};
use neonpanel_mcp::adapters::outbound::{Outbound, OutboundConfig};
use neonpanel_mcp::app::config::{Config, LogFormat, Settings};
use neonpanel_mcp::app::wiring::{App, AppParts};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(
    name = "neonpanel-mcp",
    version,
    about = "Remote MCP server for NeonPanel"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the MCP server (the default).
    Serve {
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Run the server against the built-in NeonPanel sandbox (no configuration needed).
    #[cfg(feature = "sandbox")]
    Sandbox {
        /// Port of the sandbox (OAuth issuer and NeonPanel API).
        #[arg(long, env = "SANDBOX_PORT", default_value_t = 3001)]
        sandbox_port: u16,
        /// Server settings; those that wire it to NeonPanel are replaced by the sandbox's.
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Obtain an access token with Authorization Code + PKCE and a loopback redirect.
    Token {
        /// The authorization server (its RFC 8414 metadata is discovered).
        #[arg(long)]
        issuer: String,
        /// A registered client id; without one the client registers itself (RFC 7591).
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long, default_value = "openid neonpanel:read")]
        scope: String,
        /// The MCP server's canonical URL, sent as the RFC 8707 resource (the audience).
        #[arg(long)]
        resource: Option<String>,
        /// Sandbox only: approve as this demo user (alice, bob, carol) without a browser.
        #[arg(long)]
        auto_approve: Option<String>,
    },
    /// Validate the configuration and run the deep health checks.
    Check {
        #[command(flatten)]
        settings: Box<Settings>,
    },
}

pub(crate) fn init_logging(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

/// Validates settings; on failure prints one line per problem and exits with status 2.
fn load(settings: &Settings) -> Result<Config, ExitCode> {
    settings.validate().map_err(|errors| {
        eprintln!("neonpanel-mcp: invalid configuration:");
        for problem in &errors.0 {
            eprintln!("  {problem}");
        }
        ExitCode::from(2)
    })
}

async fn serve(settings: &Settings) -> anyhow::Result<ExitCode> {
    let config = match load(settings) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    init_logging(&config);
    let app = App::build(&config).await?;
    tracing::info!(addr = %app.local_addr(), resource = %config.resource_url, "neonpanel-mcp listening");
    app.run_until_stopped().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `check`: validate the configuration, then run the deep checks once.
async fn check(settings: &Settings) -> anyhow::Result<ExitCode> {
    let config = match load(settings) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    println!("configuration: ok");
    let parts = AppParts::from_config(&config).await?;
    let checks = parts.probe.run().await;
    for c in &checks {
        println!(
            "{}: {} ({})",
            c.name,
            if c.ok { "ok" } else { "FAILED" },
            c.detail
        );
    }
    Ok(if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `token`: runs the browser flow and prints the access token on stdout (alone, for `$(…)`).
async fn token(request: TokenRequest) -> anyhow::Result<ExitCode> {
    let outbound = Outbound::new(&OutboundConfig::default());
    let answer = obtain_token(&outbound, &request, |url| {
        eprintln!("Open this URL in a browser to sign in:\n\n  {url}\n");
        // Best effort: most desktops have one of these; the URL above always works.
        for opener in ["xdg-open", "open"] {
            if std::process::Command::new(opener).arg(url).spawn().is_ok() {
                break;
            }
        }
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

/// Blocking-pool threads: nothing on a request path blocks (outbound calls are async); the
/// pool only serves the odd DNS lookup when a new upstream connection opens.
const MAX_BLOCKING_THREADS: usize = 4;

fn main() -> anyhow::Result<ExitCode> {
    // One worker per core (tokio's default), and a small blocking pool instead of tokio's 512,
    // so the thread count stays flat however many calls are in flight.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<ExitCode> {
    let _ = dotenvy::dotenv();
    // One TLS crypto backend for the whole process, the one jsonwebtoken also uses.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    match cli.command {
        None => serve(&cli.settings).await,
        Some(Command::Serve { settings }) => serve(&settings).await,
        #[cfg(feature = "sandbox")]
        Some(Command::Sandbox {
            sandbox_port,
            settings,
        }) => cli::sandbox::run(*settings, sandbox_port).await,
        Some(Command::Token {
            issuer,
            client_id,
            scope,
            resource,
            auto_approve,
        }) => {
            token(TokenRequest {
                issuer,
                client_id,
                scope,
                resource,
                auto_approve,
                wait: Duration::from_secs(300),
            })
            .await
        }
        Some(Command::Check { settings }) => check(&settings).await,
    }
}
