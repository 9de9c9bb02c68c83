//! The whole OAuth discovery flow a spec-following client runs, over each transport URL a user
//! may give it: unauthenticated call → 401 challenge → RFC 9728 metadata → RFC 8414 metadata →
//! DCR (RFC 7591) → Authorization Code + PKCE with an RFC 8707 `resource` → MCP calls.

use rmcp::model::ProtocolVersion;
use serde_json::{Value, json};

use super::mcp_client::{call, connect};
use super::oauth_flow::{pkce, query_param};
use super::sandbox_e2e::{SandboxWorld, sandbox_world};

/// What a client learnt and obtained by signing in from the server URL `server_url`.
struct SignedIn {
    /// The RFC 8707 `resource` the client asked the authorization server for.
    resource: String,
    access_token: String,
}

/// The `resource` the Python SDK's OAuth provider (and ChatGPT's connector) asks for: the
/// metadata's `resource` when it is the server URL or a path prefix of it, else the server URL.
fn resource_for(server_url: &str, prm_resource: &str) -> String {
    let prefix = prm_resource.trim_end_matches('/');
    let under = server_url == prefix
        || server_url
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'));
    if under {
        prm_resource.to_owned()
    } else {
        server_url.to_owned()
    }
}

/// Runs discovery → DCR → PKCE from `path` (`/mcp` or `/sse`) of the server, as user `alice`.
async fn sign_in_from(world: &SandboxWorld, path: &str, probe: reqwest::Method) -> SignedIn {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let server_url = world.app.url(path);

    // 401 → challenge → protected-resource metadata.
    let unauthenticated = http
        .request(probe, &server_url)
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
        .unwrap()
        .to_owned();
    let prm: Value = http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resource = resource_for(&server_url, prm["resource"].as_str().unwrap());
    let issuer = prm["authorization_servers"][0].as_str().unwrap().to_owned();

    // Authorization-server metadata → DCR → authorize with PKCE → token with `resource`.
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
        .json(&json!({"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "none", "client_name": "sdk-like"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registration["client_id"].as_str().unwrap().to_owned();
    let (verifier, code_challenge) = pkce();
    let authorize = http
        .get(asm["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", redirect_uri),
            ("state", "state-123"),
            ("code_challenge", &code_challenge),
            ("code_challenge_method", "S256"),
            ("scope", "openid neonpanel:read"),
            ("resource", &resource),
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
            ("resource", &resource),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    SignedIn {
        resource,
        access_token: token["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned(),
    }
}

fn alice_companies(world: &SandboxWorld) -> usize {
    world
        .sandbox
        .users()
        .iter()
        .find(|u| u.id == "alice")
        .unwrap()
        .companies
        .len()
}

#[tokio::test]
async fn discovery_registration_pkce_and_a_tool_call_work_from_the_mcp_url() {
    // Arrange
    let world = sandbox_world().await;

    // Act
    let signed_in = sign_in_from(&world, "/mcp", reqwest::Method::POST).await;
    let client = connect(
        &world.app.base,
        &signed_in.access_token,
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    let tools = client.list_all_tools().await.unwrap();
    let accounts = call(&client, "neonpanel_list_accounts", json!({})).await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(signed_in.resource, world.resource);
    assert_eq!(tools.len(), 11);
    assert_eq!(accounts.is_error, Some(false), "{accounts:?}");
    let items = &accounts.structured_content.unwrap()["items"];
    assert_eq!(
        items.as_array().map(Vec::len),
        Some(alice_companies(&world))
    );
}

#[tokio::test]
async fn discovery_registration_pkce_and_a_tool_call_work_from_the_sse_url() {
    use rmcp010::ServiceExt;
    use rmcp010::model::{CallToolRequestParam, ClientInfo};
    use rmcp010::transport::SseClientTransport;
    use rmcp010::transport::sse_client::SseClientConfig;

    // Arrange: a client given the `/sse` URL asks for a token for the `/sse` resource, as the
    // `/sse` metadata names it.
    let world = sandbox_world().await;
    let signed_in = sign_in_from(&world, "/sse", reqwest::Method::GET).await;
    let mut headers = reqwest012::header::HeaderMap::new();
    headers.insert(
        reqwest012::header::AUTHORIZATION,
        format!("Bearer {}", signed_in.access_token)
            .parse()
            .unwrap(),
    );
    let http = reqwest012::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();

    // Act
    let transport = SseClientTransport::start_with_client(
        http,
        SseClientConfig {
            sse_endpoint: world.app.url("/sse").into(),
            ..Default::default()
        },
    )
    .await
    .expect("the /sse token opens the stream");
    let client = ClientInfo::default()
        .serve(transport)
        .await
        .expect("initialize over SSE");
    let accounts = client
        .call_tool(CallToolRequestParam {
            name: "neonpanel_list_accounts".into(),
            arguments: json!({}).as_object().cloned(),
        })
        .await
        .unwrap();
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(signed_in.resource, world.app.url("/sse"));
    assert_eq!(accounts.is_error, Some(false), "{accounts:?}");
    let parsed: Value = serde_json::from_str(&accounts.content[0].as_text().unwrap().text).unwrap();
    assert_eq!(
        parsed["items"].as_array().map(Vec::len),
        Some(alice_companies(&world))
    );
}

#[tokio::test]
async fn a_token_for_the_sse_resource_also_works_on_mcp_and_a_foreign_audience_does_not() {
    // Arrange
    let world = sandbox_world().await;
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
    let post = |token: String| {
        world
            .app
            .http
            .post(world.app.url("/mcp"))
            .bearer_auth(token)
            .json(&ping)
            .send()
    };
    let mint = |audience: &str| {
        world
            .sandbox
            .mint_access_token("alice", audience, "openid neonpanel:read", 600)
            .unwrap()
    };

    // Act
    let sse_audience = post(mint(&world.app.url("/sse"))).await.unwrap();
    let foreign = post(mint("https://other.example/mcp")).await.unwrap();

    // Assert
    assert_eq!(sse_audience.status().as_u16(), 200);
    assert_eq!(foreign.status().as_u16(), 401);
}
