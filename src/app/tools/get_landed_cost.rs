//! `neonpanel_get_landed_cost`: landed cost per batch of one inventory item.

use std::ops::ControlFlow;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::app::pages::walk_pages;
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::{optional_date, optional_text, valid_account_id};
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::LandedCostQuery;
use crate::domain::upstream::{CostItem, LandedCost};

/// NeonPanel requires a start date; without `from` the whole history is asked for.
pub const DEFAULT_FROM: &str = "2000-01-01";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// The inventory item id from neonpanel_search_inventory.
    #[schemars(example = 1001)]
    #[garde(range(min = 1))]
    pub inventory_id: i64,
    /// Only this batch (the batchId of a previous answer).
    #[schemars(example = &"PO-2024-0042")]
    #[garde(custom(optional_text))]
    pub batch_id: Option<String>,
    /// Only this warehouse (UUID); all warehouses holding the item when omitted.
    #[schemars(example = &"a1b2c3d4-e5f6-7890-abcd-ef1234567890")]
    #[garde(custom(optional_text))]
    pub warehouse_id: Option<String>,
    /// Batches received on or after this date, YYYY-MM-DD.
    #[schemars(example = &"2024-01-01")]
    #[garde(custom(optional_date))]
    pub from: Option<String>,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Cost type, such as "Purchase Price" or "Freight".
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: f64,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub batch_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub warehouse_id: String,
    pub quantity: f64,
    pub amount: f64,
    pub unit_cost: f64,
    pub components: Vec<Component>,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub inventory_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub currency: String,
    pub quantity: f64,
    pub amount: f64,
    /// amount / quantity, or 0 when nothing is in stock.
    pub unit_cost: f64,
    pub batches: Vec<Batch>,
}

fn unit_cost(amount: f64, quantity: f64) -> f64 {
    if quantity > 0.0 {
        (amount / quantity * 10_000.0).round() / 10_000.0
    } else {
        0.0
    }
}

fn batch(warehouse: &str, index: usize, item: CostItem) -> Batch {
    let doc = item.batch.unwrap_or_default();
    let from_link = doc
        .link
        .as_deref()
        .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let batch_id = doc
        .ref_number
        .clone()
        .or(from_link)
        .unwrap_or_else(|| format!("{warehouse}-{}", index + 1));
    let mut components: Vec<Component> = Vec::new();
    for detail in item.details {
        let kind = detail.kind.unwrap_or_else(|| "Other".to_owned());
        match components.iter_mut().find(|c| c.kind == kind) {
            Some(c) => c.amount += detail.amount,
            None => components.push(Component {
                kind,
                amount: detail.amount,
            }),
        }
    }
    Batch {
        batch_id,
        reference: doc.ref_number,
        date: doc.date.map(|d| d.chars().take(10).collect()),
        warehouse_id: warehouse.to_owned(),
        quantity: item.quantity,
        amount: item.amount,
        unit_cost: unit_cost(item.amount, item.quantity),
        components,
    }
}

/// Maps every page fetched, per warehouse, into one answer; `batch_id` keeps only that batch.
#[must_use]
pub fn map(inventory_id: i64, pages: Vec<(String, LandedCost)>, batch_id: Option<&str>) -> Output {
    let mut sku = None;
    let mut currency = None;
    let mut batches = Vec::new();
    for (warehouse, page) in pages {
        sku = sku.or_else(|| page.inventory.as_ref().and_then(|i| i.sku.clone()));
        currency = currency.or(page.currency.clone());
        let offset = batches
            .iter()
            .filter(|b: &&Batch| b.warehouse_id == warehouse)
            .count();
        for (i, item) in page.data.into_iter().enumerate() {
            currency = currency.or_else(|| item.currency.clone());
            batches.push(batch(&warehouse, offset + i, item));
        }
    }
    if let Some(wanted) = batch_id {
        batches.retain(|b| b.batch_id == wanted);
    }
    let quantity = batches.iter().map(|b| b.quantity).sum();
    let amount = batches.iter().map(|b| b.amount).sum();
    Output {
        inventory_id,
        sku,
        currency: currency.unwrap_or_default(),
        quantity,
        amount,
        unit_cost: unit_cost(amount, quantity),
        batches,
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_get_landed_cost",
        alias: "neonpanel.getLandedCost",
        title: "Get landed cost",
        description: "Returns the landed cost of one inventory item in one NeonPanel account: \
            total quantity, amount and unit cost, and per batch its reference, date, warehouse, \
            quantity, amount, unit cost and cost components (purchase price, freight, duties \
            and so on). Narrow with warehouseId, batchId or from (YYYY-MM-DD). Get inventoryId \
            from neonpanel_search_inventory.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Reads every batch of one item, per warehouse holding it.
pub struct GetLandedCost;

#[async_trait]
impl Tool for GetLandedCost {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, input: &'a Input) -> Target<'a> {
        Target::InventoryItem {
            account: &input.account_id,
            id: input.inventory_id,
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
        let warehouses = match &input.warehouse_id {
            Some(w) => vec![w.clone()],
            None => {
                let details = cx
                    .api
                    .inventory_details(token, account, input.inventory_id)
                    .await?;
                let mut uuids: Vec<String> = details
                    .balances_data
                    .into_iter()
                    .flat_map(|b| b.balances_list)
                    .map(|b| b.warehouse.uuid)
                    .filter(|u| !u.is_empty())
                    .collect();
                uuids.dedup();
                uuids
            }
        };
        let start_date = input.from.as_deref().unwrap_or(DEFAULT_FROM);
        let mut pages = Vec::new();
        for warehouse in warehouses {
            walk_pages(
                |page| {
                    let query = LandedCostQuery {
                        warehouse_uuid: warehouse.clone(),
                        start_date: start_date.to_owned(),
                        page,
                        per_page: PageSize::MAX,
                    };
                    async move {
                        cx.api
                            .landed_cost(token, account, input.inventory_id, &query)
                            .await
                    }
                },
                |page| {
                    pages.push((warehouse.clone(), page));
                    ControlFlow::<()>::Continue(())
                },
            )
            .await?;
        }
        encode(&map(input.inventory_id, pages, input.batch_id.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tools::testing::{context, json, user_grant};
    use crate::domain::upstream::{Balances, InventoryDetails, Warehouse, WarehouseBalance};
    use crate::ports::MockNeonPanelApi;
    use crate::domain::upstream::{CostDetail, Document};

    fn item(reference: &str, qty: f64, parts: &[(&str, f64)]) -> CostItem {
        CostItem {
            batch: Some(Document {
                ref_number: Some(reference.into()),
                ..Document::default()
            }),
            currency: Some("USD".into()),
            amount: parts.iter().map(|p| p.1).sum(),
            quantity: qty,
            details: parts
                .iter()
                .map(|(k, a)| CostDetail {
                    kind: Some((*k).into()),
                    amount: *a,
                    ..CostDetail::default()
                })
                .collect(),
        }
    }

    #[test]
    fn batches_from_all_warehouses_are_totalled_and_components_grouped() {
        let page = |items| LandedCost {
            data: items,
            ..LandedCost::default()
        };
        let pages = vec![
            (
                "wh-1".to_owned(),
                page(vec![item(
                    "PO-1",
                    10.0,
                    &[("Purchase Price", 50.0), ("Freight", 5.0), ("Freight", 5.0)],
                )]),
            ),
            (
                "wh-2".to_owned(),
                page(vec![item("PO-2", 30.0, &[("Purchase Price", 90.0)])]),
            ),
        ];
        let out = map(1001, pages, None);
        assert_eq!(
            (out.quantity, out.amount, out.unit_cost),
            (40.0, 150.0, 3.75)
        );
        assert_eq!(out.currency, "USD");
        assert_eq!(out.batches[0].components.len(), 2);
        assert_eq!(out.batches[0].components[1].amount, 10.0);
        assert_eq!(out.batches[0].unit_cost, 6.0);
    }

    #[test]
    fn batch_filter_keeps_only_the_named_batch() {
        let page = LandedCost {
            data: vec![item("PO-1", 1.0, &[]), item("PO-2", 2.0, &[])],
            ..LandedCost::default()
        };
        let out = map(1, vec![("wh".into(), page)], Some("PO-2"));
        assert_eq!(out.batches.len(), 1);
        assert_eq!(out.quantity, 2.0);
    }


    #[tokio::test]
    async fn run_reads_every_page_of_every_warehouse_holding_the_item() {
        // Arrange: two warehouses from the balances; w1 has two pages of batches.
        let mut api = MockNeonPanelApi::new();
        api.expect_inventory_details()
            .times(1)
            .returning(|_, _, _| {
                Ok(InventoryDetails {
                    balances_data: Some(Balances {
                        balances_date: None,
                        balances_list: vec![holding("w1"), holding("w2")],
                    }),
                    ..InventoryDetails::default()
                })
            });
        let pages = |warehouse: &str, page: u32| match (warehouse, page) {
            ("w1", 1) => Some(2),
            ("w1", 2) | ("w2", 1) => Some(0),
            _ => None,
        };
        api.expect_landed_cost()
            .withf(move |_, account, id, q| {
                account == "acme"
                    && *id == 5
                    && q.start_date == DEFAULT_FROM
                    && pages(&q.warehouse_uuid, q.page).is_some()
            })
            .times(3)
            .returning(|_, _, _, q| {
                Ok(LandedCost {
                    current_page: q.page,
                    last_page: if q.warehouse_uuid == "w1" { 2 } else { 1 },
                    data: vec![item(&format!("{}-{}", q.warehouse_uuid, q.page), 1.0, &[])],
                    ..LandedCost::default()
                })
            });
        let input = Input {
            account_id: "acme".into(),
            inventory_id: 5,
            batch_id: None,
            warehouse_id: None,
            from: None,
        };

        // Act
        let out = GetLandedCost.run(context(&api), &user_grant(), &input).await;

        // Assert
        let out = json(&out.expect("batches"));
        assert_eq!(out["batches"].as_array().map(Vec::len), Some(3));
    }

    fn holding(warehouse: &str) -> WarehouseBalance {
        WarehouseBalance {
            warehouse: Warehouse {
                uuid: warehouse.into(),
                ..Warehouse::default()
            },
            ..WarehouseBalance::default()
        }
    }
}
