//! NeonPanel wire DTOs for the endpoints the tools use (neonpanel-openapi.json 1.2.0-beta).
//!
//! The API is in beta and asks clients to ignore fields they do not know, so every struct
//! tolerates unknown and missing fields, and numbers may arrive as JSON strings.

use serde::{Deserialize, Deserializer};

mod reports;
pub use reports::{
    Grouping, InventoryOrder, InventoryOrderQuery, ItemBalance, OrderLine, PaymentRequest,
    PaymentTerm, Periodicity, RevenueAndCogs, RevenueAndCogsRow, RevenueQuery, Vendor,
    WarehouseHoldings,
};

/// A numbered page of `T` (`current_page`, `per_page`, `last_page` beside `data`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Page<T> {
    #[serde(deserialize_with = "lenient_u32")]
    pub current_page: u32,
    #[serde(deserialize_with = "lenient_u32")]
    pub per_page: u32,
    #[serde(deserialize_with = "lenient_u32")]
    pub last_page: u32,
    pub data: Vec<T>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Company {
    pub uuid: String,
    pub name: String,
    pub short_name: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Permissions {
    pub permissions: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Invoice {
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    pub name: Option<String>,
    pub source: Option<String>,
    pub ref_number: Option<String>,
    pub transaction_date: Option<String>,
    pub market: Option<String>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub customer: Option<Customer>,
    /// Where a person sees the invoice in NeonPanel (its project task), when there is one.
    pub link: Option<String>,
    /// The line items (the list and the single-invoice endpoints both carry them).
    pub details: Vec<InvoiceLine>,
}

/// One line of an invoice (`InvoiceDetailResource`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InvoiceLine {
    pub sku: Option<String>,
    pub product_name: Option<String>,
    pub service_name: Option<String>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub quantity: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub amount: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Customer {
    #[serde(deserialize_with = "lenient_opt_i64")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InventoryItem {
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    pub name: Option<String>,
    pub fnsku: Option<String>,
    pub asin: Option<String>,
    pub sku: Option<String>,
    pub country_code: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Warehouse {
    pub uuid: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub country_code: Option<String>,
}

/// A document reference (batch, bill, shipment) inside a landed-cost answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Document {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub link: Option<String>,
    pub status: Option<String>,
    pub ref_number: Option<String>,
    pub date: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CostDetail {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub document: Option<Document>,
    #[serde(deserialize_with = "lenient_f64")]
    pub amount: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub quantity: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CostItem {
    pub batch: Option<Document>,
    pub currency: Option<String>,
    #[serde(deserialize_with = "lenient_f64")]
    pub amount: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub quantity: f64,
    pub details: Vec<CostDetail>,
}

/// `GET …/inventory-items/{id}/landed-cost`: one warehouse's batches of one item.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LandedCost {
    #[serde(deserialize_with = "lenient_u32")]
    pub current_page: u32,
    #[serde(deserialize_with = "lenient_u32")]
    pub last_page: u32,
    pub inventory: Option<InventoryItem>,
    pub warehouse: Option<Warehouse>,
    pub currency: Option<String>,
    #[serde(deserialize_with = "lenient_f64")]
    pub amount: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub quantity: f64,
    pub data: Vec<CostItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RestockData {
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub estimated_daily_sales: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub daily_unit_sales_target: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub lead_time_days: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub unit_landed_cost: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub unit_vendor_price: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub safety_stock_days: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WarehouseBalance {
    pub warehouse: Warehouse,
    #[serde(deserialize_with = "lenient_f64")]
    pub balance: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Balances {
    pub balances_date: Option<String>,
    pub balances_list: Vec<WarehouseBalance>,
}

/// `GET …/inventory-items/{id}/balances`: the item, its restock data and stock per warehouse.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InventoryDetails {
    pub inventory: Option<InventoryItem>,
    pub restock_data: Option<RestockData>,
    pub balances_data: Option<Balances>,
}

/// Query of a dated, searchable list (`GET …/invoices`, `GET …/inventory-orders`): NeonPanel
/// takes the same `search`, `start_date`, `end_date` and page parameters for both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatedSearch {
    pub search: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// Query of `GET …/invoices`; the dates filter on the invoice date.
pub type InvoiceQuery = DatedSearch;

/// Query of `GET …/inventory-items`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryQuery {
    pub search: Option<String>,
    pub sku: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// Query of `GET …/inventory-items/{id}/landed-cost`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LandedCostQuery {
    pub warehouse_uuid: String,
    pub start_date: String,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(f64),
    Text(String),
    Null(()),
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<NumOrText>::deserialize(d)? {
        None | Some(NumOrText::Null(())) => Ok(None),
        Some(NumOrText::Num(n)) => Ok(Some(n)),
        Some(NumOrText::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(NumOrText::Text(t)) => t
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a number, got {t:?}"))),
    }
}

fn lenient_opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    number(d)
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    number(d).map(Option::unwrap_or_default)
}

#[allow(clippy::cast_possible_truncation)] // ids and page numbers are whole and small
fn lenient_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    number(d).map(|n| n.map(|n| n as i64))
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    lenient_opt_i64(d).map(Option::unwrap_or_default)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped below
fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    number(d).map(|n| n.unwrap_or_default().clamp(0.0, f64::from(u32::MAX)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_page_from_openapi_example_parses_and_ignores_unknown_fields() {
        let body = r#"{"current_page":1,"per_page":30,"last_page":2,"extra":true,
            "data":[{"id":100,"uuid":"a1b2","name":"Company Name","short_name":"CN",
                     "currency":"USD","timezone":"America/New_York","new_field":[1]}]}"#;
        let page: Page<Company> = serde_json::from_str(body).expect("parses");
        assert_eq!(page.last_page, 2);
        assert_eq!(page.data[0].uuid, "a1b2");
        assert_eq!(page.data[0].short_name.as_deref(), Some("CN"));
    }

    #[test]
    fn numbers_sent_as_strings_or_null_are_accepted() {
        let body = r#"{"id":"33","amount":"1500.50","customer":{"id":null,"name":"Acme"}}"#;
        let invoice: Invoice = serde_json::from_str(body).expect("parses");
        assert_eq!(invoice.id, 33);
        assert_eq!(invoice.amount, Some(1500.5));
        assert_eq!(invoice.customer.and_then(|c| c.id), None);
    }

    #[test]
    fn a_non_numeric_amount_is_a_parse_error_not_a_zero() {
        let err = serde_json::from_str::<Invoice>(r#"{"id":1,"amount":"lots"}"#);
        assert!(err.is_err());
    }
}
