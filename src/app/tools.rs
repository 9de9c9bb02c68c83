//! Runs one parsed tool call through the ports: credential, upstream calls, domain mapping.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::credentials::{Credentials, Grant};
use super::failure::{Target, ToolFailure};
use crate::domain::arguments::parse;
use crate::domain::error::FieldErrors;
use crate::domain::pagination::{Cursor, PageSize};
use crate::domain::policy::ToolPolicy;
use crate::domain::principal::Caller;
use crate::domain::tools::{
    ToolId, ToolSpec, get_account, get_landed_cost, get_revenue_and_cogs, get_stock_levels,
    list_accounts, plan_purchase, search_inventory, search_orders, search_purchase_orders,
};
use crate::domain::upstream::{InventoryQuery, InvoiceQuery, LandedCostQuery};
use crate::ports::NeonPanelApi;

mod reports;

/// Upper bound on pages read for one answer that spans pages (company lookup, batches).
const MAX_PAGES: u32 = 20;
/// Page size for those internal walks (NeonPanel's maximum).
const WALK_PAGE: u32 = 60;

/// A tool's arguments after lenient parsing and validation.
#[derive(Debug)]
pub enum ParsedCall {
    ListAccounts(list_accounts::Input),
    GetAccount(get_account::Input),
    SearchOrders(search_orders::Input),
    SearchInventory(search_inventory::Input),
    GetLandedCost(get_landed_cost::Input),
    PlanPurchase(plan_purchase::Input),
    GetRevenueAndCogs(get_revenue_and_cogs::Input),
    GetStockLevels(get_stock_levels::Input),
    SearchPurchaseOrders(search_purchase_orders::Input),
}

impl ParsedCall {
    /// # Errors
    /// Every invalid argument, with its field path.
    pub fn parse(spec: &ToolSpec, raw: Option<&Value>) -> Result<Self, FieldErrors> {
        let schema = &spec.input_schema;
        Ok(match spec.id {
            ToolId::ListAccounts => Self::ListAccounts(parse(raw, schema)?),
            ToolId::GetAccount => Self::GetAccount(parse(raw, schema)?),
            ToolId::SearchOrders => Self::SearchOrders(parse(raw, schema)?),
            ToolId::SearchInventory => Self::SearchInventory(parse(raw, schema)?),
            ToolId::GetLandedCost => Self::GetLandedCost(parse(raw, schema)?),
            ToolId::PlanPurchase => Self::PlanPurchase(parse(raw, schema)?),
            ToolId::GetRevenueAndCogs => Self::GetRevenueAndCogs(parse(raw, schema)?),
            ToolId::GetStockLevels => Self::GetStockLevels(parse(raw, schema)?),
            ToolId::SearchPurchaseOrders => Self::SearchPurchaseOrders(parse(raw, schema)?),
        })
    }
}

pub struct ToolRunner {
    credentials: Credentials,
    api: Arc<dyn NeonPanelApi>,
    policies: HashMap<ToolId, ToolPolicy>,
    page_size: PageSize,
}

impl ToolRunner {
    #[must_use]
    pub fn new(
        credentials: Credentials,
        api: Arc<dyn NeonPanelApi>,
        policies: HashMap<ToolId, ToolPolicy>,
        page_size: PageSize,
    ) -> Self {
        Self {
            credentials,
            api,
            policies,
            page_size,
        }
    }

    #[must_use]
    pub fn policy(&self, id: ToolId) -> Option<&ToolPolicy> {
        self.policies.get(&id)
    }

    /// Runs the call and returns its `structuredContent`, already serialized.
    ///
    /// # Errors
    /// A [`ToolFailure`] for any upstream, credential or access failure.
    #[tracing::instrument(skip_all, fields(tool = ?call_id(&call)))]
    pub async fn run(&self, caller: &Caller, call: ParsedCall) -> Result<ToolOutput, ToolFailure> {
        let id = call_id(&call);
        let policy = self
            .policies
            .get(&id)
            .ok_or_else(|| ToolFailure::new(500, "internal", "tool has no policy"))?;
        let missing = caller.principal.scopes.missing(&policy.extra_scopes);
        if !missing.is_empty() {
            let failure = ToolFailure::new(
                403,
                "forbidden",
                format!("this tool needs the scope {missing}"),
            );
            return Err(self.credentials.step_up(failure, &missing.to_string()));
        }
        let result = match &call {
            ParsedCall::ListAccounts(input) => {
                self.with_grant(caller, policy, |g| self.list_accounts(g, input))
                    .await
            }
            ParsedCall::GetAccount(input) => {
                self.with_grant(caller, policy, |g| self.get_account(g, input))
                    .await
            }
            ParsedCall::SearchOrders(input) => {
                self.with_grant(caller, policy, |g| self.search_orders(g, input))
                    .await
            }
            ParsedCall::SearchInventory(input) => {
                self.with_grant(caller, policy, |g| self.search_inventory(g, input))
                    .await
            }
            ParsedCall::GetLandedCost(input) => {
                self.with_grant(caller, policy, |g| self.landed_cost(g, input))
                    .await
            }
            ParsedCall::PlanPurchase(input) => {
                self.with_grant(caller, policy, |g| self.plan_purchase(g, input))
                    .await
            }
            ParsedCall::GetRevenueAndCogs(input) => {
                self.with_grant(caller, policy, |g| self.revenue_and_cogs(g, input))
                    .await
            }
            ParsedCall::GetStockLevels(input) => {
                self.with_grant(caller, policy, |g| self.stock_levels(g, input))
                    .await
            }
            ParsedCall::SearchPurchaseOrders(input) => {
                self.with_grant(caller, policy, |g| self.purchase_orders(g, input))
                    .await
            }
        };
        result.map_err(|failure| failure.about(target_of(&call)))
    }

    /// Runs `body` with a credential; on an upstream 401 the credential is evicted and the
    /// body runs once more with a fresh one (docs/design.md §4).
    async fn with_grant<F, Fut>(
        &self,
        caller: &Caller,
        policy: &ToolPolicy,
        body: F,
    ) -> Result<ToolOutput, ToolFailure>
    where
        F: Fn(Grant) -> Fut,
        Fut: Future<Output = Result<ToolOutput, ToolFailure>>,
    {
        let grant = self.credentials.grant(caller, policy).await?;
        match body(grant.clone()).await {
            Err(failure) if failure.code == "unauthorized" => {
                self.credentials.evict(caller, &grant).await;
                let fresh = self.credentials.grant(caller, policy).await?;
                body(fresh).await.map_err(|failure| {
                    if failure.code == "unauthorized" {
                        self.credentials.reauthenticate(failure)
                    } else {
                        failure
                    }
                })
            }
            other => other,
        }
    }

    async fn list_accounts(
        &self,
        grant: Grant,
        input: &list_accounts::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let page = page_of(list_accounts::LIST, input.cursor.as_deref())?;
        let companies = self
            .api
            .list_companies(grant.token(), page, self.page_size.get())
            .await?;
        encode(&list_accounts::map(companies, |uuid| grant.reaches(uuid)))
    }

    async fn get_account(
        &self,
        grant: Grant,
        input: &get_account::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let mut page = 1;
        let company = loop {
            let companies = self
                .api
                .list_companies(grant.token(), page, WALK_PAGE)
                .await?;
            let last = companies.last_page;
            if let Some(found) = companies.data.into_iter().find(|c| c.uuid == account) {
                break found;
            }
            if page >= last || page >= MAX_PAGES {
                return Err(ToolFailure::no_access(account));
            }
            page += 1;
        };
        let permissions = match &grant {
            Grant::Service {
                permissions: Some(p),
                ..
            } => p
                .permissions_of(account)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            _ => self.api.company_permissions(grant.token(), account).await?,
        };
        encode(&get_account::map(company, permissions))
    }

    async fn search_orders(
        &self,
        grant: Grant,
        input: &search_orders::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        grant.ensure_reach(&input.account_id)?;
        let query = InvoiceQuery {
            search: input.q.clone(),
            start_date: input.from.clone(),
            end_date: input.to.clone(),
            page: page_of(search_orders::LIST, input.cursor.as_deref())?,
            per_page: self.page_size.get(),
        };
        let page = self
            .api
            .list_invoices(grant.token(), &input.account_id, &query)
            .await?;
        encode(&search_orders::map(page))
    }

    async fn search_inventory(
        &self,
        grant: Grant,
        input: &search_inventory::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        grant.ensure_reach(&input.account_id)?;
        let query = InventoryQuery {
            search: input.q.clone(),
            sku: None,
            page: page_of(search_inventory::LIST, input.cursor.as_deref())?,
            per_page: self.page_size.get(),
        };
        let page = self
            .api
            .list_inventory(grant.token(), &input.account_id, &query)
            .await?;
        encode(&search_inventory::map(page))
    }

    async fn landed_cost(
        &self,
        grant: Grant,
        input: &get_landed_cost::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let token = grant.token();
        let warehouses = match &input.warehouse_id {
            Some(w) => vec![w.clone()],
            None => {
                let details = self
                    .api
                    .inventory_details(token, account, input.inventory_id)
                    .await?;
                let mut uuids: Vec<String> = details
                    .balances_data
                    .into_iter()
                    .flat_map(|b| b.balances_list)
                    .map(|b| b.warehouse.uuid)
                    .filter(|u| !u.is_empty())
                    .collect();
                uuids.dedup();
                uuids
            }
        };
        let start_date = input
            .from
            .clone()
            .unwrap_or_else(|| get_landed_cost::DEFAULT_FROM.into());
        let mut pages = Vec::new();
        for warehouse in warehouses {
            let mut query = LandedCostQuery {
                warehouse_uuid: warehouse.clone(),
                start_date: start_date.clone(),
                page: 1,
                per_page: WALK_PAGE,
            };
            loop {
                let page = self
                    .api
                    .landed_cost(token, account, input.inventory_id, &query)
                    .await?;
                let more = page.current_page < page.last_page && query.page < MAX_PAGES;
                pages.push((warehouse.clone(), page));
                if !more {
                    break;
                }
                query.page += 1;
            }
        }
        encode(&get_landed_cost::map(
            input.inventory_id,
            pages,
            input.batch_id.as_deref(),
        ))
    }

    async fn plan_purchase(
        &self,
        grant: Grant,
        input: &plan_purchase::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let query = InventoryQuery {
            search: None,
            sku: Some(input.sku.clone()),
            page: 1,
            per_page: WALK_PAGE,
        };
        let items = self
            .api
            .list_inventory(grant.token(), account, &query)
            .await?;
        let item = items
            .data
            .iter()
            .find(|i| i.sku.as_deref() == Some(input.sku.as_str()))
            .or_else(|| {
                items.data.iter().find(|i| {
                    i.sku
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(&input.sku))
                })
            })
            .ok_or_else(|| {
                ToolFailure::new(
                    404,
                    "not_found",
                    format!("SKU {} was not found in account {account}.", input.sku),
                )
            })?;
        let details = self
            .api
            .inventory_details(grant.token(), account, item.id)
            .await?;
        encode(&plan_purchase::map(input, item.id, &details, None))
    }
}

fn call_id(call: &ParsedCall) -> ToolId {
    match call {
        ParsedCall::ListAccounts(_) => ToolId::ListAccounts,
        ParsedCall::GetAccount(_) => ToolId::GetAccount,
        ParsedCall::SearchOrders(_) => ToolId::SearchOrders,
        ParsedCall::SearchInventory(_) => ToolId::SearchInventory,
        ParsedCall::GetLandedCost(_) => ToolId::GetLandedCost,
        ParsedCall::PlanPurchase(_) => ToolId::PlanPurchase,
        ParsedCall::GetRevenueAndCogs(_) => ToolId::GetRevenueAndCogs,
        ParsedCall::GetStockLevels(_) => ToolId::GetStockLevels,
        ParsedCall::SearchPurchaseOrders(_) => ToolId::SearchPurchaseOrders,
    }
}

/// What a call is about, for naming it in a refusal or a miss.
fn target_of(call: &ParsedCall) -> Target<'_> {
    match call {
        ParsedCall::ListAccounts(_) => Target::Accounts,
        ParsedCall::GetAccount(i) => Target::Account(&i.account_id),
        ParsedCall::SearchOrders(i) => Target::Account(&i.account_id),
        ParsedCall::SearchInventory(i) => Target::Account(&i.account_id),
        ParsedCall::GetLandedCost(i) => Target::InventoryItem {
            account: &i.account_id,
            id: i.inventory_id,
        },
        ParsedCall::PlanPurchase(i) => Target::Account(&i.account_id),
        ParsedCall::GetRevenueAndCogs(i) => i
            .account_id
            .as_deref()
            .map_or(Target::Accounts, Target::Account),
        ParsedCall::GetStockLevels(i) => match i.inventory_id {
            Some(id) => Target::InventoryItem {
                account: &i.account_id,
                id,
            },
            None => Target::Account(&i.account_id),
        },
        ParsedCall::SearchPurchaseOrders(i) => Target::Account(&i.account_id),
    }
}

fn page_of(list: &'static str, cursor: Option<&str>) -> Result<u32, ToolFailure> {
    Cursor::page_of(list, cursor)
        .map_err(|e| ToolFailure::invalid_arguments(&FieldErrors::single("cursor", e.to_string())))
}

/// A tool's `structuredContent` as JSON text: the typed output serialized once. The same text
/// becomes `content[0].text` and is embedded verbatim as `structuredContent`, so no `Value`
/// tree is built and nothing is serialized twice.
pub type ToolOutput = Box<RawValue>;

fn encode<T: Serialize>(output: &T) -> Result<ToolOutput, ToolFailure> {
    serde_json::value::to_raw_value(output)
        .map_err(|_| ToolFailure::new(500, "internal", "the result could not be encoded"))
}
