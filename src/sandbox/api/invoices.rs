//! `GET /api/v1/companies/{companyUuid}/invoices?search&start_date&end_date&page&per_page`
//! (InvoiceListResponse), newest first. `search` is a case-insensitive substring of the
//! invoice's name, reference, customer, market, source or line SKUs/products, or its exact id;
//! the date range is inclusive on `transaction_date`. One invoice by id: [`OneInvoice`].

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::Value;

use super::super::State;
use super::super::data::wire::InvoiceResource;
use super::company;
use super::query::{Problems, check_range, date, filters, pager, paginate, text};

pub(crate) struct Invoices(pub Arc<State>);

fn matches(invoice: &InvoiceResource, needle: &str) -> bool {
    let hit = |field: Option<&str>| field.is_some_and(|f| f.to_lowercase().contains(needle));
    invoice.id.to_string() == needle
        || hit(invoice.name.as_deref())
        || hit(invoice.ref_number.as_deref())
        || hit(invoice.market.as_deref())
        || hit(Some(&invoice.source))
        || hit(invoice.customer.as_ref().and_then(|c| c.name.as_deref()))
        || invoice
            .details
            .iter()
            .any(|d| hit(d.sku.as_deref()) || hit(d.product_name.as_deref()))
}

#[async_trait]
impl Handler for Invoices {
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
        let selected: Vec<&InvoiceResource> = company
            .invoices
            .iter()
            .filter(|i| needle.as_deref().is_none_or(|n| matches(i, n)))
            .filter(|i| {
                let day = i.transaction_date.as_deref().unwrap_or("");
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

/// `GET /api/v1/companies/{companyUuid}/invoices/{invoiceId}` (InvoiceResource): 404 when the
/// invoice is not the company's.
pub(crate) struct OneInvoice(pub Arc<State>);

#[async_trait]
impl Handler for OneInvoice {
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
        let found = req
            .param::<String>("invoice")
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| company.invoices.iter().find(|i| i.id == id));
        match found {
            Some(invoice) => res.render(Json(invoice)),
            None => super::not_found(res),
        }
    }
}
