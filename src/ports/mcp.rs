//! The driving port: how the HTTP adapter hands an MCP POST to the application.

use crate::domain::principal::Caller;
use crate::protocol::{Answered, Post};

/// The application as the transports see it. Implemented by `app::service::McpService`; the
/// HTTP adapter holds it as `Arc<dyn McpHandler>` and never names the application.
#[async_trait::async_trait]
pub trait McpHandler: Send + Sync + 'static {
    /// Answers one POST body of `caller` (already authenticated by the transport). Never
    /// fails: every problem with the body or a message is a JSON-RPC error in the answer
    /// (see [`crate::protocol::entry`]).
    async fn answer(&self, caller: &Caller, post: Post<'_>) -> Answered;
}
