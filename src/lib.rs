//! neonpanel-mcp: a remote MCP server for NeonPanel.
//!
//! Hexagonal layout: [`domain`] (pure) and [`protocol`] (MCP framing) ← [`ports`] (traits) ←
//! [`app`] (use cases) and [`adapters`] (salvo, HTTP clients, session stores), which never import
//! each other ← [`startup`] (configuration and wiring, the composition root).

pub mod adapters;
pub mod app;
pub mod domain;
pub mod ports;
pub mod protocol;
pub mod startup;

/// A private `redis-server` per test (shared with the integration tests).
#[cfg(test)]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;
