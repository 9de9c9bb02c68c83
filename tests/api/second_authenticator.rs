//! The auth seam proven with a second authenticator that exists only in this test binary: a
//! fixed credential (`Authorization: Bearer test-fixed.<name>`) that proves a caller without a
//! NeonPanel sign-in, granted a fixed account list, the shape of an AWS-role mapping. It is
//! plugged in through `AppParts` beside the default (the JWT double) without touching a tool,
//! the credential policy or a transport, and driven by real MCP clients over both transports.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use neonpanel_mcp::app::authentication::ProofAuthenticators;
use neonpanel_mcp::app::failure::messages;
use neonpanel_mcp::domain::error::{AuthError, UpstreamError, UpstreamErrorKind};
use neonpanel_mcp::domain::principal::{Caller, Principal, ScopeSet, Subject};
use neonpanel_mcp::domain::proof::Proof;
use neonpanel_mcp::domain::upstream::Page;
use neonpanel_mcp::ports::Authenticator;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp010::ServiceExt;
use rmcp010::model::{CallToolRequestParam, ClientInfo};
use rmcp010::transport::SseClientTransport;
use rmcp010::transport::sse_client::SseClientConfig;
use serde_json::{Value, json};

use super::doubles::{self, ALICE};
use super::helpers::{TestApp, settings, spawn_app_authenticated_by};
use super::mcp_client;

/// The form every fixed test credential has; no other authenticator sees such a token.
const PREFIX: &str = "test-fixed.";
/// Granted the `globex` account only.
const REPORTING: &str = "test-fixed.reporting";
/// A genuine credential mapped to no account: refused with 403.
const UNMAPPED: &str = "test-fixed.unmapped";

/// The test-only authenticator: known fixed credentials, each a subject and its accounts.
struct FixedCredentials;

#[async_trait]
impl Authenticator for FixedCredentials {
    fn claims(&self, proof: &Proof) -> bool {
        proof
            .bearer()
            .is_some_and(|token| token.expose().starts_with(PREFIX))
    }

    async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError> {
        match proof.bearer().map(|t| t.expose()) {
            Some(REPORTING) => Ok(Caller::without_sign_in(Arc::new(Principal {
                subject: Subject::new("fixed:reporting"),
                scopes: ScopeSet::parse("neonpanel:read"),
                tenant: None,
                expires_at: u64::MAX,
                accounts: BTreeSet::from(["globex".to_owned()]),
            }))),
            Some(UNMAPPED) => Err(AuthError::Forbidden(
                "this credential is mapped to no NeonPanel account",
            )),
            _ => Err(AuthError::InvalidToken("unknown test credential")),
        }
    }
}

/// NeonPanel as the service token sees it (three companies) and as Alice sees it (two).
fn api() -> doubles::MockApi {
    let mut api = doubles::MockApi::new();
    api.expect_list_companies().returning(|token, page, _| {
        let data = match token.expose() {
            "service-token" => ["acme", "globex", "initech"].to_vec(),
            "user-jwt-alice" => ["acme", "globex"].to_vec(),
            _ => {
                return Err(UpstreamError::new(
                    401,
                    UpstreamErrorKind::Unauthorized,
                    "bad token",
                ));
            }
        };
        Ok(Page {
            current_page: page,
            per_page: 60,
            last_page: 1,
            data: data.into_iter().map(|c| doubles::company(c, c)).collect(),
        })
    });
    api
}

/// The server with the fixed credentials beside the default authenticator, and
/// `neonpanel_list_accounts` in hybrid mode (a signed-in caller's own list, else the service
/// token confined to the caller's reach). Every other tool keeps its default, `user`.
async fn spawn() -> TestApp {
    let mut settings = settings();
    settings.tool_auth_modes = Some("neonpanel_list_accounts=hybrid".into());
    let authenticators = ProofAuthenticators::new(Arc::new(doubles::authenticator()))
        .with(Arc::new(FixedCredentials));
    spawn_app_authenticated_by(settings, api(), Arc::new(authenticators)).await
}

fn account_ids(structured: Option<&Value>) -> Vec<String> {
    structured
        .and_then(|s| s["items"].as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["accountId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().expect("object")
}

#[tokio::test]
async fn fixed_credential_over_streamable_http_lists_tools_and_sees_only_its_granted_accounts() {
    // Arrange
    let app = spawn().await;
    let client = mcp_client::connect(&app.base, REPORTING, ProtocolVersion::V_2025_11_25).await;

    // Act
    let tools = client.list_all_tools().await.expect("tools/list");
    let accounts = client
        .call_tool(CallToolRequestParams::new("neonpanel_list_accounts"))
        .await
        .expect("tools/call");
    let user_only = client
        .call_tool(
            CallToolRequestParams::new("neonpanel_get_account")
                .with_arguments(args(json!({"accountId": "globex"}))),
        )
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert
    assert_eq!(tools.len(), 11);
    assert_eq!(accounts.is_error, Some(false));
    assert_eq!(
        account_ids(accounts.structured_content.as_ref()),
        ["globex"]
    );
    assert_eq!(user_only.is_error, Some(true));
    let error = &user_only.structured_content.expect("structuredContent")["error"];
    assert_eq!(error["code"], "forbidden");
    assert_eq!(error["message"], messages::NEEDS_SIGN_IN);
}

#[tokio::test]
async fn fixed_credential_over_legacy_sse_lists_tools_and_sees_only_its_granted_accounts() {
    // Arrange
    let app = spawn().await;
    let transport = SseClientTransport::start_with_client(
        super::sse_client::authorized_client(REPORTING),
        SseClientConfig {
            sse_endpoint: app.url("/sse").into(),
            ..Default::default()
        },
    )
    .await
    .expect("SSE stream opens");
    let info = ClientInfo {
        protocol_version: rmcp010::model::ProtocolVersion::V_2024_11_05,
        ..ClientInfo::default()
    };

    // Act
    let client = info.serve(transport).await.expect("initialize over SSE");
    let tools = client.list_all_tools().await.expect("tools/list");
    let accounts = client
        .call_tool(CallToolRequestParam {
            name: "neonpanel_list_accounts".into(),
            arguments: None,
        })
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert
    assert_eq!(tools.len(), 11);
    assert_eq!(accounts.is_error, Some(false));
    let text = accounts.content[0].as_text().expect("text").text.clone();
    let parsed: Value = serde_json::from_str(&text).expect("content[0] is the JSON");
    assert_eq!(account_ids(Some(&parsed)), ["globex"]);
}

#[tokio::test]
async fn beside_the_fixed_credential_a_signed_in_caller_is_still_verified_by_the_default() {
    // Arrange
    let app = spawn().await;
    let client = mcp_client::connect(&app.base, ALICE, ProtocolVersion::V_2025_11_25).await;

    // Act
    let accounts = client
        .call_tool(CallToolRequestParams::new("neonpanel_list_accounts"))
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert: her own list, read with her own NeonPanel credential.
    assert_eq!(
        account_ids(accounts.structured_content.as_ref()),
        ["acme", "globex"]
    );
}

#[tokio::test]
async fn an_unmapped_or_unknown_fixed_credential_is_refused_without_echoing_it() {
    // Arrange
    let app = spawn().await;
    let post = |token: &'static str| {
        app.http
            .post(app.url("/mcp"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            .send()
    };

    // Act
    let unmapped = post(UNMAPPED).await.expect("answered");
    let unknown = post("test-fixed.stolen").await.expect("answered");

    // Assert
    assert_eq!(unmapped.status().as_u16(), 403);
    assert!(unmapped.headers().get("www-authenticate").is_none());
    let body: Value = unmapped.json().await.expect("JSON body");
    assert_eq!(body["error"], "access_denied");
    assert_eq!(unknown.status().as_u16(), 401);
    let challenge = unknown.headers()["www-authenticate"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(!challenge.contains("stolen"), "{challenge}");
}

#[tokio::test]
async fn unmapped_attempts_count_against_the_client_ip_like_any_failed_attempt() {
    // Arrange: a quota of 3 a minute. Eight attempts see a 429 even if a minute boundary
    // resets the window once in between.
    let mut settings = settings();
    settings.rate_limit_per_minute = Some("3".into());
    let authenticators = ProofAuthenticators::new(Arc::new(doubles::authenticator()))
        .with(Arc::new(FixedCredentials));
    let app = spawn_app_authenticated_by(settings, api(), Arc::new(authenticators)).await;

    // Act
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = app
            .http
            .post(app.url("/mcp"))
            .bearer_auth(UNMAPPED)
            .body("{}")
            .send()
            .await
            .expect("answered");
        statuses.push(response.status().as_u16());
    }

    // Assert
    assert_eq!(statuses[..3], [403, 403, 403], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [403, 429].contains(s)),
        "{statuses:?}"
    );
}
