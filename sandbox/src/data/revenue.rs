//! Revenue and COGS (`GET /api/v1/revenue-and-cogs`) computed from the seeded invoices, so the
//! figures always agree with them: revenue is the sum of the invoices' amounts (every line,
//! shipping income included), COGS the sum over their product lines of quantity × the item's
//! unit landed cost (`restock_data.unit_landed_cost`, itself the weighted landed cost of the
//! item's seeded batches). Returns carry negative quantities and lower both. Money is summed
//! in integer cents.

use std::collections::BTreeMap;

use serde::Serialize;

use super::CompanyData;
use super::calendar::{days_from_civil, format_date};
use super::wire::{Company, Document};

/// `periodicity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Periodicity {
    Total,
    Yearly,
    Quarterly,
    Monthly,
}

impl Periodicity {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "total" => Self::Total,
            "yearly" => Self::Yearly,
            "quarterly" => Self::Quarterly,
            "monthly" => Self::Monthly,
            _ => return None,
        })
    }
}

/// One `grouping` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grouping {
    Company,
    Country,
    Invoice,
}

impl Grouping {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "company" => Self::Company,
            "country" => Self::Country,
            "invoice" => Self::Invoice,
            _ => return None,
        })
    }
}

/// `RevenueAndCogsItem`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct RevenueRow {
    pub start_date: String,
    pub end_date: String,
    pub revenue_amount: f64,
    pub cogs_amount: f64,
    pub currency: String,
    pub company: Option<Company>,
    pub country_code: Option<String>,
    pub invoice: Option<Document>,
}

/// What one report asks for.
pub(crate) struct Request<'a> {
    pub start: &'a str,
    pub end: &'a str,
    pub periodicity: Periodicity,
    pub grouping: &'a [Grouping],
    /// Empty: every market.
    pub countries: &'a [String],
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn last_day(year: i64, month: u32) -> String {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    format_date(days_from_civil(y, m, 1) - 1)
}

/// The period holding `day`, clipped to the requested range.
fn period(day: &str, request: &Request<'_>) -> (String, String) {
    let year: i64 = day.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let month: u32 = day.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let (first, last) = match request.periodicity {
        Periodicity::Total => return (request.start.to_owned(), request.end.to_owned()),
        Periodicity::Yearly => (1, 12),
        Periodicity::Quarterly => {
            let first = (month - 1) / 3 * 3 + 1;
            (first, first + 2)
        }
        Periodicity::Monthly => (month, month),
    };
    let from = format!("{year:04}-{first:02}-01");
    let to = last_day(year, last);
    (
        from.max(request.start.to_owned()),
        to.min(request.end.to_owned()),
    )
}

type Key = (String, String, String, Option<String>, Option<u64>);

/// The rows of one report over `companies`, by period then company, country and invoice.
/// Companies are always kept apart (their currencies differ); `company` is shown only when
/// the grouping asks for it.
pub(crate) fn report(companies: &[&CompanyData], request: &Request<'_>) -> Vec<RevenueRow> {
    let by = |g| request.grouping.contains(&g);
    let mut sums: BTreeMap<Key, (i64, i64, RevenueRow)> = BTreeMap::new();
    for company in companies {
        let landed: BTreeMap<u64, i64> = company
            .items
            .iter()
            .map(|r| (r.item.id, cents(r.restock.unit_landed_cost)))
            .collect();
        for invoice in &company.invoices {
            let day = invoice.transaction_date.as_deref().unwrap_or_default();
            if day < request.start || day > request.end {
                continue;
            }
            let market = invoice.market.clone();
            let wanted = request.countries.is_empty()
                || market
                    .as_deref()
                    .is_some_and(|m| request.countries.iter().any(|c| c.eq_ignore_ascii_case(m)));
            if !wanted {
                continue;
            }
            let revenue = cents(invoice.amount.unwrap_or_default());
            let cogs: i64 = invoice
                .details
                .iter()
                .filter_map(|d| Some(d.quantity? * landed.get(&d.inventory_id?)?))
                .sum();
            let (start, end) = period(day, request);
            let key = (
                start.clone(),
                end.clone(),
                company.company.uuid.clone(),
                by(Grouping::Country).then(|| market.clone()).flatten(),
                by(Grouping::Invoice).then_some(invoice.id),
            );
            let entry = sums.entry(key).or_insert_with(|| {
                let row = RevenueRow {
                    start_date: start,
                    end_date: end,
                    revenue_amount: 0.0,
                    cogs_amount: 0.0,
                    currency: company.company.currency.clone(),
                    company: by(Grouping::Company).then(|| company.company.clone()),
                    country_code: by(Grouping::Country).then(|| market.clone()).flatten(),
                    invoice: by(Grouping::Invoice).then(|| Document {
                        kind: "Invoice".to_owned(),
                        link: invoice.link.clone().unwrap_or_default(),
                        status: "Completed".to_owned(),
                        completed: None,
                        ref_number: invoice.name.clone(),
                        date: invoice.transaction_date.clone(),
                    }),
                };
                (0, 0, row)
            });
            entry.0 += revenue;
            entry.1 += cogs;
        }
    }
    sums.into_values()
        .map(|(revenue, cogs, mut row)| {
            row.revenue_amount = revenue as f64 / 100.0;
            row.cogs_amount = cogs as f64 / 100.0;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    #[test]
    fn quarters_are_clipped_to_the_requested_range() {
        let request = Request {
            start: "2024-02-15",
            end: "2024-12-31",
            periodicity: Periodicity::Quarterly,
            grouping: &[],
            countries: &[],
        };
        assert_eq!(
            period("2024-03-01", &request),
            ("2024-02-15".to_owned(), "2024-03-31".to_owned())
        );
        assert_eq!(
            period("2024-12-31", &request),
            ("2024-10-01".to_owned(), "2024-12-31".to_owned())
        );
        assert_eq!(last_day(2024, 2), "2024-02-29");
    }

    #[test]
    fn monthly_rows_add_up_to_the_total_and_to_the_invoices_in_range() {
        let data = Dataset::seeded();
        let company = data.companies.first().unwrap();
        let request = |periodicity| Request {
            start: "2024-04-01",
            end: "2024-09-30",
            periodicity,
            grouping: &[Grouping::Company],
            countries: &[],
        };
        let monthly = report(&[company], &request(Periodicity::Monthly));
        let total = report(&[company], &request(Periodicity::Total));
        let invoices: i64 = company
            .invoices
            .iter()
            .filter(|i| {
                let d = i.transaction_date.as_deref().unwrap();
                ("2024-04-01"..="2024-09-30").contains(&d)
            })
            .map(|i| cents(i.amount.unwrap()))
            .sum();
        assert_eq!(monthly.len(), 6);
        assert_eq!(total.len(), 1);
        let sum: i64 = monthly.iter().map(|r| cents(r.revenue_amount)).sum();
        assert_eq!(sum, invoices);
        assert_eq!(cents(total[0].revenue_amount), invoices);
        let cogs: i64 = monthly.iter().map(|r| cents(r.cogs_amount)).sum();
        assert_eq!(cogs, cents(total[0].cogs_amount));
        assert!(total[0].cogs_amount > 0.0 && total[0].cogs_amount < total[0].revenue_amount);
    }
}
