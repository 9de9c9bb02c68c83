//! The inventory paths: search, exact SKU filter and landed cost over the batches.

use reqwest::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn inventory_search_and_exact_sku_filter_find_the_items() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "carol").await;
    let base = format!("/api/v1/companies/{INITECH}/inventory-items");

    // Act
    let (_, all) = api_get(&sandbox, &http, &format!("{base}?per_page=60"), &token).await;
    let (_, searched) = api_get(&sandbox, &http, &format!("{base}?search=stapler"), &token).await;
    let (_, exact) = api_get(
        &sandbox,
        &http,
        &format!("{base}?sku=init-stpl-002"),
        &token,
    )
    .await;
    let asin = all["data"][5]["asin"].as_str().unwrap().to_lowercase();
    let (_, by_asin) = api_get(&sandbox, &http, &format!("{base}?search={asin}"), &token).await;

    // Assert
    assert!(all["data"].as_array().unwrap().len() >= 30);
    assert_eq!(searched["data"].as_array().unwrap().len(), 3);
    assert_eq!(exact["data"].as_array().unwrap().len(), 1);
    assert_eq!(exact["data"][0]["sku"], "INIT-STPL-002");
    assert_eq!(exact["filters"], json!({ "sku": "init-stpl-002" }));
    assert_eq!(by_asin["data"][0]["id"], all["data"][5]["id"]);
}

#[tokio::test]
async fn landed_cost_needs_warehouse_and_start_date_and_totals_the_batches_in_range() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "alice").await;
    let (_, items) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{ACME}/inventory-items?sku=ACME-TENT-001"),
        &token,
    )
    .await;
    let id = items["data"][0]["id"].as_u64().unwrap();
    let item = format!("/api/v1/companies/{ACME}/inventory-items/{id}");
    let (_, balances) = api_get(&sandbox, &http, &format!("{item}/balances"), &token).await;
    let warehouse = balances["balances_data"]["balances_list"][0]["warehouse"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();

    // Act
    let (missing, errors) = api_get(&sandbox, &http, &format!("{item}/landed-cost"), &token).await;
    let (status, cost) = api_get(
        &sandbox,
        &http,
        &format!(
            "{item}/landed-cost?warehouse_uuid={warehouse}&start_date=2024-01-01&end_date=2025-12-31"
        ),
        &token,
    )
    .await;

    // Assert
    assert_eq!(missing, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors["errors"]["warehouse_uuid"].is_array());
    assert!(errors["errors"]["start_date"].is_array());
    assert_eq!(status, StatusCode::OK, "{cost}");
    let batches = cost["data"].as_array().unwrap();
    assert!((2..=5).contains(&batches.len()));
    let amount: f64 = batches.iter().map(|b| b["amount"].as_f64().unwrap()).sum();
    let quantity: i64 = batches
        .iter()
        .map(|b| b["quantity"].as_i64().unwrap())
        .sum();
    assert!((amount - cost["amount"].as_f64().unwrap()).abs() < 0.01);
    assert_eq!(quantity, cost["quantity"].as_i64().unwrap());
    assert_eq!(cost["currency"], "USD");
    assert_eq!(cost["warehouse"]["uuid"], json!(warehouse));
    assert_eq!(cost["inventory"]["sku"], "ACME-TENT-001");
    assert_eq!(batches[0]["batch"]["type"], "Inventory Order");
    assert_eq!(batches[0]["details"][0]["type"], "Purchase Price");
    assert!(
        balances["restock_data"]["estimated_daily_sales"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(balances["restock_data"]["lead_time_days"].as_f64().unwrap() > 0.0);
    let list = balances["balances_data"]["balances_list"]
        .as_array()
        .unwrap();
    assert!((2..=3).contains(&list.len()));
}
