//! Mapping and run of `neonpanel_get_revenue_and_cogs`.

use serde_json::json;

use super::*;
use crate::app::tools::testing::{context, json, page, service_grant, upstream};
use crate::domain::arguments::parse;
use crate::domain::tools::FailureCode;
use crate::domain::upstream::{Company, RevenueAndCogs};
use crate::ports::MockNeonPanelApi;

fn row(start: &str, revenue: f64, cogs: f64, currency: &str) -> RevenueAndCogsRow {
    RevenueAndCogsRow {
        start_date: Some(format!("{start}T00:00:00.000Z")),
        end_date: None,
        revenue_amount: revenue,
        cogs_amount: cogs,
        currency: Some(currency.into()),
        ..RevenueAndCogsRow::default()
    }
}

#[test]
fn rows_get_margins_and_totals_are_kept_per_currency() {
    // Arrange
    let raw = json!({"from": "2025-01-01", "to": "2025-06-30", "periodicity": "quarterly"});
    let input: Input = parse(Some(&raw), &spec().input_schema).unwrap();
    let reports = vec![
        (
            "acme".to_owned(),
            Some("Acme".to_owned()),
            vec![
                row("2025-01-01", 1000.0, 400.0, "USD"),
                row("2025-04-01", 500.0, 500.0, "USD"),
            ],
        ),
        (
            "globex".to_owned(),
            None,
            vec![row("2025-01-01", 0.0, 0.0, "EUR")],
        ),
    ];

    // Act
    let out = map(&input, reports, 0, &[]);

    // Assert
    assert_eq!(out.rows[0].gross_margin, 600.0);
    assert_eq!(out.rows[0].gross_margin_percent, Some(60.0));
    assert_eq!(out.rows[0].period_start, "2025-01-01");
    assert_eq!(out.rows[0].period_end, "2025-06-30");
    assert_eq!(out.rows[2].gross_margin_percent, None);
    assert_eq!(out.totals.len(), 2);
    assert_eq!(
        (out.totals[0].revenue, out.totals[0].gross_margin),
        (1500.0, 600.0)
    );
    assert_eq!(out.totals[0].gross_margin_percent, Some(40.0));
    assert_eq!(out.periodicity, Period::Quarterly);
    assert_eq!(out.note, None);
    let noted = map(&input, Vec::new(), 2, &["globex".to_owned()])
        .note
        .unwrap();
    assert!(
        noted.contains("2 more account(s)") && noted.contains("globex"),
        "{noted}"
    );
}

#[test]
fn choices_are_plain_string_enums_and_dates_are_required() {
    let schema = spec().input_schema;
    let props = &schema["properties"];
    assert_eq!(
        props["periodicity"]["enum"],
        json!(["total", "yearly", "quarterly", "monthly"])
    );
    assert_eq!(props["groupBy"]["enum"], json!(["account", "country"]));
    assert_eq!(props["groupBy"]["type"], "string");
    assert_eq!(schema["required"], json!(["from", "to"]));
}

#[test]
fn unknown_periodicity_and_reversed_range_are_named_input_errors() {
    let schema = spec().input_schema;
    let bad = json!({"from": "2025-01-01", "to": "2025-02-01", "periodicity": "weekly"});
    let errors = parse::<Input>(Some(&bad), &schema).unwrap_err();
    assert_eq!(errors.0[0].path, "periodicity");
    let reversed = json!({"from": "2025-03-01", "to": "2025-02-01"});
    let errors = parse::<Input>(Some(&reversed), &schema).unwrap_err();
    assert_eq!(errors.0[0].path, "from");
    let missing = json!({"from": "2025-03-01"});
    let errors = parse::<Input>(Some(&missing), &schema).unwrap_err();
    assert_eq!(errors.0[0].path, "to");
}

fn company(uuid: &str) -> Company {
    Company {
        uuid: uuid.into(),
        name: uuid.to_uppercase(),
        ..Company::default()
    }
}

#[tokio::test]
async fn run_over_every_account_asks_each_reached_one_once_and_names_a_refusing_one() {
    // Arrange: the service token lists three companies; the caller reaches two.
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(1)
        .returning(|_, _, _| Ok(page(1, 1, vec![company("acme"), company("globex"), company("initech")])));
    api.expect_revenue_and_cogs()
        .withf(|_, q| {
            q.company_uuid == "acme"
                && q.periodicity == Periodicity::Monthly
                && q.grouping == Grouping::Country
                && (q.start_date.as_str(), q.end_date.as_str()) == ("2025-01-01", "2025-03-31")
        })
        .times(1)
        .returning(|_, _| {
            Ok(RevenueAndCogs {
                data: vec![row("2025-01-01", 10.0, 4.0, "USD")],
            })
        });
    api.expect_revenue_and_cogs()
        .withf(|_, q| q.company_uuid == "globex")
        .times(1)
        .returning(|_, _| Err(upstream(403)));
    let input = Input {
        account_id: None,
        from: "2025-01-01".into(),
        to: "2025-03-31".into(),
        periodicity: Some(Period::Monthly),
        group_by: Some(GroupBy::Country),
    };

    // Act
    let out = GetRevenueAndCogs
        .run(context(&api), &service_grant(&["acme", "globex"], None), &input)
        .await;

    // Assert
    let out = json(&out.expect("report"));
    assert_eq!(out["accountIds"], json!(["acme"]));
    assert_eq!(out["rows"][0]["accountName"], "ACME");
    assert!(out["note"].as_str().unwrap().contains("globex"), "{out}");
}

#[tokio::test]
async fn run_for_one_account_out_of_reach_fails_without_calling_neonpanel() {
    // Arrange: no expectations, so any API call fails the test.
    let api = MockNeonPanelApi::new();
    let input = Input {
        account_id: Some("initech".into()),
        from: "2025-01-01".into(),
        to: "2025-03-31".into(),
        periodicity: None,
        group_by: None,
    };

    // Act
    let out = GetRevenueAndCogs
        .run(context(&api), &service_grant(&["acme"], None), &input)
        .await;

    // Assert
    assert_eq!(out.err(), Some(ToolFailure::no_access("initech")));
}

#[tokio::test]
async fn run_for_one_account_passes_a_refusal_on_instead_of_an_empty_report() {
    let mut api = MockNeonPanelApi::new();
    api.expect_revenue_and_cogs()
        .times(1)
        .returning(|_, _| Err(upstream(403)));
    let input = Input {
        account_id: Some("acme".into()),
        from: "2025-01-01".into(),
        to: "2025-03-31".into(),
        periodicity: None,
        group_by: None,
    };
    let out = GetRevenueAndCogs
        .run(context(&api), &service_grant(&["acme"], None), &input)
        .await;
    assert_eq!(out.err().map(|f| f.code), Some(FailureCode::Forbidden));
}
