//! neonpanel-mcp: a remote MCP server for NeonPanel.
//!
//! Hexagonal layout: [`domain`] (pure) ← [`ports`] (traits) ← [`app`] (use cases, wiring)
//! ← [`adapters`] (salvo, HTTP clients, session stores).

pub mod adapters;
pub mod app;
pub mod domain;
pub mod ports;
#[cfg(feature = "sandbox")]
pub mod sandbox;

/// A private `redis-server` per test (shared with the integration tests).
#[cfg(test)]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;
