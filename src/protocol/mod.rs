//! MCP over JSON-RPC 2.0: message classification, versions, and the 2026-07-28 ("modern")
//! rules that apply on the HTTP transport.

pub mod jsonrpc;
pub mod modern;
pub mod version;

pub use jsonrpc::{Message, RpcError};
pub use version::ProtocolVersion;
