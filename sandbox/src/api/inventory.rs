//! Inventory paths:
//! - `GET …/inventory-items?search&sku&fnsku&asin&country_code&page&per_page`
//!   (InventoryListResponse, by id): `search` is a case-insensitive substring of SKU, ASIN,
//!   FNSKU or name, or the exact id; `sku`, `fnsku`, `asin`, `country_code` match exactly
//!   (case-insensitive);
//! - `GET …/inventory-items/{id}/landed-cost?warehouse_uuid&start_date&end_date&page&per_page`
//!   (LandedCostResponse; `warehouse_uuid` and `start_date` required, `end_date` defaults to
//!   today; batches dated in the inclusive range; totals over every matching batch);
//! - `GET …/inventory-items/{id}/balances?balances_date` (InventoryDetailsResponse).

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::{Value, json};

use super::super::State;
use super::super::data::calendar::today;
use super::super::data::wire::{CostItem, InventoryItem};
use super::query::{Problems, check_range, date, filters, pager, paginate, text};
use super::{company, item};

pub(crate) struct Items(pub Arc<State>);

fn searched(item: &InventoryItem, needle: &str) -> bool {
    item.id.to_string() == needle
        || [&item.sku, &item.asin, &item.fnsku, &item.name]
            .iter()
            .any(|f| f.to_lowercase().contains(needle))
}

fn same(field: &str, wanted: Option<&str>) -> bool {
    wanted.is_none_or(|w| field.eq_ignore_ascii_case(w))
}

#[async_trait]
impl Handler for Items {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Some(company) = company(&self.0, req, depot, res) else {
            return;
        };
        let mut problems = Problems::default();
        let pager = pager(req, &mut problems);
        let [search, sku, fnsku, asin, country] =
            ["search", "sku", "fnsku", "asin", "country_code"].map(|name| text(req, name));
        if country.as_ref().is_some_and(|c| c.chars().count() != 2) {
            problems.add(
                "country_code",
                "The country code field must be 2 characters.",
            );
        }
        if problems.reject(res) {
            return;
        }
        let needle = search.as_deref().map(str::to_lowercase);
        let selected: Vec<&InventoryItem> = company
            .items
            .iter()
            .map(|r| &r.item)
            .filter(|i| needle.as_deref().is_none_or(|n| searched(i, n)))
            .filter(|i| same(&i.sku, sku.as_deref()) && same(&i.fnsku, fnsku.as_deref()))
            .filter(|i| same(&i.asin, asin.as_deref()) && same(&i.country_code, country.as_deref()))
            .collect();
        let mut body = paginate(&selected, pager);
        body.insert(
            "filters".into(),
            filters(&[
                ("country_code", country.as_deref()),
                ("search", search.as_deref()),
                ("fnsku", fnsku.as_deref()),
                ("asin", asin.as_deref()),
                ("sku", sku.as_deref()),
            ]),
        );
        res.render(Json(Value::Object(body)));
    }
}

pub(crate) struct LandedCost(pub Arc<State>);

#[async_trait]
impl Handler for LandedCost {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Some(company) = company(&self.0, req, depot, res) else {
            return;
        };
        let Some(record) = item(company, req, res) else {
            return;
        };
        let mut problems = Problems::default();
        let warehouse_uuid = text(req, "warehouse_uuid");
        let warehouse = match &warehouse_uuid {
            None => {
                problems.add("warehouse_uuid", "The warehouse uuid field is required.");
                None
            }
            Some(uuid) => {
                let found = company.warehouses.iter().find(|w| &w.uuid == uuid);
                if found.is_none() {
                    problems.add("warehouse_uuid", "The selected warehouse uuid is invalid.");
                }
                found
            }
        };
        let pager = pager(req, &mut problems);
        let start = date(req, "start_date", "start date", &mut problems);
        if text(req, "start_date").is_none() {
            problems.add("start_date", "The start date field is required.");
        }
        let end = date(req, "end_date", "end date", &mut problems).unwrap_or_else(today);
        check_range(start.as_deref(), Some(&end), &mut problems);
        if problems.reject(res) {
            return;
        }
        let (Some(warehouse), Some(start)) = (warehouse, start) else {
            return;
        };
        let batches: Vec<&CostItem> = record
            .stock
            .iter()
            .filter(|s| s.warehouse.uuid == warehouse.uuid)
            .flat_map(|s| &s.batches)
            .filter(|b| {
                let day = b.batch.date.as_deref().unwrap_or("");
                day >= start.as_str() && day <= end.as_str()
            })
            .collect();
        let amount: f64 = batches.iter().map(|b| b.amount).sum();
        let quantity: i64 = batches.iter().map(|b| b.quantity).sum();
        let mut body = paginate(&batches, pager);
        let mut put = |key: &str, value: Value| {
            body.insert(key.to_owned(), value);
        };
        put(
            "filters",
            filters(&[
                ("warehouse_uuid", Some(&warehouse.uuid)),
                ("start_date", Some(&start)),
                ("end_date", Some(&end)),
            ]),
        );
        put("company", json!(company.company));
        put("inventory", json!(record.item));
        put("warehouse", json!(warehouse));
        put("currency", json!(company.company.currency));
        put("amount", json!((amount * 100.0).round() / 100.0));
        put("quantity", json!(quantity));
        res.render(Json(Value::Object(body)));
    }
}

pub(crate) struct Balances(pub Arc<State>);

#[async_trait]
impl Handler for Balances {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Some(company) = company(&self.0, req, depot, res) else {
            return;
        };
        let Some(record) = item(company, req, res) else {
            return;
        };
        let mut problems = Problems::default();
        let day = date(req, "balances_date", "balances date", &mut problems);
        if problems.reject(res) {
            return;
        }
        let list: Vec<Value> = record
            .stock
            .iter()
            .map(|s| json!({ "warehouse": s.warehouse, "balance": s.balance }))
            .collect();
        res.render(Json(json!({
            "inventory": record.item,
            "restock_data": record.restock,
            "balances_data": {
                "balances_date": day.unwrap_or_else(today),
                "balances_list": list,
            },
        })));
    }
}
