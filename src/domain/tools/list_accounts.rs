//! `neonpanel_list_accounts`: the NeonPanel companies the caller can reach.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::optional_text;
use super::{ToolId, ToolSpec, input_schema_for, schema_for};
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::Cursor;
use crate::domain::policy::AuthMode;
use crate::domain::upstream::{Company, Page};

/// Cursor namespace of this list.
pub const LIST: &str = "accounts";

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// Opaque cursor from a previous call's `nextCursor`; omit for the first page.
    #[schemars(example = &"76313a6163636f756e74733a32")]
    #[garde(custom(optional_text))]
    pub cursor: Option<String>,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The company UUID; pass it as `accountId` to the other tools.
    pub account_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl From<Company> for Account {
    fn from(c: Company) -> Self {
        Self {
            account_id: c.uuid,
            name: c.name,
            short_name: c.short_name,
            currency: c.currency,
            timezone: c.timezone,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub items: Vec<Account>,
    /// Present when more accounts follow; pass it back as `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Maps one upstream page; `keep` filters out accounts the caller cannot reach when the
/// call ran with the service token.
#[must_use]
pub fn map(page: Page<Company>, keep: impl Fn(&str) -> bool) -> Output {
    let next_cursor = Cursor::next(LIST, page.current_page, page.last_page);
    let items = page
        .data
        .into_iter()
        .filter(|c| keep(&c.uuid))
        .map(Account::from)
        .collect();
    Output { items, next_cursor }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        id: ToolId::ListAccounts,
        name: "neonpanel_list_accounts",
        alias: "neonpanel.listAccounts",
        title: "List NeonPanel accounts",
        description: "Lists the NeonPanel accounts (companies) the signed-in user can access, \
            with their currency and timezone. Call this first to find the accountId that every \
            other NeonPanel tool needs. Results are paginated: when nextCursor is present, call \
            again with it as cursor to get the next page.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_reachable_accounts_and_offers_the_next_page() {
        let page = Page {
            current_page: 1,
            per_page: 2,
            last_page: 2,
            data: vec![
                Company {
                    uuid: "acme".into(),
                    name: "Acme".into(),
                    ..Company::default()
                },
                Company {
                    uuid: "globex".into(),
                    name: "Globex".into(),
                    ..Company::default()
                },
            ],
        };
        let out = map(page, |uuid| uuid == "acme");
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].account_id, "acme");
        let next = out.next_cursor.expect("a next page");
        assert_eq!(Cursor::page_of(LIST, Some(&next)), Ok(2));
    }
}
