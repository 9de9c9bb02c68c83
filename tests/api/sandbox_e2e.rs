//! End to end against the built-in sandbox: only the far side is simulated. The server is wired
//! exactly as in production (JWKS over HTTP, user-JWT exchange, service token, API calls over
//! sockets), and real clients drive it.

use std::collections::HashSet;

use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::startup::config::Settings;
use neonpanel_mcp::startup::wiring::App;
use neonpanel_sandbox::{Fault, Sandbox, SandboxConfig};
use rmcp::model::{CallToolResult, ProtocolVersion};
use serde_json::{Value, json};

use super::helpers::TestApp;
use super::mcp_client::{Client, call, connect};

pub struct SandboxWorld {
    pub sandbox: Sandbox,
    pub app: TestApp,
    pub resource: String,
}

pub async fn sandbox_world() -> SandboxWorld {
    sandbox_world_with(|_, settings| settings).await
}

/// The same world, with `adjust` changing the server's settings before it starts.
pub async fn sandbox_world_with(
    adjust: impl FnOnce(&Sandbox, Settings) -> Settings,
) -> SandboxWorld {
    let sandbox = Sandbox::start(SandboxConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
    })
    .await
    .expect("sandbox starts");
    // Bind first to learn the port, so the resource URL (the token audience) is exact.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let resource = format!("http://127.0.0.1:{port}/mcp");
    let (client_id, client_secret) = sandbox.service_client();
    let settings = Settings {
        host: Some("127.0.0.1".into()),
        port: Some(port.to_string()),
        resource_url: Some(resource.clone()),
        oauth_issuer: Some(sandbox.issuer().to_owned()),
        oauth_jwks_uri: Some(sandbox.jwks_uri()),
        oauth_required_scopes: Some("neonpanel:read".into()),
        api_base: Some(sandbox.base_url().to_owned()),
        user_jwt_url: Some(sandbox.user_jwt_url()),
        oauth_token_url: Some(sandbox.token_url()),
        client_id: Some(client_id),
        client_secret: Some(Secret::new(client_secret)),
        iat_audience: Some(sandbox.api_audience().to_owned()),
        http_timeout_ms: Some("3000".into()),
        sse_heartbeat_ms: Some("1000".into()),
        ..Settings::default()
    };
    let config = adjust(&sandbox, settings).validate().expect("valid");
    let app = App::build(&config).await.expect("app builds");
    let addr = app.local_addr();
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());
    SandboxWorld {
        sandbox,
        app: TestApp {
            addr,
            base: format!("http://{addr}"),
            shutdown,
            http: reqwest::Client::new(),
            probe: None,
        },
        resource,
    }
}

impl SandboxWorld {
    pub fn token(&self, user: &str) -> String {
        self.sandbox
            .mint_access_token(user, &self.resource, "openid neonpanel:read", 3600)
            .unwrap()
    }

    pub fn company(&self, user: &str, index: usize) -> String {
        self.sandbox
            .users()
            .into_iter()
            .find(|u| u.id == user)
            .unwrap()
            .companies[index]
            .clone()
    }

    /// Every invoice id of `company`, read straight from the sandbox API with the service token:
    /// the truth the tool's pagination is compared with.
    pub async fn all_invoice_ids(&self, company: &str) -> HashSet<String> {
        let (id, secret) = self.sandbox.service_client();
        let http = reqwest::Client::new();
        let token: Value = http
            .post(self.sandbox.token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bearer = token["access_token"].as_str().unwrap().to_owned();
        let mut ids = HashSet::new();
        for page in 1..=100 {
            let url = format!(
                "{}/api/v1/companies/{company}/invoices?page={page}&per_page=60",
                self.sandbox.base_url()
            );
            let body: Value = http
                .get(url)
                .bearer_auth(&bearer)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            ids.extend(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].to_string()),
            );
            if body["current_page"] == body["last_page"] {
                break;
            }
        }
        ids
    }
}

async fn rmcp_client(world: &SandboxWorld, user: &str) -> Client {
    connect(
        &world.app.base,
        &world.token(user),
        ProtocolVersion::V_2025_06_18,
    )
    .await
}

fn ok(result: CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{result:?}");
    result.structured_content.expect("structuredContent")
}

#[tokio::test]
async fn rmcp_streamable_client_runs_every_tool_against_the_sandbox_and_pages_to_the_end() {
    // Arrange
    let world = sandbox_world().await;
    let client = rmcp_client(&world, "alice").await;
    let acme = world.company("alice", 0);

    // Act + Assert, tool by tool.
    let accounts = ok(call(&client, "neonpanel_list_accounts", json!({})).await);
    assert!(
        accounts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["accountId"] == acme.as_str())
    );
    let account = ok(call(&client, "neonpanel_get_account", json!({"accountId": acme})).await);
    assert_eq!(account["accountId"], acme.as_str());
    assert!(!account["permissions"].as_array().unwrap().is_empty());

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut args = json!({"accountId": acme});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = ok(call(&client, "neonpanel_search_orders", args).await);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["orderId"].as_str().unwrap().to_owned()),
        );
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no order twice");
    assert_eq!(
        unique,
        world.all_invoice_ids(&acme).await,
        "every order, as NeonPanel lists them"
    );

    let inventory = ok(call(
        &client,
        "neonpanel_search_inventory",
        json!({"accountId": acme}),
    )
    .await);
    let item = &inventory["items"][0];
    let inventory_id = item["inventoryId"].as_i64().unwrap();
    let sku = item["sku"].as_str().unwrap().to_owned();
    let cost = ok(call(
        &client,
        "neonpanel_get_landed_cost",
        json!({"accountId": acme, "inventoryId": inventory_id}),
    )
    .await);
    assert_eq!(cost["inventoryId"], inventory_id);
    assert!(!cost["batches"].as_array().unwrap().is_empty());
    let plan = ok(call(
        &client,
        "neonpanel_plan_purchase",
        json!({"accountId": acme, "sku": sku, "coverageDays": 45, "safetyStock": 20}),
    )
    .await);
    assert_eq!(plan["sku"], sku.as_str());
    assert!(
        plan["explanation"]
            .as_str()
            .unwrap()
            .contains("reorder point")
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cross_tenant_attempt_is_an_is_error_result_and_never_data() {
    // Arrange: carol's company is not alice's.
    let world = sandbox_world().await;
    let client = rmcp_client(&world, "alice").await;
    let initech = world.company("carol", 0);

    for (tool, args) in [
        ("neonpanel_search_orders", json!({"accountId": initech})),
        ("neonpanel_get_account", json!({"accountId": initech})),
        (
            "neonpanel_plan_purchase",
            json!({"accountId": initech, "sku": "INIT-ANY-001", "coverageDays": 30, "safetyStock": 0}),
        ),
    ] {
        // Act
        let result = call(&client, tool, args).await;

        // Assert
        assert_eq!(result.is_error, Some(true), "{tool}");
        let structured = result.structured_content.unwrap();
        assert!(
            structured.get("items").is_none(),
            "{tool} leaked data: {structured}"
        );
        let code = structured["error"]["code"].as_str().unwrap();
        assert!(["forbidden", "not_found"].contains(&code), "{tool}: {code}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn an_upstream_outage_is_reported_and_then_recovered_from() {
    // Arrange: the next 3 invoice calls fail (one call plus its two GET retries).
    let world = sandbox_world().await;
    let client = rmcp_client(&world, "alice").await;
    let acme = world.company("alice", 0);
    world.sandbox.faults().inject(Fault {
        path_prefix: format!("/api/v1/companies/{acme}/invoices"),
        status: Some(503),
        latency_ms: 0,
        times: Some(3),
    });

    // Act
    let during = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": acme}),
    )
    .await;
    let after = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": acme}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(during.is_error, Some(true));
    let error = &during.structured_content.unwrap()["error"];
    assert_eq!(error["code"], "upstream_unavailable");
    assert_eq!(error["retryable"], true);
    assert!(!ok(after)["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_sandbox_api_never_sees_the_inbound_access_token() {
    // Arrange
    let world = sandbox_world().await;
    let access_token = world.token("alice");
    let client = connect(
        &world.app.base,
        &access_token,
        ProtocolVersion::V_2025_11_25,
    )
    .await;
    let acme = world.company("alice", 0);

    // Act: a user-mode tool and the service-token planner.
    let inventory = ok(call(
        &client,
        "neonpanel_search_inventory",
        json!({"accountId": acme}),
    )
    .await);
    let sku = inventory["items"][0]["sku"].as_str().unwrap().to_owned();
    ok(call(
        &client,
        "neonpanel_plan_purchase",
        json!({"accountId": acme, "sku": sku, "coverageDays": 10, "safetyStock": 0}),
    )
    .await);
    client.cancel().await.unwrap();

    // Assert
    let seen = world.sandbox.seen_api_tokens();
    assert!(seen.len() >= 3, "{} API calls", seen.len());
    assert!(
        seen.iter().all(|t| t != &access_token),
        "the access token reached the API"
    );
}

#[tokio::test]
async fn rmcp_sse_client_like_bedrock_runs_every_tool_against_the_sandbox() {
    use rmcp010::ServiceExt;
    use rmcp010::model::{CallToolRequestParam, ClientInfo};
    use rmcp010::transport::SseClientTransport;
    use rmcp010::transport::sse_client::SseClientConfig;

    // Arrange
    let world = sandbox_world().await;
    let mut headers = reqwest012::header::HeaderMap::new();
    headers.insert(
        reqwest012::header::AUTHORIZATION,
        format!("Bearer {}", world.token("bob")).parse().unwrap(),
    );
    let http = reqwest012::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let transport = SseClientTransport::start_with_client(
        http,
        SseClientConfig {
            sse_endpoint: world.app.url("/sse").into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = ClientInfo::default()
        .serve(transport)
        .await
        .expect("initialize over SSE");
    let globex = world.company("bob", 0);
    let text = |result: rmcp010::model::CallToolResult| -> Value {
        assert_eq!(result.is_error, Some(false), "{result:?}");
        // Bedrock reads only content[0].text: it must hold the whole JSON.
        serde_json::from_str(&result.content[0].as_text().unwrap().text).unwrap()
    };
    let call = |name: &'static str, args: Value| {
        client.call_tool(CallToolRequestParam {
            name: name.into(),
            arguments: args.as_object().cloned(),
        })
    };

    // Act + Assert
    let accounts = text(call("neonpanel_list_accounts", json!({})).await.unwrap());
    assert_eq!(accounts["items"][0]["accountId"], globex.as_str());
    text(
        call("neonpanel_get_account", json!({"accountId": globex}))
            .await
            .unwrap(),
    );
    // Bedrock sends numbers as strings; the server coerces them.
    let orders = text(
        call(
            "neonpanel_search_orders",
            json!({"accountId": globex, "from": "2024-01-01", "to": "2025-12-31"}),
        )
        .await
        .unwrap(),
    );
    assert!(
        orders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["createdAt"].as_str().unwrap() >= "2024-01-01")
    );
    let inventory = text(
        call("neonpanel_search_inventory", json!({"accountId": globex}))
            .await
            .unwrap(),
    );
    let item = inventory["items"][0].clone();
    let id = item["inventoryId"].as_i64().unwrap().to_string();
    text(
        call(
            "neonpanel_get_landed_cost",
            json!({"accountId": globex, "inventoryId": id}),
        )
        .await
        .unwrap(),
    );
    let plan = text(call("neonpanel_plan_purchase", json!({"accountId": globex, "sku": item["sku"], "coverageDays": "30", "safetyStock": "5"})).await.unwrap());
    assert_eq!(plan["coverageDays"], 30);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_authorization_server_metadata_is_mirrored_on_our_origin() {
    let world = sandbox_world().await;
    let mirrored: Value = world
        .app
        .http
        .get(world.app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mirrored["issuer"], world.sandbox.issuer());
    assert!(mirrored["registration_endpoint"].is_string());
}
