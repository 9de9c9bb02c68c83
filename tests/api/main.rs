//! Integration tests: the real server over real sockets, driven by real MCP clients.

mod doubles;
mod helpers;
mod protocol_rules;
mod proxy;
mod schema;
mod sse_client;
mod streamable_client;
