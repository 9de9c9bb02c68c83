//! End to end against the built-in sandbox: only the far side is simulated. The server is wired
//! exactly as in production (JWKS over HTTP, user-JWT exchange, service token, API calls over
//! sockets), and real clients drive it.

use std::collections::HashSet;

use neonpanel_mcp::app::config::Settings;
use neonpanel_mcp::app::wiring::App;
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::sandbox::{Fault, Sandbox, SandboxConfig};
use rmcp::model::{CallToolResult, ProtocolVersion};
use serde_json::{Value, json};

use super::helpers::TestApp;
use super::mcp_client::{Client, call, connect};
use super::oauth_flow::{pkce, query_param};

pub struct SandboxWorld {
    pub sandbox: Sandbox,
    pub app: TestApp,
    pub resource: String,
}

pub async fn sandbox_world() -> SandboxWorld {
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
        port: Some(port),
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
        http_timeout_ms: Some(3000),
        sse_heartbeat_ms: Some(1000),
        ..Settings::default()
    };
    let config = settings.validate().expect("valid");
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
async fn chatgpt_style_discovery_registration_pkce_and_tool_call_work_end_to_end() {
    // Arrange
    let world = sandbox_world().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mcp = world.app.url("/mcp");

    // Act 1: unauthenticated call → 401 → protected-resource metadata.
    let unauthenticated = http
        .post(&mcp)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);
    let challenge = unauthenticated.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let metadata_url = challenge
        .split("resource_metadata=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    // The resource URL is canonical (127.0.0.1:<port>); fetch its metadata on our actual origin.
    let metadata_path = metadata_url.split_once("/.well-known").unwrap().1;
    let prm: Value = http
        .get(world.app.url(&format!("/.well-known{metadata_path}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["resource"], world.resource.as_str());
    let issuer = prm["authorization_servers"][0].as_str().unwrap().to_owned();

    // Act 2: AS metadata → DCR → authorize with PKCE → token with resource.
    let asm: Value = http
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        asm["code_challenge_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("S256"))
    );
    let redirect_uri = "http://127.0.0.1:53682/callback";
    let registration: Value = http
        .post(asm["registration_endpoint"].as_str().unwrap())
        .json(&json!({"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "none", "client_name": "chatgpt-like"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registration["client_id"].as_str().unwrap().to_owned();
    let (verifier, challenge) = pkce();
    let authorize = http
        .get(asm["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", redirect_uri),
            ("state", "state-123"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("scope", "openid neonpanel:read"),
            ("resource", &world.resource),
            ("auto_approve", "alice"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(authorize.status().as_u16(), 302);
    let location = authorize.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(redirect_uri), "{location}");
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("state-123")
    );
    let code = query_param(&location, "code").unwrap();
    let token: Value = http
        .post(asm["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("client_id", &client_id),
            ("code_verifier", &verifier),
            ("resource", &world.resource),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access_token = token["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();

    // Act 3: the MCP session with the token.
    let rpc = |body: Value| {
        http.post(&mcp)
            .bearer_auth(&access_token)
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2025-06-18")
            .json(&body)
            .send()
    };
    let init: Value = rpc(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"chatgpt-like","version":"1"}}}))
        .await.unwrap().json().await.unwrap();
    let tools: Value = rpc(json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accounts: Value = rpc(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"neonpanel_list_accounts","arguments":{}}}))
        .await.unwrap().json().await.unwrap();

    // Assert
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(6));
    let names: Vec<&str> = accounts["result"]["structuredContent"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        world
            .sandbox
            .users()
            .iter()
            .find(|u| u.id == "alice")
            .unwrap()
            .companies
            .len()
    );
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
async fn the_token_command_signs_in_against_the_sandbox_and_its_token_works() {
    // Arrange
    let world = sandbox_world().await;
    let issuer = world.sandbox.issuer().to_owned();
    let resource = world.resource.clone();

    // Act: the real binary, non-interactively approved as carol.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"))
        .args([
            "token",
            "--issuer",
            &issuer,
            "--resource",
            &resource,
            "--auto-approve",
            "carol",
        ])
        .output()
        .await
        .expect("the binary runs");

    // Assert
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let response = world
        .app
        .http
        .post(world.app.url("/mcp"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["result"]["structuredContent"]["items"][0]["accountId"],
        world.company("carol", 0).as_str()
    );
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

#[tokio::test]
async fn the_check_command_passes_against_the_sandbox_and_fails_without_its_keys() {
    let world = sandbox_world().await;
    let (id, secret) = world.sandbox.service_client();
    let run = |jwks: String| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"))
            .arg("check")
            .env_clear()
            .env("NEONPANEL_OAUTH_ISSUER", world.sandbox.issuer())
            .env("NEONPANEL_OAUTH_JWKS_URI", jwks)
            .env("NEONPANEL_OAUTH_TOKEN_URL", world.sandbox.token_url())
            .env("NEONPANEL_CLIENT_ID", &id)
            .env("NEONPANEL_CLIENT_SECRET", &secret)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
    };
    let good = run(world.sandbox.jwks_uri()).await.unwrap();
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{stdout}");
    assert!(
        stdout.contains("jwks: ok") && stdout.contains("service_token: ok"),
        "{stdout}"
    );
    assert!(!stdout.contains(&secret));
    let bad = run(format!("{}/no-such-jwks", world.sandbox.base_url()))
        .await
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
    assert!(String::from_utf8_lossy(&bad.stdout).contains("jwks: FAILED"));
}

/// A second server on the same sandbox and the same Redis: another instance behind the balancer.
async fn second_instance(world: &SandboxWorld, redis: &str) -> TestApp {
    let (client_id, client_secret) = world.sandbox.service_client();
    let settings = Settings {
        host: Some("127.0.0.1".into()),
        port: Some(0),
        resource_url: Some(world.resource.clone()),
        oauth_issuer: Some(world.sandbox.issuer().to_owned()),
        oauth_jwks_uri: Some(world.sandbox.jwks_uri()),
        api_base: Some(world.sandbox.base_url().to_owned()),
        user_jwt_url: Some(world.sandbox.user_jwt_url()),
        oauth_token_url: Some(world.sandbox.token_url()),
        client_id: Some(client_id),
        client_secret: Some(Secret::new(client_secret)),
        redis_url: Some(Secret::new(redis)),
        ..Settings::default()
    };
    let app = App::build(&settings.validate().unwrap())
        .await
        .expect("instance builds");
    let addr = app.local_addr();
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        base: format!("http://{addr}"),
        shutdown,
        http: reqwest::Client::new(),
        probe: None,
    }
}

#[tokio::test]
async fn with_redis_a_message_posted_to_one_instance_is_answered_on_the_stream_held_by_another() {
    // Arrange: instances A and B share Redis; the SSE stream lives on A.
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let world = sandbox_world().await;
    let a = second_instance(&world, &redis).await;
    let b = second_instance(&world, &redis).await;
    let token = world.token("alice");
    let response = a
        .http
        .get(a.url("/sse"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut next_data = async || -> String {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    return data.trim().to_owned();
                }
                continue;
            }
            let chunk =
                tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut stream))
                    .await
                    .expect("an event in time")
                    .unwrap()
                    .unwrap();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    let endpoint = next_data().await;

    // Act: both messages go to B.
    for body in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    ] {
        let post = b
            .http
            .post(b.url(&endpoint))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(post.status().as_u16(), 202);
    }

    // Assert: both answers arrive, in order, on A's stream.
    let init: Value = serde_json::from_str(&next_data().await).unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    let tools: Value = serde_json::from_str(&next_data().await).unwrap();
    assert_eq!(tools["id"], 2);
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(6));
    // And B refuses another user on A's session.
    let other = b
        .http
        .post(b.url(&endpoint))
        .bearer_auth(world.token("bob"))
        .json(&json!({"jsonrpc":"2.0","id":3,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 403);
}
