//! Integration tests: the real server over real sockets, driven by real MCP clients.

// A failed expectation in a test helper should stop the test loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod aws_iam;
mod chatgpt;
mod child;
mod cli_help;
mod commands;
mod config_errors;
mod doubles;
mod edge_guards;
mod error_voice;
mod helpers;
mod limits;
mod mcp_client;
mod metrics;
mod neonpanel_e2e;
mod oauth_discovery;
mod oauth_flow;
mod protocol_rules;
mod proxy;
mod real;
mod redis_fleet;
#[path = "../support/redis_server.rs"]
mod redis_server;
#[cfg(feature = "sandbox")] // spawns `neonpanel-mcp sandbox`
mod sandbox_cli;
mod sandbox_e2e;
mod sandbox_reports;
mod schema;
mod second_authenticator;
mod shutdown;
#[cfg(feature = "sandbox")] // spawns `neonpanel-mcp sandbox`
mod shutdown_process;
mod slow_clients;
mod sse_client;
mod startup;
mod streamable_client;
