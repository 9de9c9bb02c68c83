//! The company and invoice paths: authentication, reach, validation, pagination, filters,
//! determinism.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn paging_through_invoices_to_the_end_yields_every_invoice_exactly_once() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "alice").await;
    let mut seen = HashSet::new();
    let mut dates = Vec::new();
    let mut page = 1;

    // Act
    let last_page = loop {
        let path = format!("/api/v1/companies/{ACME}/invoices?page={page}&per_page=60");
        let (status, body) = api_get(&sandbox, &http, &path, &token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["current_page"], page);
        assert_eq!(body["per_page"], 60);
        for invoice in body["data"].as_array().unwrap() {
            assert!(seen.insert(invoice["id"].as_u64().unwrap()));
            dates.push(invoice["transaction_date"].as_str().unwrap().to_owned());
        }
        if page >= body["last_page"].as_u64().unwrap() {
            break body["last_page"].as_u64().unwrap();
        }
        page += 1;
    };
    let (_, past_end) = api_get(
        &sandbox,
        &http,
        &format!(
            "/api/v1/companies/{ACME}/invoices?page={}&per_page=60",
            last_page + 1
        ),
        &token,
    )
    .await;

    // Assert
    assert!(seen.len() >= 250);
    assert_eq!(last_page, (seen.len() as u64).div_ceil(60));
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(past_end["data"], json!([]));
}

#[tokio::test]
async fn an_invoice_has_the_documented_wire_shape() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;

    // Act
    let (_, body) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{GLOBEX}/invoices"),
        &token,
    )
    .await;

    // Assert
    let invoice = &body["data"][0];
    for key in [
        "id",
        "name",
        "link",
        "source",
        "ref_number",
        "transaction_date",
        "market",
        "amount",
        "currency",
        "warehouse",
        "customer",
        "sales_channel",
        "details",
    ] {
        assert!(invoice.get(key).is_some(), "{key} missing in {invoice}");
    }
    assert_eq!(invoice["currency"], "EUR");
    assert!(invoice["customer"]["name"].is_string());
    assert!(invoice["warehouse"]["uuid"].is_string());
    assert_eq!(body["per_page"], 30);
}

#[tokio::test]
async fn invoice_search_and_inclusive_date_filters_select_only_matching_invoices() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;
    let base = format!("/api/v1/companies/{ACME}/invoices?per_page=60");

    // Act
    let (_, by_date) = api_get(
        &sandbox,
        &http,
        &format!("{base}&start_date=2024-03-01&end_date=2024-03-31"),
        &token,
    )
    .await;
    let (_, by_sku) = api_get(&sandbox, &http, &format!("{base}&search=acme-tent"), &token).await;
    let (bad_status, bad) = api_get(
        &sandbox,
        &http,
        &format!("{base}&start_date=2024-05-01&end_date=2024-04-01"),
        &token,
    )
    .await;

    // Assert
    let dates: Vec<&str> = by_date["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["transaction_date"].as_str().unwrap())
        .collect();
    assert!(!dates.is_empty());
    assert!(
        dates
            .iter()
            .all(|d| ("2024-03-01"..="2024-03-31").contains(d))
    );
    let hits = by_sku["data"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|i| i["details"].as_array().unwrap().iter().any(|d| d["sku"]
                .as_str()
                .is_some_and(|s| s.starts_with("ACME-TENT"))))
    );
    assert_eq!(bad_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["errors"]["end_date"].is_array());
}

#[tokio::test]
async fn bob_is_forbidden_from_acme_but_reaches_globex() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "bob").await;

    // Act
    let (forbidden, body) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{ACME}/invoices"),
        &token,
    )
    .await;
    let (allowed, _) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{GLOBEX}/invoices"),
        &token,
    )
    .await;
    let (_, companies) = api_get(&sandbox, &http, "/api/v1/companies", &token).await;

    // Assert
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "message": "This action is unauthorized." }));
    assert_eq!(allowed, StatusCode::OK);
    let uuids: Vec<&Value> = companies["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["uuid"])
        .collect();
    assert_eq!(uuids, [&json!(GLOBEX)]);
}

#[tokio::test]
async fn the_service_token_reaches_every_company_and_holds_every_permission() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;

    // Act
    let (_, companies) = api_get(&sandbox, &http, "/api/v1/companies?per_page=10", &token).await;
    let (_, permissions) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{INITECH}/permissions"),
        &token,
    )
    .await;

    // Assert
    let data = companies["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["name"], "Acme Outdoor");
    assert_eq!(data[0]["currency"], "USD");
    assert_eq!(data[0]["timezone"], "America/New_York");
    assert_eq!(companies["last_page"], 1);
    assert_eq!(permissions["permissions"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn an_mcp_audience_access_token_is_unauthenticated_at_the_api() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let access = sandbox
        .mint_access_token("alice", MCP_AUDIENCE, "openid neonpanel:read", 600)
        .unwrap();

    // Act
    let (status, body) = api_get(&sandbox, &http, "/api/v1/companies", &access).await;
    let (no_token, _) = api_get(&sandbox, &http, "/api/v1/companies", "").await;

    // Assert
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({ "message": "Unauthenticated." }));
    assert_eq!(no_token, StatusCode::UNAUTHORIZED);
    assert!(sandbox.seen_api_tokens().contains(&access));
}

#[tokio::test]
async fn per_page_outside_10_to_60_is_a_422_with_field_errors() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = user_jwt(&sandbox, &http, "alice").await;

    // Act
    let (status, body) = api_get(&sandbox, &http, "/api/v1/companies?per_page=61", &token).await;
    let (low, _) = api_get(&sandbox, &http, "/api/v1/companies?per_page=9", &token).await;

    // Assert
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        "The per page field must be between 10 and 60."
    );
    assert_eq!(body["errors"]["per_page"][0], body["message"]);
    assert_eq!(low, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_unknown_company_item_or_route_is_a_json_404() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;

    // Act
    let (company, body) = api_get(&sandbox, &http, "/api/v1/companies/nope/invoices", &token).await;
    let (item, _) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{ACME}/inventory-items/999999/balances"),
        &token,
    )
    .await;

    let (route, route_body) = api_get(
        &sandbox,
        &http,
        &format!("/api/v1/companies/{ACME}/no-such-thing"),
        &token,
    )
    .await;

    // Assert
    assert_eq!(company, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({ "message": "Not found." }));
    assert_eq!(item, StatusCode::NOT_FOUND);
    assert_eq!((route, route_body), (StatusCode::NOT_FOUND, body));
}

#[tokio::test]
async fn two_starts_serve_identical_invoices_and_items() {
    // Arrange
    let (first, second) = (start().await, start().await);
    let http = http();
    let mut answers = Vec::new();

    // Act
    for sandbox in [&first, &second] {
        let token = service_token(sandbox, &http).await;
        let mut bodies = Vec::new();
        for path in [
            format!("/api/v1/companies/{ACME}/invoices?page=3&per_page=60"),
            format!("/api/v1/companies/{INITECH}/invoices?per_page=60&search=amazon"),
            format!("/api/v1/companies/{GLOBEX}/inventory-items?per_page=60"),
        ] {
            bodies.push(api_get(sandbox, &http, &path, &token).await.1);
        }
        answers.push(bodies);
    }

    // Assert
    assert_eq!(answers[0], answers[1]);
    assert_ne!(first.jwks_uri(), second.jwks_uri());
}
