//! Mapping and run of `neonpanel_get_stock_levels`.

use serde_json::json;

use super::*;
use crate::app::tools::testing::{context, json, page, user_grant, upstream};
use crate::domain::arguments::parse;
use crate::domain::upstream::{Balances, InventoryItem, WarehouseBalance};
use crate::ports::MockNeonPanelApi;

fn balance(uuid: &str, units: f64) -> WarehouseBalance {
    WarehouseBalance {
        warehouse: Warehouse {
            uuid: uuid.into(),
            ..Warehouse::default()
        },
        balance: units,
    }
}

fn details() -> InventoryDetails {
    InventoryDetails {
        inventory: Some(InventoryItem {
            id: 7,
            sku: Some("SKU-7".into()),
            ..InventoryItem::default()
        }),
        restock_data: Some(RestockData {
            estimated_daily_sales: Some(4.0),
            lead_time_days: Some(30.0),
            safety_stock_days: Some(10.0),
            ..RestockData::default()
        }),
        balances_data: Some(Balances {
            balances_date: None,
            balances_list: vec![balance("w1", 150.0), balance("w2", 50.0)],
        }),
    }
}

#[test]
fn item_stock_is_totalled_and_compared_with_the_reorder_point() {
    // Act
    let out = map_item(7, details(), None);

    // Assert
    let item = out.item.unwrap();
    assert_eq!(item.total_on_hand, 200.0);
    assert_eq!(item.restock.reorder_point, Some(160.0));
    assert_eq!(item.restock.days_of_cover, Some(50.0));
    assert_eq!(item.restock.days_until_reorder, Some(10.0));
    assert_eq!(item.restock.reorder_now, Some(false));
}

#[test]
fn one_warehouse_narrows_the_item_and_can_call_for_a_reorder() {
    let item = map_item(7, details(), Some("w2")).item.unwrap();
    assert_eq!(item.warehouses.len(), 1);
    assert_eq!(item.restock.days_until_reorder, Some(0.0));
    assert_eq!(item.restock.reorder_now, Some(true));
}

#[test]
fn a_cursor_with_an_inventory_id_is_an_input_error() {
    let raw = json!({"accountId": "acme", "inventoryId": 7, "cursor": "abc"});
    let errors = parse::<Input>(Some(&raw), &spec().input_schema).unwrap_err();
    assert_eq!(errors.0[0].path, "cursor");
}

fn input(inventory_id: Option<i64>, warehouse_id: Option<&str>, cursor: Option<String>) -> Input {
    Input {
        account_id: "acme".into(),
        inventory_id,
        warehouse_id: warehouse_id.map(str::to_owned),
        cursor,
    }
}

#[tokio::test]
async fn run_without_ids_lists_the_warehouses_from_the_cursor_page() {
    // Arrange
    let mut api = MockNeonPanelApi::new();
    api.expect_list_warehouses()
        .withf(|_, account, page, _| account == "acme" && *page == 2)
        .times(1)
        .returning(|_, _, _, _| {
            Ok(page(2, 3, vec![Warehouse {
                uuid: "w1".into(),
                name: Some("FBA".into()),
                ..Warehouse::default()
            }]))
        });
    let cursor = Cursor {
        list: WAREHOUSES,
        page: 2,
    }
    .encode();

    // Act
    let out = GetStockLevels
        .run(context(&api), &user_grant(), &input(None, None, Some(cursor)))
        .await;

    // Assert
    let out = json(&out.expect("warehouses"));
    assert_eq!(out["view"], "warehouses");
    assert_eq!(out["warehouses"][0]["warehouseId"], "w1");
    assert!(out["nextCursor"].is_string());
}

#[tokio::test]
async fn run_for_an_unknown_warehouse_names_the_warehouse_not_the_account() {
    // Arrange
    let mut api = MockNeonPanelApi::new();
    api.expect_warehouse_balances()
        .times(1)
        .returning(|_, _, _, _, _| Err(upstream(404)));

    // Act
    let out = GetStockLevels
        .run(context(&api), &user_grant(), &input(None, Some("w9"), None))
        .await;

    // Assert
    let failure = out.expect_err("a failure");
    assert_eq!(failure.code, FailureCode::NotFound);
    assert!(failure.message.contains("Warehouse w9"), "{}", failure.message);
}

#[tokio::test]
async fn run_with_an_item_reads_its_balances_and_never_lists_warehouses() {
    let mut api = MockNeonPanelApi::new();
    api.expect_inventory_details()
        .withf(|_, account, id| account == "acme" && *id == 7)
        .times(1)
        .returning(|_, _, _| Ok(details()));
    let out = GetStockLevels
        .run(context(&api), &user_grant(), &input(Some(7), None, None))
        .await;
    let out = json(&out.expect("item"));
    assert_eq!(out["item"]["totalOnHand"], 200.0);
}
