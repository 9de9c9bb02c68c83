//! NeonPanel's wire format, written from `neonpanel-openapi.json` (`components/schemas`) and
//! nothing else. The sandbox shares no types with the server, so a misreading of the document
//! cannot hide on both sides of a test. Nullable fields (`["string","null"]`) serialise as
//! `null`, never as an absent key.

use serde::Serialize;

/// `Company`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Company {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    pub short_name: String,
    pub currency: String,
    pub timezone: String,
}

/// `Warehouse` (landed cost and balances).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warehouse {
    pub uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub country_code: Option<String>,
}

/// `WarehouseResource` (the invoice's denormalised snapshot).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WarehouseResource {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub country_code: Option<String>,
}

/// `SalesChannelResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SalesChannelResource {
    pub id: u64,
    pub name: Option<String>,
}

/// `InvoiceResource.customer`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Customer {
    pub id: u64,
    pub bk_id: Option<String>,
    pub bk_type: Option<String>,
    pub name: Option<String>,
    pub code: Option<String>,
}

/// `InvoiceDetailResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceDetailResource {
    pub inventory_id: Option<u64>,
    pub service_id: u64,
    pub sku: Option<String>,
    pub product_name: Option<String>,
    pub service_name: String,
    pub service_group: Option<String>,
    pub quantity: Option<i64>,
    pub amount: Option<f64>,
}

/// `InvoiceResource`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceResource {
    pub id: u64,
    pub name: Option<String>,
    pub link: Option<String>,
    /// `manual` | `amazon` | `shopify` | `tiktok`.
    pub source: String,
    pub ref_number: Option<String>,
    /// ISO date.
    pub transaction_date: Option<String>,
    /// ISO 3166-1 alpha-2 code of the marketplace.
    pub market: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub warehouse: WarehouseResource,
    pub customer: Option<Customer>,
    pub sales_channel: Option<SalesChannelResource>,
    pub details: Vec<InvoiceDetailResource>,
}

/// `InventoryItem`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InventoryItem {
    pub id: u64,
    pub name: String,
    pub fnsku: String,
    pub asin: String,
    pub sku: String,
    pub image: Option<String>,
    pub country_code: String,
    /// Pounds.
    pub weight: f64,
    /// Inches, like `height` and `depth`.
    pub length: f64,
    pub height: f64,
    pub depth: f64,
}

/// `InventoryRestockData`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InventoryRestockData {
    pub daily_sales_target: f64,
    pub unit_vendor_price: f64,
    pub unit_landed_cost: f64,
    pub estimated_daily_sales: f64,
    pub estimated_price: f64,
    pub lead_time_days: f64,
    pub safety_stock_days: f64,
    pub fba_lead_time_days: f64,
    pub fba_safety_stock_days: f64,
    pub target_fba_fee: f64,
    pub target_price: f64,
    pub target_referral_percentage: f64,
    pub daily_unit_sales_target: f64,
}

/// `Document`: the paper behind a batch or one of its costs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    #[serde(rename = "type")]
    pub kind: String,
    pub link: String,
    pub status: String,
    /// Date-time.
    pub completed: Option<String>,
    pub ref_number: Option<String>,
    /// ISO date.
    pub date: Option<String>,
}

/// `CostDetail`: one component (`Purchase Price`, `Freight`, `Duties`) of a batch's cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostDetail {
    #[serde(rename = "type")]
    pub kind: String,
    pub document: Document,
    pub currency: String,
    pub amount: f64,
    pub quantity: i64,
}

/// `CostItem`: one batch; `amount` is the batch total, the sum of its details.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostItem {
    pub batch: Document,
    pub currency: String,
    pub amount: f64,
    pub quantity: i64,
    pub details: Vec<CostDetail>,
}
