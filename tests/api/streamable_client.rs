//! The rmcp streamable-HTTP client against the real server: every protocol revision it can
//! pin, every message it receives validated against the official schema.

use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::ClientLifecycleMode;
use serde_json::{Value, json};

use super::doubles::ALICE;
use super::helpers::spawn_app;
use super::proxy;

const TOOL_NAMES: [&str; 11] = [
    "neonpanel_list_accounts",
    "neonpanel_get_account",
    "neonpanel_search_orders",
    "neonpanel_search_inventory",
    "neonpanel_get_landed_cost",
    "neonpanel_plan_purchase",
    "neonpanel_get_revenue_and_cogs",
    "neonpanel_get_stock_levels",
    "neonpanel_search_purchase_orders",
    "search",
    "fetch",
];

async fn connect(
    base: &str,
    lifecycle: ClientLifecycleMode,
    version: ProtocolVersion,
) -> super::mcp_client::Client {
    super::mcp_client::connect_with(base, ALICE, version, lifecycle).await
}

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().expect("object")
}

/// initialize → tools/list → tools/call, with the given revision pinned.
async fn full_session_with_pinned_version(
    version: ProtocolVersion,
    lifecycle: ClientLifecycleMode,
) {
    // Arrange
    let app = spawn_app().await;
    let (base, recorder) = proxy::spawn(app.addr).await;
    let client = connect(&base, lifecycle, version.clone()).await;

    // Act
    let tools = client.list_all_tools().await.expect("tools/list");
    let accounts = client
        .call_tool(CallToolRequestParams::new("neonpanel_list_accounts"))
        .await
        .expect("tools/call");
    let orders = client
        .call_tool(
            CallToolRequestParams::new("neonpanel_search_orders")
                .with_arguments(args(json!({"accountId": "acme", "from": "2024-01-01"}))),
        )
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    let mut expected = TOOL_NAMES.to_vec();
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(accounts.is_error, Some(false));
    let structured = accounts.structured_content.expect("structuredContent");
    assert_eq!(structured["items"][0]["accountId"], "acme");
    assert_eq!(structured["items"].as_array().map(Vec::len), Some(2));
    let orders = orders.structured_content.expect("structuredContent");
    assert_eq!(orders["items"].as_array().map(Vec::len), Some(20));
    assert!(orders["nextCursor"].is_string());
    let validated = recorder.validate_all();
    assert!(validated >= 4, "only {validated} server messages were seen");
    let initialize = recorder
        .messages()
        .into_iter()
        .find(|m| m.pointer("/result/serverInfo").is_some());
    if let Some(initialize) = initialize {
        assert_eq!(initialize["result"]["protocolVersion"], version.to_string());
    }
}

#[tokio::test]
async fn rmcp_client_pinned_to_2025_06_18_lists_and_calls_tools() {
    full_session_with_pinned_version(
        ProtocolVersion::V_2025_06_18,
        ClientLifecycleMode::Initialize,
    )
    .await;
}

#[tokio::test]
async fn rmcp_client_pinned_to_2025_11_25_lists_and_calls_tools() {
    full_session_with_pinned_version(
        ProtocolVersion::V_2025_11_25,
        ClientLifecycleMode::Initialize,
    )
    .await;
}

#[tokio::test]
async fn rmcp_client_speaking_2026_07_28_discovers_lists_and_calls_tools() {
    full_session_with_pinned_version(
        ProtocolVersion::V_2026_07_28,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    )
    .await;
}

#[tokio::test]
async fn invalid_arguments_in_2025_11_25_come_back_as_an_is_error_result_with_field_paths() {
    // Arrange
    let app = spawn_app().await;
    let (base, recorder) = proxy::spawn(app.addr).await;
    let client = connect(
        &base,
        ClientLifecycleMode::Initialize,
        ProtocolVersion::V_2025_11_25,
    )
    .await;

    // Act
    let result = client
        .call_tool(
            CallToolRequestParams::new("neonpanel_plan_purchase")
                .with_arguments(args(json!({"accountId": "acme", "coverageDays": "soon"}))),
        )
        .await
        .expect("an isError result, not a protocol error");
    client.cancel().await.expect("client closes");

    // Assert
    assert_eq!(result.is_error, Some(true));
    let error = &result.structured_content.expect("structuredContent")["error"];
    assert_eq!(error["code"], "invalid_arguments");
    let paths: Vec<&str> = error["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"sku") && paths.contains(&"coverageDays"),
        "{paths:?}"
    );
    assert!(recorder.validate_all() >= 2);
}

#[tokio::test]
async fn dotted_seed_name_is_callable_but_never_listed() {
    // Arrange
    let app = spawn_app().await;
    let client = connect(
        &app.base,
        ClientLifecycleMode::Initialize,
        ProtocolVersion::V_2025_06_18,
    )
    .await;

    // Act
    let listed = client.list_all_tools().await.unwrap();
    let result = client
        .call_tool(CallToolRequestParams::new("neonpanel.listAccounts"))
        .await
        .unwrap();
    client.cancel().await.unwrap();

    // Assert
    assert!(listed.iter().all(|t| !t.name.contains('.')));
    assert_eq!(result.is_error, Some(false));
}
