//! `neonpanel_search_purchase_orders`: inventory (purchase) orders to vendors, with their lines,
//! dates, payments and status.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode, page_of};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::error::FieldErrors;
use crate::domain::pagination::Cursor;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::{optional_date, optional_text, valid_account_id};
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::{InventoryOrder, InventoryOrderQuery, Page, PaymentRequest};

pub const LIST: &str = "purchase_orders";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// Free text matched against the PO number, name, vendor and line SKUs.
    #[schemars(example = &"PO-2025")]
    #[garde(custom(optional_text))]
    pub q: Option<String>,
    /// Received on or after this date, YYYY-MM-DD. NeonPanel filters on the date the goods
    /// were received, so open orders drop out when from or to is given.
    #[schemars(example = &"2025-01-01")]
    #[garde(custom(optional_date))]
    pub from: Option<String>,
    /// Received on or before this date, YYYY-MM-DD (inclusive).
    #[schemars(example = &"2025-12-31")]
    #[garde(custom(optional_date))]
    pub to: Option<String>,
    /// Opaque cursor from a previous call's `nextCursor`.
    #[schemars(example = &"76313a7075726368617365")]
    #[garde(custom(optional_text))]
    pub cursor: Option<String>,
}

impl ToolInput for Input {
    fn cross_check(&self, errors: &mut FieldErrors) {
        if let (Some(from), Some(to)) = (&self.from, &self.to) {
            // ISO dates compare correctly as text.
            if from > to {
                errors.push("from", "must not be after `to`");
            }
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub quantity: f64,
    pub unit_price: f64,
    /// quantity × unitPrice.
    pub amount: f64,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it is due, YYYY-MM-DD (absent until the term fixes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub amount_due: f64,
    pub paid_amount: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_on: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseOrder {
    pub order_id: String,
    /// The PO number shown in NeonPanel.
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// open (goods not received yet) or received.
    pub status: String,
    /// YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<String>,
    /// When manufacturing completed and the goods were received, YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Destination warehouse name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    pub currency: String,
    pub total: f64,
    pub units: f64,
    pub lines: Vec<Line>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_term: Option<String>,
    pub payments: Vec<Payment>,
    /// Amount still to pay to the vendor.
    pub outstanding: f64,
    /// The earliest due date among unpaid installments, YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_payment_due: Option<String>,
    /// Where a person can open the order in NeonPanel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn day(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| t.chars().take(10).collect())
}

fn money(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn payment(p: PaymentRequest) -> Payment {
    Payment {
        description: p.description,
        due_date: day(p.due_date),
        amount_due: p.amount_due.unwrap_or_default(),
        paid_amount: p.paid_amount.unwrap_or_default(),
        paid_on: day(p.payment_date),
    }
}

impl From<InventoryOrder> for PurchaseOrder {
    fn from(o: InventoryOrder) -> Self {
        let order_id = o.id.to_string();
        let lines: Vec<Line> = o
            .details
            .into_iter()
            .map(|d| Line {
                inventory_id: d.inventory_id,
                sku: d.sku,
                name: d.name,
                quantity: d.quantity,
                unit_price: d.price,
                amount: money(d.quantity * d.price),
            })
            .collect();
        let payments: Vec<Payment> = o.payment_requests.into_iter().map(payment).collect();
        let unpaid = |p: &&Payment| p.paid_amount + 0.005 < p.amount_due;
        let outstanding = payments
            .iter()
            .filter(unpaid)
            .map(|p| p.amount_due - p.paid_amount)
            .sum();
        let received_on = day(o.date_manufacturing_completed);
        let warehouse = o.warehouse.filter(|w| !w.uuid.is_empty());
        Self {
            number: o
                .ref_number
                .clone()
                .or_else(|| o.name.clone())
                .unwrap_or_else(|| order_id.clone()),
            order_id,
            name: o.name,
            status: if received_on.is_some() {
                "received"
            } else {
                "open"
            }
            .into(),
            placed_on: day(o.date_order_placed),
            received_on,
            vendor: o.vendor.and_then(|v| v.name),
            warehouse: warehouse.as_ref().and_then(|w| w.name.clone()),
            warehouse_id: warehouse.map(|w| w.uuid),
            market: o.market,
            currency: o.currency.unwrap_or_default(),
            total: o.total_amount,
            units: lines.iter().map(|l| l.quantity).sum(),
            lines,
            payment_term: o.payment_term.and_then(|t| t.name),
            next_payment_due: payments
                .iter()
                .filter(unpaid)
                .filter_map(|p| p.due_date.clone())
                .min(),
            outstanding: money(outstanding),
            payments,
            link: o.link,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub items: Vec<PurchaseOrder>,
    /// Present when more orders follow; pass it back as `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[must_use]
pub fn map(page: Page<InventoryOrder>) -> Output {
    Output {
        next_cursor: Cursor::next(LIST, page.current_page, page.last_page),
        items: page.data.into_iter().map(PurchaseOrder::from).collect(),
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_search_purchase_orders",
        alias: "neonpanel.searchPurchaseOrders",
        title: "Search purchase orders",
        description: "Answers \"what is on order?\": searches the inventory (purchase) orders of \
            one NeonPanel account, newest first. Returns per order its PO number, status (open: \
            goods not received yet; received), vendor, destination warehouse, order and \
            receipt dates, lines (SKU, quantity, unit price), total, payment term, \
            installments with due dates, the amount still owed and the next payment due. \
            Filter by free text q (PO number, vendor, SKU). from/to (YYYY-MM-DD) filter on the \
            receipt date, so leave them out to see open orders. Use it for questions about \
            incoming stock, suppliers or money owed to vendors. Paginated: pass nextCursor \
            back as cursor.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Searches one account's inventory (purchase) orders.
pub struct SearchPurchaseOrders;

#[async_trait]
impl Tool for SearchPurchaseOrders {
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
        grant.ensure_reach(&input.account_id)?;
        let query = InventoryOrderQuery {
            search: input.q.clone(),
            start_date: input.from.clone(),
            end_date: input.to.clone(),
            page: page_of(LIST, input.cursor.as_deref())?,
            per_page: cx.page_size.get(),
        };
        let page = cx
            .api
            .list_inventory_orders(grant.token(), &input.account_id, &query)
            .await?;
        encode(&map(page))
    }
}

#[cfg(test)]
mod tests;
