//! The reporting tools end to end against the sandbox, driven by the rmcp client: every answer
//! is valid against the tool's `outputSchema`, and its figures are recomputed here from the
//! sandbox's own data, read straight from its API with the service token.

use std::collections::HashMap;

use rmcp::model::{CallToolResult, ProtocolVersion, Tool};
use serde_json::{Value, json};

use super::mcp_client::{Client, call, connect};
use super::sandbox_e2e::{SandboxWorld, sandbox_world};

/// The sandbox API as the service sees it, for recomputing the figures independently.
struct Truth {
    http: reqwest::Client,
    base: String,
    bearer: String,
}

impl Truth {
    async fn new(world: &SandboxWorld) -> Self {
        let (id, secret) = world.sandbox.service_client();
        let http = reqwest::Client::new();
        let token: Value = http
            .post(world.sandbox.token_url())
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
        Self {
            http,
            base: world.sandbox.base_url().to_owned(),
            bearer: token["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.bearer)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Every element of a paginated list.
    async fn all(&self, path: &str) -> Vec<Value> {
        let glue = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        for page in 1..=50 {
            let body = self
                .get(&format!("{path}{glue}page={page}&per_page=60"))
                .await;
            out.extend(body["data"].as_array().unwrap().iter().cloned());
            if body["current_page"] == body["last_page"] {
                break;
            }
        }
        out
    }
}

fn cents(value: &Value) -> i64 {
    (value.as_f64().unwrap() * 100.0).round() as i64
}

/// The structured answer, after checking it against the tool's `outputSchema` and that the
/// text content holds the same JSON.
fn valid(tools: &[Tool], name: &str, result: CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{name}: {result:?}");
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    let tool = tools.iter().find(|t| t.name == name).expect("listed");
    let schema = Value::Object((*tool.output_schema.clone().expect("outputSchema")).clone());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&structured)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?} in {structured:#}");
    let text = &result.content[0].as_text().expect("text first").text;
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), structured);
    structured
}

async fn client(world: &SandboxWorld, user: &str) -> (Client, Vec<Tool>) {
    let client = connect(
        &world.app.base,
        &world.token(user),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    let tools = client.list_all_tools().await.unwrap();
    (client, tools)
}

#[tokio::test]
async fn revenue_equals_the_invoices_in_range_and_cogs_their_lines_at_landed_cost() {
    // Arrange
    let world = sandbox_world().await;
    let truth = Truth::new(&world).await;
    let (client, tools) = client(&world, "alice").await;
    let acme = world.company("alice", 0);
    let invoices = truth
        .all(&format!(
            "/api/v1/companies/{acme}/invoices?start_date=2024-04-01&end_date=2025-03-31"
        ))
        .await;
    let mut landed: HashMap<i64, i64> = HashMap::new();
    for item in truth
        .all(&format!("/api/v1/companies/{acme}/inventory-items"))
        .await
    {
        let id = item["id"].as_i64().unwrap();
        let details = truth
            .get(&format!(
                "/api/v1/companies/{acme}/inventory-items/{id}/balances"
            ))
            .await;
        landed.insert(id, cents(&details["restock_data"]["unit_landed_cost"]));
    }
    let revenue: i64 = invoices.iter().map(|i| cents(&i["amount"])).sum();
    let cogs: i64 = invoices
        .iter()
        .flat_map(|i| i["details"].as_array().unwrap())
        .filter_map(|d| Some(d["quantity"].as_i64()? * landed[&d["inventory_id"].as_i64()?]))
        .sum();

    // Act
    let name = "neonpanel_get_revenue_and_cogs";
    let args = json!({"accountId": acme, "from": "2024-04-01", "to": "2025-03-31",
                      "periodicity": "quarterly"});
    let answer = valid(&tools, name, call(&client, name, args).await);

    // Assert
    let rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{answer:#}");
    assert_eq!(rows[0]["periodStart"], "2024-04-01");
    assert_eq!(rows[3]["periodEnd"], "2025-03-31");
    let total = &answer["totals"][0];
    assert_eq!(total["currency"], "USD");
    assert_eq!(cents(&total["revenue"]), revenue);
    assert_eq!(cents(&total["cogs"]), cogs);
    assert_eq!(cents(&total["grossMargin"]), revenue - cogs);
    let quarters: i64 = rows.iter().map(|r| cents(&r["revenue"])).sum();
    assert_eq!(quarters, revenue);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn revenue_without_an_account_covers_exactly_the_callers_accounts_per_currency() {
    // Arrange: alice reaches Acme (USD) and Globex (EUR), not Initech.
    let world = sandbox_world().await;
    let (client, tools) = client(&world, "alice").await;
    let name = "neonpanel_get_revenue_and_cogs";

    // Act
    let args = json!({"from": "2025-01-01", "to": "2025-12-31", "groupBy": "country"});
    let answer = valid(&tools, name, call(&client, name, args).await);
    let initech = world.company("carol", 0);
    let foreign = call(
        &client,
        name,
        json!({"accountId": initech, "from": "2025-01-01", "to": "2025-12-31"}),
    )
    .await;

    // Assert
    let mut accounts: Vec<String> = answer["accountIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    accounts.sort();
    let mut expected = vec![world.company("alice", 0), world.company("alice", 1)];
    expected.sort();
    assert_eq!(accounts, expected);
    let currencies: Vec<&str> = answer["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["currency"].as_str().unwrap())
        .collect();
    assert_eq!(currencies, ["USD", "EUR"]);
    assert!(
        answer["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["country"].is_string())
    );
    assert_eq!(foreign.is_error, Some(true));
    let structured = foreign.structured_content.unwrap();
    assert_eq!(structured["error"]["code"], "forbidden");
    assert!(structured.get("rows").is_none());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn stock_levels_list_warehouses_page_holdings_and_total_an_item_with_its_reorder_point() {
    // Arrange
    let world = sandbox_world().await;
    let truth = Truth::new(&world).await;
    let (client, tools) = client(&world, "alice").await;
    let acme = world.company("alice", 0);
    let name = "neonpanel_get_stock_levels";

    // Act: the warehouses, then every page of the first one's holdings, then one item.
    let listed = valid(
        &tools,
        name,
        call(&client, name, json!({"accountId": acme})).await,
    );
    let warehouse = listed["warehouses"][0]["warehouseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut held = HashMap::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut args = json!({"accountId": acme, "warehouseId": warehouse});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = valid(&tools, name, call(&client, name, args).await);
        for item in page["warehouse"]["items"].as_array().unwrap() {
            held.insert(
                item["inventoryId"].as_i64().unwrap(),
                item["onHand"].as_f64().unwrap(),
            );
        }
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let (&id, _) = held.iter().min_by_key(|(id, _)| **id).unwrap();
    let item = valid(
        &tools,
        name,
        call(&client, name, json!({"accountId": acme, "inventoryId": id})).await,
    );

    // Assert
    assert_eq!(listed["view"], "warehouses");
    assert_eq!(listed["warehouses"].as_array().unwrap().len(), 4);
    let truth_held = truth
        .all(&format!(
            "/api/v1/companies/{acme}/warehouses/{warehouse}/balances"
        ))
        .await;
    assert_eq!(held.len(), truth_held.len());
    for entry in &truth_held {
        let id = entry["inventory"]["id"].as_i64().unwrap();
        assert_eq!(held.get(&id), entry["balance"].as_f64().as_ref());
    }
    let details = truth
        .get(&format!(
            "/api/v1/companies/{acme}/inventory-items/{id}/balances"
        ))
        .await;
    let on_hand: f64 = details["balances_data"]["balances_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["balance"].as_f64().unwrap())
        .sum();
    let restock = &details["restock_data"];
    let daily = restock["estimated_daily_sales"].as_f64().unwrap();
    let days = restock["lead_time_days"].as_f64().unwrap()
        + restock["safety_stock_days"].as_f64().unwrap();
    assert_eq!(item["view"], "item");
    assert_eq!(item["item"]["totalOnHand"].as_f64().unwrap(), on_hand);
    let point = item["item"]["restock"]["reorderPoint"].as_f64().unwrap();
    assert!(
        (point - daily * days).abs() < 0.051,
        "{point} vs {}",
        daily * days
    );
    assert_eq!(item["item"]["restock"]["reorderNow"], on_hand <= point);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn purchase_orders_page_to_the_end_and_match_the_sandboxs_orders() {
    // Arrange
    let world = sandbox_world().await;
    let truth = Truth::new(&world).await;
    let (client, tools) = client(&world, "bob").await;
    let globex = world.company("bob", 0);
    let name = "neonpanel_search_purchase_orders";

    // Act
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut args = json!({"accountId": globex});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = valid(&tools, name, call(&client, name, args).await);
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let dated = valid(
        &tools,
        name,
        call(
            &client,
            name,
            json!({"accountId": globex, "from": "2024-01-01", "to": "2026-12-31"}),
        )
        .await,
    );

    // Assert
    let orders = truth
        .all(&format!("/api/v1/companies/{globex}/inventory-orders"))
        .await;
    assert_eq!(seen.len(), orders.len());
    for (mine, theirs) in seen.iter().zip(&orders) {
        assert_eq!(mine["orderId"], theirs["id"].to_string().as_str());
        assert_eq!(mine["number"], theirs["ref_number"]);
        assert_eq!(cents(&mine["total"]), cents(&theirs["total_amount"]));
        assert_eq!(mine["vendor"], theirs["vendor"]["name"]);
        let open = theirs["date_manufacturing_completed"].is_null();
        assert_eq!(mine["status"], if open { "open" } else { "received" });
    }
    let open = seen.iter().filter(|o| o["status"] == "open").count();
    assert!(open > 0, "some orders are still on order");
    assert!(
        seen.iter()
            .filter(|o| o["status"] == "open")
            .all(|o| cents(&o["outstanding"]) > 0)
    );
    assert!(
        dated["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "received"),
        "a dated search filters on the receipt date"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn another_tenants_stock_and_purchase_orders_are_is_error_results_and_never_data() {
    // Arrange: carol's company is not alice's.
    let world = sandbox_world().await;
    let (client, _) = client(&world, "alice").await;
    let initech = world.company("carol", 0);

    for (tool, args) in [
        ("neonpanel_get_stock_levels", json!({"accountId": initech})),
        (
            "neonpanel_get_stock_levels",
            json!({"accountId": initech, "inventoryId": 10301}),
        ),
        (
            "neonpanel_search_purchase_orders",
            json!({"accountId": initech}),
        ),
    ] {
        // Act
        let result = call(&client, tool, args).await;

        // Assert
        assert_eq!(result.is_error, Some(true), "{tool}");
        let structured = result.structured_content.unwrap();
        assert_eq!(
            structured["error"]["code"], "forbidden",
            "{tool}: {structured}"
        );
        for key in ["items", "item", "warehouses"] {
            assert!(structured.get(key).is_none(), "{tool} leaked {key}");
        }
    }
    client.cancel().await.unwrap();
}
