//! The reporting endpoints (revenue and COGS, warehouses, warehouse balances, inventory orders)
//! against wiremock, answered with payloads shaped like the OpenAPI document's examples.

use wiremock::matchers::query_param_contains;

use super::*;
use crate::domain::upstream::{Grouping, InventoryOrderQuery, Periodicity, RevenueQuery};

#[tokio::test]
async fn revenue_and_cogs_sends_one_company_grouping_periodicity_and_dates() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/revenue-and-cogs"))
        .and(query_param("company_uuids", COMPANY))
        .and(query_param("grouping", "country"))
        .and(query_param("periodicity", "quarterly"))
        .and(query_param("start_date", "2024-01-01"))
        .and(query_param("end_date", "2024-06-30"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "filters": {"periodicity": "quarterly"},
            "data": [{"start_date": "2024-01-01T00:00:00.000Z", "end_date": "2024-03-31",
                      "revenue_amount": 1500.25, "cogs_amount": "600.1", "currency": "USD",
                      "company": null, "country_code": "US", "invoice": null}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let query = RevenueQuery {
        company_uuid: COMPANY.into(),
        start_date: "2024-01-01".into(),
        end_date: "2024-06-30".into(),
        periodicity: Periodicity::Quarterly,
        grouping: Grouping::Country,
    };

    // Act
    let answer = api(&server)
        .revenue_and_cogs(&token(), &query)
        .await
        .unwrap();

    // Assert
    let row = &answer.data[0];
    assert_eq!((row.revenue_amount, row.cogs_amount), (1500.25, 600.1));
    assert_eq!(row.country_code.as_deref(), Some("US"));
}

#[tokio::test]
async fn warehouses_are_listed_by_page_from_the_company_path() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/warehouses")))
        .and(query_param("page", "2"))
        .and(query_param("per_page", "25"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "current_page": 2, "per_page": 25, "last_page": 3,
            "data": [{"uuid": "a1b2c3d4e5f6g7h8i9j0", "name": "Warehouse Name",
                      "type": "Asset", "country_code": "US"}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let page = api(&server)
        .list_warehouses(&token(), COMPANY, 2, 25)
        .await
        .unwrap();

    // Assert
    assert_eq!((page.current_page, page.last_page), (2, 3));
    assert_eq!(page.data[0].kind.as_deref(), Some("Asset"));
}

#[tokio::test]
async fn warehouse_balances_encode_the_warehouse_into_one_path_segment() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/v1/companies/{COMPANY}/warehouses/w%2F1/balances"
        )))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "current_page": 1, "per_page": 30, "last_page": 1,
            "balances_date": "2024-01-01T00:00:00.000Z",
            "data": [{"inventory": {"id": 1001, "sku": "SKU12345", "name": "Product Name"},
                      "balance": 100}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    // Act
    let holdings = api
        .warehouse_balances(&token(), COMPANY, "w/1", 1, 30)
        .await
        .unwrap();
    let dots = api.warehouse_balances(&token(), COMPANY, "..", 1, 30).await;

    // Assert
    assert_eq!(holdings.data[0].inventory.id, 1001);
    assert_eq!(holdings.data[0].balance, 100.0);
    assert_eq!(dots.unwrap_err().kind, UpstreamErrorKind::ValidationFailed);
}

#[tokio::test]
async fn inventory_orders_send_search_and_dates_only_when_given() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/inventory-orders")))
        .and(query_param("search", "PO-2024"))
        .and(query_param_contains("start_date", "2024-01-01"))
        .and(query_param_is_missing("end_date"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "25"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "current_page": 1, "per_page": 25, "last_page": 4, "filters": {},
            "data": [{"id": 42, "name": "PO-2024-Spring", "ref_number": "REF-0042",
                      "date_order_placed": "2024-03-15", "date_manufacturing_completed": null,
                      "market": "US", "total_amount": 3247.5, "currency": "USD",
                      "vendor": {"id": 7, "name": "Acme Supplies Ltd."},
                      "warehouse": {"id": 3, "uuid": "w-3", "name": "FBA East Coast", "type": "FBA"},
                      "payment_term": {"id": 2, "name": "30/70 Net 30"},
                      "details": [{"inventory_id": 101, "sku": "SKU-ABC-123",
                                   "name": "Blue Widget", "quantity": 50, "price": 12.99}],
                      "payment_requests": [{"id": 9, "amount_due": 1623.75, "paid_amount": 500,
                                            "due_date": "2024-04-01", "payment_date": null}]}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let query = InventoryOrderQuery {
        search: Some("PO-2024".into()),
        start_date: Some("2024-01-01".into()),
        end_date: Some("  ".into()),
        page: 1,
        per_page: 25,
    };

    // Act
    let page = api(&server)
        .list_inventory_orders(&token(), COMPANY, &query)
        .await
        .unwrap();

    // Assert
    let order = &page.data[0];
    assert_eq!(order.ref_number.as_deref(), Some("REF-0042"));
    assert_eq!(
        order.vendor.as_ref().and_then(|v| v.name.as_deref()),
        Some("Acme Supplies Ltd.")
    );
    assert_eq!(order.details[0].price, 12.99);
    assert_eq!(order.date_manufacturing_completed, None);
}
