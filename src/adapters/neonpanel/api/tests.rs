//! Each endpoint against wiremock, answered with the OpenAPI document's example payloads.
//! `balances.json` fills in the restock numbers and balance the document leaves without examples.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::adapters::neonpanel::test_support::outbound;

const COMPANY: &str = "a1b2c3d4e5f6g7h8i9j0";
const TOKEN: &str = "user-jwt-for-alice";

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn api(server: &MockServer) -> HttpNeonPanelApi {
    api_with(server, outbound())
}

fn api_with(server: &MockServer, outbound: Outbound) -> HttpNeonPanelApi {
    HttpNeonPanelApi::new(
        ApiConfig {
            base_url: format!("{}/", server.uri()),
            max_retries: 2,
            backoff_base: Duration::from_millis(1),
        },
        outbound,
    )
}

fn token() -> BearerToken {
    BearerToken::new(TOKEN)
}

fn permissions_path() -> String {
    format!("/api/v1/companies/{COMPANY}/permissions")
}

async fn mount_status(server: &MockServer, status: u16, body: Value, times: u64) {
    Mock::given(method("GET"))
        .and(path(permissions_path()))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn list_companies_hits_the_companies_path_with_paging_and_parses_the_openapi_example() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/companies"))
        .and(query_param("page", "2"))
        .and(query_param("per_page", "25"))
        .and(header("accept", "application/json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/companies.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let page = api(&server).list_companies(&token(), 2, 25).await.unwrap();

    // Assert
    assert_eq!(
        (page.current_page, page.per_page, page.last_page),
        (1, 30, 1)
    );
    let company = &page.data[0];
    assert_eq!(company.uuid, COMPANY);
    assert_eq!(company.name, "Company Name");
    assert_eq!(company.short_name.as_deref(), Some("CN"));
    assert_eq!(company.timezone.as_deref(), Some("America/New_York"));
}

#[tokio::test]
async fn a_base_url_with_a_path_keeps_it_in_front_of_every_api_path() {
    // Arrange: NeonPanel behind a path prefix; the base is parsed once, each call sets a path.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/np/api/v1/companies"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/companies.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/np/api/v1/companies/a%20b/permissions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/permissions.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let api = HttpNeonPanelApi::new(
        ApiConfig {
            base_url: format!("{}/np/", server.uri()),
            ..ApiConfig::default()
        },
        outbound(),
    );

    // Act
    let page = api.list_companies(&token(), 1, 25).await;
    let permissions = api.company_permissions(&token(), "a b").await;

    // Assert
    assert_eq!(page.unwrap().data[0].uuid, COMPANY);
    assert!(!permissions.unwrap().is_empty());
}

#[tokio::test]
async fn company_permissions_hits_the_permissions_path_and_parses_the_openapi_example() {
    // Arrange
    let server = MockServer::start().await;
    mount_status(
        &server,
        200,
        fixture(include_str!("../fixtures/permissions.json")),
        1,
    )
    .await;

    // Act
    let permissions = api(&server)
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap();

    // Assert
    assert_eq!(
        permissions,
        vec!["view:pages.processes.inventory-orders".to_owned()]
    );
}

#[tokio::test]
async fn list_invoices_sends_search_dates_and_paging_and_parses_the_openapi_example() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
        .and(query_param("search", "INV-2024"))
        .and(query_param("start_date", "2024-01-01"))
        .and(query_param("end_date", "2024-12-31"))
        .and(query_param("page", "3"))
        .and(query_param("per_page", "15"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/invoices.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let query = InvoiceQuery {
        search: Some("INV-2024".into()),
        start_date: Some("2024-01-01".into()),
        end_date: Some("2024-12-31".into()),
        page: 3,
        per_page: 15,
    };

    // Act
    let page = api(&server)
        .list_invoices(&token(), COMPANY, &query)
        .await
        .unwrap();

    // Assert
    assert_eq!(page.last_page, 3);
    let invoice = &page.data[0];
    assert_eq!(invoice.id, 33);
    assert_eq!(invoice.name.as_deref(), Some("INV-2024-001"));
    assert_eq!(invoice.amount, Some(1500.0));
    assert_eq!(invoice.market.as_deref(), Some("US"));
    assert_eq!(
        invoice.customer.as_ref().and_then(|c| c.name.as_deref()),
        Some("Acme Corp")
    );
}

#[tokio::test]
async fn list_inventory_sends_search_sku_and_paging_and_skips_blank_filters() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/inventory-items")))
        .and(query_param("sku", "SKU12345"))
        .and(query_param_is_missing("search"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "10"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/inventory_items.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let query = InventoryQuery {
        search: Some("  ".into()),
        sku: Some("SKU12345".into()),
        page: 1,
        per_page: 10,
    };

    // Act
    let page = api(&server)
        .list_inventory(&token(), COMPANY, &query)
        .await
        .unwrap();

    // Assert
    let item = &page.data[0];
    assert_eq!(item.id, 1001);
    assert_eq!(item.sku.as_deref(), Some("SKU12345"));
    assert_eq!(item.fnsku.as_deref(), Some("FNSKU12345"));
    assert_eq!(item.country_code.as_deref(), Some("US"));
}

#[tokio::test]
async fn landed_cost_sends_warehouse_start_date_and_paging_and_parses_the_openapi_example() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/v1/companies/{COMPANY}/inventory-items/1001/landed-cost"
        )))
        .and(query_param("warehouse_uuid", "wh-1"))
        .and(query_param("start_date", "2024-01-01"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "30"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/landed_cost.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let query = LandedCostQuery {
        warehouse_uuid: "wh-1".into(),
        start_date: "2024-01-01".into(),
        page: 1,
        per_page: 30,
    };

    // Act
    let cost = api(&server)
        .landed_cost(&token(), COMPANY, 1001, &query)
        .await
        .unwrap();

    // Assert
    assert_eq!(cost.currency.as_deref(), Some("USD"));
    assert_eq!((cost.amount, cost.quantity), (100.5, 50.0));
    let batch = &cost.data[0];
    assert_eq!(
        batch.batch.as_ref().and_then(|b| b.ref_number.as_deref()),
        Some("REF12345")
    );
    assert_eq!(batch.details[0].kind.as_deref(), Some("Purchase Price"));
}

#[tokio::test]
async fn inventory_details_hits_the_balances_path_and_parses_the_openapi_example() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/v1/companies/{COMPANY}/inventory-items/1001/balances"
        )))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture(include_str!("../fixtures/balances.json"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let details = api(&server)
        .inventory_details(&token(), COMPANY, 1001)
        .await
        .unwrap();

    // Assert
    assert_eq!(details.inventory.map(|i| i.id), Some(1001));
    let restock = details.restock_data.unwrap();
    assert_eq!(restock.lead_time_days, Some(30.0));
    let balance = &details.balances_data.unwrap().balances_list[0];
    assert_eq!(balance.warehouse.uuid, COMPANY);
    assert_eq!(balance.balance, 120.0);
}

#[tokio::test]
async fn authorization_header_is_exactly_the_credential_passed_in() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(permissions_path()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"permissions": []})))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let result = api(&server).company_permissions(&token(), COMPANY).await;

    // Assert
    assert_eq!(result, Ok(Vec::new()));
}

#[tokio::test]
async fn company_ids_are_percent_encoded_into_a_single_path_segment_and_dot_segments_refused() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/companies/a%2Fb%20c%3Fd/permissions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"permissions": ["x"]})))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    // Act
    let encoded = api.company_permissions(&token(), "a/b c?d").await;
    let dots = api.company_permissions(&token(), "..").await;

    // Assert
    assert_eq!(encoded, Ok(vec!["x".to_owned()]));
    assert_eq!(dots.unwrap_err().kind, UpstreamErrorKind::ValidationFailed);
}

mod failures;
mod reports;
