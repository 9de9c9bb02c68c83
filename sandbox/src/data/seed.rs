//! Generates one company's data from its spec with a fixed-seed PRNG (splitmix64), so every
//! start serves the same invoices, items, batches and balances. Money is computed in integer
//! cents and rendered as numbers with two decimals.

use std::collections::HashMap;

use super::calendar::{civil_from_days, days_from_civil, format_date};
use super::catalog::{AMAZON_CHANNELS, CompanySpec, SHOPIFY_CHANNEL, TIKTOK_CHANNEL};
use super::wire::{
    Company, CostDetail, CostItem, Customer, Document, InventoryItem, InventoryRestockData,
    InvoiceDetailResource, InvoiceResource, SalesChannelResource, Warehouse, WarehouseResource,
};
use super::{CompanyData, ItemRecord, StockRecord};

const SEED: u64 = 0x4E45_4F4E_5041_4E45;
/// Invoices and batches fall in 2024-01-01 ..= 2025-12-31.
const SPAN_DAYS: u64 = 731;
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const APP: &str = "https://my.neonpanel.com/app";

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for demo data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64().checked_rem(n).unwrap_or(0)
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1);
        lo + i64::try_from(self.below(span)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or_default()
    }

    fn code(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let index = usize::try_from(self.below(alphabet.len() as u64)).unwrap_or(0);
                alphabet.get(index).map_or('0', |b| char::from(*b))
            })
            .collect()
    }

    /// A version-4-shaped UUID.
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn tenths(&mut self, lo: i64, hi: i64) -> f64 {
        self.between(lo, hi) as f64 / 10.0
    }
}

fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn first_day() -> i64 {
    days_from_civil(2024, 1, 1)
}

pub(super) fn company(spec: &CompanySpec, index: u64) -> CompanyData {
    let mut rng = Rng(SEED ^ (index + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let company = Company {
        id: spec.id,
        uuid: spec.uuid.to_owned(),
        name: spec.name.to_owned(),
        short_name: spec.short_name.to_owned(),
        currency: spec.currency.to_owned(),
        timezone: spec.timezone.to_owned(),
    };
    let mut warehouses = Vec::new();
    for (i, (name, kind, country)) in spec.warehouses.iter().enumerate() {
        let resource = WarehouseResource {
            id: spec.id * 10 + i as u64 + 1,
            uuid: rng.uuid(),
            name: (*name).to_owned(),
            kind: Some((*kind).to_owned()),
            country_code: Some((*country).to_owned()),
        };
        warehouses.push(resource);
    }
    let items = items(spec, &mut rng, &warehouses);
    let invoices = invoices(spec, &mut rng, &warehouses, &items);
    CompanyData {
        company,
        warehouses: warehouses.iter().map(plain_warehouse).collect(),
        invoices,
        items,
    }
}

fn plain_warehouse(w: &WarehouseResource) -> Warehouse {
    Warehouse {
        uuid: w.uuid.clone(),
        name: w.name.clone(),
        kind: w.kind.clone(),
        country_code: w.country_code.clone(),
    }
}

fn items(spec: &CompanySpec, rng: &mut Rng, warehouses: &[WarehouseResource]) -> Vec<ItemRecord> {
    let home = spec.markets.first().copied().unwrap_or("US");
    let second = spec.markets.get(1).copied().unwrap_or(home);
    let mut records = Vec::new();
    let mut po = 0;
    for (code, product, price) in spec.products {
        for (v, variant) in spec.variants.iter().enumerate() {
            let sku = format!("{}-{code}-{:03}", spec.prefix, v + 1);
            let item = InventoryItem {
                id: spec.id * 100 + records.len() as u64 + 1,
                name: format!("{product} - {variant}"),
                fnsku: format!("X00{}", rng.code(ALNUM, 7)),
                asin: format!("B0{}", rng.code(ALNUM, 8)),
                image: Some(format!(
                    "https://images.neonpanel.example/{}.jpg",
                    sku.to_lowercase()
                )),
                sku,
                country_code: (if rng.chance(25) { second } else { home }).to_owned(),
                weight: rng.tenths(3, 150),
                length: rng.tenths(40, 300),
                height: rng.tenths(20, 150),
                depth: rng.tenths(20, 150),
            };
            let base_cost = price * rng.between(28, 42) / 100;
            let stock = stock(spec, rng, warehouses, base_cost, &mut po);
            let restock = restock(rng, *price, base_cost, &stock);
            records.push(ItemRecord {
                item,
                restock,
                stock,
            });
        }
    }
    records
}

/// The main warehouse always, plus one or two others; 2–5 batches in each.
fn stock(
    spec: &CompanySpec,
    rng: &mut Rng,
    warehouses: &[WarehouseResource],
    base_cost: i64,
    po: &mut u64,
) -> Vec<StockRecord> {
    let others = warehouses.len().saturating_sub(1) as u64;
    let wanted = 1 + rng.between(1, 2).min(i64::try_from(others).unwrap_or(0));
    let mut chosen = vec![0_usize];
    while (chosen.len() as i64) < wanted {
        let candidate = 1 + usize::try_from(rng.below(others)).unwrap_or(0);
        if !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    chosen.sort_unstable();
    let mut records = Vec::new();
    for warehouse in chosen.iter().filter_map(|i| warehouses.get(*i)) {
        let count = rng.between(2, 5);
        let mut days: Vec<i64> = (0..count).map(|_| rng.between(0, 700)).collect();
        days.sort_unstable();
        let batches: Vec<CostItem> = days
            .into_iter()
            .map(|day| {
                *po += 1;
                batch(spec, rng, base_cost, first_day() + day, *po)
            })
            .collect();
        let received: i64 = batches.iter().map(|b| b.quantity).sum();
        records.push(StockRecord {
            warehouse: plain_warehouse(warehouse),
            balance: rng.between(0, received / 2) as f64,
            batches,
        });
    }
    records
}

fn batch(spec: &CompanySpec, rng: &mut Rng, base_cost: i64, day: i64, po: u64) -> CostItem {
    let quantity = rng.between(5, 50) * 10;
    let purchase = base_cost * rng.between(92, 108) / 100 * quantity;
    let freight = purchase * rng.between(3, 9) / 100;
    let duties = purchase * rng.between(0, 12) / 100;
    let shipped = day + rng.between(5, 25);
    let mut document = |kind: &str, path: &str, prefix: &str, day: i64| {
        let date = format_date(day);
        Document {
            kind: kind.to_owned(),
            link: format!("{APP}/{path}/{}", rng.uuid()),
            status: "Completed".to_owned(),
            completed: Some(format!("{date}T15:30:00.000Z")),
            ref_number: Some(format!("{prefix}-{}-{po:05}", spec.prefix)),
            date: Some(date),
        }
    };
    let order = document(
        "Inventory Order",
        "processes/inventory-orders/tasks",
        "PO",
        day,
    );
    let bill = document("Bill", "processes/bills/tasks", "BILL", day);
    let shipment = document("Shipment", "processes/shipments/tasks", "SHP", shipped);
    let customs = document("Bill", "processes/bills/tasks", "DUTY", shipped);
    let detail = |kind: &str, document: Document, cents: i64| CostDetail {
        kind: kind.to_owned(),
        document,
        currency: spec.currency.to_owned(),
        amount: money(cents),
        quantity,
    };
    CostItem {
        batch: order,
        currency: spec.currency.to_owned(),
        amount: money(purchase + freight + duties),
        quantity,
        details: vec![
            detail("Purchase Price", bill, purchase),
            detail("Freight", shipment, freight),
            detail("Duties", customs, duties),
        ],
    }
}

fn restock(
    rng: &mut Rng,
    price: i64,
    base_cost: i64,
    stock: &[StockRecord],
) -> InventoryRestockData {
    let batches = stock.iter().flat_map(|s| &s.batches);
    let (cents, units) = batches.fold((0_i64, 0_i64), |(c, u), b| {
        let total: f64 = b.details.iter().map(|d| d.amount).sum();
        (c + (total * 100.0).round() as i64, u + b.quantity)
    });
    let landed = cents.checked_div(units).unwrap_or(base_cost);
    let daily = rng.tenths(5, 300);
    InventoryRestockData {
        daily_sales_target: (daily * 12.0).round() / 10.0,
        unit_vendor_price: money(base_cost),
        unit_landed_cost: money(landed),
        estimated_daily_sales: daily,
        estimated_price: money(price),
        lead_time_days: rng.between(21, 75) as f64,
        safety_stock_days: rng.between(7, 21) as f64,
        fba_lead_time_days: rng.between(7, 14) as f64,
        fba_safety_stock_days: rng.between(7, 14) as f64,
        target_fba_fee: money(price * rng.between(12, 20) / 100),
        target_price: money(price * 105 / 100),
        target_referral_percentage: 15.0,
        daily_unit_sales_target: (daily * 1.2).ceil(),
    }
}

fn invoices(
    spec: &CompanySpec,
    rng: &mut Rng,
    warehouses: &[WarehouseResource],
    items: &[ItemRecord],
) -> Vec<InvoiceResource> {
    let customers: Vec<Customer> = (1..)
        .zip(spec.customers)
        .map(|(n, name)| Customer {
            id: spec.id * 1000 + n,
            bk_id: Some(format!("xero-contact-{}", rng.code(HEX, 8))),
            bk_type: Some("xero".to_owned()),
            name: Some((*name).to_owned()),
            code: Some(
                name.split_whitespace()
                    .filter_map(|w| w.chars().next())
                    .collect(),
            ),
        })
        .collect();
    let count = rng.between(280, 340);
    let mut days: Vec<i64> = (0..count)
        .map(|_| i64::try_from(rng.below(SPAN_DAYS)).unwrap_or(0))
        .collect();
    days.sort_unstable();
    let mut per_year: HashMap<i64, u64> = HashMap::new();
    let mut out = Vec::with_capacity(days.len());
    for (n, day) in (1..).zip(days) {
        let day = first_day() + day;
        let (year, _, _) = civil_from_days(day);
        let seq = per_year.entry(year).or_insert(0);
        *seq += 1;
        let source = match rng.below(100) {
            0..=54 => "amazon",
            55..=74 => "shopify",
            75..=89 => "tiktok",
            _ => "manual",
        };
        let home = spec.markets.first().copied().unwrap_or("US");
        let market = if rng.chance(70) {
            home
        } else {
            rng.pick(spec.markets)
        };
        let details = lines(rng, items, source);
        let total: f64 = details.iter().filter_map(|d| d.amount).sum();
        let index = usize::try_from(rng.below(customers.len() as u64)).unwrap_or(0);
        out.push(InvoiceResource {
            id: spec.id * 10_000 + n,
            name: Some(format!("INV-{year}-{seq:04}")),
            link: (source == "manual")
                .then(|| format!("{APP}/processes/invoicing/tasks/{}", rng.uuid())),
            source: source.to_owned(),
            ref_number: Some(reference(rng, spec, source, n)),
            transaction_date: Some(format_date(day)),
            market: Some(market.to_owned()),
            amount: Some((total * 100.0).round() / 100.0),
            currency: Some(spec.currency.to_owned()),
            warehouse: shipping_warehouse(warehouses, source, market),
            customer: customers.get(index).cloned(),
            sales_channel: channel(source, market),
            details,
        });
    }
    out.reverse();
    out
}

fn reference(rng: &mut Rng, spec: &CompanySpec, source: &str, n: u64) -> String {
    match source {
        "amazon" => format!(
            "{}-{}-{}",
            rng.code(DIGITS, 3),
            rng.code(DIGITS, 7),
            rng.code(DIGITS, 7)
        ),
        "shopify" => format!("#{}", 1000 + n),
        "tiktok" => format!("57{}", rng.code(DIGITS, 16)),
        _ => format!("REF-{}-{n:04}", spec.prefix),
    }
}

/// 1–3 product lines (3 % of them returns, with negative quantities), plus shipping income on
/// some Shopify orders: a line that moves no stock.
fn lines(rng: &mut Rng, items: &[ItemRecord], source: &str) -> Vec<InvoiceDetailResource> {
    let count = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let mut lines = Vec::new();
    for _ in 0..count {
        let index = usize::try_from(rng.below(items.len() as u64)).unwrap_or(0);
        let Some(record) = items.get(index) else {
            continue;
        };
        let sign = if rng.chance(3) { -1 } else { 1 };
        let quantity = sign * rng.between(1, 4);
        let unit = (record.restock.estimated_price * 100.0).round() as i64;
        lines.push(InvoiceDetailResource {
            inventory_id: Some(record.item.id),
            service_id: 55,
            sku: Some(record.item.sku.clone()),
            product_name: Some(record.item.name.clone()),
            service_name: "Product Sales".to_owned(),
            service_group: Some("Sales".to_owned()),
            quantity: Some(quantity),
            amount: Some(money(unit * quantity)),
        });
    }
    if source == "shopify" && rng.chance(30) {
        lines.push(InvoiceDetailResource {
            inventory_id: None,
            service_id: 61,
            sku: None,
            product_name: None,
            service_name: "Shipping Income".to_owned(),
            service_group: Some("Sales".to_owned()),
            quantity: Some(1),
            amount: Some(money(rng.between(399, 999))),
        });
    }
    lines
}

/// Amazon orders ship from an FBA warehouse in their market; the rest from the first
/// non-FBA warehouse.
fn shipping_warehouse(
    warehouses: &[WarehouseResource],
    source: &str,
    market: &str,
) -> WarehouseResource {
    let is_fba = |w: &&WarehouseResource| w.kind.as_deref() == Some("FBA");
    let found = if source == "amazon" {
        warehouses
            .iter()
            .filter(is_fba)
            .find(|w| w.country_code.as_deref() == Some(market))
    } else {
        warehouses.iter().find(|w| !is_fba(w))
    };
    found
        .or_else(|| warehouses.first())
        .cloned()
        .unwrap_or_else(|| WarehouseResource {
            id: 0,
            uuid: String::new(),
            name: String::new(),
            kind: None,
            country_code: None,
        })
}

fn channel(source: &str, market: &str) -> Option<SalesChannelResource> {
    let (id, name) = match source {
        "amazon" => {
            let (_, id) = AMAZON_CHANNELS.iter().find(|(m, _)| *m == market)?;
            (*id, format!("Amazon {market}"))
        }
        "shopify" => (SHOPIFY_CHANNEL.0, SHOPIFY_CHANNEL.1.to_owned()),
        "tiktok" => (TIKTOK_CHANNEL.0, TIKTOK_CHANNEL.1.to_owned()),
        _ => return None,
    };
    Some(SalesChannelResource {
        id,
        name: Some(name),
    })
}
