//! The runner's common path, for any tool: the 401 retry, the scope step-up, the default policy
//! and the naming of the target, over mocked ports.

use std::collections::HashMap;
use std::sync::Arc;

use mockall::Sequence;
use serde_json::json;

use super::*;
use crate::app::tools::testing::{caller, json, page, upstream};
use crate::app::tools::{CallError, Catalogue};
use crate::domain::policy::AuthMode;
use crate::domain::secret::BearerToken;
use crate::domain::upstream::{Company, InventoryDetails, InventoryItem};
use crate::ports::{MockNeonPanelApi, MockServiceTokens, MockUserCredentials, UserCredential};

fn runner(
    users: MockUserCredentials,
    service: MockServiceTokens,
    api: MockNeonPanelApi,
    policies: Policies,
) -> ToolRunner {
    let api: Arc<dyn NeonPanelApi> = Arc::new(api);
    let credentials = Credentials::new(
        Arc::new(users),
        Arc::new(service),
        Arc::clone(&api),
        "https://mcp.example/.well-known/oauth-protected-resource/mcp".into(),
    );
    ToolRunner::new(credentials, api, policies, PageSize::default())
}

fn users_giving(tokens: &'static [&'static str]) -> MockUserCredentials {
    let mut users = MockUserCredentials::new();
    users.expect_is_configured().return_const(true);
    let mut seq = Sequence::new();
    for token in tokens {
        users
            .expect_user_credential()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(UserCredential::Jwt(BearerToken::new(*token))));
    }
    users
}

fn acme() -> Company {
    Company {
        uuid: "acme".into(),
        name: "Acme".into(),
        ..Company::default()
    }
}

async fn call(
    runner: &ToolRunner,
    tool: &str,
    args: serde_json::Value,
    scopes: &str,
) -> Result<serde_json::Value, CallError> {
    let catalogue = Catalogue::standard();
    let tool = catalogue.find(tool).expect("a registered tool");
    tool.call(runner, &caller(scopes, Some("acme")), Some(&args))
        .await
        .map(|out| json(&out))
}

#[tokio::test]
async fn an_upstream_401_evicts_the_credential_and_runs_once_more_with_a_fresh_one() {
    // Arrange
    let mut users = users_giving(&["stale-jwt", "fresh-jwt"]);
    users.expect_evict().times(1).return_const(());
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .withf(|token, _, _| token.expose() == "stale-jwt")
        .times(1)
        .returning(|_, _, _| Err(upstream(401)));
    api.expect_list_companies()
        .withf(|token, _, _| token.expose() == "fresh-jwt")
        .times(1)
        .returning(|_, _, _| Ok(page(1, 1, vec![acme()])));
    let runner = runner(users, MockServiceTokens::new(), api, Policies::default());

    // Act
    let out = call(&runner, "neonpanel_list_accounts", json!({}), "").await;

    // Assert
    let out = out
        .map_err(|e| format!("{e:?}"))
        .expect("the retry succeeds");
    assert_eq!(out["items"][0]["accountId"], "acme");
}

#[tokio::test]
async fn a_second_401_asks_the_client_to_sign_in_again() {
    // Arrange
    let mut users = users_giving(&["stale-jwt", "also-stale"]);
    users.expect_evict().times(1).return_const(());
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(2)
        .returning(|_, _, _| Err(upstream(401)));
    let runner = runner(users, MockServiceTokens::new(), api, Policies::default());

    // Act
    let out = call(&runner, "neonpanel_list_accounts", json!({}), "").await;

    // Assert
    let Err(CallError::Failed(failure)) = out else {
        panic!("expected a failure, got {out:?}");
    };
    assert_eq!(failure.code, FailureCode::Unauthorized);
    let challenge = failure.www_authenticate.expect("a challenge");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn a_tool_without_a_configured_policy_runs_with_its_own_default_mode() {
    // Arrange: no policies at all; plan_purchase defaults to the service token (iat).
    let mut users = MockUserCredentials::new();
    users.expect_is_configured().return_const(false);
    let mut service = MockServiceTokens::new();
    service
        .expect_service_token()
        .times(1)
        .returning(|| Ok(BearerToken::new("service-token")));
    let mut api = MockNeonPanelApi::new();
    api.expect_list_inventory()
        .withf(|token, account, query| {
            token.expose() == "service-token"
                && account == "acme"
                && query.sku.as_deref() == Some("SKU-1")
        })
        .times(1)
        .returning(|_, _, _| {
            Ok(page(
                1,
                1,
                vec![InventoryItem {
                    id: 7,
                    sku: Some("SKU-1".into()),
                    ..InventoryItem::default()
                }],
            ))
        });
    api.expect_inventory_details()
        .withf(|_, _, id| *id == 7)
        .times(1)
        .returning(|_, _, _| Ok(InventoryDetails::default()));
    let runner = runner(users, service, api, Policies::default());
    let spec = Catalogue::standard()
        .iter()
        .find(|s| s.name == "neonpanel_plan_purchase")
        .cloned()
        .expect("plan_purchase");
    assert_eq!(runner.policy(&spec).mode, AuthMode::Iat);

    // Act
    let out = call(
        &runner,
        "neonpanel_plan_purchase",
        json!({"accountId": "acme", "sku": "SKU-1", "coverageDays": 30, "safetyStock": 0}),
        "",
    )
    .await;

    // Assert
    let out = out.map_err(|e| format!("{e:?}")).expect("a plan");
    assert_eq!(out["inventoryId"], 7);
}

#[tokio::test]
async fn a_missing_extra_scope_is_refused_with_a_step_up_challenge_before_any_call() {
    // Arrange: no expectations on any port, so any call fails the test.
    let policies = Policies::new(HashMap::from([(
        "neonpanel_plan_purchase",
        ToolPolicy {
            mode: AuthMode::User,
            extra_scopes: ScopeSet::parse("neonpanel:purchase"),
        },
    )]));
    let runner = runner(
        MockUserCredentials::new(),
        MockServiceTokens::new(),
        MockNeonPanelApi::new(),
        policies,
    );

    // Act
    let out = call(
        &runner,
        "neonpanel_plan_purchase",
        json!({"accountId": "acme", "sku": "SKU-1", "coverageDays": 30, "safetyStock": 0}),
        "mcp:tools",
    )
    .await;

    // Assert
    let Err(CallError::Failed(failure)) = out else {
        panic!("expected a refusal, got {out:?}");
    };
    assert_eq!(
        (failure.status, failure.code),
        (403, FailureCode::Forbidden)
    );
    let challenge = failure.www_authenticate.expect("a challenge");
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("neonpanel:purchase"),
        "{challenge}"
    );
}

#[tokio::test]
async fn an_upstream_refusal_names_the_account_the_call_was_about() {
    // Arrange
    let users = users_giving(&["user-jwt"]);
    let mut api = MockNeonPanelApi::new();
    api.expect_list_invoices()
        .times(1)
        .returning(|_, _, _| Err(upstream(403)));
    let runner = runner(users, MockServiceTokens::new(), api, Policies::default());

    // Act
    let out = call(
        &runner,
        "neonpanel_search_orders",
        json!({"accountId": "globex"}),
        "",
    )
    .await;

    // Assert
    let Err(CallError::Failed(failure)) = out else {
        panic!("expected a refusal, got {out:?}");
    };
    let expected = ToolFailure::no_access("globex");
    assert_eq!(
        (failure.code, failure.message),
        (expected.code, expected.message)
    );
}

#[tokio::test]
async fn invalid_arguments_are_reported_before_any_credential_is_sought() {
    // Arrange: no expectations on any port.
    let runner = runner(
        MockUserCredentials::new(),
        MockServiceTokens::new(),
        MockNeonPanelApi::new(),
        Policies::default(),
    );

    // Act
    let out = call(
        &runner,
        "neonpanel_search_orders",
        json!({"accountId": ""}),
        "",
    )
    .await;

    // Assert
    let Err(CallError::InvalidArguments(errors)) = out else {
        panic!("expected invalid arguments, got {out:?}");
    };
    assert_eq!(errors.0[0].path, "accountId");
}
