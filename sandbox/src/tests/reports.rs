//! The reporting paths over real sockets: revenue and COGS agree with the invoices, warehouse
//! holdings with item balances, inventory orders with the landed-cost batches.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::Value;

use super::*;

fn cents(value: &Value) -> i64 {
    (value.as_f64().unwrap() * 100.0).round() as i64
}

/// Every element of a paginated list, following pages to the end.
async fn all(sandbox: &Sandbox, http: &reqwest::Client, path: &str, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let glue = if path.contains('?') { '&' } else { '?' };
    for page in 1..=50 {
        let url = format!("{path}{glue}page={page}&per_page=60");
        let (status, body) = api_get(sandbox, http, &url, token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        out.extend(body["data"].as_array().unwrap().iter().cloned());
        if body["current_page"] == body["last_page"] {
            break;
        }
    }
    out
}

#[tokio::test]
async fn revenue_per_quarter_adds_up_to_the_invoices_in_range_for_each_reached_company() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "alice").await;
    let mut expected = HashMap::new();
    for company in [ACME, GLOBEX] {
        let path = format!(
            "/api/v1/companies/{company}/invoices?start_date=2024-02-10&end_date=2024-11-20"
        );
        let invoices = all(&sandbox, &http, &path, &token).await;
        expected.insert(
            company,
            invoices.iter().map(|i| cents(&i["amount"])).sum::<i64>(),
        );
    }

    // Act
    let (status, body) = api_get(
        &sandbox,
        &http,
        "/api/v1/revenue-and-cogs?start_date=2024-02-10&end_date=2024-11-20&periodicity=quarterly",
        &token,
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["data"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        8,
        "four quarters for each of alice's two companies"
    );
    assert_eq!(rows[0]["start_date"], "2024-02-10");
    assert_eq!(rows.last().unwrap()["end_date"], "2024-11-20");
    for (company, revenue) in expected {
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| r["company"]["uuid"] == company)
            .collect();
        assert_eq!(
            mine.iter()
                .map(|r| cents(&r["revenue_amount"]))
                .sum::<i64>(),
            revenue
        );
        assert!(
            mine.iter()
                .all(|r| r["cogs_amount"].as_f64().unwrap() > 0.0)
        );
    }
}

#[tokio::test]
async fn revenue_refuses_a_company_out_of_reach_and_requires_a_start_date() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "alice").await;

    // Act
    let path = format!("/api/v1/revenue-and-cogs?start_date=2024-01-01&company_uuids={INITECH}");
    let (foreign, _) = api_get(&sandbox, &http, &path, &token).await;
    let (undated, body) = api_get(&sandbox, &http, "/api/v1/revenue-and-cogs", &token).await;

    // Assert
    assert_eq!(foreign, StatusCode::FORBIDDEN);
    assert_eq!(undated, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["start_date"].is_array(), "{body}");
}

#[tokio::test]
async fn warehouse_holdings_match_each_items_balance_in_that_warehouse() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;
    let base = format!("/api/v1/companies/{ACME}");
    let warehouses = all(&sandbox, &http, &format!("{base}/warehouses"), &token).await;

    // Act
    let mut held: HashMap<(String, u64), f64> = HashMap::new();
    for warehouse in &warehouses {
        let uuid = warehouse["uuid"].as_str().unwrap();
        let path = format!("{base}/warehouses/{uuid}/balances");
        for entry in all(&sandbox, &http, &path, &token).await {
            let id = entry["inventory"]["id"].as_u64().unwrap();
            held.insert((uuid.to_owned(), id), entry["balance"].as_f64().unwrap());
        }
    }

    // Assert
    assert_eq!(warehouses.len(), 4);
    let items = all(&sandbox, &http, &format!("{base}/inventory-items"), &token).await;
    let mut pairs = 0;
    for item in items {
        let id = item["id"].as_u64().unwrap();
        let path = format!("{base}/inventory-items/{id}/balances");
        let (_, details) = api_get(&sandbox, &http, &path, &token).await;
        for entry in details["balances_data"]["balances_list"]
            .as_array()
            .unwrap()
        {
            let uuid = entry["warehouse"]["uuid"].as_str().unwrap().to_owned();
            assert_eq!(held.get(&(uuid, id)), entry["balance"].as_f64().as_ref());
            pairs += 1;
        }
    }
    assert_eq!(pairs, held.len(), "no holding without an item balance");
}

#[tokio::test]
async fn received_orders_are_the_landed_cost_batches_and_open_orders_have_no_receipt() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;
    let base = format!("/api/v1/companies/{GLOBEX}");

    // Act
    let orders = all(&sandbox, &http, &format!("{base}/inventory-orders"), &token).await;
    let received = all(
        &sandbox,
        &http,
        &format!("{base}/inventory-orders?start_date=2024-01-01&end_date=2026-12-31"),
        &token,
    )
    .await;

    // Assert
    let open: Vec<&Value> = orders
        .iter()
        .filter(|o| o["date_manufacturing_completed"].is_null())
        .collect();
    assert!(!open.is_empty());
    assert_eq!(received.len() + open.len(), orders.len());
    let sample = &received[received.len() / 2];
    let line = &sample["details"][0];
    let (item, warehouse) = (
        &line["inventory_id"],
        sample["warehouse"]["uuid"].as_str().unwrap(),
    );
    let path = format!(
        "{base}/inventory-items/{item}/landed-cost?warehouse_uuid={warehouse}&start_date=2024-01-01"
    );
    let batches = all(&sandbox, &http, &path, &token).await;
    let batch = batches
        .iter()
        .find(|b| b["batch"]["ref_number"] == sample["ref_number"])
        .expect("the order is one of the item's batches in that warehouse");
    assert_eq!(batch["quantity"], line["quantity"]);
    assert_eq!(batch["batch"]["date"], sample["date_order_placed"]);
    let total = line["quantity"].as_f64().unwrap() * line["price"].as_f64().unwrap();
    assert_eq!(
        (total * 100.0).round() as i64,
        cents(&sample["total_amount"])
    );
    for order in open {
        assert_eq!(order["payment_requests"][1]["paid_amount"], Value::Null);
        assert!(order["vendor"]["name"].is_string());
    }
}
