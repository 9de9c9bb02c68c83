//! Mapping and run of `neonpanel_search_purchase_orders`.

use super::*;
use crate::app::tools::testing::{context, json, page, service_grant, user_grant};
use crate::domain::upstream::{OrderLine, Vendor};
use crate::ports::MockNeonPanelApi;

#[test]
fn an_unreceived_order_is_open_with_its_unpaid_balance_due() {
    // Arrange
    let order = InventoryOrder {
        id: 42,
        ref_number: Some("PO-42".into()),
        date_order_placed: Some("2025-12-20".into()),
        total_amount: 1000.0,
        vendor: Some(Vendor {
            id: Some(7),
            name: Some("Acme Supplies".into()),
        }),
        details: vec![OrderLine {
            quantity: 100.0,
            price: 10.0,
            ..OrderLine::default()
        }],
        payment_requests: vec![
            PaymentRequest {
                amount_due: Some(300.0),
                paid_amount: Some(300.0),
                due_date: Some("2025-12-20".into()),
                ..PaymentRequest::default()
            },
            PaymentRequest {
                amount_due: Some(700.0),
                due_date: Some("2026-02-01".into()),
                ..PaymentRequest::default()
            },
        ],
        ..InventoryOrder::default()
    };

    // Act
    let po = PurchaseOrder::from(order);

    // Assert
    assert_eq!((po.status.as_str(), po.number.as_str()), ("open", "PO-42"));
    assert_eq!(po.vendor.as_deref(), Some("Acme Supplies"));
    assert_eq!((po.units, po.lines[0].amount), (100.0, 1000.0));
    assert_eq!(po.outstanding, 700.0);
    assert_eq!(po.next_payment_due.as_deref(), Some("2026-02-01"));
}

#[test]
fn a_completed_order_is_received() {
    let order = InventoryOrder {
        id: 1,
        date_manufacturing_completed: Some("2025-03-01".into()),
        ..InventoryOrder::default()
    };
    let po = PurchaseOrder::from(order);
    assert_eq!(po.status, "received");
    assert_eq!(po.number, "1");
}

#[tokio::test]
async fn run_passes_the_filters_and_the_cursor_page_to_neonpanel() {
    // Arrange
    let mut api = MockNeonPanelApi::new();
    api.expect_list_inventory_orders()
        .withf(|_, account, q| {
            account == "acme"
                && q.search.as_deref() == Some("PO-")
                && q.end_date.as_deref() == Some("2025-12-31")
                && q.page == 3
        })
        .times(1)
        .returning(|_, _, _| Ok(page(3, 3, vec![InventoryOrder::default()])));
    let input = Input {
        account_id: "acme".into(),
        q: Some("PO-".into()),
        from: None,
        to: Some("2025-12-31".into()),
        cursor: Some(Cursor { list: LIST, page: 3 }.encode()),
    };

    // Act
    let out = SearchPurchaseOrders
        .run(context(&api), &user_grant(), &input)
        .await;

    // Assert
    let out = json(&out.expect("orders"));
    assert_eq!(out["items"].as_array().map(Vec::len), Some(1));
    assert!(out.get("nextCursor").is_none());
}

#[tokio::test]
async fn run_with_the_service_token_refuses_an_unreached_account_without_calling_neonpanel() {
    let api = MockNeonPanelApi::new();
    let input = Input {
        account_id: "globex".into(),
        q: None,
        from: None,
        to: None,
        cursor: None,
    };
    let out = SearchPurchaseOrders
        .run(context(&api), &service_grant(&["acme"], None), &input)
        .await;
    assert_eq!(out.err(), Some(ToolFailure::no_access("globex")));
}
