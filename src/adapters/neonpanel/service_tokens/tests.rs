use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::join_all;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::adapters::neonpanel::test_support::{FakeClock, form_field, no_form_field, outbound};

const START: u64 = 1_000_000;

fn config(server: &MockServer, auth_method: ClientAuthMethod) -> ServiceTokenConfig {
    ServiceTokenConfig {
        token_url: format!("{}/oauth2/token", server.uri()),
        client_id: "svc:client".into(),
        client_secret: Secret::new("s3cr3t/+=&"),
        scope: Some("neonpanel:read neonpanel:write".into()),
        audience: Some("https://my.neonpanel.com".into()),
        auth_method,
    }
}

fn tokens(server: &MockServer, clock: &Arc<FakeClock>) -> ClientCredentialsTokens {
    let clock: Arc<dyn Clock> = clock.clone();
    ClientCredentialsTokens::new(config(server, ClientAuthMethod::Post), outbound(), clock)
}

fn issued(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": expires_in
    }))
}

#[tokio::test]
async fn service_token_is_fetched_once_for_many_concurrent_and_later_calls() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(issued("iat-1", 3600).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let tokens = tokens(&server, &clock);

    // Act
    let first = join_all((0..20).map(|_| tokens.service_token())).await;
    clock.set(START + 2_000);
    let later = tokens.service_token().await;

    // Assert
    for token in first.into_iter().chain([later]) {
        assert_eq!(token.unwrap().expose(), "iat-1");
    }
}

#[tokio::test]
async fn token_past_80_percent_of_its_life_is_refreshed_once_in_background_while_callers_keep_it() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(issued("iat-old", 100))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(issued("iat-new", 100).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let tokens = tokens(&server, &clock);
    assert_eq!(tokens.service_token().await.unwrap().expose(), "iat-old");
    clock.set(START + 85);

    // Act
    let during_refresh = join_all((0..10).map(|_| tokens.service_token())).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let refreshed = loop {
        let token = tokens.service_token().await.unwrap();
        if token.expose() == "iat-new" || Instant::now() > deadline {
            break token;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // Assert
    for token in during_refresh {
        assert_eq!(token.unwrap().expose(), "iat-old");
    }
    assert_eq!(refreshed.expose(), "iat-new");
}

#[tokio::test]
async fn expired_token_is_replaced_before_the_caller_gets_an_answer() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(issued("iat-1", 60))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(issued("iat-2", 60))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let tokens = tokens(&server, &clock);
    tokens.service_token().await.unwrap();

    // Act
    clock.set(START + 61);
    let token = tokens.service_token().await.unwrap();

    // Assert
    assert_eq!(token.expose(), "iat-2");
}

#[tokio::test]
async fn client_secret_basic_sends_urlencoded_then_base64_credentials_in_the_header_only() {
    // Arrange
    let server = MockServer::start().await;
    let basic = STANDARD.encode("svc%3Aclient:s3cr3t%2F%2B%3D%26");
    Mock::given(method("POST"))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .and(form_field("grant_type", "client_credentials"))
        .and(form_field("audience", "https://my.neonpanel.com"))
        .and(form_field("scope", "neonpanel:read neonpanel:write"))
        .and(no_form_field("client_secret"))
        .and(no_form_field("client_id"))
        .respond_with(issued("iat-basic", 3600))
        .expect(1)
        .mount(&server)
        .await;
    let clock: Arc<dyn Clock> = FakeClock::at(START);
    let tokens =
        ClientCredentialsTokens::new(config(&server, ClientAuthMethod::Basic), outbound(), clock);

    // Act
    let token = tokens.service_token().await;

    // Assert
    assert_eq!(token.unwrap().expose(), "iat-basic");
}

#[tokio::test]
async fn client_secret_post_sends_credentials_as_form_fields_without_basic_auth() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(form_field("grant_type", "client_credentials"))
        .and(form_field("client_id", "svc:client"))
        .and(form_field("client_secret", "s3cr3t/+=&"))
        .and(form_field("audience", "https://my.neonpanel.com"))
        .respond_with(issued("iat-post", 3600))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let token = tokens(&server, &clock).service_token().await;

    // Assert
    assert_eq!(token.unwrap().expose(), "iat-post");
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn token_endpoint_post_is_never_retried_even_on_503() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let result = tokens(&server, &clock).service_token().await;

    // Assert
    assert!(
        matches!(result, Err(CredentialError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn oauth_error_body_from_the_token_endpoint_is_a_rejection() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let result = tokens(&server, &clock).service_token().await;

    // Assert
    assert_eq!(result, Err(CredentialError::Rejected));
}

#[tokio::test]
async fn evict_drops_the_cached_token_so_the_next_call_fetches_a_new_one() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(issued("iat", 3600))
        .expect(2)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);
    let tokens = tokens(&server, &clock);
    tokens.service_token().await.unwrap();

    // Act
    tokens.evict().await;
    let again = tokens.service_token().await;

    // Assert
    assert!(again.is_ok());
}

#[tokio::test]
async fn unconfigured_service_tokens_name_the_missing_settings() {
    // Act
    let result = UnconfiguredServiceTokens.service_token().await;

    // Assert
    assert!(!UnconfiguredServiceTokens.is_configured());
    let Err(CredentialError::NotConfigured(message)) = result else {
        panic!("expected NotConfigured, got {result:?}");
    };
    assert!(message.contains("NEONPANEL_CLIENT_ID"));
}

#[test]
fn debug_of_the_config_never_shows_the_client_secret() {
    let config = ServiceTokenConfig {
        token_url: "https://issuer/token".into(),
        client_id: "svc".into(),
        client_secret: Secret::new("s3cr3t-value"),
        scope: None,
        audience: None,
        auth_method: ClientAuthMethod::Basic,
    };
    assert!(!format!("{config:?}").contains("s3cr3t-value"));
}
