//! AWS IAM callers end to end: tokens presigned with AWS's own `aws-sigv4` signer for the
//! sandbox's demo IAM keys, verified by the sandbox playing STS (real SigV4 verification),
//! mapped by `AWS_IAM_PRINCIPALS`, and driven by real MCP clients over both transports.

// It runs `neonpanel-mcp sandbox`, which exists only with the feature.
#[cfg(feature = "sandbox")]
mod cli;
mod flood;
mod mint;
mod refusals;
mod sandbox_sts;

use neonpanel_mcp::app::failure::messages;
use neonpanel_mcp::startup::config::Settings;
use neonpanel_sandbox::{DEMO_ROLE_COMPANY, DemoAwsKey, Sandbox};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp010::ServiceExt;
use rmcp010::model::{CallToolRequestParam, ClientInfo};
use rmcp010::transport::SseClientTransport;
use rmcp010::transport::sse_client::SseClientConfig;
use serde_json::{Value, json};

use super::mcp_client;
use super::sandbox_e2e::{SandboxWorld, sandbox_world_with};
use mint::Presign;

/// The sandbox world with IAM callers on: the demo role mapped to one demo company, the
/// sandbox's STS allowed, and `neonpanel_list_accounts` in hybrid mode so a caller without a
/// NeonPanel sign-in can run it with the service token (every other tool keeps `user`).
pub struct IamWorld {
    pub world: SandboxWorld,
    /// The mapped demo role's key.
    pub key: DemoAwsKey,
    /// A key of a role no mapping names.
    pub unmapped: DemoAwsKey,
}

/// `AWS_IAM_PRINCIPALS` mapping `key`'s role to the demo company.
pub fn mapping(key: &DemoAwsKey) -> String {
    json!({ key.role_arn.clone(): [DEMO_ROLE_COMPANY] }).to_string()
}

/// Settings that turn IAM callers on against `sts_endpoint`.
pub fn iam_settings(sandbox: &Sandbox, settings: Settings, sts_endpoint: &str) -> Settings {
    Settings {
        aws_iam_principals: Some(mapping(&sandbox.aws_demo_keys()[0])),
        aws_sts_endpoints: Some(sts_endpoint.to_owned()),
        tool_auth_modes: Some("neonpanel_list_accounts=hybrid".into()),
        ..settings
    }
}

pub async fn iam_world() -> IamWorld {
    let world =
        sandbox_world_with(|sandbox, settings| iam_settings(sandbox, settings, sandbox.sts_url()))
            .await;
    let keys = world.sandbox.aws_demo_keys();
    IamWorld {
        key: keys[0].clone(),
        unmapped: keys[1].clone(),
        world,
    }
}

impl IamWorld {
    /// A presign of the mapped role's key for this server, against the sandbox's STS.
    pub fn presign(&self) -> Presign {
        self.presign_with(&self.key)
    }

    pub fn presign_with(&self, key: &DemoAwsKey) -> Presign {
        Presign::new(
            self.world.sandbox.sts_url(),
            &key.access_key_id,
            &key.secret_access_key,
            &self.world.resource,
        )
    }
}

pub fn account_ids(structured: Option<&Value>) -> Vec<String> {
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

#[tokio::test]
async fn an_iam_token_over_streamable_http_lists_tools_and_sees_only_the_mapped_account() {
    // Arrange
    let iam = iam_world().await;
    let token = iam.presign().token();
    let client =
        mcp_client::connect(&iam.world.app.base, &token, ProtocolVersion::V_2025_11_25).await;

    // Act
    let tools = client.list_all_tools().await.expect("tools/list");
    let accounts = client
        .call_tool(CallToolRequestParams::new("neonpanel_list_accounts"))
        .await
        .expect("tools/call");
    let user_only = client
        .call_tool(
            CallToolRequestParams::new("neonpanel_get_account").with_arguments(
                json!({"accountId": DEMO_ROLE_COMPANY})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert: one STS call for the whole session (the verdict is cached).
    assert_eq!(tools.len(), 11);
    assert_eq!(accounts.is_error, Some(false), "{accounts:?}");
    assert_eq!(
        account_ids(accounts.structured_content.as_ref()),
        [DEMO_ROLE_COMPANY]
    );
    assert_eq!(user_only.is_error, Some(true));
    let error = &user_only.structured_content.expect("structuredContent")["error"];
    assert_eq!(error["message"], messages::NEEDS_SIGN_IN);
    assert_eq!(iam.world.sandbox.sts_calls(), 1);
}

#[tokio::test]
async fn an_iam_token_over_legacy_sse_lists_tools_and_sees_only_the_mapped_account() {
    // Arrange
    let iam = iam_world().await;
    let token = iam.presign().token();
    let transport = SseClientTransport::start_with_client(
        super::sse_client::authorized_client(&token),
        SseClientConfig {
            sse_endpoint: iam.world.app.url("/sse").into(),
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
    assert_eq!(account_ids(Some(&parsed)), [DEMO_ROLE_COMPANY]);
}

#[tokio::test]
async fn beside_iam_callers_a_signed_in_user_keeps_the_oauth_path() {
    // Arrange
    let iam = iam_world().await;
    let alice = iam.world.token("alice");
    let client =
        mcp_client::connect(&iam.world.app.base, &alice, ProtocolVersion::V_2025_11_25).await;

    // Act
    let accounts = client
        .call_tool(CallToolRequestParams::new("neonpanel_list_accounts"))
        .await
        .expect("tools/call");
    client.cancel().await.expect("client closes");

    // Assert: her own companies, and STS never asked.
    let mut expected: Vec<String> = iam
        .world
        .sandbox
        .users()
        .into_iter()
        .find(|u| u.id == "alice")
        .unwrap()
        .companies;
    let mut seen = account_ids(accounts.structured_content.as_ref());
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);
    assert_eq!(iam.world.sandbox.sts_calls(), 0);
}
