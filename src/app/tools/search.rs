//! `search`: OpenAI's search tool for ChatGPT deep research and company knowledge. Finds
//! companies by name, and orders and inventory items through NeonPanel's own `search`, in every
//! account the caller reaches; answers `{"results":[{"id","title","url"}]}`.

use std::cmp::Reverse;

use async_trait::async_trait;
use futures_util::{StreamExt, future, stream};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::accounts::reachable_companies;
use super::{Tool, ToolContext, ToolOutput, encode};
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::ToolInput;
use crate::domain::error::{UpstreamError, UpstreamErrorKind};
use crate::domain::pagination::PageSize;
use crate::domain::policy::AuthMode;
use crate::domain::records::{RecordId, RecordKind, RecordUrls};
use crate::domain::tools::common::valid_query;
use crate::domain::tools::{AccountId, ToolSpec, input_schema_for, schema_for};
use crate::domain::upstream::{Company, InventoryItem, InventoryQuery, Invoice, InvoiceQuery};

pub const NAME: &str = "search";
/// Results in one answer: enough to choose from, few enough for a model's context.
pub const MAX_RESULTS: usize = 20;
/// Accounts searched in one call; the rest are reported as skipped.
pub const MAX_ACCOUNTS: usize = 25;
/// Accounts searched at once, so one search never floods NeonPanel.
pub const CONCURRENT_ACCOUNTS: usize = 4;

#[derive(Debug, Deserialize, JsonSchema, garde::Validate)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// What to look for: a company name, an order number, reference or customer, a SKU,
    /// ASIN or product name.
    #[schemars(example = &"INV-2024")]
    #[garde(custom(valid_query))]
    pub query: String,
}

impl ToolInput for Input {}

/// One record found.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Hit {
    /// Pass it to `fetch` for the whole record.
    pub id: String,
    pub title: String,
    /// Where a person sees the record in NeonPanel.
    pub url: String,
}

/// Why an account was not searched.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// NeonPanel did not answer within `NEONPANEL_HTTP_TIMEOUT_MS`.
    Timeout,
    /// NeonPanel refused the caller's role there.
    NoPermission,
    /// NeonPanel failed otherwise.
    Unavailable,
    /// More accounts than one search covers ([`MAX_ACCOUNTS`]).
    Limit,
}

/// An account that was not searched, and why.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub account_id: String,
    pub reason: SkipReason,
}

#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Output {
    pub results: Vec<Hit>,
    /// Present only when some accounts were not searched (`default`: so the schema does not
    /// require it either; clients that validate `structuredContent` would refuse the answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

#[must_use]
pub fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME,
        alias: "neonpanel.search",
        title: "Search NeonPanel",
        description: "Searches every NeonPanel account the user can access for companies (by \
            name), sales orders (by number, reference, customer or SKU) and inventory items (by \
            SKU, ASIN or name). Use it to find records when you do not know which account holds \
            them, then call fetch with a result's id for the full record. Returns up to 20 \
            results, best matches first, each with an id, a title and a NeonPanel link; \
            `skipped` lists accounts that could not be searched (timeout, no permission).",
        default_mode: AuthMode::User,
        input_schema: input_schema_for::<Input>(),
        output_schema: schema_for::<Output>(),
    }
}

/// A candidate result with its rank.
struct Ranked {
    score: u8,
    kind: RecordKind,
    hit: Hit,
}

/// 3 exact, 2 prefix, 1 substring of `text`; 0 when only NeonPanel's own search matched.
fn score(text: &str, needle: &str) -> u8 {
    let text = text.to_lowercase();
    if text == needle {
        3
    } else if text.starts_with(needle) {
        2
    } else {
        u8::from(text.contains(needle))
    }
}

/// Among equal scores: accounts, then orders, then items.
fn order(kind: RecordKind) -> usize {
    RecordKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(RecordKind::ALL.len())
}

fn why(error: &UpstreamError) -> SkipReason {
    match error.kind {
        UpstreamErrorKind::Timeout => SkipReason::Timeout,
        UpstreamErrorKind::Forbidden | UpstreamErrorKind::NotFound => SkipReason::NoPermission,
        _ => SkipReason::Unavailable,
    }
}

fn order_hit(urls: &RecordUrls, account: &AccountId, invoice: Invoice, needle: &str) -> Ranked {
    let id = RecordId {
        kind: RecordKind::Order,
        account: account.clone(),
        record: Some(invoice.id),
    };
    let number = invoice
        .name
        .clone()
        .or_else(|| invoice.ref_number.clone())
        .unwrap_or_else(|| invoice.id.to_string());
    let mut title = format!("Order {number}");
    if let Some(customer) = invoice.customer.as_ref().and_then(|c| c.name.as_deref()) {
        title.push_str(&format!(" for {customer}"));
    }
    if let Some(date) = &invoice.transaction_date {
        title.push_str(&format!(", {date}"));
    }
    Ranked {
        score: score(&number, needle),
        kind: RecordKind::Order,
        hit: Hit {
            url: urls.url(&id, invoice.link.as_deref()),
            id: id.to_string(),
            title,
        },
    }
}

fn item_hit(urls: &RecordUrls, account: &AccountId, item: InventoryItem, needle: &str) -> Ranked {
    let id = RecordId {
        kind: RecordKind::Item,
        account: account.clone(),
        record: Some(item.id),
    };
    let sku = item.sku.unwrap_or_default();
    let name = item.name.unwrap_or_else(|| format!("Item {}", item.id));
    Ranked {
        score: score(&sku, needle).max(score(&name, needle)),
        kind: RecordKind::Item,
        hit: Hit {
            url: urls.url(&id, None),
            id: id.to_string(),
            title: format!("{name} (SKU {sku})"),
        },
    }
}

fn company_hit(urls: &RecordUrls, account: &AccountId, company: &Company, needle: &str) -> Ranked {
    let id = RecordId::company(account.clone());
    Ranked {
        score: score(&company.name, needle)
            .max(company.short_name.as_deref().map_or(0, |s| score(s, needle))),
        kind: RecordKind::Company,
        hit: Hit {
            url: urls.url(&id, None),
            id: id.to_string(),
            title: format!("Account {}", company.name),
        },
    }
}

/// Searches one account's orders and items.
async fn search_account(
    cx: ToolContext<'_>,
    grant: &Grant,
    account: AccountId,
    query: &str,
) -> Result<Vec<Ranked>, (AccountId, UpstreamError)> {
    let needle = query.to_lowercase();
    let orders = InvoiceQuery {
        search: Some(query.to_owned()),
        page: 1,
        per_page: PageSize::MIN,
        ..InvoiceQuery::default()
    };
    let items = InventoryQuery {
        search: Some(query.to_owned()),
        sku: None,
        page: 1,
        per_page: PageSize::MIN,
    };
    let (orders, items) = future::join(
        cx.api.list_invoices(grant.token(), account.as_str(), &orders),
        cx.api.list_inventory(grant.token(), account.as_str(), &items),
    )
    .await;
    let (orders, items) = match (orders, items) {
        (Ok(orders), Ok(items)) => (orders, items),
        (Err(e), _) | (_, Err(e)) => return Err((account, e)),
    };
    Ok(orders
        .data
        .into_iter()
        .map(|i| order_hit(cx.urls, &account, i, &needle))
        .chain(
            items
                .data
                .into_iter()
                .map(|i| item_hit(cx.urls, &account, i, &needle)),
        )
        .collect())
}

/// `search`.
pub struct Search;

#[async_trait]
impl Tool for Search {
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
        let query = input.query.trim();
        let needle = query.to_lowercase();
        let companies = reachable_companies(cx, grant).await?;
        let mut ranked = Vec::new();
        let mut skipped = Vec::new();
        let mut accounts = Vec::new();
        for company in &companies {
            let Ok(account) = AccountId::parse(&company.uuid) else {
                continue;
            };
            let hit = company_hit(cx.urls, &account, company, &needle);
            if hit.score > 0 {
                ranked.push(hit);
            }
            if accounts.len() < MAX_ACCOUNTS {
                accounts.push(account);
            } else {
                skipped.push(Skipped {
                    account_id: account.to_string(),
                    reason: SkipReason::Limit,
                });
            }
        }
        let answers: Vec<_> = stream::iter(accounts)
            .map(|account| search_account(cx, grant, account, query))
            .buffer_unordered(CONCURRENT_ACCOUNTS)
            .collect()
            .await;
        for answer in answers {
            match answer {
                Ok(hits) => ranked.extend(hits),
                // A 401 is the credential's, not the account's: the runner retries the call.
                Err((_, error)) if error.kind == UpstreamErrorKind::Unauthorized => {
                    return Err(error.into());
                }
                Err((account, error)) => skipped.push(Skipped {
                    account_id: account.to_string(),
                    reason: why(&error),
                }),
            }
        }
        ranked.sort_by(|a, b| {
            (Reverse(a.score), order(a.kind), &a.hit.title, &a.hit.id).cmp(&(
                Reverse(b.score),
                order(b.kind),
                &b.hit.title,
                &b.hit.id,
            ))
        });
        skipped.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let results = ranked.into_iter().take(MAX_RESULTS).map(|r| r.hit).collect();
        encode(&Output { results, skipped })
    }
}

#[cfg(test)]
mod tests;
