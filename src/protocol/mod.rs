//! MCP over JSON-RPC 2.0: message classification, versions and eras, the 2026-07-28
//! ("modern") header rules, and the one entry point both HTTP transports call ([`entry`]).

pub mod entry;
pub mod jsonrpc;
pub mod modern;
pub mod reply;
pub mod version;

pub use entry::{Answered, Exchange, Post, Summary, Transport};
pub use jsonrpc::{Message, RpcError};
pub use reply::{Reply, ReplyStatus};
pub use version::{Era, ProtocolVersion};
