//! The NeonPanel REST API, as typed calls (docs/design.md §5).

use crate::domain::error::UpstreamError;
use crate::domain::secret::BearerToken;
use crate::domain::upstream::{
    Company, InventoryDetails, InventoryItem, InventoryOrder, InventoryOrderQuery, InventoryQuery,
    Invoice, InvoiceQuery, LandedCost, LandedCostQuery, Page, RevenueAndCogs, RevenueQuery,
    Warehouse, WarehouseHoldings,
};

/// Every call takes the credential to send; the adapter never picks one itself.
///
/// # Errors
/// Every method fails with an [`UpstreamError`] normalised to the codes of docs/design.md §5.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait NeonPanelApi: Send + Sync + 'static {
    /// `GET /api/v1/companies?page&per_page`.
    async fn list_companies(
        &self,
        token: &BearerToken,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Company>, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/permissions`.
    async fn company_permissions(
        &self,
        token: &BearerToken,
        company: &str,
    ) -> Result<Vec<String>, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/invoices`.
    async fn list_invoices(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InvoiceQuery,
    ) -> Result<Page<Invoice>, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/invoices/{id}`: one invoice with its lines and customer.
    async fn get_invoice(
        &self,
        token: &BearerToken,
        company: &str,
        invoice_id: i64,
    ) -> Result<Invoice, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/inventory-items`.
    async fn list_inventory(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InventoryQuery,
    ) -> Result<Page<InventoryItem>, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/inventory-items/{id}/landed-cost`.
    async fn landed_cost(
        &self,
        token: &BearerToken,
        company: &str,
        inventory_id: i64,
        query: &LandedCostQuery,
    ) -> Result<LandedCost, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/inventory-items/{id}/balances`.
    async fn inventory_details(
        &self,
        token: &BearerToken,
        company: &str,
        inventory_id: i64,
    ) -> Result<InventoryDetails, UpstreamError>;

    /// `GET /api/v1/revenue-and-cogs` for the one company of `query`.
    async fn revenue_and_cogs(
        &self,
        token: &BearerToken,
        query: &RevenueQuery,
    ) -> Result<RevenueAndCogs, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/warehouses?page&per_page`.
    async fn list_warehouses(
        &self,
        token: &BearerToken,
        company: &str,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Warehouse>, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/warehouses/{warehouse}/balances?page&per_page`.
    async fn warehouse_balances(
        &self,
        token: &BearerToken,
        company: &str,
        warehouse: &str,
        page: u32,
        per_page: u32,
    ) -> Result<WarehouseHoldings, UpstreamError>;

    /// `GET /api/v1/companies/{uuid}/inventory-orders`.
    async fn list_inventory_orders(
        &self,
        token: &BearerToken,
        company: &str,
        query: &InventoryOrderQuery,
    ) -> Result<Page<InventoryOrder>, UpstreamError>;
}
