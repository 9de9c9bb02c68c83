//! The protocol answers of `McpService` per era, over mockall doubles of its driven ports.
//! The doubles carry no expectation unless a test sets one: a protocol answer that reached
//! NeonPanel or a credential source would fail the test on the unexpected call.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::app::credentials::Credentials;
use crate::app::tools::Policies;
use crate::domain::error::CredentialError;
use crate::domain::pagination::PageSize;
use crate::domain::principal::Principal;
use crate::domain::secret::BearerToken;
use crate::ports::{MockNeonPanelApi, MockServiceTokens, MockUserCredentials};
use crate::protocol::jsonrpc::classify;
use crate::protocol::{Exchange, ReplyStatus, Transport};

const LEGACY: ProtocolVersion = ProtocolVersion::V2025_06_18;
const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;

fn service_over(users: MockUserCredentials, tools_page_size: usize) -> McpService {
    let api: Arc<dyn crate::ports::NeonPanelApi> = Arc::new(MockNeonPanelApi::new());
    let credentials = Credentials::new(
        Arc::new(users),
        Arc::new(MockServiceTokens::new()),
        Arc::clone(&api),
        "https://mcp.example/.well-known/oauth-protected-resource/mcp".to_owned(),
    );
    let catalogue = Catalogue::standard();
    // No override: every tool runs with its own default mode.
    let policies = Policies::new(std::collections::HashMap::new());
    let runner = ToolRunner::new(credentials, api, policies, PageSize::default());
    McpService::new(
        catalogue,
        runner,
        &ScopeSet::parse("neonpanel:read"),
        tools_page_size,
    )
}

fn service() -> McpService {
    service_over(MockUserCredentials::new(), 100)
}

fn caller() -> Caller {
    Caller {
        principal: Arc::new(Principal {
            subject: crate::domain::principal::Subject::new("user-1"),
            scopes: ScopeSet::parse("neonpanel:read"),
            tenant: None,
            expires_at: u64::MAX,
            accounts: std::collections::BTreeSet::new(),
        }),
        access_token: Some(BearerToken::new("test-access-token")),
    }
}

fn message(value: Value) -> Message {
    classify(value).unwrap()
}

fn request(method: &str, params: Value) -> Message {
    message(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
}

/// Sends `method` in `version` and returns the reply's status and parsed body.
async fn ask(
    service: &McpService,
    version: ProtocolVersion,
    method: &str,
    params: Value,
) -> (ReplyStatus, Value) {
    let reply = service
        .handle(&caller(), version, request(method, params))
        .await
        .expect("a request is answered");
    (
        reply.status,
        serde_json::from_str(reply.body.get()).unwrap(),
    )
}

#[tokio::test]
async fn legacy_initialize_negotiates_the_clients_version_or_our_latest() {
    // Arrange
    let service = service();
    let init = |v: &str| {
        request(
            "initialize",
            json!({"protocolVersion": v, "capabilities": {}}),
        )
    };

    // Act
    let known = service
        .handle(&caller(), LEGACY, init("2024-11-05"))
        .await
        .unwrap();
    let unknown = service
        .handle(&caller(), LEGACY, init("2099-01-01"))
        .await
        .unwrap();

    // Assert
    assert_eq!(known.negotiated, Some(ProtocolVersion::V2024_11_05));
    assert_eq!(unknown.negotiated, Some(ProtocolVersion::LATEST_LEGACY));
    let body: Value = serde_json::from_str(known.body.get()).unwrap();
    assert_eq!(body["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(body["result"]["serverInfo"]["name"], "neonpanel-mcp");
    assert_eq!(
        body["result"]["capabilities"]["tools"]["listChanged"],
        false
    );
}

#[tokio::test]
async fn lifecycle_methods_of_one_era_are_unknown_methods_in_the_other() {
    let service = service();
    let table = [
        (LEGACY, "server/discover", ReplyStatus::Ok),
        (MODERN, "initialize", ReplyStatus::NotFound),
        (MODERN, "ping", ReplyStatus::NotFound),
        (LEGACY, "resources/list", ReplyStatus::Ok),
        (MODERN, "resources/list", ReplyStatus::NotFound),
    ];
    for (version, method, status) in table {
        let (got, body) = ask(&service, version, method, json!({})).await;
        assert_eq!(got, status, "{method} in {version:?}");
        assert_eq!(
            body["error"]["code"],
            RpcError::METHOD_NOT_FOUND,
            "{method}"
        );
        assert_eq!(body["id"], 1);
    }
}

#[tokio::test]
async fn legacy_ping_answers_an_empty_result() {
    let (status, body) = ask(&service(), LEGACY, "ping", json!({})).await;

    assert_eq!(status, ReplyStatus::Ok);
    assert_eq!(body["result"], json!({}));
}

#[tokio::test]
async fn modern_discovery_lists_versions_and_is_a_cacheable_complete_result() {
    let (status, body) = ask(&service(), MODERN, "server/discover", json!({})).await;

    assert_eq!(status, ReplyStatus::Ok);
    let result = &body["result"];
    assert_eq!(
        result["supportedVersions"],
        json!(ProtocolVersion::supported())
    );
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["cacheScope"], "public");
    assert_eq!(result["ttlMs"], LIST_TTL_MS);
    assert_eq!(result["_meta"][META_SERVER_INFO]["name"], "neonpanel-mcp");
}

#[tokio::test]
async fn tools_list_pages_follow_next_cursor_to_every_tool_once() {
    // Arrange: two tools a page.
    let service = service_over(MockUserCredentials::new(), 2);
    let expected: Vec<&str> = Catalogue::standard().iter().map(|spec| spec.name).collect();

    // Act
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..expected.len() {
        let params = cursor
            .as_ref()
            .map_or(json!({}), |c| json!({ "cursor": c }));
        let (status, body) = ask(&service, LEGACY, "tools/list", params).await;
        assert_eq!(status, ReplyStatus::Ok);
        let tools = body["result"]["tools"].as_array().unwrap();
        assert!(tools.len() <= 2);
        names.extend(tools.iter().map(|t| t["name"].as_str().unwrap().to_owned()));
        cursor = body["result"]["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }

    // Assert
    assert_eq!(cursor, None, "the last page has no nextCursor");
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_tools_list_cursor_not_issued_by_us_is_invalid_params_400_only_when_modern() {
    let service = service();
    let meta = json!({"cursor": "not-a-cursor"});

    let (legacy, legacy_body) = ask(&service, LEGACY, "tools/list", meta.clone()).await;
    let (modern, modern_body) = ask(&service, MODERN, "tools/list", meta).await;

    assert_eq!(legacy, ReplyStatus::Ok);
    assert_eq!(modern, ReplyStatus::BadRequest);
    for body in [legacy_body, modern_body] {
        assert_eq!(body["error"]["code"], RpcError::INVALID_PARAMS);
    }
}

#[tokio::test]
async fn modern_tools_list_says_its_result_type_server_and_cache_lifetime() {
    let (_, body) = ask(&service(), MODERN, "tools/list", json!({})).await;

    let result = &body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["ttlMs"], LIST_TTL_MS);
    assert_eq!(result["_meta"][META_SERVER_INFO]["name"], "neonpanel-mcp");
    assert!(result["tools"].as_array().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn tools_call_without_a_known_tool_name_is_invalid_params() {
    let service = service();
    for params in [json!({}), json!({"name": 7}), json!({"name": "nope"})] {
        let (status, body) = ask(&service, LEGACY, "tools/call", params.clone()).await;
        assert_eq!(status, ReplyStatus::Ok, "{params}");
        assert_eq!(body["error"]["code"], RpcError::INVALID_PARAMS, "{params}");
    }
}

#[tokio::test]
async fn invalid_arguments_are_a_jsonrpc_error_before_2025_11_25_and_an_is_error_result_from_it() {
    // Arrange: get_account without its required accountId.
    let service = service();
    let call = json!({"name": "neonpanel_get_account", "arguments": {}});

    // Act
    let (_, old) = ask(
        &service,
        ProtocolVersion::V2025_06_18,
        "tools/call",
        call.clone(),
    )
    .await;
    let (_, new) = ask(&service, ProtocolVersion::V2025_11_25, "tools/call", call).await;

    // Assert
    assert_eq!(old["error"]["code"], RpcError::INVALID_PARAMS);
    assert!(old["error"]["data"]["fields"].is_array(), "{old}");
    assert_eq!(new["result"]["isError"], true, "{new}");
}

#[tokio::test]
async fn a_refused_user_credential_is_an_is_error_result_asking_to_sign_in_again() {
    // Arrange: the credential source refuses once; NeonPanel must not be called.
    let mut users = MockUserCredentials::new();
    users.expect_is_configured().return_const(true);
    users
        .expect_user_credential()
        .times(1)
        .returning(|_| Err(CredentialError::Rejected));
    users.expect_evict().return_const(());
    let service = service_over(users, 100);
    let call = json!({"name": "neonpanel_list_accounts", "arguments": {}});

    // Act
    let (status, body) = ask(&service, LEGACY, "tools/call", call).await;

    // Assert
    assert_eq!(status, ReplyStatus::Ok);
    let result = &body["result"];
    assert_eq!(result["isError"], true, "{body}");
    let challenge = result["_meta"]["mcp/www_authenticate"][0]
        .as_str()
        .unwrap_or_default();
    assert!(challenge.contains("resource_metadata"), "{body}");
    assert!(!body.to_string().contains("test-access-token"));
}

#[tokio::test]
async fn notifications_and_client_responses_get_no_reply() {
    let service = service();
    let note = message(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let response = message(json!({"jsonrpc": "2.0", "id": 5, "result": {}}));

    assert!(service.handle(&caller(), LEGACY, note).await.is_none());
    assert!(service.handle(&caller(), LEGACY, response).await.is_none());
}

#[tokio::test]
async fn through_the_driving_port_an_sse_initialize_reports_the_negotiated_version() {
    // Arrange
    let service: Arc<dyn McpHandler> = Arc::new(service());
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-03-26", "capabilities": {}}})
    .to_string();
    let post = Post {
        body: body.as_bytes(),
        transport: Transport::Session(None),
    };

    // Act
    let answered = service.answer(&caller(), post).await;

    // Assert
    assert_eq!(answered.summary.method.as_deref(), Some("initialize"));
    let Exchange::Answer(reply) = answered.exchange else {
        panic!("initialize is answered");
    };
    assert_eq!(reply.negotiated, Some(ProtocolVersion::V2025_03_26));
}
