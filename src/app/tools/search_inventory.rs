//! `neonpanel_search_inventory`: inventory items (SKUs) of one account.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode, page_of};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::Cursor;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::{optional_text, valid_account_id};
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::InventoryQuery;
use crate::domain::upstream::{InventoryItem, Page};

pub const LIST: &str = "inventory";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
    /// Text matched against SKU, ASIN, FNSKU, id or name.
    #[schemars(example = &"SKU12345")]
    #[garde(custom(optional_text))]
    pub q: Option<String>,
    /// Opaque cursor from a previous call's `nextCursor`.
    #[schemars(example = &"76313a696e76656e746f72793a32")]
    #[garde(custom(optional_text))]
    pub cursor: Option<String>,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Pass it as `inventoryId` to neonpanel_get_landed_cost.
    pub inventory_id: i64,
    pub sku: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fnsku: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

impl From<InventoryItem> for Item {
    fn from(i: InventoryItem) -> Self {
        Self {
            inventory_id: i.id,
            sku: i.sku.unwrap_or_default(),
            asin: i.asin,
            fnsku: i.fnsku,
            name: i.name.unwrap_or_default(),
            country_code: i.country_code,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub items: Vec<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[must_use]
pub fn map(page: Page<InventoryItem>) -> Output {
    Output {
        next_cursor: Cursor::next(LIST, page.current_page, page.last_page),
        items: page.data.into_iter().map(Item::from).collect(),
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_search_inventory",
        alias: "neonpanel.searchInventory",
        title: "Search inventory",
        description: "Searches the inventory items (SKUs) of one NeonPanel account by SKU, \
            ASIN, FNSKU, id or name. Returns inventoryId, SKU, ASIN, FNSKU, name and \
            marketplace country per item; use inventoryId with neonpanel_get_landed_cost. \
            Paginated: pass nextCursor back as cursor.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Searches one account's inventory items.
pub struct SearchInventory;

#[async_trait]
impl Tool for SearchInventory {
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
        let query = InventoryQuery {
            search: input.q.clone(),
            sku: None,
            page: page_of(LIST, input.cursor.as_deref())?,
            per_page: cx.page_size.get(),
        };
        let page = cx
            .api
            .list_inventory(grant.token(), &input.account_id, &query)
            .await?;
        encode(&map(page))
    }
}
