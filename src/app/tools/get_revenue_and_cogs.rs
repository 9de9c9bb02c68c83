//! `neonpanel_get_revenue_and_cogs`: revenue, cost of goods sold and gross margin per period
//! and group, for one account or every account the caller reaches.

use std::ops::ControlFlow;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::app::pages::walk_pages;
use crate::domain::arguments::ToolInput;
use crate::domain::error::FieldErrors;
use crate::domain::error::UpstreamErrorKind;
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::tools::common::{is_iso_date, valid_account_id};
use crate::domain::tools::{ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::{Grouping, Periodicity, RevenueAndCogsRow, RevenueQuery};

/// At most this many accounts are reported on in one call (one NeonPanel request each).
pub const MAX_ACCOUNTS: usize = 20;
/// NeonPanel requests in flight at once for a report over several accounts; answers keep the
/// accounts' order.
const CONCURRENT_ACCOUNTS: usize = 4;

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    #[default]
    Total,
    Yearly,
    Quarterly,
    Monthly,
}

impl From<Period> for Periodicity {
    fn from(p: Period) -> Self {
        match p {
            Period::Total => Self::Total,
            Period::Yearly => Self::Yearly,
            Period::Quarterly => Self::Quarterly,
            Period::Monthly => Self::Monthly,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Account,
    Country,
}

impl From<GroupBy> for Grouping {
    fn from(g: GroupBy) -> Self {
        match g {
            GroupBy::Account => Self::Company,
            GroupBy::Country => Self::Country,
        }
    }
}

#[allow(clippy::ptr_arg)] // garde passes the field itself
fn optional_account_id(value: &Option<String>, ctx: &()) -> garde::Result {
    value.as_ref().map_or(Ok(()), |v| valid_account_id(v, ctx))
}

#[allow(clippy::ptr_arg)] // garde passes the field itself
fn required_date(value: &String, _ctx: &()) -> garde::Result {
    if is_iso_date(value) {
        Ok(())
    } else {
        Err(garde::Error::new("must be a date written YYYY-MM-DD"))
    }
}

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// One account (company UUID) from neonpanel_list_accounts; omit to report on every
    /// account you can reach (up to 20), each in its own currency.
    #[schemars(example = &"a1b2c3d4e5f6g7h8i9j0")]
    #[garde(custom(optional_account_id))]
    pub account_id: Option<String>,
    /// First day of the range, YYYY-MM-DD (inclusive).
    #[schemars(example = &"2025-07-01")]
    #[garde(custom(required_date))]
    pub from: String,
    /// Last day of the range, YYYY-MM-DD (inclusive).
    #[schemars(example = &"2025-09-30")]
    #[garde(custom(required_date))]
    pub to: String,
    /// How to split the range: total (default, one period), yearly, quarterly or monthly.
    /// Periods are calendar years, quarters or months cut to from/to.
    #[schemars(example = &"monthly")]
    #[garde(skip)]
    pub periodicity: Option<Period>,
    /// Break each period down by account (default) or by country (marketplace).
    #[schemars(example = &"country")]
    #[garde(skip)]
    pub group_by: Option<GroupBy>,
}

impl ToolInput for Input {
    fn cross_check(&self, errors: &mut FieldErrors) {
        // ISO dates compare correctly as text.
        if self.from > self.to {
            errors.push("from", "must not be after `to`");
        }
    }
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub account_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Marketplace country code, when grouped by country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// First day of the period, YYYY-MM-DD.
    pub period_start: String,
    /// Last day of the period, YYYY-MM-DD.
    pub period_end: String,
    pub currency: String,
    pub revenue: f64,
    /// Cost of goods sold.
    pub cogs: f64,
    /// revenue − cogs.
    pub gross_margin: f64,
    /// grossMargin / revenue × 100; absent when revenue is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross_margin_percent: Option<f64>,
}

/// The sums over every row in one currency (amounts in different currencies are never added).
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Total {
    pub currency: String,
    pub revenue: f64,
    pub cogs: f64,
    pub gross_margin: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross_margin_percent: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub from: String,
    pub to: String,
    pub periodicity: Period,
    pub group_by: GroupBy,
    /// The accounts reported on.
    pub account_ids: Vec<String>,
    pub rows: Vec<Row>,
    pub totals: Vec<Total>,
    /// Present when some accounts were left out: more than 20 reachable, or NeonPanel
    /// refused the report for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

fn percent(margin: f64, revenue: f64) -> Option<f64> {
    (revenue.abs() > f64::EPSILON).then(|| (margin / revenue * 10_000.0).round() / 100.0)
}

fn date_part(text: Option<String>, fallback: &str) -> String {
    text.map_or_else(|| fallback.to_owned(), |d| d.chars().take(10).collect())
}

/// One account's answer, as `(account id, account name, rows)`.
pub type AccountReport = (String, Option<String>, Vec<RevenueAndCogsRow>);

/// Maps every account's rows into one answer with per-currency totals.
#[must_use]
pub fn map(
    input: &Input,
    reports: Vec<AccountReport>,
    skipped: usize,
    refused: &[String],
) -> Output {
    let mut rows = Vec::new();
    let mut account_ids = Vec::new();
    for (account, name, data) in reports {
        account_ids.push(account.clone());
        for row in data {
            let revenue = cents(row.revenue_amount);
            let cogs = cents(row.cogs_amount);
            let margin = cents(revenue - cogs);
            let account_name = row
                .company
                .as_ref()
                .map(|c| c.name.clone())
                .or(name.clone());
            rows.push(Row {
                account_id: account.clone(),
                account_name: account_name.filter(|n| !n.is_empty()),
                country: row.country_code,
                period_start: date_part(row.start_date, &input.from),
                period_end: date_part(row.end_date, &input.to),
                currency: row.currency.unwrap_or_default(),
                revenue,
                cogs,
                gross_margin: margin,
                gross_margin_percent: percent(margin, revenue),
            });
        }
    }
    let mut totals: Vec<Total> = Vec::new();
    for row in &rows {
        let total = match totals.iter_mut().position(|t| t.currency == row.currency) {
            Some(i) => totals.get_mut(i),
            None => {
                totals.push(Total {
                    currency: row.currency.clone(),
                    revenue: 0.0,
                    cogs: 0.0,
                    gross_margin: 0.0,
                    gross_margin_percent: None,
                });
                totals.last_mut()
            }
        };
        if let Some(total) = total {
            total.revenue = cents(total.revenue + row.revenue);
            total.cogs = cents(total.cogs + row.cogs);
        }
    }
    for total in &mut totals {
        total.gross_margin = cents(total.revenue - total.cogs);
        total.gross_margin_percent = percent(total.gross_margin, total.revenue);
    }
    Output {
        from: input.from.clone(),
        to: input.to.clone(),
        periodicity: input.periodicity.unwrap_or_default(),
        group_by: input.group_by.unwrap_or_default(),
        account_ids,
        rows,
        totals,
        note: note(skipped, refused),
    }
}

fn note(skipped: usize, refused: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    if skipped > 0 {
        parts.push(format!(
            "{skipped} more account(s) were left out: at most {MAX_ACCOUNTS} are reported at \
             once; pass accountId for the others."
        ));
    }
    if !refused.is_empty() {
        parts.push(format!(
            "NeonPanel refused this report for account(s) {}; your role there may not include \
             it.",
            refused.join(", ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "neonpanel_get_revenue_and_cogs",
        alias: "neonpanel.getRevenueAndCogs",
        title: "Get revenue and COGS",
        description: "Answers \"what did I sell and what did I make?\" for a date range: revenue, \
            cost of goods sold (COGS, at landed cost), gross margin and gross margin % from \
            NeonPanel's accounting. Give from and to (YYYY-MM-DD, inclusive); split the range \
            with periodicity (total, yearly, quarterly, monthly) and break it down by account \
            or country with groupBy. Without accountId it covers every account you can reach \
            (up to 20). Returns one row per period and group with its currency, and totals per \
            currency; amounts in different currencies are never added together. Use it for profit, \
            sales or margin questions over a period; for single orders use \
            neonpanel_search_orders.",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// Revenue, COGS and gross margin of one account or every account the caller reaches.
pub struct GetRevenueAndCogs;

/// The accounts a report without `accountId` covers: the caller's own company list, kept to
/// the accounts the grant reaches, so a service-token call never sees more than the caller.
async fn reached_accounts(
    cx: ToolContext<'_>,
    grant: &Grant,
) -> Result<Vec<(String, Option<String>)>, ToolFailure> {
    let mut accounts = Vec::new();
    walk_pages(
        |page| cx.api.list_companies(grant.token(), page, PageSize::MAX),
        |companies| {
            accounts.extend(
                companies
                    .data
                    .into_iter()
                    .filter(|c| grant.reaches(&c.uuid))
                    .map(|c| (c.uuid, Some(c.name))),
            );
            ControlFlow::<()>::Continue(())
        },
    )
    .await?;
    Ok(accounts)
}

#[async_trait]
impl Tool for GetRevenueAndCogs {
    type Input = Input;

    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn target<'a>(&self, input: &'a Input) -> Target<'a> {
        input
            .account_id
            .as_deref()
            .map_or(Target::Accounts, Target::Account)
    }

    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let everything = input.account_id.is_none();
        let mut accounts = match &input.account_id {
            Some(account) => {
                grant.ensure_reach(account)?;
                vec![(account.clone(), None)]
            }
            None => reached_accounts(cx, grant).await?,
        };
        let skipped = accounts.len().saturating_sub(MAX_ACCOUNTS);
        accounts.truncate(MAX_ACCOUNTS);
        // One company per request: how NeonPanel reads a repeated `company_uuids` is not
        // documented beyond `explode`, and one account per answer keeps currencies apart.
        let answers: Vec<_> = stream::iter(accounts)
            .map(|(account, name)| async move {
                let query = RevenueQuery {
                    company_uuid: account.clone(),
                    start_date: input.from.clone(),
                    end_date: input.to.clone(),
                    periodicity: input.periodicity.unwrap_or_default().into(),
                    grouping: input.group_by.unwrap_or_default().into(),
                };
                let answer = cx.api.revenue_and_cogs(grant.token(), &query).await;
                (account, name, answer)
            })
            .buffered(CONCURRENT_ACCOUNTS)
            .collect()
            .await;
        let mut reports: Vec<AccountReport> = Vec::with_capacity(answers.len());
        let mut refused = Vec::new();
        for (account, name, answer) in answers {
            match answer {
                Ok(answer) => reports.push((account, name, answer.data)),
                // Over every account, one whose role lacks the report is left out and named,
                // rather than failing the whole answer.
                Err(e) if everything && e.kind == UpstreamErrorKind::Forbidden => {
                    refused.push(account);
                }
                Err(e) => return Err(e.into()),
            }
        }
        encode(&map(input, reports, skipped, &refused))
    }
}

#[cfg(test)]
mod tests;
