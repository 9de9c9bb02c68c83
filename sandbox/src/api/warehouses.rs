//! Warehouse paths:
//! - `GET …/warehouses?search&page&per_page` (WarehouseListResponse): `search` is a
//!   case-insensitive substring of the name;
//! - `GET …/warehouses/{uuid}/balances?balances_date&page&per_page`
//!   (WarehouseBalancesListResponse): one entry per item the warehouse holds, by item id, with
//!   the same balance `…/inventory-items/{id}/balances` reports for that warehouse.

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::{Value, json};

use super::super::State;
use super::super::data::calendar::today;
use super::super::data::wire::Warehouse;
use super::query::{Problems, date, filters, pager, paginate, text};
use super::{company, not_found};

pub(crate) struct Warehouses(pub Arc<State>);

#[async_trait]
impl Handler for Warehouses {
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
        if problems.reject(res) {
            return;
        }
        let search = text(req, "search");
        let needle = search.as_deref().map(str::to_lowercase);
        let selected: Vec<&Warehouse> = company
            .warehouses
            .iter()
            .filter(|w| {
                needle
                    .as_deref()
                    .is_none_or(|n| w.name.to_lowercase().contains(n))
            })
            .collect();
        let mut body = paginate(&selected, pager);
        body.insert("filters".into(), filters(&[("search", search.as_deref())]));
        res.render(Json(Value::Object(body)));
    }
}

pub(crate) struct WarehouseBalances(pub Arc<State>);

#[async_trait]
impl Handler for WarehouseBalances {
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
        let wanted = req.param::<String>("warehouse").unwrap_or_default();
        if !company.warehouses.iter().any(|w| w.uuid == wanted) {
            not_found(res);
            return;
        }
        let mut problems = Problems::default();
        let pager = pager(req, &mut problems);
        let day = date(req, "balances_date", "balances date", &mut problems);
        if problems.reject(res) {
            return;
        }
        let held: Vec<Value> = company
            .items
            .iter()
            .filter_map(|record| {
                let stock = record.stock.iter().find(|s| s.warehouse.uuid == wanted)?;
                Some(json!({ "inventory": record.item, "balance": stock.balance }))
            })
            .collect();
        let mut body = paginate(&held, pager);
        body.insert("balances_date".into(), json!(day.unwrap_or_else(today)));
        res.render(Json(Value::Object(body)));
    }
}
