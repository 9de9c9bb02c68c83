//! `GET /api/v1/companies/{companyUuid}/invoices?search&start_date&end_date&page&per_page`
//! (InvoiceListResponse), newest first. `search` is a case-insensitive substring of the
//! invoice's name, reference, customer, market, source or line SKUs/products, or its exact id;
//! the date range is inclusive on `transaction_date`. One invoice by id: [`OneInvoice`].

use std::sync::Arc;

use salvo::prelude::*;

use super::super::State;
use super::super::data::wire::InvoiceResource;
use super::company;
use super::query::DatedSearch;

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
        let Some(query) = DatedSearch::read(req, res) else {
            return;
        };
        let selected: Vec<&InvoiceResource> = company
            .invoices
            .iter()
            .filter(|i| query.needle().is_none_or(|n| matches(i, n)))
            .filter(|i| query.covers(i.transaction_date.as_deref()))
            .collect();
        res.render(Json(query.page(&selected)));
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
