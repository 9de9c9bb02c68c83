//! The credential policy over mockall doubles of its three ports.

use std::collections::BTreeSet;

use super::*;
use crate::app::failure::messages;
use crate::domain::error::UpstreamError;
use crate::domain::policy::AuthMode;
use crate::domain::principal::{Principal, ScopeSet, Tenant};
use crate::domain::tools::FailureCode;
use crate::domain::upstream::{Company, Page};
use crate::ports::{MockNeonPanelApi, MockServiceTokens, MockUserCredentials};

const METADATA: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

fn principal(subject: &str, tenant: Option<&str>, accounts: &[&str]) -> Arc<Principal> {
    Arc::new(Principal {
        subject: Subject::new(subject),
        scopes: ScopeSet::parse("neonpanel:read"),
        tenant: tenant.map(Tenant::new),
        expires_at: u64::MAX,
        accounts: accounts
            .iter()
            .map(|a| (*a).to_owned())
            .collect::<BTreeSet<_>>(),
    })
}

/// Alice signed in to NeonPanel; her token's tenant is `acme`.
fn alice() -> Caller {
    Caller::signed_in(
        principal("alice", Some("acme"), &[]),
        BearerToken::new("at-alice"),
    )
}

/// A caller proven without a NeonPanel sign-in, granted `globex` by its authenticator. Its
/// subject is Alice's on purpose: it must not borrow what was learned for her.
fn mapped_role() -> Caller {
    Caller::without_sign_in(principal("alice", Some("acme"), &["globex"]))
}

fn policy(mode: AuthMode) -> ToolPolicy {
    ToolPolicy {
        mode,
        extra_scopes: ScopeSet::default(),
    }
}

/// A user source that mints `user-jwt-<subject>`, `times` times at most.
fn users(times: usize) -> MockUserCredentials {
    let mut users = MockUserCredentials::new();
    users.expect_is_configured().return_const(true);
    users
        .expect_user_credential()
        .times(..=times)
        .returning(|caller| {
            Ok(UserCredential::Jwt(BearerToken::new(format!(
                "user-jwt-{}",
                caller.principal.subject
            ))))
        });
    users
}

fn service() -> MockServiceTokens {
    let mut service = MockServiceTokens::new();
    service.expect_is_configured().return_const(true);
    service
        .expect_service_token()
        .returning(|| Ok(BearerToken::new("service-token")));
    service
}

fn company(uuid: &str) -> Company {
    Company {
        uuid: uuid.into(),
        name: uuid.into(),
        short_name: None,
        currency: None,
        timezone: None,
    }
}

/// An API whose company list for `user-jwt-alice` is `acme` and `initech`, read `times` times.
fn api(times: usize) -> MockNeonPanelApi {
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies()
        .times(times)
        .returning(|token, page, _| {
            assert_eq!(token.expose(), "user-jwt-alice");
            Ok(Page {
                current_page: page,
                per_page: 60,
                last_page: 1,
                data: vec![company("acme"), company("initech")],
            })
        });
    api
}

fn credentials(
    users: MockUserCredentials,
    service: MockServiceTokens,
    api: MockNeonPanelApi,
) -> Credentials {
    Credentials::new(
        Arc::new(users),
        Arc::new(service),
        Arc::new(api),
        METADATA.into(),
    )
}

fn reach_of(grant: &Grant) -> Vec<&str> {
    ["acme", "globex", "initech"]
        .into_iter()
        .filter(|a| grant.reaches(a))
        .collect()
}

#[tokio::test]
async fn user_mode_runs_with_the_callers_own_jwt_and_reaches_what_neonpanel_allows() {
    // Arrange
    let credentials = credentials(users(1), MockServiceTokens::new(), api(0));

    // Act
    let grant = credentials.grant(&alice(), &policy(AuthMode::User)).await;

    // Assert
    let grant = grant.expect("granted");
    assert!(matches!(&grant, Grant::User(t) if t.expose() == "user-jwt-alice"));
    assert!(grant.ensure_reach("anything").is_ok());
}

#[tokio::test]
async fn service_mode_confines_the_service_token_to_the_callers_own_company_list() {
    // Arrange: the list is read once, then served from the reach cache.
    let credentials = credentials(users(1), service(), api(1));

    // Act
    let first = credentials.grant(&alice(), &policy(AuthMode::Iat)).await;
    let second = credentials.grant(&alice(), &policy(AuthMode::Iat)).await;

    // Assert
    for grant in [first, second] {
        let grant = grant.expect("granted");
        assert_eq!(grant.token().expose(), "service-token");
        assert_eq!(reach_of(&grant), ["acme", "initech"]);
        assert_eq!(
            grant.ensure_reach("globex").map_err(|f| f.code),
            Err(FailureCode::Forbidden)
        );
    }
}

#[tokio::test]
async fn a_caller_without_sign_in_gets_the_service_token_confined_to_its_granted_accounts() {
    // Arrange: no exchange is tried and no company list is read for it.
    let credentials = credentials(users(0), service(), api(0));

    // Act
    let iat = credentials
        .grant(&mapped_role(), &policy(AuthMode::Iat))
        .await;
    let hybrid = credentials
        .grant(&mapped_role(), &policy(AuthMode::Hybrid))
        .await;

    // Assert
    for grant in [iat, hybrid] {
        let grant = grant.expect("granted");
        assert_eq!(grant.token().expose(), "service-token");
        assert_eq!(reach_of(&grant), ["acme", "globex"]);
    }
}

#[tokio::test]
async fn a_caller_without_sign_in_never_borrows_the_reach_learned_for_a_signed_in_subject() {
    // Arrange: Alice's list (acme, initech) is learned and cached first.
    let credentials = credentials(users(1), service(), api(1));
    let learned = credentials.grant(&alice(), &policy(AuthMode::Iat)).await;

    // Act
    let mapped = credentials
        .grant(&mapped_role(), &policy(AuthMode::Iat))
        .await;

    // Assert
    assert_eq!(reach_of(&learned.expect("granted")), ["acme", "initech"]);
    assert_eq!(reach_of(&mapped.expect("granted")), ["acme", "globex"]);
}

#[tokio::test]
async fn a_user_only_tool_tells_a_caller_without_sign_in_that_it_needs_one() {
    // Arrange
    let credentials = credentials(users(0), MockServiceTokens::new(), api(0));

    // Act
    let refused = credentials
        .grant(&mapped_role(), &policy(AuthMode::User))
        .await;

    // Assert: no challenge, since signing in again to this connection would not help.
    let failure = refused.expect_err("refused");
    assert_eq!(
        (failure.status, failure.code),
        (403, FailureCode::Forbidden)
    );
    assert_eq!(failure.message, messages::NEEDS_SIGN_IN);
    assert_eq!(failure.www_authenticate, None);
}

#[tokio::test]
async fn a_rejected_exchange_in_hybrid_mode_asks_to_sign_in_again_instead_of_falling_back() {
    // Arrange
    let mut users = MockUserCredentials::new();
    users.expect_is_configured().return_const(true);
    users
        .expect_user_credential()
        .returning(|_| Err(CredentialError::Rejected));
    let credentials = credentials(users, MockServiceTokens::new(), api(0));

    // Act
    let refused = credentials.grant(&alice(), &policy(AuthMode::Hybrid)).await;

    // Assert
    let failure = refused.expect_err("refused");
    assert_eq!(
        (failure.status, failure.code),
        (401, FailureCode::Unauthorized)
    );
    assert_eq!(
        failure.www_authenticate.as_deref(),
        Some(challenge::sign_in_again(METADATA).as_str())
    );
}

#[tokio::test]
async fn evict_forgets_the_credential_the_grant_came_from() {
    // Arrange
    let mut users = users(1);
    users.expect_evict().times(1).return_const(());
    let mut service = service();
    service.expect_evict().times(1).return_const(());
    let credentials = credentials(users, service, api(0));
    let user_grant = Grant::User(BearerToken::new("user-jwt-alice"));
    let service_grant = Grant::Service {
        token: BearerToken::new("service-token"),
        reach: AccountReach::default(),
        permissions: None,
    };

    // Act + Assert: each port's `times(1)` is checked when the mocks drop.
    credentials.evict(&alice(), &user_grant).await;
    credentials.evict(&alice(), &service_grant).await;
}

#[tokio::test]
async fn a_company_list_refused_with_401_evicts_the_user_credential_and_reaches_only_the_tenant() {
    // Arrange
    let mut users = users(1);
    users.expect_evict().times(1).return_const(());
    let mut api = MockNeonPanelApi::new();
    api.expect_list_companies().times(1).returning(|_, _, _| {
        Err(UpstreamError::new(
            401,
            UpstreamErrorKind::Unauthorized,
            "expired",
        ))
    });
    let credentials = credentials(users, service(), api);

    // Act
    let grant = credentials.grant(&alice(), &policy(AuthMode::Iat)).await;

    // Assert
    assert_eq!(reach_of(&grant.expect("granted")), ["acme"]);
}
