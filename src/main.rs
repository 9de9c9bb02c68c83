//! neonpanel-mcp command line: `serve` (default) | `sandbox` | `token` | `check`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
    /// Run the server against the built-in NeonPanel sandbox.
    Sandbox,
    /// Obtain an access token with Authorization Code + PKCE.
    Token,
    /// Validate the configuration and run the deep health checks.
    Check {
        #[command(flatten)]
        settings: Box<Settings>,
    },
}

fn init_logging(config: &Config) {
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
    let parts = AppParts::from_config(&config)?;
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

fn not_yet(what: &str) -> ExitCode {
    eprintln!(
        "neonpanel-mcp {what}: not implemented in this build yet (tracked in the open issues)"
    );
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let _ = dotenvy::dotenv();
    // One TLS crypto backend for the whole process, the one jsonwebtoken also uses.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    match cli.command {
        None => serve(&cli.settings).await,
        Some(Command::Serve { settings }) => serve(&settings).await,
        Some(Command::Sandbox) => Ok(not_yet("sandbox")),
        Some(Command::Token) => Ok(not_yet("token")),
        Some(Command::Check { settings }) => check(&settings).await,
    }
}
