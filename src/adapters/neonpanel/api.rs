//! [`NeonPanelApi`] over HTTP (docs/design.md §5, paths of `neonpanel-openapi.json`): one `GET` per
//! method, retried as [`retry`] decides, every failure normalised to an [`UpstreamError`] as [`answer`] reads it.

mod answer;
mod retry;

use std::time::Duration;

use serde::de::DeserializeOwned;

use self::answer::interpret;
use self::retry::retry_delay;
use crate::adapters::metrics::Endpoint;
use crate::adapters::outbound::{Outbound, OutboundRequest, Target};
use crate::domain::error::{UpstreamError, UpstreamErrorKind};
use crate::domain::secret::BearerToken;
use crate::domain::upstream::{
    Company, DatedSearch, InventoryDetails, InventoryItem, InventoryOrder, InventoryOrderQuery,
    InventoryQuery, Invoice, InvoiceQuery, LandedCost, LandedCostQuery, Page, Permissions,
    RevenueAndCogs, RevenueQuery, Warehouse, WarehouseHoldings,
};
use crate::ports::NeonPanelApi;

/// Where NeonPanel lives and how persistently to call it.
#[derive(Clone, Debug)]
pub(crate) struct ApiConfig {
    /// `NEONPANEL_API_BASE`, e.g. `https://my.neonpanel.com`; a trailing `/` is ignored.
    pub base_url: String,
    /// Retries of a `GET` after its first attempt (docs/design.md §5: at most 2).
    pub max_retries: u32,
    /// Delay before the first retry; doubles per retry, with jitter.
    pub backoff_base: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            base_url: "https://my.neonpanel.com".into(),
            max_retries: 2,
            backoff_base: Duration::from_millis(200),
        }
    }
}

/// The NeonPanel REST API through the shared [`Outbound`] client.
#[derive(Clone)]
pub(crate) struct HttpNeonPanelApi {
    config: ApiConfig,
    /// `base_url`, parsed once: a call then only sets its path.
    base: Option<url::Url>,
    outbound: Outbound,
}

impl HttpNeonPanelApi {
    #[must_use]
    pub(crate) fn new(config: ApiConfig, outbound: Outbound) -> Self {
        let base = url::Url::parse(&config.base_url)
            .ok()
            .filter(|url| !url.cannot_be_a_base() && url.query().is_none())
            .filter(|url| url.fragment().is_none());
        Self {
            config,
            base,
            outbound,
        }
    }

    /// `{base}{path}`; a base that did not parse is passed on as text, so the call reports it.
    fn target(&self, path: &str) -> Target {
        match &self.base {
            Some(base) => {
                let mut url = base.clone();
                url.set_path(&format!("{}{path}", base.path().trim_end_matches('/')));
                Target::Parsed(url)
            }
            None => Target::Text(format!(
                "{}{path}",
                self.config.base_url.trim_end_matches('/')
            )),
        }
    }

    /// `{base}/api/v1/companies/{company}` followed by `tail`.
    fn company_url(&self, company: &str, tail: &str) -> Result<Target, UpstreamError> {
        Ok(self.target(&format!(
            "/api/v1/companies/{}{tail}",
            path_segment(company)?
        )))
    }

    #[tracing::instrument(name = "neonpanel_api", skip_all, fields(operation = operation))]
    async fn get<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        token: &BearerToken,
        url: Target,
        query: Vec<(&'static str, String)>,
    ) -> Result<T, UpstreamError> {
        let mut retries = 0;
        loop {
            let mut request = OutboundRequest::get(url.clone())
                .header("accept", "application/json")
                .header("authorization", format!("Bearer {}", token.expose()))
                .endpoint(Endpoint::of_operation(operation));
            request.query.clone_from(&query);
            let result = self.outbound.send(request).await;
            match retry_delay(&result, retries, &self.config) {
                Some(delay) => {
                    retries += 1;
                    tracing::debug!(retries, ?delay, "retrying NeonPanel call");
                    tokio::time::sleep(delay).await;
                }
                None => return interpret(result),
            }
        }
    }
}

#[async_trait::async_trait]
impl NeonPanelApi for HttpNeonPanelApi {
    async fn list_companies(
        &self,
        token: &BearerToken,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Company>, UpstreamError> {
        let url = self.target("/api/v1/companies");
        let query = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        self.get("list_companies", token, url, query).await
    }

    async fn company_permissions(
        &self,
        token: &BearerToken,
        company: &str,
    ) -> Result<Vec<String>, UpstreamError> {
        let url = self.company_url(company, "/permissions")?;
        let answer: Permissions = self
            .get("company_permissions", token, url, Vec::new())
            .await?;
        Ok(answer.permissions)
    }

    async fn list_invoices(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InvoiceQuery,
    ) -> Result<Page<Invoice>, UpstreamError> {
        let url = self.company_url(company, "/invoices")?;
        self.get("list_invoices", token, url, dated_search_params(query))
            .await
    }

    async fn get_invoice(
        &self,
        token: &BearerToken,
        company: &str,
        invoice_id: i64,
    ) -> Result<Invoice, UpstreamError> {
        let url = self.company_url(company, &format!("/invoices/{invoice_id}"))?;
        self.get("get_invoice", token, url, Vec::new()).await
    }

    async fn list_inventory(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InventoryQuery,
    ) -> Result<Page<InventoryItem>, UpstreamError> {
        let url = self.company_url(company, "/inventory-items")?;
        let mut params = Vec::new();
        push_some(&mut params, "search", query.search.as_deref());
        push_some(&mut params, "sku", query.sku.as_deref());
        params.push(("page", query.page.to_string()));
        params.push(("per_page", query.per_page.to_string()));
        self.get("list_inventory", token, url, params).await
    }

    async fn landed_cost(
        &self,
        token: &BearerToken,
        company: &str,
        inventory_id: i64,
        query: &LandedCostQuery,
    ) -> Result<LandedCost, UpstreamError> {
        let url = self.company_url(
            company,
            &format!("/inventory-items/{inventory_id}/landed-cost"),
        )?;
        let mut params = Vec::new();
        push_some(&mut params, "warehouse_uuid", Some(&query.warehouse_uuid));
        push_some(&mut params, "start_date", Some(&query.start_date));
        params.push(("page", query.page.to_string()));
        params.push(("per_page", query.per_page.to_string()));
        self.get("landed_cost", token, url, params).await
    }

    async fn inventory_details(
        &self,
        token: &BearerToken,
        company: &str,
        inventory_id: i64,
    ) -> Result<InventoryDetails, UpstreamError> {
        let url = self.company_url(
            company,
            &format!("/inventory-items/{inventory_id}/balances"),
        )?;
        self.get("inventory_details", token, url, Vec::new()).await
    }

    async fn revenue_and_cogs(
        &self,
        token: &BearerToken,
        query: &RevenueQuery,
    ) -> Result<RevenueAndCogs, UpstreamError> {
        let url = self.target("/api/v1/revenue-and-cogs");
        let params = vec![
            ("company_uuids", query.company_uuid.clone()),
            ("grouping", query.grouping.as_str().to_owned()),
            ("periodicity", query.periodicity.as_str().to_owned()),
            ("start_date", query.start_date.clone()),
            ("end_date", query.end_date.clone()),
        ];
        self.get("revenue_and_cogs", token, url, params).await
    }

    async fn list_warehouses(
        &self,
        token: &BearerToken,
        company: &str,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Warehouse>, UpstreamError> {
        let url = self.company_url(company, "/warehouses")?;
        let params = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        self.get("list_warehouses", token, url, params).await
    }

    async fn warehouse_balances(
        &self,
        token: &BearerToken,
        company: &str,
        warehouse: &str,
        page: u32,
        per_page: u32,
    ) -> Result<WarehouseHoldings, UpstreamError> {
        let tail = format!("/warehouses/{}/balances", path_segment(warehouse)?);
        let url = self.company_url(company, &tail)?;
        let params = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        self.get("warehouse_balances", token, url, params).await
    }

    async fn list_inventory_orders(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InventoryOrderQuery,
    ) -> Result<Page<InventoryOrder>, UpstreamError> {
        let url = self.company_url(company, "/inventory-orders")?;
        self.get(
            "list_inventory_orders",
            token,
            url,
            dated_search_params(query),
        )
        .await
    }
}

/// The parameters of a dated search (invoices, inventory orders).
fn dated_search_params(query: &DatedSearch) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    push_some(&mut params, "search", query.search.as_deref());
    push_some(&mut params, "start_date", query.start_date.as_deref());
    push_some(&mut params, "end_date", query.end_date.as_deref());
    params.push(("page", query.page.to_string()));
    params.push(("per_page", query.per_page.to_string()));
    params
}

/// Adds `name=value` unless the value is absent or blank (NeonPanel reads `search=` as a filter).
fn push_some(params: &mut Vec<(&'static str, String)>, name: &'static str, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
        params.push((name, value.to_owned()));
    }
}

/// One path segment, percent-encoded (RFC 3986 §3.3) so an id can never add a segment, a query
/// or a fragment. Empty, `.` and `..` are refused: no encoding stops dot-segment removal.
fn path_segment(value: &str) -> Result<String, UpstreamError> {
    if matches!(value, "" | "." | "..") {
        return Err(UpstreamError::new(
            0,
            UpstreamErrorKind::ValidationFailed,
            "the account id is not a valid NeonPanel identifier",
        ));
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
