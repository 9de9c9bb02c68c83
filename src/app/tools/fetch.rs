//! `fetch`: OpenAI's fetch tool for ChatGPT deep research and company knowledge. Reads one
//! record `search` found and answers `{"id","title","text","url","metadata"}`: `text` a readable
//! document, `metadata` the structured facts.
//!
//! Reach is checked before any call about the account: the id names its account, which must be
//! in the caller's own company list (or the service token's reach). Another tenant's id, a
//! malformed one and a missing record all get [`ToolFailure::no_record`].

use std::fmt::Write;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::accounts::reachable_companies;
use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::policy::AuthMode;
use crate::domain::records::{RecordId, RecordKind};
use crate::domain::tools::common::valid_query;
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::{Company, InventoryDetails, Invoice};

pub const NAME: &str = "fetch";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// A result id from search, such as order:<accountId>:<orderId>.
    #[schemars(example = &"order:a1b2c3d4e5f6g7h8i9j0:33")]
    #[garde(custom(valid_query))]
    pub id: String,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Output {
    pub id: String,
    pub title: String,
    /// The record as a readable document.
    pub text: String,
    /// Where a person sees the record in NeonPanel.
    pub url: String,
    /// The record's structured facts (always an object, so the schema says so).
    #[schemars(with = "std::collections::BTreeMap<String, Value>")]
    pub metadata: Value,
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME,
        alias: "neonpanel.fetch",
        title: "Fetch a NeonPanel record",
        description: "Returns the full record behind an id from search: an order with its \
            lines, totals and customer; an inventory item with its stock per warehouse, sales \
            velocity and landed cost; or an account with its settings and the user's \
            permissions. Use it after search to read or cite a record. Returns a readable text, \
            a NeonPanel link and the structured facts as metadata.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

fn money(amount: f64) -> String {
    format!("{amount:.2}")
}

fn company_doc(company: &Company, permissions: &[String]) -> (String, String, Value) {
    let title = format!("Account {}", company.name);
    let mut text = format!("{title}\nAccount id: {}\n", company.uuid);
    for (label, value) in [
        ("Short name", &company.short_name),
        ("Currency", &company.currency),
        ("Timezone", &company.timezone),
    ] {
        if let Some(value) = value {
            let _ = writeln!(text, "{label}: {value}");
        }
    }
    let _ = writeln!(text, "Your permissions: {}", permissions.join(", "));
    let metadata = json!({
        "kind": "company",
        "accountId": company.uuid,
        "name": company.name,
        "shortName": company.short_name,
        "currency": company.currency,
        "timezone": company.timezone,
        "permissions": permissions,
    });
    (title, text, metadata)
}

fn order_doc(company: &Company, invoice: &Invoice) -> (String, String, Value) {
    let number = invoice
        .name
        .clone()
        .or_else(|| invoice.ref_number.clone())
        .unwrap_or_else(|| invoice.id.to_string());
    let currency = invoice.currency.clone().unwrap_or_default();
    let title = format!("Order {number}");
    let mut text = format!("{title} (order id {})\nAccount: {}\n", invoice.id, company.name);
    for (label, value) in [
        ("Date", &invoice.transaction_date),
        ("Status", &invoice.status),
        ("Source", &invoice.source),
        ("Market", &invoice.market),
        ("Reference", &invoice.ref_number),
    ] {
        if let Some(value) = value {
            let _ = writeln!(text, "{label}: {value}");
        }
    }
    if let Some(customer) = &invoice.customer {
        let name = customer.name.as_deref().unwrap_or("unnamed");
        let email = customer
            .email
            .as_deref()
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default();
        let _ = writeln!(text, "Customer: {name}{email}");
    }
    let total = invoice.amount.unwrap_or_default();
    let _ = writeln!(text, "Total: {} {currency}", money(total));
    if !invoice.details.is_empty() {
        text.push_str("\nLines:\n");
    }
    let mut lines = Vec::new();
    for line in &invoice.details {
        let what = line
            .product_name
            .as_deref()
            .or(line.service_name.as_deref())
            .unwrap_or("line");
        let sku = line.sku.as_deref().map(|s| format!(" (SKU {s})")).unwrap_or_default();
        let quantity = line.quantity.unwrap_or_default();
        let amount = line.amount.unwrap_or_default();
        let _ = writeln!(text, "- {what}{sku}: quantity {quantity}, {} {currency}", money(amount));
        lines.push(json!({
            "sku": line.sku, "product": line.product_name, "service": line.service_name,
            "quantity": quantity, "amount": amount,
        }));
    }
    let metadata = json!({
        "kind": "order",
        "accountId": company.uuid,
        "accountName": company.name,
        "orderId": invoice.id,
        "number": number,
        "date": invoice.transaction_date,
        "status": invoice.status,
        "source": invoice.source,
        "market": invoice.market,
        "currency": invoice.currency,
        "total": total,
        "customer": invoice.customer.as_ref().map(|c| json!({"name": c.name, "email": c.email})),
        "lines": lines,
    });
    (title, text, metadata)
}

fn item_doc(company: &Company, id: i64, details: &InventoryDetails) -> (String, String, Value) {
    let item = details.inventory.clone().unwrap_or_default();
    let name = item.name.clone().unwrap_or_else(|| format!("Item {id}"));
    let title = format!("{name} (SKU {})", item.sku.as_deref().unwrap_or("none"));
    let mut text = format!("{title}\nInventory id: {id}\nAccount: {}\n", company.name);
    for (label, value) in [("ASIN", &item.asin), ("FNSKU", &item.fnsku)] {
        if let Some(value) = value {
            let _ = writeln!(text, "{label}: {value}");
        }
    }
    let currency = company.currency.clone().unwrap_or_default();
    let restock = details.restock_data.clone().unwrap_or_default();
    let mut stock = Vec::new();
    let mut on_hand = 0.0;
    text.push_str("\nStock per warehouse:\n");
    for balance in details.balances_data.iter().flat_map(|b| &b.balances_list) {
        let warehouse = balance.warehouse.name.as_deref().unwrap_or(&balance.warehouse.uuid);
        let _ = writeln!(text, "- {warehouse}: {}", balance.balance);
        on_hand += balance.balance.max(0.0);
        stock.push(json!({"warehouseId": balance.warehouse.uuid, "warehouse": warehouse,
            "onHand": balance.balance}));
    }
    let _ = writeln!(text, "Total on hand: {on_hand}");
    if let Some(sales) = restock.estimated_daily_sales {
        let _ = writeln!(text, "Estimated daily sales: {sales}");
    }
    if let Some(days) = restock.lead_time_days {
        let _ = writeln!(text, "Supplier lead time: {days} days");
    }
    if let Some(cost) = restock.unit_landed_cost {
        let _ = writeln!(text, "Landed cost per unit: {} {currency}", money(cost));
    }
    let metadata = json!({
        "kind": "item",
        "accountId": company.uuid,
        "accountName": company.name,
        "inventoryId": id,
        "name": name,
        "sku": item.sku,
        "asin": item.asin,
        "fnsku": item.fnsku,
        "onHand": on_hand,
        "stock": stock,
        "estimatedDailySales": restock.estimated_daily_sales,
        "leadTimeDays": restock.lead_time_days,
        "unitLandedCost": restock.unit_landed_cost,
        "currency": company.currency,
    });
    (title, text, metadata)
}

/// `fetch`.
pub struct Fetch;

#[async_trait]
impl Tool for Fetch {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, input: &'a Input) -> Target<'a> {
        Target::Record(&input.id)
    }

    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let missing = || ToolFailure::no_record(&input.id);
        let id = RecordId::parse(&input.id).ok_or_else(missing)?;
        let account = id.account.as_str();
        // Reach first, from the company list alone: no call about an account out of reach.
        if !grant.reaches(account) {
            return Err(missing());
        }
        let company = reachable_companies(cx, grant)
            .await?
            .into_iter()
            .find(|c| c.uuid == account)
            .ok_or_else(missing)?;
        let token = grant.token();
        let (given_link, (title, text, metadata)) = match (id.kind, id.record) {
            (RecordKind::Company, _) => {
                let permissions = match grant {
                    Grant::Service {
                        permissions: Some(p),
                        ..
                    } => p.permissions_of(account).map(<[String]>::to_vec).unwrap_or_default(),
                    _ => cx.api.company_permissions(token, account).await?,
                };
                (None, company_doc(&company, &permissions))
            }
            (RecordKind::Order, Some(record)) => {
                let invoice = cx.api.get_invoice(token, account, record).await?;
                (invoice.link.clone(), order_doc(&company, &invoice))
            }
            (RecordKind::Item, Some(record)) => {
                let details = cx.api.inventory_details(token, account, record).await?;
                (None, item_doc(&company, record, &details))
            }
            _ => return Err(missing()),
        };
        encode(&Output {
            url: cx.urls.url(&id, given_link.as_deref()),
            id: id.to_string(),
            title,
            text,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests;
