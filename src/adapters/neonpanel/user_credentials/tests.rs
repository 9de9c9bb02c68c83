//! Caching, keys and the trivial sources; each exchange's wire format is in `sources`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use serde_json::json;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::adapters::neonpanel::test_support::{FakeClock, outbound};
use crate::domain::principal::{Principal, ScopeSet, Subject, Tenant};
use crate::domain::secret::BearerToken;

const START: u64 = 1_000_000;

fn caller(subject: &str, scopes: &str, tenant: Option<&str>, token: &str) -> Caller {
    Caller {
        principal: std::sync::Arc::new(Principal {
            subject: Subject::new(subject),
            scopes: ScopeSet::parse(scopes),
            tenant: tenant.map(Tenant::new),
            expires_at: START + 3600,
            accounts: std::collections::BTreeSet::new(),
        }),
        access_token: Some(BearerToken::new(token)),
    }
}

fn alice() -> Caller {
    caller("alice", "neonpanel:read", Some("acme"), "at-alice")
}

fn credentials(source: UserSource, clock: &Arc<FakeClock>) -> ExchangedUserCredentials {
    let clock: Arc<dyn Clock> = clock.clone();
    ExchangedUserCredentials::new(UserCredentialConfig::new(source), outbound(), clock)
}

fn jwt_endpoint(server: &MockServer) -> UserSource {
    UserSource::UserJwtEndpoint {
        url: format!("{}/api/v1/user-jwt", server.uri()),
    }
}

fn introspection(server: &MockServer) -> UserSource {
    UserSource::Introspection {
        url: format!("{}/oauth2/introspect", server.uri()),
        client_id: "iat-client".into(),
        client_secret: Secret::new("iat-secret"),
        auth_method: ClientAuthMethod::Post,
    }
}

async fn mount_jwt_for(server: &MockServer, access_token: &str, jwt: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/api/v1/user-jwt"))
        .and(bearer_token(access_token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"user_jwt": jwt, "expires_in": 600})),
        )
        .expect(times)
        .mount(server)
        .await;
}

fn jwt(credential: &UserCredential) -> &str {
    match credential {
        UserCredential::Jwt(token) => token.expose(),
        UserCredential::Permissions(_) => panic!("expected a JWT, got permissions"),
    }
}

#[tokio::test]
async fn two_subjects_are_fetched_separately_and_never_get_each_others_jwt() {
    // Arrange
    let server = MockServer::start().await;
    mount_jwt_for(&server, "at-alice", "ujwt-alice", 1).await;
    mount_jwt_for(&server, "at-bob", "ujwt-bob", 1).await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);
    let bob = caller("bob", "neonpanel:read", Some("acme"), "at-bob");

    // Act
    let mut seen = Vec::new();
    for who in [&alice(), &bob, &alice(), &bob] {
        seen.push(jwt(&credentials.user_credential(who).await.unwrap()).to_owned());
    }

    // Assert
    assert_eq!(seen, ["ujwt-alice", "ujwt-bob", "ujwt-alice", "ujwt-bob"]);
}

#[tokio::test]
async fn same_caller_many_times_at_once_and_later_costs_one_call() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"user_jwt": "ujwt-alice", "expires_in": 600}))
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);
    let caller = alice();

    // Act
    let concurrent = join_all((0..10).map(|_| credentials.user_credential(&caller))).await;
    let later = credentials.user_credential(&caller).await;

    // Assert
    for credential in concurrent.into_iter().chain([later]) {
        assert_eq!(jwt(&credential.unwrap()), "ujwt-alice");
    }
    assert!(credentials.in_flight.lock().unwrap().is_empty());
}

#[tokio::test]
async fn same_subject_with_other_scopes_tenant_or_access_token_is_fetched_again() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_jwt": "u"})))
        .expect(4)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);

    // Act
    for who in [
        alice(),
        caller(
            "alice",
            "neonpanel:read neonpanel:write",
            Some("acme"),
            "at-alice",
        ),
        caller("alice", "neonpanel:read", Some("globex"), "at-alice"),
        caller("alice", "neonpanel:read", Some("acme"), "at-alice-2"),
    ] {
        credentials.user_credential(&who).await.unwrap();
    }
}

#[test]
fn keys_of_fields_that_concatenate_alike_differ() {
    // Arrange: each pair feeds the same characters, split differently between the fields.
    let token = BearerToken::new("at");
    let pairs = [
        (caller("ab", "c", None, "at"), caller("a", "bc", None, "at")),
        (
            caller("a", "b c", None, "at"),
            caller("a", "bc", None, "at"),
        ),
        (
            caller("a", "b", Some("c"), "at"),
            caller("a", "b c", None, "at"),
        ),
        (
            caller("a", "b", Some(""), "at"),
            caller("a", "b", None, "at"),
        ),
    ];

    // Act + Assert
    for (one, other) in pairs {
        assert!(CacheKey::of(&one, &token) != CacheKey::of(&other, &token));
    }
    assert!(CacheKey::of(&alice(), &token) == CacheKey::of(&alice(), &token));
}

#[tokio::test]
async fn evict_makes_the_next_call_fetch_again() {
    // Arrange
    let server = MockServer::start().await;
    mount_jwt_for(&server, "at-alice", "ujwt-alice", 2).await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);
    credentials.user_credential(&alice()).await.unwrap();

    // Act
    credentials.evict(&alice()).await;
    let again = credentials.user_credential(&alice()).await;

    // Assert
    assert!(again.is_ok());
}

#[tokio::test]
async fn cached_credential_is_served_until_60_seconds_before_expires_in() {
    // Arrange
    let server = MockServer::start().await;
    mount_jwt_for(&server, "at-alice", "ujwt-alice", 2).await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);
    credentials.user_credential(&alice()).await.unwrap();

    // Act
    clock.set(START + 539);
    credentials.user_credential(&alice()).await.unwrap();
    clock.set(START + 540);
    credentials.user_credential(&alice()).await.unwrap();
}

#[tokio::test]
async fn jwt_exp_claim_bounds_the_cache_when_the_answer_has_no_expires_in() {
    // Arrange
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub": "alice", "exp": START + 300}).to_string());
    let user_jwt = format!("eyJhbGciOiJSUzI1NiJ9.{claims}.sig");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_jwt": user_jwt})))
        .expect(2)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let credentials = credentials(jwt_endpoint(&server), &clock);

    // Act
    credentials.user_credential(&alice()).await.unwrap();
    clock.set(START + 239);
    credentials.user_credential(&alice()).await.unwrap();
    clock.set(START + 240);
    credentials.user_credential(&alice()).await.unwrap();
}

#[tokio::test]
async fn passthrough_returns_the_access_token_itself() {
    // Arrange
    let clock = FakeClock::at(START);
    let credentials = credentials(UserSource::Passthrough, &clock);

    // Act
    let credential = credentials.user_credential(&alice()).await;

    // Assert
    assert!(credentials.is_configured());
    assert_eq!(jwt(&credential.unwrap()), "at-alice");
}

#[tokio::test]
async fn no_source_is_not_configured_and_names_the_settings() {
    // Arrange
    let clock = FakeClock::at(START);
    let credentials = credentials(UserSource::None, &clock);

    // Act
    let result = credentials.user_credential(&alice()).await;

    // Assert
    assert!(!credentials.is_configured());
    let Err(CredentialError::NotConfigured(message)) = result else {
        panic!("expected NotConfigured, got {result:?}");
    };
    assert!(message.contains("NEONPANEL_USER_JWT_URL"));
}

#[test]
fn debug_of_sources_never_shows_client_secrets() {
    let source = UserSource::Introspection {
        url: "https://issuer/introspect".into(),
        client_id: "iat".into(),
        client_secret: Secret::new("very-secret-value"),
        auth_method: ClientAuthMethod::Post,
    };
    assert!(!format!("{:?}", UserCredentialConfig::new(source)).contains("very-secret-value"));
}

mod sources;

#[tokio::test]
async fn a_caller_without_sign_in_has_nothing_to_exchange_and_no_source_is_asked() {
    // Arrange: the endpoint would mint a JWT for anyone, but must not be called.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_jwt": "minted"})))
        .expect(0)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let exchanged = credentials(jwt_endpoint(&server), &clock);
    let passthrough = credentials(UserSource::Passthrough, &clock);
    let role = Caller {
        access_token: None,
        ..alice()
    };

    // Act
    let from_endpoint = exchanged.user_credential(&role).await;
    let passed_through = passthrough.user_credential(&role).await;
    exchanged.evict(&role).await;

    // Assert
    assert_eq!(from_endpoint, Err(CredentialError::NoSignIn));
    assert_eq!(passed_through, Err(CredentialError::NoSignIn));
}
