//! `neonpanel_search_orders`: sales orders (NeonPanel invoices) of one account.

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
use crate::domain::upstream::InvoiceQuery;
use crate::domain::upstream::{Invoice, Page};

pub const LIST: &str = "orders";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// Free text matched against order number, reference and customer.
    #[schemars(example = &"INV-2024")]
    #[garde(custom(optional_text))]
    pub q: Option<String>,
    /// Earliest order date, YYYY-MM-DD (inclusive).
    #[schemars(example = &"2024-01-01")]
    #[garde(custom(optional_date))]
    pub from: Option<String>,
    /// Latest order date, YYYY-MM-DD (inclusive).
    #[schemars(example = &"2024-12-31")]
    #[garde(custom(optional_date))]
    pub to: Option<String>,
    /// Opaque cursor from a previous call's `nextCursor`.
    #[schemars(example = &"76313a6f72646572733a32")]
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
pub struct OrderCustomer {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    /// The order number shown in NeonPanel.
    pub number: String,
    /// Transaction date, YYYY-MM-DD.
    pub created_at: String,
    pub currency: String,
    pub total: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Where the order came from: manual, amazon, shopify or tiktok.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<OrderCustomer>,
}

impl From<Invoice> for Order {
    fn from(i: Invoice) -> Self {
        let order_id = i.id.to_string();
        Self {
            number: i.name.or(i.ref_number).unwrap_or_else(|| order_id.clone()),
            order_id,
            created_at: i.transaction_date.unwrap_or_default(),
            currency: i.currency.unwrap_or_default(),
            total: i.amount.unwrap_or_default(),
            status: i.status,
            source: i.source.unwrap_or_else(|| "manual".to_owned()),
            market: i.market,
            customer: i.customer.and_then(|c| {
                c.id.map(|id| OrderCustomer {
                    id: id.to_string(),
                    name: c.name,
                    email: c.email,
                })
            }),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub items: Vec<Order>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[must_use]
pub fn map(page: Page<Invoice>) -> Output {
    Output {
        next_cursor: Cursor::next(LIST, page.current_page, page.last_page),
        items: page.data.into_iter().map(Order::from).collect(),
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_search_orders",
        alias: "neonpanel.searchOrders",
        title: "Search sales orders",
        description: "Searches the sales orders (invoices from Amazon, Shopify, TikTok or manual \
            entry) of one NeonPanel account. Filter by free text q and by order date with \
            from/to (YYYY-MM-DD, inclusive). Returns number, date, total, currency, source, \
            market and customer per order. Paginated: pass nextCursor back as cursor.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Searches one account's sales orders.
pub struct SearchOrders;

#[async_trait]
impl Tool for SearchOrders {
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
        let query = InvoiceQuery {
            search: input.q.clone(),
            start_date: input.from.clone(),
            end_date: input.to.clone(),
            page: page_of(LIST, input.cursor.as_deref())?,
            per_page: cx.page_size.get(),
        };
        let page = cx
            .api
            .list_invoices(grant.token(), &input.account_id, &query)
            .await?;
        encode(&map(page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tools::testing::{context, json, page, service_grant, user_grant};
    use crate::domain::pagination::PageSize;
    use crate::ports::MockNeonPanelApi;
    use crate::domain::arguments::parse;
    use crate::domain::upstream::Customer;
    use serde_json::json;

    #[test]
    fn from_after_to_is_an_input_error_on_from() {
        let raw = json!({"accountId": "acme", "from": "2024-05-01", "to": "2024-04-01"});
        let errors = parse::<Input>(Some(&raw), &spec().input_schema).unwrap_err();
        assert_eq!(errors.0[0].path, "from");
    }

    #[test]
    fn invoice_maps_to_order_with_fallbacks() {
        let invoice = Invoice {
            id: 33,
            ref_number: Some("REF-1".into()),
            amount: Some(1500.0),
            customer: Some(Customer {
                id: Some(5),
                name: Some("Acme".into()),
                email: None,
            }),
            ..Invoice::default()
        };
        let order = Order::from(invoice);
        assert_eq!(
            (order.order_id.as_str(), order.number.as_str()),
            ("33", "REF-1")
        );
        assert_eq!(order.source, "manual");
        assert_eq!(order.customer.map(|c| c.id), Some("5".to_owned()));
    }


    #[tokio::test]
    async fn run_passes_the_filters_and_the_cursor_page_to_neonpanel() {
        // Arrange
        let mut api = MockNeonPanelApi::new();
        api.expect_list_invoices()
            .withf(|_, account, query| {
                account == "acme"
                    && query.search.as_deref() == Some("INV")
                    && query.start_date.as_deref() == Some("2024-01-01")
                    && query.page == 2
                    && query.per_page == PageSize::default().get()
            })
            .times(1)
            .returning(|_, _, _| Ok(page(2, 2, vec![Invoice::default()])));
        let input = Input {
            account_id: "acme".into(),
            q: Some("INV".into()),
            from: Some("2024-01-01".into()),
            to: None,
            cursor: Some(Cursor { list: LIST, page: 2 }.encode()),
        };

        // Act
        let out = SearchOrders.run(context(&api), &user_grant(), &input).await;

        // Assert
        let out = json(&out.expect("orders"));
        assert_eq!(out["items"].as_array().map(Vec::len), Some(1));
        assert!(out.get("nextCursor").is_none());
    }

    #[tokio::test]
    async fn run_with_the_service_token_refuses_an_unreached_account_without_calling_neonpanel() {
        // Arrange: no expectations, so any API call fails the test.
        let api = MockNeonPanelApi::new();
        let input = Input {
            account_id: "globex".into(),
            q: None,
            from: None,
            to: None,
            cursor: None,
        };

        // Act
        let out = SearchOrders
            .run(context(&api), &service_grant(&["acme"], None), &input)
            .await;

        // Assert
        assert_eq!(out.err(), Some(ToolFailure::no_access("globex")));
    }
}
