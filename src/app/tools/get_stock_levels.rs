//! `neonpanel_get_stock_levels`: one item across warehouses with NeonPanel's restock
//! recommendation, or what one warehouse holds, or (neither given) the account's warehouses.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode, page_of};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::error::FieldErrors;
use crate::domain::error::UpstreamErrorKind;
use crate::domain::pagination::Cursor;
use crate::domain::policy::AuthMode;
use crate::domain::tools::FailureCode;
use crate::domain::tools::common::{optional_text, valid_account_id};
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::{InventoryDetails, Page, RestockData, Warehouse, WarehouseHoldings};

/// Cursor namespace of the warehouse list.
pub const WAREHOUSES: &str = "warehouses";
/// Cursor namespace of one warehouse's holdings.
pub const HOLDINGS: &str = "holdings";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// One inventory item (id from neonpanel_search_inventory): its stock in every warehouse
    /// and its restock recommendation.
    #[schemars(example = 1001)]
    #[garde(range(min = 1))]
    pub inventory_id: Option<i64>,
    /// One warehouse (warehouseId from a previous answer): every item it holds. With
    /// inventoryId, only that item's stock there.
    #[schemars(example = &"a1b2c3d4-e5f6-7890-abcd-ef1234567890")]
    #[garde(custom(optional_text))]
    pub warehouse_id: Option<String>,
    /// Opaque cursor from a previous call's `nextCursor` (warehouse lists only).
    #[schemars(example = &"76313a686f6c64696e67733a32")]
    #[garde(custom(optional_text))]
    pub cursor: Option<String>,
}

impl ToolInput for Input {
    fn cross_check(&self, errors: &mut FieldErrors) {
        if self.inventory_id.is_some() && self.cursor.is_some() {
            errors.push(
                "cursor",
                "pages warehouses or a warehouse's items; leave it out with inventoryId",
            );
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseInfo {
    pub warehouse_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// FBA, FBM, 3PL and the like.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl From<Warehouse> for WarehouseInfo {
    fn from(w: Warehouse) -> Self {
        Self {
            warehouse_id: w.uuid,
            name: w.name,
            kind: w.kind,
            country: w.country_code,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseStock {
    pub warehouse: WarehouseInfo,
    pub on_hand: f64,
}

/// NeonPanel's restock data, and what it means for this item today.
#[derive(Debug, Default, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Restock {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_daily_sales: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_sales_target: Option<f64>,
    /// Supplier lead time in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_stock_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_landed_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_vendor_price: Option<f64>,
    /// estimatedDailySales × (leadTimeDays + safetyStockDays), in units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder_point: Option<f64>,
    /// onHand / estimatedDailySales.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_of_cover: Option<f64>,
    /// Whole days of sales left before stock falls to the reorder point (0: reorder now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_until_reorder: Option<f64>,
    /// Stock is at or below the reorder point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder_now: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ItemStock {
    pub inventory_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Units on hand over the warehouses listed.
    pub total_on_hand: f64,
    pub warehouses: Vec<WarehouseStock>,
    pub restock: Restock,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HeldItem {
    pub inventory_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub on_hand: f64,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Holdings {
    pub warehouse_id: String,
    /// The day the balances are for, YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balances_date: Option<String>,
    pub items: Vec<HeldItem>,
}

/// Exactly one of `item`, `warehouse` and `warehouses` is present, as `view` says.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// item, warehouse or warehouses.
    pub view: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemStock>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<Holdings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouses: Option<Vec<WarehouseInfo>>,
    /// Present when more follow; pass it back as `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10_f64.powi(places);
    (value * scale).round() / scale
}

fn restock(data: RestockData, on_hand: f64) -> Restock {
    let daily = data.estimated_daily_sales.filter(|d| *d > 0.0);
    let reorder_point = daily.and_then(|d| {
        let days = data.lead_time_days? + data.safety_stock_days.unwrap_or_default();
        Some(round(d * days, 1))
    });
    let days_until_reorder = daily
        .zip(reorder_point)
        .map(|(d, point)| ((on_hand - point) / d).floor().max(0.0));
    Restock {
        estimated_daily_sales: data.estimated_daily_sales,
        daily_sales_target: data.daily_unit_sales_target,
        lead_time_days: data.lead_time_days,
        safety_stock_days: data.safety_stock_days,
        unit_landed_cost: data.unit_landed_cost,
        unit_vendor_price: data.unit_vendor_price,
        reorder_point,
        days_of_cover: daily.map(|d| round(on_hand / d, 1)),
        days_until_reorder,
        reorder_now: reorder_point.map(|point| on_hand <= point),
    }
}

/// One item across warehouses (only `warehouse` when given).
#[must_use]
pub fn map_item(inventory_id: i64, details: InventoryDetails, warehouse: Option<&str>) -> Output {
    let item = details.inventory.unwrap_or_default();
    let warehouses: Vec<WarehouseStock> = details
        .balances_data
        .into_iter()
        .flat_map(|b| b.balances_list)
        .filter(|b| warehouse.is_none_or(|w| b.warehouse.uuid == w))
        .map(|b| WarehouseStock {
            warehouse: b.warehouse.into(),
            on_hand: b.balance,
        })
        .collect();
    let total_on_hand = warehouses.iter().map(|w| w.on_hand.max(0.0)).sum();
    Output {
        view: "item".into(),
        item: Some(ItemStock {
            inventory_id,
            sku: item.sku,
            name: item.name,
            total_on_hand,
            warehouses,
            restock: restock(details.restock_data.unwrap_or_default(), total_on_hand),
        }),
        warehouse: None,
        warehouses: None,
        next_cursor: None,
    }
}

/// What one warehouse holds, one page.
#[must_use]
pub fn map_holdings(warehouse: &str, page: WarehouseHoldings) -> Output {
    Output {
        view: "warehouse".into(),
        item: None,
        next_cursor: Cursor::next(HOLDINGS, page.current_page, page.last_page),
        warehouse: Some(Holdings {
            warehouse_id: warehouse.to_owned(),
            balances_date: page.balances_date.map(|d| d.chars().take(10).collect()),
            items: page
                .data
                .into_iter()
                .map(|h| HeldItem {
                    inventory_id: h.inventory.id,
                    sku: h.inventory.sku,
                    name: h.inventory.name,
                    on_hand: h.balance,
                })
                .collect(),
        }),
        warehouses: None,
    }
}

/// The account's warehouses, one page.
#[must_use]
pub fn map_warehouses(page: Page<Warehouse>) -> Output {
    Output {
        view: "warehouses".into(),
        item: None,
        warehouse: None,
        next_cursor: Cursor::next(WAREHOUSES, page.current_page, page.last_page),
        warehouses: Some(page.data.into_iter().map(WarehouseInfo::from).collect()),
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_get_stock_levels",
        alias: "neonpanel.getStockLevels",
        title: "Get stock levels",
        description: "Answers \"how much stock do I have and when must I reorder?\" for one \
            NeonPanel account. With inventoryId: that item's units on hand in each warehouse \
            and in total, plus NeonPanel's restock data (estimated daily sales, lead time, \
            safety stock days, unit landed cost) with the reorder point, days of cover, days \
            until reorder and whether to reorder now. With warehouseId: every item that \
            warehouse holds and its units (paginated). With neither: the account's warehouses \
            (id, name, type, country) to pick from. Get inventoryId from \
            neonpanel_search_inventory. Use it for stock on hand and reorder timing; for how \
            much to order use neonpanel_plan_purchase.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Stock of one item, of one warehouse, or the list of warehouses.
pub struct GetStockLevels;

#[async_trait]
impl Tool for GetStockLevels {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, input: &'a Input) -> Target<'a> {
        match input.inventory_id {
            Some(id) => Target::InventoryItem {
                account: &input.account_id,
                id,
            },
            None => Target::Account(&input.account_id),
        }
    }

    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let token = grant.token();
        if let Some(id) = input.inventory_id {
            let details = cx.api.inventory_details(token, account, id).await?;
            return encode(&map_item(id, details, input.warehouse_id.as_deref()));
        }
        let per_page = cx.page_size.get();
        let Some(warehouse) = &input.warehouse_id else {
            let page = page_of(WAREHOUSES, input.cursor.as_deref())?;
            let warehouses = cx.api.list_warehouses(token, account, page, per_page).await?;
            return encode(&map_warehouses(warehouses));
        };
        let page = page_of(HOLDINGS, input.cursor.as_deref())?;
        let holdings = cx
            .api
            .warehouse_balances(token, account, warehouse, page, per_page)
            .await
            .map_err(|e| match e.kind {
                // A 404 here is the warehouse, not the account.
                UpstreamErrorKind::NotFound => ToolFailure::new(
                    404,
                    FailureCode::NotFound,
                    format!(
                        "Warehouse {warehouse} was not found in account {account}. Call \
                         neonpanel_get_stock_levels without warehouseId to list the warehouses."
                    ),
                ),
                _ => ToolFailure::from(e),
            })?;
        encode(&map_holdings(warehouse, holdings))
    }
}

#[cfg(test)]
mod tests;
