//! What a model reads when a call fails: one fixed message per kind of failure, arguments named
//! as the model wrote them, no NeonPanel text or Rust type, and the same answer for another
//! tenant's account as for one that does not exist. Run with `--nocapture` to see the texts.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::mcp_client::{Client, call, connect};
use super::real::{World, token, world};

const MINE: &str = "a1b2c3d4e5f6g7h8i9j0";
const THEIRS: &str = "someone-elses-company";

async fn connect_alice(world: &World) -> Client {
    connect(
        &world.app.base,
        &token("alice"),
        rmcp::model::ProtocolVersion::V_2025_11_25,
    )
    .await
}

/// Calls `tool`, prints what the model reads under `kind`, and returns (code, text).
async fn failure(client: &Client, kind: &str, tool: &'static str, args: Value) -> (String, String) {
    let result = call(client, tool, args).await;
    assert_eq!(result.is_error, Some(true), "{kind}");
    let text = result.content[0].as_text().unwrap().text.clone();
    let code = result.structured_content.unwrap()["error"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    println!("{kind}: [{code}] {text}");
    for leak in [
        "NeonPanel returned",
        "os error",
        "u32",
        "invalid value",
        "SQLSTATE",
        ": :",
    ] {
        assert!(!text.contains(leak), "{kind} leaks {leak:?}: {text}");
    }
    (code, text)
}

async fn respond(world: &World, route: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(response)
        .mount(&world.neonpanel)
        .await;
}

#[tokio::test]
async fn another_tenants_account_reads_the_same_from_every_tool_and_as_a_missing_one() {
    // Arrange: NeonPanel refuses the other tenant's company and lists only the caller's own.
    let world = world(|_, _| {}).await;
    respond(
        &world,
        &format!("/api/v1/companies/{THEIRS}/invoices"),
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "This action is unauthorized."})),
    )
    .await;
    respond(
        &world,
        "/api/v1/companies/no-such-company/invoices",
        ResponseTemplate::new(404).set_body_json(json!({"message": "Not found."})),
    )
    .await;
    respond(
        &world,
        "/api/v1/companies",
        ResponseTemplate::new(200).set_body_json(json!({"current_page": 1, "per_page": 60,
            "last_page": 1, "data": [{"uuid": MINE, "name": "Mine"}]})),
    )
    .await;
    let client = connect_alice(&world).await;

    // Act
    let orders = failure(
        &client,
        "no access (search_orders, upstream 403)",
        "neonpanel_search_orders",
        json!({"accountId": THEIRS}),
    )
    .await;
    let account = failure(
        &client,
        "no access (get_account, not listed)",
        "neonpanel_get_account",
        json!({"accountId": THEIRS}),
    )
    .await;
    let missing = failure(
        &client,
        "no access (search_orders, upstream 404)",
        "neonpanel_search_orders",
        json!({"accountId": "no-such-company"}),
    )
    .await;
    client.cancel().await.unwrap();
    // Service-token mode refuses before calling NeonPanel.
    let service_world = super::real::world(|s, _| s.user_jwt_url = None).await;
    let service_client = connect_alice(&service_world).await;
    let refused = failure(
        &service_client,
        "no access (plan_purchase, service token)",
        "neonpanel_plan_purchase",
        json!({"accountId": THEIRS, "sku": "SKU1", "coverageDays": 30, "safetyStock": 0}),
    )
    .await;
    service_client.cancel().await.unwrap();

    // Assert: one message, naming the account, for all four.
    assert_eq!(orders, account);
    assert_eq!(orders, refused);
    assert_eq!(orders.0, "forbidden");
    assert!(orders.1.contains(THEIRS), "{}", orders.1);
    assert_eq!(missing.1.replace("no-such-company", THEIRS), orders.1);
}

#[tokio::test]
async fn each_failure_kind_has_its_fixed_message() {
    // Arrange
    let world = world(|_, _| {}).await;
    respond(
        &world,
        &format!("/api/v1/companies/{MINE}/inventory-items/999/balances"),
        ResponseTemplate::new(404).set_body_json(json!({"message": "Not found."})),
    )
    .await;
    respond(
        &world,
        "/api/v1/companies/broken/invoices",
        ResponseTemplate::new(500).set_body_json(
            json!({"message": "SQLSTATE[HY000]: General error at /var/www/app.php"}),
        ),
    )
    .await;
    respond(
        &world,
        "/api/v1/companies/expired/invoices",
        ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthenticated."})),
    )
    .await;
    let client = connect_alice(&world).await;

    // Act
    let input = failure(
        &client,
        "input",
        "neonpanel_plan_purchase",
        json!({"accountId": MINE, "sku": "SKU1", "coverageDays": -5, "safetyStock": 0}),
    )
    .await;
    let not_found = failure(
        &client,
        "not found",
        "neonpanel_get_landed_cost",
        json!({"accountId": MINE, "inventoryId": 999}),
    )
    .await;
    let down = failure(
        &client,
        "upstream unavailable",
        "neonpanel_search_orders",
        json!({"accountId": "broken"}),
    )
    .await;
    let sign_in = failure(
        &client,
        "sign-in required",
        "neonpanel_search_orders",
        json!({"accountId": "expired"}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(input.0, "invalid_arguments");
    assert!(
        input.1.contains("coverageDays must be at least 1"),
        "{}",
        input.1
    );
    assert_eq!(
        not_found,
        (
            "not_found".into(),
            format!("Inventory item 999 was not found in account {MINE}.")
        )
    );
    assert_eq!(down.0, "upstream_unavailable");
    assert_eq!(
        down.1,
        "NeonPanel is unavailable right now. Try again in a minute."
    );
    assert_eq!(sign_in.0, "unauthorized");
    assert!(sign_in.1.contains("Sign in again"), "{}", sign_in.1);
}

#[tokio::test]
async fn an_unreachable_neonpanel_reads_as_unavailable_without_the_os_error() {
    // Arrange: nothing listens on the API port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let world = world(|s, _| s.api_base = Some(format!("http://127.0.0.1:{port}"))).await;
    let client = connect_alice(&world).await;

    // Act
    let (code, text) = failure(
        &client,
        "upstream unreachable",
        "neonpanel_search_orders",
        json!({"accountId": MINE}),
    )
    .await;
    client.cancel().await.unwrap();

    // Assert
    assert_eq!(code, "upstream_unavailable");
    assert_eq!(
        text,
        "NeonPanel is unavailable right now. Try again in a minute."
    );
}
