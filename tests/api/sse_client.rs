//! The legacy SSE client of rmcp 0.10 (what the Bedrock Inline Agent's Python `sse_client`
//! does): GET /sse, POST /messages, responses on the stream.

use rmcp010::ServiceExt;
use rmcp010::model::{CallToolRequestParam, ClientInfo, ProtocolVersion};
use rmcp010::transport::SseClientTransport;
use rmcp010::transport::sse_client::SseClientConfig;
use serde_json::json;

use super::doubles::ALICE;
use super::helpers::spawn_app;
use super::proxy;

pub fn authorized_client(token: &str) -> reqwest012::Client {
    let mut headers = reqwest012::header::HeaderMap::new();
    headers.insert(
        reqwest012::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header value"),
    );
    reqwest012::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

#[tokio::test]
async fn rmcp_sse_client_initializes_lists_and_calls_a_tool() {
    // Arrange
    let app = spawn_app().await;
    let (base, recorder) = proxy::spawn(app.addr).await;
    let transport = SseClientTransport::start_with_client(
        authorized_client(ALICE),
        SseClientConfig {
            sse_endpoint: format!("{base}/sse").into(),
            ..Default::default()
        },
    )
    .await
    .expect("SSE stream opens");
    let info = ClientInfo {
        protocol_version: ProtocolVersion::V_2024_11_05,
        ..ClientInfo::default()
    };

    // Act
    let client = info.serve(transport).await.expect("initialize over SSE");
    let tools = client.list_all_tools().await.expect("tools/list");
    let result = client
        .call_tool(CallToolRequestParam {
            name: "neonpanel_search_orders".into(),
            arguments: json!({"accountId": "acme", "q": "INV"})
                .as_object()
                .cloned(),
        })
        .await
        .expect("tools/call");
    let negotiated = client.peer_info().map(|p| p.protocol_version.to_string());
    client.cancel().await.expect("client closes");

    // Assert
    assert_eq!(negotiated.as_deref(), Some("2024-11-05"));
    assert_eq!(tools.len(), 11);
    assert_eq!(result.is_error, Some(false));
    let text = result.content[0]
        .as_text()
        .expect("text content")
        .text
        .clone();
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("content[0] is the JSON");
    assert_eq!(parsed["items"].as_array().map(Vec::len), Some(20));
    assert!(recorder.validate_all() >= 3);
}
