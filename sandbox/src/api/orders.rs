//! `GET /api/v1/companies/{companyUuid}/inventory-orders?search&start_date&end_date&page&per_page`
//! (InventoryOrderListResponse), newest first. `search` is a case-insensitive substring of the
//! order's name, reference, vendor or line SKUs, or its exact id; the inclusive date range
//! applies to `date_order_received` (`date_manufacturing_completed`), so open orders, not yet
//! received, drop out of any dated search.

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::Value;

use super::super::State;
use super::super::data::orders::{InventoryOrder, inventory_orders};
use super::company;
use super::query::{Problems, check_range, date, filters, pager, paginate, text};

pub(crate) struct InventoryOrders(pub Arc<State>);

fn matches(order: &InventoryOrder, needle: &str) -> bool {
    let hit = |field: Option<&str>| field.is_some_and(|f| f.to_lowercase().contains(needle));
    order.id.to_string() == needle
        || hit(order.name.as_deref())
        || hit(order.ref_number.as_deref())
        || hit(order.vendor.as_ref().and_then(|v| v.name.as_deref()))
        || order.details.iter().any(|d| hit(Some(&d.sku)))
}

#[async_trait]
impl Handler for InventoryOrders {
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
        let search = text(req, "search");
        let start = date(req, "start_date", "start date", &mut problems);
        let end = date(req, "end_date", "end date", &mut problems);
        check_range(start.as_deref(), end.as_deref(), &mut problems);
        if problems.reject(res) {
            return;
        }
        let needle = search.as_deref().map(str::to_lowercase);
        let dated = start.is_some() || end.is_some();
        let selected: Vec<InventoryOrder> = inventory_orders(company)
            .into_iter()
            .filter(|o| needle.as_deref().is_none_or(|n| matches(o, n)))
            .filter(|o| {
                let Some(day) = o.date_manufacturing_completed.as_deref() else {
                    return !dated;
                };
                start.as_deref().is_none_or(|s| day >= s) && end.as_deref().is_none_or(|e| day <= e)
            })
            .collect();
        let mut body = paginate(&selected, pager);
        body.insert(
            "filters".into(),
            filters(&[
                ("search", search.as_deref()),
                ("start_date", start.as_deref()),
                ("end_date", end.as_deref()),
            ]),
        );
        res.render(Json(Value::Object(body)));
    }
}
