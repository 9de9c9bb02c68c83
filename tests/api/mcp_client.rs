//! The rmcp streamable-HTTP client as every test uses it.

use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;

pub type Client = RunningService<RoleClient, ClientConfig>;

/// Connects to `{base}/mcp` with `token`, speaking `version` through `lifecycle`.
pub async fn connect_with(
    base: &str,
    token: &str,
    version: ProtocolVersion,
    lifecycle: ClientLifecycleMode,
) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(token),
    );
    ClientConfig::default()
        .with_protocol_version(version)
        .serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("client connects")
}

/// Connects with the `initialize` handshake at `version`.
pub async fn connect(base: &str, token: &str, version: ProtocolVersion) -> Client {
    connect_with(base, token, version, ClientLifecycleMode::Initialize).await
}

/// `tools/call` with JSON object arguments.
pub async fn call(client: &Client, name: &'static str, args: Value) -> CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .expect("tools/call answered")
}
