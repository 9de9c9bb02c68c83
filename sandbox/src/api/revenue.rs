//! `GET /api/v1/revenue-and-cogs?company_uuids&country_codes&grouping&periodicity&start_date&end_date`
//! (RevenueAndCogsResponse), computed by `data::revenue` from the seeded invoices.
//! Array parameters are read in both spellings Laravel accepts (`company_uuids=a&company_uuids=b`
//! and `company_uuids[]=a`). Without `company_uuids` the report covers every company the caller
//! reaches; naming one it does not reach is `403`, an unknown one `422`.

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::json;

use super::super::State;
use super::super::data::CompanyData;
use super::super::data::calendar::today;
use super::super::data::revenue::{Grouping, Periodicity, Request as Report, report};
use super::query::{Problems, check_range, date, text};
use super::{Caller, message, unauthenticated};

pub(crate) struct RevenueAndCogs(pub Arc<State>);

/// Every value of an array parameter, in either spelling.
fn list(req: &Request, name: &str) -> Vec<String> {
    let queries = req.queries();
    [name.to_owned(), format!("{name}[]")]
        .iter()
        .filter_map(|key| queries.get_vec(key))
        .flatten()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

#[async_trait]
impl Handler for RevenueAndCogs {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Ok(caller) = depot.get_typed::<Caller>() else {
            unauthenticated(res);
            return;
        };
        let data = &self.0.data;
        let mut problems = Problems::default();
        let uuids = list(req, "company_uuids");
        if uuids.iter().any(|u| data.company(u).is_none()) {
            problems.add("company_uuids", "The selected company uuids is invalid.");
        }
        let grouping: Vec<Grouping> = list(req, "grouping")
            .iter()
            .filter_map(|g| {
                let parsed = Grouping::parse(g);
                if parsed.is_none() {
                    problems.add("grouping", "The selected grouping is invalid.");
                }
                parsed
            })
            .collect();
        let grouping = if grouping.is_empty() {
            vec![Grouping::Company]
        } else {
            grouping
        };
        let periodicity_text = text(req, "periodicity");
        let periodicity = match periodicity_text.as_deref() {
            None => Some(Periodicity::Total),
            Some(p) => Periodicity::parse(p),
        };
        if periodicity.is_none() {
            problems.add("periodicity", "The selected periodicity is invalid.");
        }
        let start = date(req, "start_date", "start date", &mut problems);
        if text(req, "start_date").is_none() {
            problems.add("start_date", "The start date field is required.");
        }
        let end = date(req, "end_date", "end date", &mut problems).unwrap_or_else(today);
        check_range(start.as_deref(), Some(&end), &mut problems);
        if problems.reject(res) {
            return;
        }
        let (Some(start), Some(periodicity)) = (start, periodicity) else {
            return;
        };
        if uuids.iter().any(|u| !caller.reaches(u)) {
            message(res, StatusCode::FORBIDDEN, "This action is unauthorized.");
            return;
        }
        let companies: Vec<&CompanyData> = data
            .companies
            .iter()
            .filter(|c| caller.reaches(&c.company.uuid))
            .filter(|c| uuids.is_empty() || uuids.contains(&c.company.uuid))
            .collect();
        let countries = list(req, "country_codes");
        let rows = report(
            &companies,
            &Report {
                start: &start,
                end: &end,
                periodicity,
                grouping: &grouping,
                countries: &countries,
            },
        );
        let names = |g: &Grouping| match g {
            Grouping::Company => "company",
            Grouping::Country => "country",
            Grouping::Invoice => "invoice",
        };
        res.render(Json(json!({
            "filters": {
                "company_uuids": companies.iter().map(|c| &c.company.uuid).collect::<Vec<_>>(),
                "country_codes": countries,
                "periodicity": periodicity_text.unwrap_or_else(|| "total".to_owned()),
                "grouping": grouping.iter().map(names).collect::<Vec<_>>(),
                "start_date": start,
                "end_date": end,
            },
            "data": rows,
        })));
    }
}
