//! `fetch` over mocked NeonPanel: the documents, and reach checked before any account call.

use super::*;
use crate::app::tools::testing::{context, json, page, service_grant, user_grant};
use crate::domain::tools::FailureCode;
use crate::domain::upstream::{InventoryItem, InvoiceLine};
use crate::ports::MockNeonPanelApi;

fn acme() -> Company {
    Company {
        uuid: "acme".into(),
        name: "Acme".into(),
        currency: Some("USD".into()),
        ..Company::default()
    }
}

fn input(id: &str) -> Input {
    Input { id: id.into() }
}

#[tokio::test]
async fn an_order_is_a_document_with_its_lines_and_neonpanels_own_link() {
    // Arrange
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(1)
        .returning(|_, _, _| Ok(page(1, 1, vec![acme()])));
    api.expect_get_invoice()
        .withf(|_, account, id| account == "acme" && *id == 33)
        .times(1)
        .returning(|_, _, _| {
            Ok(Invoice {
                id: 33,
                name: Some("INV-33".into()),
                currency: Some("USD".into()),
                amount: Some(30.0),
                link: Some("https://my.neonpanel.com/app/processes/invoicing/tasks/t1".into()),
                details: vec![InvoiceLine {
                    sku: Some("SKU-1".into()),
                    product_name: Some("Widget".into()),
                    quantity: Some(3.0),
                    amount: Some(30.0),
                    ..InvoiceLine::default()
                }],
                ..Invoice::default()
            })
        });

    // Act
    let out = Fetch.run(context(&api), &user_grant(), &input("order:acme:33")).await;

    // Assert
    let out = json(&out.expect("a document"));
    assert_eq!(out["id"], "order:acme:33");
    assert_eq!(out["title"], "Order INV-33");
    assert_eq!(
        out["url"],
        "https://my.neonpanel.com/app/processes/invoicing/tasks/t1"
    );
    let text = out["text"].as_str().expect("text");
    assert!(text.contains("- Widget (SKU SKU-1): quantity 3, 30.00 USD"), "{text}");
    assert_eq!(out["metadata"]["lines"][0]["sku"], "SKU-1");
}

#[tokio::test]
async fn an_item_is_a_document_with_stock_and_landed_cost() {
    // Arrange
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .returning(|_, _, _| Ok(page(1, 1, vec![acme()])));
    api.expect_inventory_details()
        .withf(|_, _, id| *id == 7)
        .times(1)
        .returning(|_, _, _| {
            Ok(InventoryDetails {
                inventory: Some(InventoryItem {
                    id: 7,
                    name: Some("Widget".into()),
                    sku: Some("SKU-1".into()),
                    ..InventoryItem::default()
                }),
                restock_data: Some(crate::domain::upstream::RestockData {
                    unit_landed_cost: Some(4.5),
                    ..Default::default()
                }),
                ..InventoryDetails::default()
            })
        });

    // Act
    let out = Fetch.run(context(&api), &user_grant(), &input("item:acme:7")).await;

    // Assert
    let out = json(&out.expect("a document"));
    assert_eq!(out["title"], "Widget (SKU SKU-1)");
    assert_eq!(out["url"], "https://my.neonpanel.com/app/inventory?company=acme&item=7");
    assert!(out["text"].as_str().unwrap_or_default().contains("Landed cost per unit: 4.50 USD"));
    assert_eq!(out["metadata"]["unitLandedCost"], 4.5);
}

#[tokio::test]
async fn another_tenants_id_reads_like_a_missing_one_and_no_account_call_is_made() {
    // Arrange: the user's own list holds only acme; only that list may be read.
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(1)
        .returning(|_, _, _| Ok(page(1, 1, vec![acme()])));

    // Act
    let other = Fetch.run(context(&api), &user_grant(), &input("order:globex:33")).await;
    let malformed = Fetch.run(context(&api), &user_grant(), &input("order:globex")).await;

    // Assert
    let other = other.expect_err("refused");
    assert_eq!(other.code, FailureCode::NotFound);
    assert_eq!(other.message, ToolFailure::no_record("order:globex:33").message);
    assert_eq!(malformed.err(), Some(ToolFailure::no_record("order:globex")));
}

#[tokio::test]
async fn the_service_token_refuses_an_unreached_account_before_any_call() {
    // Arrange: no expectations at all.
    let api = MockNeonPanelApi::new();

    // Act
    let out = Fetch
        .run(context(&api), &service_grant(&["acme"], None), &input("company:globex"))
        .await;

    // Assert
    assert_eq!(out.err(), Some(ToolFailure::no_record("company:globex")));
}
