//! `neonpanel_get_account`: one company and the caller's permissions in it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::valid_account_id;
use super::{ToolId, ToolSpec, input_schema_for, schema_for};
use crate::domain::arguments::ToolInput;
use crate::domain::policy::AuthMode;
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
        id: ToolId::GetAccount,
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
