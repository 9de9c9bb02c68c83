//! `search` over mocked NeonPanel: fan-out, ranking, skipped accounts, the 401 hand-back.

use serde_json::json;

use super::*;
use crate::app::tools::testing::{context, json, page, service_grant, upstream, user_grant};
use crate::domain::tools::FailureCode;
use crate::domain::upstream::Customer;
use crate::ports::MockNeonPanelApi;

fn company(uuid: &str, name: &str) -> Company {
    Company {
        uuid: uuid.into(),
        name: name.into(),
        ..Company::default()
    }
}

fn input(query: &str) -> Input {
    Input {
        query: query.into(),
    }
}

fn api_with_companies(companies: Vec<Company>) -> MockNeonPanelApi {
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(1)
        .returning(move |_, _, _| Ok(page(1, 1, companies.clone())));
    api
}

#[tokio::test]
async fn search_ranks_exact_matches_first_across_accounts_and_kinds() {
    // Arrange
    let mut api = api_with_companies(vec![company("acme", "Acme"), company("globex", "Globex")]);
    api.expect_list_invoices()
        .withf(|_, _, q| q.search.as_deref() == Some("ACME") && q.per_page == PageSize::MIN)
        .times(2)
        .returning(|_, account, _| {
            Ok(page(
                1,
                1,
                vec![Invoice {
                    id: if account == "acme" { 33 } else { 44 },
                    name: Some(format!("INV-{account}")),
                    customer: Some(Customer {
                        id: Some(1),
                        name: Some("Acme Corp".into()),
                        email: None,
                    }),
                    ..Invoice::default()
                }],
            ))
        });
    api.expect_list_inventory()
        .times(2)
        .returning(|_, account, _| {
            let items = match account {
                "acme" => vec![InventoryItem {
                    id: 7,
                    name: Some("Widget".into()),
                    sku: Some("ACME".into()),
                    ..InventoryItem::default()
                }],
                _ => Vec::new(),
            };
            Ok(page(1, 1, items))
        });

    // Act
    let out = Search.run(context(&api), &user_grant(), &input("ACME")).await;

    // Assert
    let out = json(&out.expect("results"));
    let ids: Vec<&str> = out["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["company:acme", "item:acme:7", "order:acme:33", "order:globex:44"]);
    assert_eq!(
        out["results"][0],
        json!({"id": "company:acme", "title": "Account Acme", "url": "https://my.neonpanel.com/app?company=acme"})
    );
    assert!(out.get("skipped").is_none(), "{out}");
}

#[tokio::test]
async fn accounts_that_refuse_or_time_out_are_named_as_skipped() {
    // Arrange
    let mut api = api_with_companies(vec![company("acme", "Acme"), company("slow", "Slow")]);
    api.expect_list_invoices().returning(|_, account, _| match account {
        "slow" => Err(UpstreamError::new(0, UpstreamErrorKind::Timeout, "timed out")),
        _ => Err(upstream(403)),
    });
    api.expect_list_inventory()
        .returning(|_, _, _| Ok(page(1, 1, Vec::new())));

    // Act
    let out = Search.run(context(&api), &user_grant(), &input("x")).await;

    // Assert
    let out = json(&out.expect("results"));
    assert_eq!(out["results"], json!([]));
    assert_eq!(
        out["skipped"],
        json!([
            {"accountId": "acme", "reason": "no_permission"},
            {"accountId": "slow", "reason": "timeout"},
        ])
    );
}

#[tokio::test]
async fn the_service_token_searches_only_reached_accounts_and_hands_a_401_back() {
    // Arrange: globex is listed but not reached, so it is never searched.
    let mut api = api_with_companies(vec![company("acme", "Acme"), company("globex", "Globex")]);
    api.expect_list_invoices()
        .withf(|_, account, _| account == "acme")
        .times(1)
        .returning(|_, _, _| Err(upstream(401)));
    api.expect_list_inventory()
        .withf(|_, account, _| account == "acme")
        .times(1)
        .returning(|_, _, _| Ok(page(1, 1, Vec::new())));

    // Act
    let out = Search
        .run(context(&api), &service_grant(&["acme"], None), &input("x"))
        .await;

    // Assert
    assert_eq!(out.expect_err("a 401").code, FailureCode::Unauthorized);
}
