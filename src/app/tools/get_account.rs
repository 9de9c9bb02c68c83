//! `neonpanel_get_account`: one company and the caller's permissions in it.

use std::ops::ControlFlow;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::app::pages::walk_pages;
use crate::domain::arguments::ToolInput;
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::valid_account_id;
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::Company;

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The account (company UUID) from neonpanel_list_accounts.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(valid_account_id))]
    pub account_id: String,
}

impl ToolInput for Input {}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub account_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// NeonPanel permission names the caller holds in this account.
    pub permissions: Vec<String>,
}

#[must_use]
pub fn map(company: Company, permissions: Vec<String>) -> Output {
    Output {
        account_id: company.uuid,
        name: company.name,
        short_name: company.short_name,
        currency: company.currency,
        timezone: company.timezone,
        permissions,
    }
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_get_account",
        alias: "neonpanel.getAccount",
        title: "Get a NeonPanel account",
        description: "Returns one NeonPanel account (company) by accountId: its name, short \
            name, currency, timezone and the permissions the signed-in user holds in it. Use it \
            to check what the user may see before searching orders or inventory.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Looks one account up in the caller's company list, with their permissions there.
pub struct GetAccount;

#[async_trait]
impl Tool for GetAccount {
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
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let found = walk_pages(
            |page| cx.api.list_companies(grant.token(), page, PageSize::MAX),
            |companies| match companies.data.into_iter().find(|c| c.uuid == account) {
                Some(company) => ControlFlow::Break(company),
                None => ControlFlow::Continue(()),
            },
        )
        .await?;
        let company = found.ok_or_else(|| ToolFailure::no_access(account))?;
        let permissions = match grant {
            Grant::Service {
                permissions: Some(p),
                ..
            } => p
                .permissions_of(account)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            _ => cx.api.company_permissions(grant.token(), account).await?,
        };
        encode(&map(company, permissions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tools::testing::{context, json, page, service_grant, user_grant};
    use crate::domain::policy::AccountPermissions;
    use crate::ports::MockNeonPanelApi;

    #[tokio::test]
    async fn run_walks_the_company_pages_and_uses_introspected_permissions_without_asking() {
        // Arrange: acme is on page 2; no company_permissions call is expected.
        let mut api = MockNeonPanelApi::new();
        api.expect_list_companies()
            .withf(|_, page, per_page| *page == 1 && *per_page == PageSize::MAX)
            .times(1)
            .returning(|_, _, _| Ok(page(1, 2, vec![company("globex")])));
        api.expect_list_companies()
            .withf(|_, page, _| *page == 2)
            .times(1)
            .returning(|_, _, _| Ok(page(2, 2, vec![company("acme")])));
        let permissions = AccountPermissions {
            accounts: vec![("acme".into(), vec!["view_invoices".into()])],
        };
        let grant = service_grant(&["acme"], Some(permissions));
        let input = Input {
            account_id: "acme".into(),
        };

        // Act
        let out = GetAccount.run(context(&api), &grant, &input).await;

        // Assert
        let out = json(&out.expect("the account"));
        assert_eq!(out["accountId"], "acme");
        assert_eq!(out["permissions"], serde_json::json!(["view_invoices"]));
    }

    #[tokio::test]
    async fn run_answers_no_access_when_no_page_holds_the_account() {
        // Arrange
        let mut api = MockNeonPanelApi::new();
        api.expect_list_companies()
            .times(1)
            .returning(|_, _, _| Ok(page(1, 1, vec![company("globex")])));
        let input = Input {
            account_id: "acme".into(),
        };

        // Act
        let out = GetAccount.run(context(&api), &user_grant(), &input).await;

        // Assert
        assert_eq!(out.err(), Some(ToolFailure::no_access("acme")));
    }

    fn company(uuid: &str) -> Company {
        Company {
            uuid: uuid.into(),
            name: uuid.into(),
            ..Company::default()
        }
    }
}
