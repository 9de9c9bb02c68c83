//! Run logic of the reporting tools: revenue and COGS, stock levels, purchase orders.

use super::{MAX_PAGES, ToolOutput, ToolRunner, WALK_PAGE, encode, page_of};
use crate::app::credentials::Grant;
use crate::app::failure::ToolFailure;
use crate::domain::error::UpstreamErrorKind;
use crate::domain::tools::get_revenue_and_cogs::{self as revenue, AccountReport};
use crate::domain::tools::{get_stock_levels as stock, search_purchase_orders as orders};
use crate::domain::upstream::{InventoryOrderQuery, RevenueQuery};

impl ToolRunner {
    /// The accounts a report without `accountId` covers: the caller's company list, kept to
    /// the accounts the grant reaches, so a service-token call never sees more than the caller.
    async fn reached_accounts(
        &self,
        grant: &Grant,
    ) -> Result<Vec<(String, Option<String>)>, ToolFailure> {
        let mut accounts = Vec::new();
        let mut page = 1;
        loop {
            let companies = self
                .api
                .list_companies(grant.token(), page, WALK_PAGE)
                .await?;
            let last = companies.last_page;
            accounts.extend(
                companies
                    .data
                    .into_iter()
                    .filter(|c| grant.reaches(&c.uuid))
                    .map(|c| (c.uuid, Some(c.name))),
            );
            if page >= last || page >= MAX_PAGES {
                return Ok(accounts);
            }
            page += 1;
        }
    }

    pub(super) async fn revenue_and_cogs(
        &self,
        grant: Grant,
        input: &revenue::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let everything = input.account_id.is_none();
        let mut accounts = match &input.account_id {
            Some(account) => {
                grant.ensure_reach(account)?;
                vec![(account.clone(), None)]
            }
            None => self.reached_accounts(&grant).await?,
        };
        let skipped = accounts.len().saturating_sub(revenue::MAX_ACCOUNTS);
        accounts.truncate(revenue::MAX_ACCOUNTS);
        let mut reports: Vec<AccountReport> = Vec::with_capacity(accounts.len());
        let mut refused = Vec::new();
        for (account, name) in accounts {
            // One company per request: how NeonPanel parses a repeated `company_uuids` is not
            // documented beyond `explode`, and one account per answer keeps currencies apart.
            let query = RevenueQuery {
                company_uuid: account.clone(),
                start_date: input.from.clone(),
                end_date: input.to.clone(),
                periodicity: input.periodicity.unwrap_or_default().into(),
                grouping: input.group_by.unwrap_or_default().into(),
            };
            match self.api.revenue_and_cogs(grant.token(), &query).await {
                Ok(answer) => reports.push((account, name, answer.data)),
                // Over every account, one whose role lacks the report is left out and named,
                // rather than failing the whole answer.
                Err(e) if everything && e.kind == UpstreamErrorKind::Forbidden => {
                    refused.push(account);
                }
                Err(e) => return Err(e.into()),
            }
        }
        encode(&revenue::map(input, reports, skipped, &refused))
    }

    pub(super) async fn stock_levels(
        &self,
        grant: Grant,
        input: &stock::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let account = input.account_id.as_str();
        grant.ensure_reach(account)?;
        let token = grant.token();
        if let Some(id) = input.inventory_id {
            let details = self.api.inventory_details(token, account, id).await?;
            return encode(&stock::map_item(id, details, input.warehouse_id.as_deref()));
        }
        let per_page = self.page_size.get();
        match &input.warehouse_id {
            Some(warehouse) => {
                let page = page_of(stock::HOLDINGS, input.cursor.as_deref())?;
                let holdings = self
                    .api
                    .warehouse_balances(token, account, warehouse, page, per_page)
                    .await
                    .map_err(|e| match e.kind {
                        // A 404 here is the warehouse, not the account.
                        UpstreamErrorKind::NotFound => ToolFailure::new(
                            404,
                            "not_found",
                            format!(
                                "Warehouse {warehouse} was not found in account {account}. \
                                 Call neonpanel_get_stock_levels without warehouseId to list \
                                 the warehouses."
                            ),
                        ),
                        _ => ToolFailure::from(e),
                    })?;
                encode(&stock::map_holdings(warehouse, holdings))
            }
            None => {
                let page = page_of(stock::WAREHOUSES, input.cursor.as_deref())?;
                let warehouses = self
                    .api
                    .list_warehouses(token, account, page, per_page)
                    .await?;
                encode(&stock::map_warehouses(warehouses))
            }
        }
    }

    pub(super) async fn purchase_orders(
        &self,
        grant: Grant,
        input: &orders::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        grant.ensure_reach(&input.account_id)?;
        let query = InventoryOrderQuery {
            search: input.q.clone(),
            start_date: input.from.clone(),
            end_date: input.to.clone(),
            page: page_of(orders::LIST, input.cursor.as_deref())?,
            per_page: self.page_size.get(),
        };
        let page = self
            .api
            .list_inventory_orders(grant.token(), &input.account_id, &query)
            .await?;
        encode(&orders::map(page))
    }
}
