//! The seeded, deterministic world the sandbox serves: companies, users and what they reach,
//! invoices, inventory with stock, batches and restock data. Built once per start from fixed
//! seeds, so two starts serve byte-identical data.

pub(crate) mod calendar;
pub(crate) mod catalog;
pub(crate) mod orders;
pub(crate) mod revenue;
mod seed;
pub(crate) mod wire;

use wire::{Company, CostItem, InventoryItem, InventoryRestockData, InvoiceResource, Warehouse};

/// One company and everything in it.
pub(crate) struct CompanyData {
    pub company: Company,
    pub warehouses: Vec<Warehouse>,
    /// Newest first (`transaction_date` desc, then `id` desc), the order the API lists them.
    pub invoices: Vec<InvoiceResource>,
    /// By `id`.
    pub items: Vec<ItemRecord>,
}

pub(crate) struct ItemRecord {
    pub item: InventoryItem,
    pub restock: InventoryRestockData,
    pub stock: Vec<StockRecord>,
}

/// An item's stock in one warehouse: the current balance and the batches that came in.
pub(crate) struct StockRecord {
    pub warehouse: Warehouse,
    pub balance: f64,
    /// Oldest first.
    pub batches: Vec<CostItem>,
}

pub(crate) struct UserRecord {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `(company uuid, permissions)`, the first company being the user's tenant.
    pub memberships: Vec<(String, Vec<String>)>,
}

impl UserRecord {
    pub(crate) fn company_uuids(&self) -> Vec<String> {
        self.memberships
            .iter()
            .map(|(uuid, _)| uuid.clone())
            .collect()
    }

    pub(crate) fn permissions_in(&self, company_uuid: &str) -> Option<&[String]> {
        self.memberships
            .iter()
            .find(|(uuid, _)| uuid == company_uuid)
            .map(|(_, permissions)| permissions.as_slice())
    }
}

pub(crate) struct Dataset {
    /// By `id`.
    pub companies: Vec<CompanyData>,
    pub users: Vec<UserRecord>,
}

impl Dataset {
    pub(crate) fn seeded() -> Self {
        let companies = catalog::COMPANIES
            .iter()
            .enumerate()
            .map(|(index, spec)| seed::company(spec, index as u64))
            .collect();
        let users = catalog::USERS
            .iter()
            .map(|(id, name, email, memberships)| UserRecord {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
                email: (*email).to_owned(),
                memberships: memberships
                    .iter()
                    .map(|(uuid, permissions)| {
                        let permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
                        ((*uuid).to_owned(), permissions)
                    })
                    .collect(),
            })
            .collect();
        Self { companies, users }
    }

    pub(crate) fn company(&self, uuid: &str) -> Option<&CompanyData> {
        self.companies.iter().find(|c| c.company.uuid == uuid)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Everything a service (client-credentials) caller may hold in a company.
    pub(crate) fn all_permissions() -> Vec<String> {
        catalog::FULL_PERMISSIONS
            .iter()
            .map(|p| (*p).to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_world_has_three_companies_with_hundreds_of_invoices_and_dozens_of_items() {
        // Act
        let data = Dataset::seeded();

        // Assert
        assert_eq!(data.companies.len(), 3);
        for company in &data.companies {
            assert!(company.invoices.len() >= 250, "{}", company.company.name);
            assert!(company.items.len() >= 30);
            let years: std::collections::BTreeSet<_> = company
                .invoices
                .iter()
                .filter_map(|i| i.transaction_date.as_deref()?.get(..4))
                .collect();
            assert_eq!(years.into_iter().collect::<Vec<_>>(), ["2024", "2025"]);
            for record in &company.items {
                assert!((2..=3).contains(&record.stock.len()));
                for stock in &record.stock {
                    assert!((2..=5).contains(&stock.batches.len()));
                }
            }
        }
    }

    #[test]
    fn batch_amounts_are_the_sum_of_their_cost_components() {
        let data = Dataset::seeded();
        let batches = data
            .companies
            .iter()
            .flat_map(|c| &c.items)
            .flat_map(|i| &i.stock)
            .flat_map(|s| &s.batches);
        for batch in batches {
            let sum: f64 = batch.details.iter().map(|d| d.amount).sum();
            assert!((sum - batch.amount).abs() < 0.005, "{batch:?}");
            let kinds: Vec<_> = batch.details.iter().map(|d| d.kind.as_str()).collect();
            assert_eq!(kinds, ["Purchase Price", "Freight", "Duties"]);
        }
    }

    #[test]
    fn invoice_amounts_are_the_sum_of_their_lines_and_ids_are_unique() {
        let data = Dataset::seeded();
        let mut ids = std::collections::HashSet::new();
        for invoice in data.companies.iter().flat_map(|c| &c.invoices) {
            let sum: f64 = invoice.details.iter().filter_map(|d| d.amount).sum();
            assert!((sum - invoice.amount.unwrap()).abs() < 0.005);
            assert!(ids.insert(invoice.id));
        }
    }
}
