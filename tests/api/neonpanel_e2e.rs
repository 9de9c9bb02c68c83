//! The real server, wired as in production, against a wiremock NeonPanel serving the OpenAPI
//! document's example payloads, driven by the rmcp client with real RS256 tokens.

use std::collections::HashSet;
use std::time::Duration;

use rmcp::model::ProtocolVersion;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::mcp_client::{Client, call, connect};
use super::real::{SERVICE_TOKEN, USER_JWT, World, api_authorizations, claims, sign, token, world};

const COMPANY: &str = "a1b2c3d4e5f6g7h8i9j0";

fn fixture(name: &str) -> Value {
    let text = match name {
        "companies" => include_str!("../../src/adapters/neonpanel/fixtures/companies.json"),
        "permissions" => include_str!("../../src/adapters/neonpanel/fixtures/permissions.json"),
        "invoices" => include_str!("../../src/adapters/neonpanel/fixtures/invoices.json"),
        "inventory_items" => {
            include_str!("../../src/adapters/neonpanel/fixtures/inventory_items.json")
        }
        "landed_cost" => include_str!("../../src/adapters/neonpanel/fixtures/landed_cost.json"),
        "balances" => include_str!("../../src/adapters/neonpanel/fixtures/balances.json"),
        "revenue_and_cogs" => {
            include_str!("../../src/adapters/neonpanel/fixtures/revenue_and_cogs.json")
        }
        "warehouses" => include_str!("../../src/adapters/neonpanel/fixtures/warehouses.json"),
        "warehouse_balances" => {
            include_str!("../../src/adapters/neonpanel/fixtures/warehouse_balances.json")
        }
        "inventory_orders" => {
            include_str!("../../src/adapters/neonpanel/fixtures/inventory_orders.json")
        }
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).unwrap()
}

async fn serve_examples(server: &MockServer) {
    let routes = [
        ("/api/v1/companies", "companies"),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/permissions",
            "permissions",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/invoices",
            "invoices",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/inventory-items",
            "inventory_items",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/inventory-items/1001/landed-cost",
            "landed_cost",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/inventory-items/1001/balances",
            "balances",
        ),
        ("/api/v1/revenue-and-cogs", "revenue_and_cogs"),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/warehouses",
            "warehouses",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/warehouses/a1b2c3d4e5f6g7h8i9j0/balances",
            "warehouse_balances",
        ),
        (
            "/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/inventory-orders",
            "inventory_orders",
        ),
    ];
    for (route, name) in routes {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(name)))
            .mount(server)
            .await;
    }
}

async fn client(world: &World, access_token: &str) -> Client {
    connect(&world.app.base, access_token, ProtocolVersion::V_2025_11_25).await
}

#[tokio::test]
async fn every_tool_answers_from_the_openapi_examples_with_output_that_matches_its_schema() {
    // Arrange
    let world = world(|_, _| {}).await;
    serve_examples(&world.neonpanel).await;
    let client = client(&world, &token("alice")).await;
    let tools = client.list_all_tools().await.unwrap();
    let calls = [
        ("neonpanel_list_accounts", json!({})),
        ("neonpanel_get_account", json!({"accountId": COMPANY})),
        (
            "neonpanel_search_orders",
            json!({"accountId": COMPANY, "q": "INV", "from": "2024-01-01", "to": "2024-12-31"}),
        ),
        (
            "neonpanel_search_inventory",
            json!({"accountId": COMPANY, "q": "SKU12345"}),
        ),
        (
            "neonpanel_get_landed_cost",
            json!({"accountId": COMPANY, "inventoryId": "1001"}),
        ),
        (
            "neonpanel_plan_purchase",
            json!({"accountId": COMPANY, "sku": "SKU12345", "coverageDays": 60, "safetyStock": "10"}),
        ),
        (
            "neonpanel_get_revenue_and_cogs",
            json!({"accountId": COMPANY, "from": "2024-01-01", "to": "2024-12-31", "periodicity": "yearly"}),
        ),
        (
            "neonpanel_get_stock_levels",
            json!({"accountId": COMPANY, "inventoryId": "1001"}),
        ),
        (
            "neonpanel_get_stock_levels",
            json!({"accountId": COMPANY, "warehouseId": COMPANY}),
        ),
        ("neonpanel_get_stock_levels", json!({"accountId": COMPANY})),
        (
            "neonpanel_search_purchase_orders",
            json!({"accountId": COMPANY, "q": "REF-0042"}),
        ),
    ];

    for (name, args) in calls {
        // Act
        let result = call(&client, name, args).await;

        // Assert
        assert_eq!(result.is_error, Some(false), "{name}: {result:?}");
        let structured = result
            .structured_content
            .clone()
            .expect("structuredContent");
        let schema = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .output_schema
            .clone()
            .unwrap();
        let validator = jsonschema::validator_for(&Value::Object((*schema).clone())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&structured)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?} in {structured:#}");
        let text = result.content[0]
            .as_text()
            .expect("text first")
            .text
            .clone();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            structured,
            "{name}"
        );
    }
    client.cancel().await.unwrap();
    let jwks_fetches = world.issuer.received_requests().await.unwrap().len();
    assert_eq!(
        jwks_fetches, 1,
        "one JWKS fetch serves every request of the session"
    );
}

#[tokio::test]
async fn the_inbound_access_token_never_reaches_the_neonpanel_api() {
    // Arrange
    let world = world(|_, _| {}).await;
    serve_examples(&world.neonpanel).await;
    let access_token = token("alice");
    let client = client(&world, &access_token).await;

    // Act: a user-mode tool and the iat-mode planner.
    call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": COMPANY}),
    )
    .await;
    call(
        &client,
        "neonpanel_plan_purchase",
        json!({"accountId": COMPANY, "sku": "SKU12345", "coverageDays": 30, "safetyStock": 0}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    let seen = api_authorizations(&world.neonpanel).await;
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|h| !h.contains(&access_token)), "{seen:?}");
    assert!(seen.contains(&format!("Bearer {USER_JWT}")), "{seen:?}");
    assert!(
        seen.contains(&format!("Bearer {SERVICE_TOKEN}")),
        "{seen:?}"
    );
    let exchanges = world.neonpanel.received_requests().await.unwrap();
    let exchange = exchanges
        .iter()
        .find(|r| r.url.path() == "/oauth2/user-jwt")
        .expect("an exchange");
    assert_eq!(
        exchange.headers["authorization"],
        format!("Bearer {access_token}").as_str()
    );
}

#[tokio::test]
async fn passthrough_sends_the_access_token_only_when_explicitly_enabled() {
    // Arrange
    let world = world(|s, _| {
        s.user_jwt_url = None;
        s.allow_token_passthrough = Some("true".into());
    })
    .await;
    serve_examples(&world.neonpanel).await;
    let access_token = token("alice");
    let client = client(&world, &access_token).await;

    // Act
    let result = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": COMPANY}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(result.is_error, Some(false));
    assert_eq!(
        api_authorizations(&world.neonpanel).await,
        [format!("Bearer {access_token}")]
    );
}

#[tokio::test]
async fn service_token_call_for_an_unreachable_account_is_refused_before_any_api_call() {
    // Arrange: no user-credential source, so the reach is the token's tenant claim only.
    let world = world(|s, _| s.user_jwt_url = None).await;
    Mock::given(path_regex("^/api/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&world.neonpanel)
        .await;
    let client = client(&world, &token("alice")).await;

    // Act
    let result = call(&client, "neonpanel_plan_purchase", json!({"accountId": "someone-elses-company", "sku": "SKU12345", "coverageDays": 30, "safetyStock": 0})).await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(result.is_error, Some(true));
    let error = &result.structured_content.unwrap()["error"];
    assert_eq!(error["code"], "forbidden");
    assert_eq!(error["status"], 403);
    world.neonpanel.verify().await;
}

#[tokio::test]
async fn pagination_is_followed_to_the_end_without_duplicates() {
    // Arrange: 4 pages of 25 distinct invoices.
    let world = world(|_, _| {}).await;
    for page in 1..=4u32 {
        let data: Vec<Value> = (0..25)
            .map(|i| {
                json!({"id": page * 100 + i, "name": format!("INV-{page}-{i}"), "source": "amazon",
                             "transaction_date": "2024-05-01", "amount": 10, "currency": "USD"})
            })
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
            .and(query_param("page", page.to_string()))
            .and(query_param("per_page", "25"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"current_page": page, "per_page": 25, "last_page": 4, "data": data}),
            ))
            .expect(1)
            .mount(&world.neonpanel)
            .await;
    }
    let client = client(&world, &token("alice")).await;

    // Act
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut args = json!({"accountId": COMPANY});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = call(&client, "neonpanel_search_orders", args)
            .await
            .structured_content
            .unwrap();
        ids.extend(
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
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(ids.len(), 100);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100);
    world.neonpanel.verify().await;
}

#[tokio::test]
async fn upstream_failures_become_normalised_is_error_results() {
    // Arrange: one company per failure.
    let world = world(|_, _| {}).await;
    let failures = [
        ("c403", ResponseTemplate::new(403).set_body_json(json!({"message": "This action is unauthorized."})), "forbidden", false, 1),
        // A 404 for a whole account reads as "no access", like another tenant's account.
        ("c404", ResponseTemplate::new(404).set_body_json(json!({"message": "Not found."})), "forbidden", false, 1),
        ("c422", ResponseTemplate::new(422).set_body_json(json!({"message": "The given data was invalid.", "errors": {"start_date": ["bad"]}})), "validation_failed", false, 1),
        ("c429", ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(json!({"message": "Too Many Attempts."})), "rate_limited", true, 3),
        ("c503", ResponseTemplate::new(503).set_body_json(json!({"message": "down"})), "upstream_unavailable", true, 3),
        ("cslow", ResponseTemplate::new(200).set_delay(Duration::from_secs(4)), "timeout", true, 1),
    ];
    for (company, response, _, _, calls) in &failures {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/companies/{company}/invoices")))
            .respond_with(response.clone())
            .expect(*calls)
            .mount(&world.neonpanel)
            .await;
    }
    let client = client(&world, &token("alice")).await;

    for (company, _, code, retryable, _) in failures {
        // Act
        let result = call(
            &client,
            "neonpanel_search_orders",
            json!({"accountId": company}),
        )
        .await;

        // Assert
        assert_eq!(result.is_error, Some(true), "{company}");
        let error = &result.structured_content.unwrap()["error"];
        assert_eq!(error["code"], code, "{company}: {error}");
        assert_eq!(error["retryable"], retryable, "{company}");
        let text = result.content[0].as_text().unwrap().text.clone();
        assert!(!text.contains("eyJ"), "no token in the message: {text}");
    }
    client.cancel().await.unwrap();
    world.neonpanel.verify().await;
}

#[tokio::test]
async fn a_get_failing_once_with_503_is_retried_and_succeeds() {
    // Arrange
    let world = world(|_, _| {}).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&world.neonpanel)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("invoices")))
        .expect(1)
        .mount(&world.neonpanel)
        .await;
    let client = client(&world, &token("alice")).await;

    // Act
    let result = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": COMPANY}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(result.is_error, Some(false));
    world.neonpanel.verify().await;
}

#[tokio::test]
async fn a_failing_post_to_the_credential_endpoint_is_never_retried() {
    // Arrange
    let world =
        world(|s, base| s.user_jwt_url = Some(format!("{base}/oauth2/user-jwt-down"))).await;
    Mock::given(method("POST"))
        .and(path("/oauth2/user-jwt-down"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&world.neonpanel)
        .await;
    let client = client(&world, &token("alice")).await;

    // Act
    let result = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": COMPANY}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(result.is_error, Some(true));
    assert_eq!(
        result.structured_content.unwrap()["error"]["code"],
        "upstream_unavailable"
    );
    world.neonpanel.verify().await;
}

async fn post_with(world: &World, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut request = world
        .app
        .http
        .post(world.app.url(&format!("/mcp{query}")))
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn hostile_tokens_are_refused_with_401_and_an_invalid_token_challenge() {
    let world = world(|_, _| {}).await;
    let mut expired = claims("alice");
    expired["exp"] = json!(super::real::now() - 3600);
    let mut wrong_aud = claims("alice");
    wrong_aud["aud"] = json!("https://someone-else.example/mcp");
    let mut wrong_iss = claims("alice");
    wrong_iss["iss"] = json!("https://evil.example");
    let none_alg = {
        let header = base64_url(r#"{"alg":"none","typ":"JWT","kid":"rsa-1"}"#);
        format!("{header}.{}.", base64_url(&claims("alice").to_string()))
    };
    let hostile = [
        ("expired", sign(&expired, Some("rsa-1"))),
        ("wrong audience", sign(&wrong_aud, Some("rsa-1"))),
        ("wrong issuer", sign(&wrong_iss, Some("rsa-1"))),
        ("no kid", sign(&claims("alice"), None)),
        ("unknown kid", sign(&claims("alice"), Some("rsa-9"))),
        ("alg none", none_alg),
        ("garbage", "not.a.jwt".to_owned()),
        ("oversized", "a".repeat(9000)),
    ];
    for (what, token) in hostile {
        let response = post_with(&world, Some(&token), "").await;
        assert_eq!(response.status().as_u16(), 401, "{what}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{what}: {challenge}"
        );
        assert!(
            challenge.contains("resource_metadata="),
            "{what}: {challenge}"
        );
        assert!(
            !challenge.contains(&token[..token.len().min(40)]),
            "{what}: the token is echoed"
        );
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn token_in_the_query_string_only_is_not_accepted() {
    let world = world(|_, _| {}).await;
    let response = post_with(&world, None, &format!("?access_token={}", token("alice"))).await;
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        !response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=")
    );
}

#[tokio::test]
async fn token_without_the_required_scope_is_403_insufficient_scope() {
    let world = world(|_, _| {}).await;
    let mut narrow = claims("alice");
    narrow["scope"] = json!("openid");
    let response = post_with(&world, Some(&sign(&narrow, Some("rsa-1"))), "").await;
    assert_eq!(response.status().as_u16(), 403);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(
        challenge.contains(r#"scope="neonpanel:read""#),
        "{challenge}"
    );
}

#[tokio::test]
async fn scp_array_and_float_exp_tokens_are_accepted() {
    let world = world(|_, _| {}).await;
    let mut scp = claims("alice");
    scp.as_object_mut().unwrap().remove("scope");
    scp["scp"] = json!(["openid", "neonpanel:read"]);
    let mut float = claims("alice");
    float["exp"] = json!(super::real::now() as f64 + 3600.5);
    float["iat"] = json!(super::real::now() as f64 - 0.25);
    for claims in [scp, float] {
        let response = post_with(&world, Some(&sign(&claims, Some("rsa-1"))), "").await;
        assert_eq!(response.status().as_u16(), 200, "{claims}");
    }
}

#[tokio::test]
async fn an_upstream_401_evicts_the_user_credential_retries_once_then_asks_to_sign_in_again() {
    // Arrange
    let world = world(|_, _| {}).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthenticated."})),
        )
        .expect(2)
        .mount(&world.neonpanel)
        .await;
    let client = client(&world, &token("alice")).await;

    // Act
    let result = call(
        &client,
        "neonpanel_search_orders",
        json!({"accountId": COMPANY}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(result.is_error, Some(true));
    assert_eq!(
        result.structured_content.unwrap()["error"]["code"],
        "unauthorized"
    );
    let meta = serde_json::to_value(result.meta.expect("_meta")).unwrap();
    let challenge = meta["mcp/www_authenticate"][0].as_str().unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(challenge.contains("resource_metadata="), "{challenge}");
    let exchanges = world.neonpanel.received_requests().await.unwrap();
    assert_eq!(
        exchanges
            .iter()
            .filter(|r| r.url.path() == "/oauth2/user-jwt")
            .count(),
        2,
        "evicted and fetched again"
    );
    world.neonpanel.verify().await;
}

#[tokio::test]
async fn tool_auth_modes_and_plan_purchase_scope_change_the_policy_and_demand_the_scope() {
    // Arrange
    let world = world(|s, _| {
        s.tool_auth_modes = Some("neonpanel_plan_purchase=user".into());
        s.plan_purchase_scope = Some("neonpanel:plan".into());
    })
    .await;
    Mock::given(path_regex("^/api/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&world.neonpanel)
        .await;
    let client = client(&world, &token("alice")).await;

    // Act
    let tools = client.list_all_tools().await.unwrap();
    let result = call(
        &client,
        "neonpanel_plan_purchase",
        json!({"accountId": COMPANY, "sku": "SKU12345", "coverageDays": 30, "safetyStock": 0}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    let plan = serde_json::to_value(
        tools
            .iter()
            .find(|t| t.name == "neonpanel_plan_purchase")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(plan["_meta"]["neonpanel/authMode"], "user");
    assert_eq!(
        plan["_meta"]["securitySchemes"][0]["scopes"],
        json!(["neonpanel:plan", "neonpanel:read"])
    );
    assert_eq!(result.is_error, Some(true));
    assert_eq!(
        result.structured_content.unwrap()["error"]["code"],
        "forbidden"
    );
    let meta = serde_json::to_value(result.meta.expect("_meta")).unwrap();
    let challenge = meta["mcp/www_authenticate"][0].as_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope", scope="neonpanel:plan""#),
        "{challenge}"
    );
    world.neonpanel.verify().await;
}
