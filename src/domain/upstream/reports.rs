//! Wire DTOs of the reporting endpoints: revenue and COGS, warehouses and what they hold, and
//! inventory (purchase) orders. Lenient like the rest of [`super`]: unknown fields ignored,
//! missing ones defaulted, numbers accepted as JSON strings.

use serde::Deserialize;

use super::{
    Company, Document, InventoryItem, Warehouse, lenient_f64, lenient_i64, lenient_opt_f64,
    lenient_opt_i64, lenient_u32,
};

/// One row of `GET /api/v1/revenue-and-cogs`: one period of one group.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RevenueAndCogsRow {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    #[serde(deserialize_with = "lenient_f64")]
    pub revenue_amount: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub cogs_amount: f64,
    pub currency: Option<String>,
    /// Present when the grouping includes `company`.
    pub company: Option<Company>,
    /// Present when the grouping includes `country`.
    pub country_code: Option<String>,
    /// Present when the grouping includes `invoice`.
    pub invoice: Option<Document>,
}

/// `GET /api/v1/revenue-and-cogs` (not paginated).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RevenueAndCogs {
    pub data: Vec<RevenueAndCogsRow>,
}

/// How NeonPanel buckets the range (`periodicity`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Periodicity {
    #[default]
    Total,
    Yearly,
    Quarterly,
    Monthly,
}

impl Periodicity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Yearly => "yearly",
            Self::Quarterly => "quarterly",
            Self::Monthly => "monthly",
        }
    }
}

/// The dimension rows are broken down by (`grouping`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grouping {
    #[default]
    Company,
    Country,
}

impl Grouping {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Country => "country",
        }
    }
}

/// Query of `GET /api/v1/revenue-and-cogs` for one company.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevenueQuery {
    pub company_uuid: String,
    pub start_date: String,
    pub end_date: String,
    pub periodicity: Periodicity,
    pub grouping: Grouping,
}

/// One item's stock in the warehouse of `GET …/warehouses/{uuid}/balances`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ItemBalance {
    pub inventory: InventoryItem,
    #[serde(deserialize_with = "lenient_f64")]
    pub balance: f64,
}

/// `GET …/warehouses/{uuid}/balances`: a page of what one warehouse holds.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WarehouseHoldings {
    #[serde(deserialize_with = "lenient_u32")]
    pub current_page: u32,
    #[serde(deserialize_with = "lenient_u32")]
    pub last_page: u32,
    pub balances_date: Option<String>,
    pub data: Vec<ItemBalance>,
}

/// `InventoryOrderResource.vendor`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Vendor {
    #[serde(deserialize_with = "lenient_opt_i64")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

/// `InventoryOrderDetailResource`: one line of an inventory order.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrderLine {
    #[serde(deserialize_with = "lenient_opt_i64")]
    pub inventory_id: Option<i64>,
    pub sku: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient_f64")]
    pub quantity: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub price: f64,
}

/// `PaymentRequestResource`: one installment of an order's payment term.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PaymentRequest {
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub amount_due: Option<f64>,
    #[serde(deserialize_with = "lenient_opt_f64")]
    pub paid_amount: Option<f64>,
    pub due_date: Option<String>,
    pub payment_date: Option<String>,
    pub description: Option<String>,
}

/// `InventoryOrderResource.payment_term`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PaymentTerm {
    pub name: Option<String>,
}

/// `InventoryOrderResource`: a purchase order to a vendor.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InventoryOrder {
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    pub name: Option<String>,
    pub link: Option<String>,
    pub ref_number: Option<String>,
    pub date_order_placed: Option<String>,
    /// When manufacturing completed / the goods were received (`date_order_received`).
    pub date_manufacturing_completed: Option<String>,
    pub market: Option<String>,
    #[serde(deserialize_with = "lenient_f64")]
    pub total_amount: f64,
    pub currency: Option<String>,
    pub vendor: Option<Vendor>,
    pub warehouse: Option<Warehouse>,
    pub payment_term: Option<PaymentTerm>,
    pub details: Vec<OrderLine>,
    pub payment_requests: Vec<PaymentRequest>,
}

/// Query of `GET …/inventory-orders`; the dates filter on `date_order_received`.
pub type InventoryOrderQuery = super::DatedSearch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revenue_rows_read_company_or_country_and_string_numbers() {
        let body = r#"{"filters":{},"data":[
            {"start_date":"2024-01-01","end_date":"2024-03-31","revenue_amount":"1200.50",
             "cogs_amount":400,"currency":"USD","company":{"uuid":"a1","name":"A"},
             "country_code":null,"invoice":null}]}"#;
        let answer: RevenueAndCogs = serde_json::from_str(body).expect("parses");
        let row = &answer.data[0];
        assert_eq!((row.revenue_amount, row.cogs_amount), (1200.5, 400.0));
        assert_eq!(row.company.as_ref().map(|c| c.uuid.as_str()), Some("a1"));
        assert_eq!(row.country_code, None);
    }

    #[test]
    fn inventory_order_with_null_vendor_and_lines_parses() {
        let body = r#"{"id":42,"ref_number":"REF-0042","total_amount":3247.5,"vendor":null,
            "warehouse":{"id":3,"uuid":"w-1","name":"FBA East","type":"FBA"},
            "details":[{"inventory_id":101,"sku":"SKU-1","quantity":"50","price":12.99}],
            "payment_requests":[{"amount_due":null,"paid_amount":500,"due_date":"2024-04-01"}]}"#;
        let order: InventoryOrder = serde_json::from_str(body).expect("parses");
        assert_eq!(order.vendor, None);
        assert_eq!(order.details[0].quantity, 50.0);
        assert_eq!(order.warehouse.map(|w| w.uuid), Some("w-1".to_owned()));
        assert_eq!(order.payment_requests[0].paid_amount, Some(500.0));
    }
}
