//! neonpanel-mcp command line: `serve` (default) | `sandbox` | `token` | `check`.

mod cli;

/// mimalloc instead of glibc malloc, chosen with the load harness: see README "Performance".
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use neonpanel_mcp::startup::config::{Config, LogFormat, Settings};
use neonpanel_mcp::startup::wiring::App;
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
    Sandbox(Box<cli::sandbox::SandboxArgs>),
    /// Obtain an access token for the MCP server (Authorization Code + PKCE, loopback redirect).
    Token(cli::token::TokenArgs),
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

/// `check`: validate the configuration, then prove every dependency of a tool call once.
async fn check(settings: &Settings) -> anyhow::Result<ExitCode> {
    match load(settings) {
        Ok(config) => cli::check::run(&config).await,
        Err(code) => Ok(code),
    }
}

/// Parses the command line; `sandbox --help` leaves out the settings the sandbox replaces.
fn parse_cli() -> Cli {
    #[allow(unused_mut)] // mutated only with the sandbox feature
    let mut command = Cli::command();
    #[cfg(feature = "sandbox")]
    {
        command = command.mut_subcommand("sandbox", |mut sandbox| {
            for id in cli::sandbox::REPLACED_SETTINGS {
                sandbox = sandbox.mut_arg(*id, |arg| arg.hide(true));
            }
            sandbox
        });
    }
    Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
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
    let cli = parse_cli();
    match cli.command {
        None => serve(&cli.settings).await,
        Some(Command::Serve { settings }) => serve(&settings).await,
        #[cfg(feature = "sandbox")]
        Some(Command::Sandbox(args)) => cli::sandbox::run(*args).await,
        Some(Command::Token(args)) => cli::token::run(args).await,
        Some(Command::Check { settings }) => check(&settings).await,
    }
}
