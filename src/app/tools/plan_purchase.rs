//! `neonpanel_plan_purchase`: how much of a SKU to reorder, from stock and sales velocity.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::PageSize;
use crate::domain::planning::{PlanInputs, plan};
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::valid_account_id;
use crate::domain::tools::FailureCode;
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::InventoryDetails;
use crate::domain::upstream::InventoryQuery;

/// The tool's name (configuration names it for `PLAN_PURCHASE_SCOPE`).
pub const NAME: &str = "neonpanel_plan_purchase";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// The SKU to plan for (exact match).
    #[schemars(example = &"SKU12345")]
    #[garde(length(min = 1, max = 100))]
    pub sku: String,
    /// Days of sales the order should cover after it arrives (1 to 365).
    #[schemars(example = 60)]
    #[garde(range(min = 1, max = 365))]
    pub coverage_days: u32,
    /// Units to keep in reserve (0 to 1,000,000).
    #[schemars(example = 100)]
    #[garde(range(max = 1_000_000))]
    pub safety_stock: u32,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub sku: String,
    pub inventory_id: i64,
    pub on_hand: f64,
    pub daily_sales: f64,
    pub lead_time_days: f64,
    pub coverage_days: u32,
    pub safety_stock: u32,
    pub reorder_point: f64,
    pub recommended_quantity: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The numbers used, in words.
    pub explanation: String,
}

/// Builds the plan from the item's balances and restock data.
#[must_use]
pub fn map(
    input: &Input,
    inventory_id: i64,
    details: &InventoryDetails,
    currency: Option<String>,
) -> Output {
    let restock = details.restock_data.clone().unwrap_or_default();
    let on_hand: f64 = details
        .balances_data
        .iter()
        .flat_map(|b| b.balances_list.iter())
        .map(|b| b.balance.max(0.0))
        .sum();
    let daily_sales = restock
        .estimated_daily_sales
        .or(restock.daily_unit_sales_target)
        .unwrap_or_default();
    let lead_time_days = restock.lead_time_days.unwrap_or_default();
    let inputs = PlanInputs {
        on_hand,
        daily_sales,
        lead_time_days,
        coverage_days: input.coverage_days,
        safety_stock: input.safety_stock,
    };
    let result = plan(&inputs);
    let unit_cost = restock
        .unit_landed_cost
        .or(restock.unit_vendor_price)
        .filter(|c| *c > 0.0);
    #[allow(clippy::cast_precision_loss)] // quantities are far below 2^52
    let estimated_cost =
        unit_cost.map(|c| (c * result.recommended_quantity as f64 * 100.0).round() / 100.0);
    let explanation = format!(
        "Daily sales {daily_sales} × lead time {lead_time_days} days + safety stock {} = \
         reorder point {}. Need for lead time + {} coverage days: {daily_sales} × ({lead_time_days} \
         + {}) + {} − on hand {on_hand} = {} units to order (never below 0).",
        input.safety_stock,
        result.reorder_point,
        input.coverage_days,
        input.coverage_days,
        input.safety_stock,
        result.recommended_quantity,
    );
    Output {
        sku: input.sku.clone(),
        inventory_id,
        on_hand,
        daily_sales,
        lead_time_days,
        coverage_days: input.coverage_days,
        safety_stock: input.safety_stock,
        reorder_point: result.reorder_point,
        recommended_quantity: result.recommended_quantity,
        unit_cost,
        estimated_cost,
        currency: unit_cost.and(currency),
        explanation,
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME,
        alias: "neonpanel.planPurchase",
        title: "Plan a purchase",
        description: "Recommends how many units of one SKU to reorder in a NeonPanel account. \
            It reads stock on hand across warehouses, estimated daily sales and supplier lead \
            time, then computes reorder point = daily sales × lead time + safety stock and \
            recommended quantity = daily sales × (lead time + coverageDays) + safetyStock − on \
            hand, rounded up and never below 0, with the estimated cost. safetyStock is in \
            units. The answer explains the numbers used.",
        default_mode: AuthMode::Iat,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Finds the SKU, reads its stock and restock data, and plans the order.
pub struct PlanPurchase;

#[async_trait]
impl Tool for PlanPurchase {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, input: &'a Input) -> Target<'a> {
        Target::Account(&input.account_id)
    }

    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let query = InventoryQuery {
            search: None,
            sku: Some(input.sku.clone()),
            page: 1,
            per_page: PageSize::MAX,
        };
        let items = cx
            .api
            .list_inventory(grant.token(), account, &query)
            .await?;
        let item = items
            .data
            .iter()
            .find(|i| i.sku.as_deref() == Some(input.sku.as_str()))
            .or_else(|| {
                items.data.iter().find(|i| {
                    i.sku
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(&input.sku))
                })
            })
            .ok_or_else(|| {
                ToolFailure::new(
                    404,
                    FailureCode::NotFound,
                    format!("SKU {} was not found in account {account}.", input.sku),
                )
            })?;
        let details = cx
            .api
            .inventory_details(grant.token(), account, item.id)
            .await?;
        encode(&map(input, item.id, &details, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tools::testing::{context, json, page, user_grant};
    use crate::domain::upstream::InventoryItem;
    use crate::ports::MockNeonPanelApi;
    use crate::domain::upstream::{Balances, RestockData, Warehouse, WarehouseBalance};

    #[test]
    fn plan_sums_warehouses_and_prices_the_order() {
        let details = InventoryDetails {
            restock_data: Some(RestockData {
                estimated_daily_sales: Some(10.0),
                lead_time_days: Some(30.0),
                unit_landed_cost: Some(2.5),
                ..RestockData::default()
            }),
            balances_data: Some(Balances {
                balances_date: None,
                balances_list: vec![
                    WarehouseBalance {
                        warehouse: Warehouse::default(),
                        balance: 150.0,
                    },
                    WarehouseBalance {
                        warehouse: Warehouse::default(),
                        balance: 100.0,
                    },
                ],
            }),
            ..InventoryDetails::default()
        };
        let input = Input {
            account_id: "acme".into(),
            sku: "SKU1".into(),
            coverage_days: 60,
            safety_stock: 100,
        };
        let out = map(&input, 7, &details, Some("USD".into()));
        assert_eq!(out.on_hand, 250.0);
        assert_eq!(out.reorder_point, 400.0);
        assert_eq!(out.recommended_quantity, 750);
        assert_eq!(out.estimated_cost, Some(1875.0));
        assert!(out.explanation.contains("750 units"), "{}", out.explanation);
    }


    #[tokio::test]
    async fn run_matches_the_sku_ignoring_case_and_reads_that_items_details() {
        // Arrange
        let mut api = MockNeonPanelApi::new();
        api.expect_list_inventory()
            .times(1)
            .returning(|_, _, _| Ok(page(1, 1, vec![item(3, "other"), item(9, "sku-1")])));
        api.expect_inventory_details()
            .withf(|_, account, id| account == "acme" && *id == 9)
            .times(1)
            .returning(|_, _, _| Ok(InventoryDetails::default()));

        // Act
        let out = PlanPurchase.run(context(&api), &user_grant(), &input("SKU-1")).await;

        // Assert
        assert_eq!(json(&out.expect("a plan"))["inventoryId"], 9);
    }

    #[tokio::test]
    async fn run_names_a_sku_that_is_not_found() {
        // Arrange
        let mut api = MockNeonPanelApi::new();
        api.expect_list_inventory()
            .times(1)
            .returning(|_, _, _| Ok(page(1, 1, vec![item(3, "other")])));

        // Act
        let out = PlanPurchase.run(context(&api), &user_grant(), &input("SKU-1")).await;

        // Assert
        let failure = out.expect_err("not found");
        assert_eq!(failure.code, FailureCode::NotFound);
        assert_eq!(failure.message, "SKU SKU-1 was not found in account acme.");
    }

    fn item(id: i64, sku: &str) -> InventoryItem {
        InventoryItem {
            id,
            sku: Some(sku.into()),
            ..InventoryItem::default()
        }
    }

    fn input(sku: &str) -> Input {
        Input {
            account_id: "acme".into(),
            sku: sku.into(),
            coverage_days: 30,
            safety_stock: 0,
        }
    }
}
