//! `neonpanel_list_accounts`: the NeonPanel companies the caller can reach.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode, page_of};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::Cursor;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::optional_text;
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
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

/// Lists the accounts the caller reaches.
pub struct ListAccounts;

#[async_trait]
impl Tool for ListAccounts {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, _input: &'a Input) -> Target<'a> {
        Target::Accounts
    }

    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let page = page_of(LIST, input.cursor.as_deref())?;
        let companies = cx
            .api
            .list_companies(grant.token(), page, cx.page_size.get())
            .await?;
        encode(&map(companies, |uuid| grant.reaches(uuid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tools::testing::{context, json, service_grant, user_grant};
    use crate::domain::tools::FailureCode;
    use crate::ports::MockNeonPanelApi;

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


    #[tokio::test]
    async fn run_with_the_service_token_shows_only_the_accounts_the_caller_reaches() {
        // Arrange
        let mut api = MockNeonPanelApi::new();
        api.expect_list_companies()
            .withf(|token, page, _| token.expose() == "service-token" && *page == 1)
            .times(1)
            .returning(|_, _, _| {
                Ok(crate::app::tools::testing::page(
                    1,
                    1,
                    vec![
                        Company {
                            uuid: "acme".into(),
                            ..Company::default()
                        },
                        Company {
                            uuid: "globex".into(),
                            ..Company::default()
                        },
                    ],
                ))
            });
        let input = Input { cursor: None };

        // Act
        let out = ListAccounts
            .run(context(&api), &service_grant(&["acme"], None), &input)
            .await;

        // Assert
        let out = json(&out.expect("accounts"));
        assert_eq!(out["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(out["items"][0]["accountId"], "acme");
    }

    #[tokio::test]
    async fn run_refuses_a_cursor_of_another_list_before_calling_neonpanel() {
        // Arrange
        let api = MockNeonPanelApi::new();
        let input = Input {
            cursor: Some(Cursor { list: "orders", page: 2 }.encode()),
        };

        // Act
        let out = ListAccounts.run(context(&api), &user_grant(), &input).await;

        // Assert
        let failure = out.expect_err("a cursor error");
        assert_eq!(failure.code, FailureCode::InvalidArguments);
    }
}
