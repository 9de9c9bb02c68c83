//! Inventory (purchase) orders, derived from the seeded world rather than drawn from the PRNG,
//! so they agree with it and the existing seed stays byte-identical:
//! - every received batch is one order (`PO-ACME-00001` is the batch's own document): one
//!   line at the batch's unit purchase price, placed on the batch date, completed on the day
//!   its shipment left, paid 30 % at order and 70 % net 30 after completion;
//! - every item whose stock is below NeonPanel's reorder point (estimated daily sales × (lead
//!   time + safety stock days)) has one open order placed on [`OPEN_ORDER_DATE`] for 60 days
//!   of sales: no completion date, deposit paid, balance not yet due.

use serde::Serialize;

use super::calendar::{days_from_civil, format_date};
use super::catalog::COMPANIES;
use super::wire::{CostItem, WarehouseResource};
use super::{CompanyData, ItemRecord};

/// When the open orders were placed: after every seeded batch.
pub(crate) const OPEN_ORDER_DATE: &str = "2025-12-20";
/// Days of estimated sales an open order covers.
const OPEN_ORDER_DAYS: f64 = 60.0;
const APP: &str = "https://my.neonpanel.com/app";

/// Three vendors per company, in catalogue order; products take them in turn.
const VENDORS: &[&[&str]] = &[
    &[
        "Guangzhou Trailgear Co.",
        "Ningbo Summit Outdoor",
        "Hangzhou Lumen Tech",
    ],
    &[
        "Shenzhen Homeware Ltd.",
        "Porto Ceramica Lda.",
        "Yiwu Textile Works",
    ],
    &[
        "Dongguan Office Products",
        "Xiamen Paper Mills",
        "Suzhou Electronics Co.",
    ],
];

/// `InventoryOrderResource.vendor`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct VendorSnapshot {
    pub id: Option<u64>,
    pub name: Option<String>,
}

/// `InventoryOrderResource.payment_term`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct PaymentTermSnapshot {
    pub id: Option<u64>,
    pub name: Option<String>,
}

/// `InventoryOrderDetailResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct OrderLine {
    pub inventory_id: u64,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub price: f64,
}

/// `PaymentRequestResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct PaymentRequest {
    pub id: u64,
    pub amount_due: Option<f64>,
    pub paid_amount: Option<f64>,
    pub due_date: Option<String>,
    pub payment_date: Option<String>,
    pub currency: Option<String>,
    pub description: Option<String>,
    pub classification: Option<String>,
    pub transaction_number: Option<String>,
    pub memo: Option<String>,
}

/// `InventoryOrderResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct InventoryOrder {
    pub id: u64,
    pub name: Option<String>,
    pub link: Option<String>,
    pub ref_number: Option<String>,
    pub date_order_placed: Option<String>,
    pub date_manufacturing_completed: Option<String>,
    pub market: Option<String>,
    pub total_amount: f64,
    pub currency: Option<String>,
    pub vendor: Option<VendorSnapshot>,
    pub warehouse: WarehouseResource,
    pub payment_term: Option<PaymentTermSnapshot>,
    pub details: Vec<OrderLine>,
    pub payment_requests: Vec<PaymentRequest>,
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// The day after `date` plus `days`, as `YYYY-MM-DD`.
fn plus_days(date: &str, days: i64) -> Option<String> {
    let year = date.get(..4)?.parse().ok()?;
    let month = date.get(5..7)?.parse().ok()?;
    let day = date.get(8..10)?.parse().ok()?;
    Some(format_date(days_from_civil(year, month, day) + days))
}

/// What an order draws from the company: its number in the company, vendor and warehouse.
struct Context<'a> {
    company: &'a CompanyData,
    prefix: &'a str,
    vendors: &'a [&'a str],
    variants: usize,
}

/// The facts of one order before it is dressed as a resource.
struct Draft<'a> {
    /// The order number within the company (`PO-ACME-00042` is 42).
    seq: u64,
    record: &'a ItemRecord,
    item_index: usize,
    warehouse: &'a str,
    quantity: i64,
    price_cents: i64,
    placed: String,
    completed: Option<String>,
    link: Option<String>,
}

impl Context<'_> {
    fn vendor(&self, item_index: usize) -> VendorSnapshot {
        let product = item_index / self.variants.max(1);
        let slot = product % self.vendors.len().max(1);
        VendorSnapshot {
            id: Some(self.company.company.id * 10 + slot as u64 + 1),
            name: self.vendors.get(slot).map(|v| (*v).to_owned()),
        }
    }

    /// The warehouse as the seed numbered it (`company id × 10 + position + 1`).
    fn warehouse(&self, uuid: &str) -> WarehouseResource {
        let position = self.company.warehouses.iter().position(|w| w.uuid == uuid);
        let plain = position.and_then(|p| self.company.warehouses.get(p));
        WarehouseResource {
            id: self.company.company.id * 10 + position.map_or(0, |p| p as u64 + 1),
            uuid: uuid.to_owned(),
            name: plain.map(|w| w.name.clone()).unwrap_or_default(),
            kind: plain.and_then(|w| w.kind.clone()),
            country_code: plain.and_then(|w| w.country_code.clone()),
        }
    }

    fn order(&self, draft: Draft<'_>) -> InventoryOrder {
        let Draft {
            seq,
            record,
            item_index,
            warehouse,
            quantity,
            price_cents,
            placed,
            completed,
            link,
        } = draft;
        let id = self.company.company.id * 100_000 + seq;
        let currency = self.company.company.currency.clone();
        let total = price_cents * quantity;
        let deposit = total * 30 / 100;
        let balance = total - deposit;
        let balance_due = completed.as_deref().and_then(|d| plus_days(d, 30));
        let paid = |amount: i64, on: Option<&String>| on.map(|_| money(amount));
        let payment =
            |n: u64, amount: i64, due: Option<String>, label: &str, class: &str| PaymentRequest {
                id: id * 10 + n,
                amount_due: Some(money(amount)),
                paid_amount: paid(amount, due.as_ref()),
                payment_date: due.clone(),
                due_date: due,
                currency: Some(currency.clone()),
                description: Some(label.to_owned()),
                classification: Some(class.to_owned()),
                transaction_number: None,
                memo: None,
            };
        let warehouse = self.warehouse(warehouse);
        let prefix = self.prefix;
        InventoryOrder {
            id,
            name: Some(format!("{} restock", record.item.name)),
            link: link.or_else(|| Some(format!("{APP}/processes/inventory-orders/tasks/po-{id}"))),
            ref_number: Some(format!("PO-{prefix}-{seq:05}")),
            date_order_placed: Some(placed.clone()),
            market: warehouse.country_code.clone(),
            total_amount: money(total),
            currency: Some(currency.clone()),
            vendor: Some(self.vendor(item_index)),
            warehouse,
            payment_term: Some(PaymentTermSnapshot {
                id: Some(2),
                name: Some("30/70 Net 30".to_owned()),
            }),
            details: vec![OrderLine {
                inventory_id: record.item.id,
                sku: record.item.sku.clone(),
                name: record.item.name.clone(),
                quantity,
                price: money(price_cents),
            }],
            payment_requests: vec![
                payment(1, deposit, Some(placed.clone()), "30% Deposit", "deposit"),
                payment(2, balance, balance_due, "70% Balance", "balance"),
            ],
            date_manufacturing_completed: completed,
        }
    }
}

/// The batch's order number (`PO-ACME-00042` → 42).
fn sequence(batch: &CostItem) -> Option<u64> {
    batch
        .batch
        .ref_number
        .as_deref()?
        .rsplit('-')
        .next()?
        .parse()
        .ok()
}

/// Every order of `company`, newest first (`date_order_placed` desc, then `id` desc).
pub(crate) fn inventory_orders(company: &CompanyData) -> Vec<InventoryOrder> {
    let index = COMPANIES
        .iter()
        .position(|s| s.uuid == company.company.uuid)
        .unwrap_or(0);
    let context = Context {
        company,
        prefix: COMPANIES.get(index).map_or("", |s| s.prefix),
        vendors: VENDORS.get(index).copied().unwrap_or(&[]),
        variants: COMPANIES.get(index).map_or(1, |s| s.variants.len()),
    };
    let mut orders = Vec::new();
    for (item_index, record) in company.items.iter().enumerate() {
        for stock in &record.stock {
            for batch in &stock.batches {
                let Some(seq) = sequence(batch) else { continue };
                let purchase = batch.details.first().map_or(0, |d| cents(d.amount));
                let price = purchase.checked_div(batch.quantity).unwrap_or(0);
                orders.push(context.order(Draft {
                    seq,
                    record,
                    item_index,
                    warehouse: &stock.warehouse.uuid,
                    quantity: batch.quantity,
                    price_cents: price,
                    placed: batch.batch.date.clone().unwrap_or_default(),
                    // The shipment left when manufacturing was done.
                    completed: batch.details.get(1).and_then(|d| d.document.date.clone()),
                    link: Some(batch.batch.link.clone()),
                }));
            }
        }
    }
    let mut next = orders.iter().map(|o| o.id % 100_000).max().unwrap_or(0);
    for (item_index, record) in company.items.iter().enumerate() {
        let Some(quantity) = open_quantity(record) else {
            continue;
        };
        let Some(main) = company.warehouses.first() else {
            continue;
        };
        next += 1;
        let price = cents(record.restock.unit_vendor_price);
        orders.push(context.order(Draft {
            seq: next,
            record,
            item_index,
            warehouse: &main.uuid,
            quantity,
            price_cents: price,
            placed: OPEN_ORDER_DATE.to_owned(),
            completed: None,
            link: None,
        }));
    }
    orders.sort_by(|a, b| {
        (b.date_order_placed.as_deref(), b.id).cmp(&(a.date_order_placed.as_deref(), a.id))
    });
    orders
}

/// Units to reorder when stock is below the reorder point: 60 days of sales, in tens.
#[allow(clippy::cast_possible_truncation)] // small positive unit counts
fn open_quantity(record: &ItemRecord) -> Option<i64> {
    let on_hand: f64 = record.stock.iter().map(|s| s.balance).sum();
    let restock = &record.restock;
    let reorder_point =
        restock.estimated_daily_sales * (restock.lead_time_days + restock.safety_stock_days);
    (on_hand < reorder_point)
        .then(|| ((restock.estimated_daily_sales * OPEN_ORDER_DAYS / 10.0).ceil() * 10.0) as i64)
        .filter(|q| *q > 0)
}
