//! `GET /api/v1/companies/{companyUuid}/inventory-orders?search&start_date&end_date&page&per_page`
//! (InventoryOrderListResponse), newest first. `search` is a case-insensitive substring of the
//! order's name, reference, vendor or line SKUs, or its exact id; the inclusive date range
//! applies to `date_order_received` (`date_manufacturing_completed`), so open orders, not yet
//! received, drop out of any dated search.

use std::sync::Arc;

use salvo::prelude::*;

use super::super::State;
use super::super::data::orders::{InventoryOrder, inventory_orders};
use super::company;
use super::query::DatedSearch;

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
        let Some(query) = DatedSearch::read(req, res) else {
            return;
        };
        let selected: Vec<InventoryOrder> = inventory_orders(company)
            .into_iter()
            .filter(|o| query.needle().is_none_or(|n| matches(o, n)))
            .filter(|o| query.covers(o.date_manufacturing_completed.as_deref()))
            .collect();
        res.render(Json(query.page(&selected)));
    }
}
