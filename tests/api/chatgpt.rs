//! ChatGPT's `search` and `fetch` (deep research, company knowledge) against the sandbox, with
//! real rmcp clients over streamable HTTP and over `/sse`, and the `TOOLS` selection.

use std::collections::BTreeSet;

use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use super::child;
use super::mcp_client::{Client, call, connect};
use super::sandbox_e2e::{SandboxWorld, sandbox_world, sandbox_world_with};

async fn client(world: &SandboxWorld, user: &str) -> Client {
    connect(
        &world.app.base,
        &world.token(user),
        rmcp::model::ProtocolVersion::V_2025_06_18,
    )
    .await
}

/// OpenAI's shape: one text item whose text is the JSON, the same object as
/// `structuredContent`.
fn one_json_text(result: &CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{result:?}");
    assert_eq!(result.content.len(), 1, "{result:?}");
    let text = &result.content[0].as_text().expect("a text item").text;
    let parsed: Value = serde_json::from_str(text).expect("the text is JSON");
    assert_eq!(Some(&parsed), result.structured_content.as_ref());
    parsed
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Checks `search` → `fetch` shapes for `results`, and returns the fetched document.
fn check_search_shape(found: &Value) -> &Value {
    assert_eq!(keys(found), BTreeSet::from(["results"]), "{found}");
    let first = &found["results"][0];
    assert_eq!(
        keys(first),
        BTreeSet::from(["id", "title", "url"]),
        "{first}"
    );
    assert!(
        first["url"].as_str().unwrap().starts_with("https://"),
        "{first}"
    );
    assert!(!first["url"].as_str().unwrap().contains("/api/"), "{first}");
    first
}

fn check_fetch_shape(document: &Value, id: &str) {
    assert_eq!(
        keys(document),
        BTreeSet::from(["id", "metadata", "text", "title", "url"]),
        "{document}"
    );
    assert_eq!(document["id"], id);
    assert!(document["metadata"].is_object());
    assert!(document["text"].as_str().unwrap().contains("Order"));
}

#[tokio::test]
async fn search_then_fetch_of_the_first_result_have_openais_exact_shapes() {
    // Arrange: an order number of alice's first account, read through the orders tool.
    let world = sandbox_world().await;
    let client = client(&world, "alice").await;
    let acme = world.company("alice", 0);
    let orders = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": acme}),
    )
    .await;
    let order = &orders.structured_content.unwrap()["items"][0];
    let number = order["number"].as_str().unwrap().to_owned();
    let expected = format!("order:{acme}:{}", order["orderId"].as_str().unwrap());

    // Act
    let found = one_json_text(&call(&client, "search", json!({"query": number})).await);
    let first = check_search_shape(&found);
    let id = first["id"].as_str().unwrap().to_owned();
    let fetched = call(&client, "fetch", json!({"id": id})).await;

    // Assert
    assert_eq!(id, expected, "{found}");
    let document = one_json_text(&fetched);
    check_fetch_shape(&document, &id);
    assert!(document["text"].as_str().unwrap().contains(&number));
    assert!(
        document["metadata"]["lines"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    // Clients that validate (the Python SDK does) accept both answers.
    let tools = client.list_all_tools().await.unwrap();
    assert_valid_output(&tools, "search", &found);
    assert_valid_output(&tools, "fetch", &document);
    client.cancel().await.unwrap();
}

/// `value` is valid against tool `name`'s `outputSchema`.
fn assert_valid_output(tools: &[rmcp::model::Tool], name: &str, value: &Value) {
    let tool = tools.iter().find(|t| t.name == name).expect("listed");
    let schema = Value::Object((*tool.output_schema.clone().expect("outputSchema")).clone());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?} in {value:#}");
}

#[tokio::test]
async fn fetch_of_another_tenants_id_is_the_not_found_error_and_calls_nothing_of_that_account() {
    // Arrange: a company another user reaches and alice does not.
    let world = sandbox_world().await;
    let users = world.sandbox.users();
    let alice = users.iter().find(|u| u.id == "alice").unwrap();
    let foreign = users
        .iter()
        .flat_map(|u| &u.companies)
        .find(|c| !alice.companies.contains(c))
        .expect("a company alice lacks")
        .clone();
    let client = client(&world, "alice").await;
    let acme = world.company("alice", 0);

    // Act
    let other = call(
        &client,
        "fetch",
        json!({"id": format!("order:{foreign}:1")}),
    )
    .await;
    let missing = call(
        &client,
        "fetch",
        json!({"id": format!("order:{acme}:999999999")}),
    )
    .await;

    // Assert
    assert_eq!(other.is_error, Some(true), "{other:?}");
    assert_eq!(missing.is_error, Some(true), "{missing:?}");
    let message = |r: &CallToolResult| {
        r.structured_content.as_ref().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .replace(&foreign, "ID")
            .replace(&format!("{acme}:999999999"), "ID:1")
    };
    assert_eq!(message(&other), message(&missing));
    assert_eq!(world.sandbox.company_calls(&foreign), 0);
    assert!(world.sandbox.company_calls(&acme) > 0, "the counter counts");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn search_then_fetch_over_sse_like_an_older_client() {
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
    let client = ClientInfo::default().serve(transport).await.unwrap();
    let text = |result: rmcp010::model::CallToolResult| -> Value {
        assert_eq!(result.is_error, Some(false), "{result:?}");
        assert_eq!(result.content.len(), 1);
        serde_json::from_str(&result.content[0].as_text().unwrap().text).unwrap()
    };
    let call = |name: &'static str, args: Value| {
        client.call_tool(CallToolRequestParam {
            name: name.into(),
            arguments: args.as_object().cloned(),
        })
    };
    let globex = world.company("bob", 0);
    let orders = text(
        call("neonpanel_search_orders", json!({"accountId": globex}))
            .await
            .unwrap(),
    );
    let number = orders["items"][0]["number"].as_str().unwrap().to_owned();

    // Act
    let found = text(call("search", json!({"query": number})).await.unwrap());
    let first = check_search_shape(&found).clone();
    let id = first["id"].as_str().unwrap().to_owned();
    let document = text(call("fetch", json!({"id": id})).await.unwrap());

    // Assert
    assert!(id.starts_with(&format!("order:{globex}:")), "{id}");
    check_fetch_shape(&document, &id);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn tools_chatgpt_lists_exactly_search_and_fetch_and_refuses_the_others() {
    // Arrange
    let world = sandbox_world_with(|_, mut s| {
        s.tools = Some("search,fetch".into());
        s
    })
    .await;
    let client = client(&world, "alice").await;

    // Act
    let tools = client.list_all_tools().await.unwrap();
    let other = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("neonpanel_list_accounts")
                .with_arguments(serde_json::Map::new()),
        )
        .await;

    // Assert
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, vec!["search", "fetch"]);
    let error = other.expect_err("an unselected tool is unknown");
    assert!(error.to_string().contains("Unknown tool"), "{error}");
    client.cancel().await.unwrap();
}

#[test]
fn an_unknown_name_in_tools_stops_startup_with_exit_2() {
    let output = child::binary_blocking()
        .arg("serve")
        .env("NEONPANEL_OAUTH_ISSUER", "https://issuer.test")
        .env("NEONPANEL_OAUTH_JWKS_URI", "https://issuer.test/jwks")
        .env("TOOLS", "search,no_such_tool")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOOLS") && stderr.contains("no_such_tool"),
        "{stderr}"
    );
}
