//! The wire format of each source: what is sent, and how each answer is read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::adapters::neonpanel::test_support::{form_field, no_form_field};
use crate::domain::policy::AccountPermissions;

#[tokio::test]
async fn user_jwt_endpoint_receives_the_access_token_as_bearer_and_in_the_json_body() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/user-jwt"))
        .and(header("authorization", "Bearer at-alice"))
        .and(body_json(json!({"access_token": "at-alice"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_jwt": "ujwt-alice"})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let credential = credentials(jwt_endpoint(&server), &clock)
        .user_credential(&alice())
        .await;

    // Assert
    assert_eq!(jwt(&credential.unwrap()), "ujwt-alice");
}

#[tokio::test]
async fn user_jwt_endpoint_answer_may_name_the_jwt_jwt_or_token() {
    for field in ["jwt", "token"] {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ field: "ujwt" })))
            .expect(1)
            .mount(&server)
            .await;
        let clock = FakeClock::at(START);

        // Act
        let credential = credentials(jwt_endpoint(&server), &clock)
            .user_credential(&alice())
            .await;

        // Assert
        assert_eq!(jwt(&credential.unwrap()), "ujwt", "{field}");
    }
}

#[tokio::test]
async fn user_jwt_endpoint_refusing_the_token_is_rejected_and_a_5xx_is_unavailable() {
    for (status, rejected) in [(401, true), (403, true), (500, false), (503, false)] {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let clock = FakeClock::at(START);

        // Act
        let result = credentials(jwt_endpoint(&server), &clock)
            .user_credential(&alice())
            .await;

        // Assert
        assert_eq!(
            result == Err(CredentialError::Rejected),
            rejected,
            "{status}: {result:?}"
        );
        assert!(result.is_err());
    }
}

#[tokio::test]
async fn introspection_of_an_inactive_token_is_rejected() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/introspect"))
        .and(form_field("token", "at-alice"))
        .and(form_field("token_type_hint", "access_token"))
        .and(form_field("client_id", "iat-client"))
        .and(form_field("client_secret", "iat-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"active": false})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let result = credentials(introspection(&server), &clock)
        .user_credential(&alice())
        .await;

    // Assert
    assert_eq!(result, Err(CredentialError::Rejected));
}

#[tokio::test]
async fn introspection_permissions_in_either_shape_become_account_permissions() {
    let expected = AccountPermissions {
        accounts: vec![
            (
                "acme".into(),
                vec!["view:invoices".into(), "view:inventory".into()],
            ),
            ("globex".into(), vec![]),
        ],
    };
    let shapes = [
        json!({"acme": ["view:invoices", "view:inventory"], "globex": []}),
        json!([
            {"company_uuid": "acme", "permissions": ["view:invoices", "view:inventory"]},
            {"account": "globex", "permissions": []}
        ]),
    ];
    for permissions in shapes {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"active": true, "sub": "alice", "permissions": permissions}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        let clock = FakeClock::at(START);

        // Act
        let credential = credentials(introspection(&server), &clock)
            .user_credential(&alice())
            .await;

        // Assert
        assert_eq!(
            credential,
            Ok(UserCredential::Permissions(expected.clone()))
        );
    }
}

#[tokio::test]
async fn introspection_user_jwt_is_preferred_over_permissions() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"active": true, "user_jwt": "ujwt-alice", "permissions": {"acme": []}}),
        ))
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let credential = credentials(introspection(&server), &clock)
        .user_credential(&alice())
        .await;

    // Assert
    assert_eq!(jwt(&credential.unwrap()), "ujwt-alice");
}

#[tokio::test]
async fn introspection_describing_another_subject_is_rejected() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"active": true, "sub": "mallory", "permissions": {"acme": ["all"]}}),
        ))
        .mount(&server)
        .await;
    let clock = FakeClock::at(START);

    // Act
    let result = credentials(introspection(&server), &clock)
        .user_credential(&alice())
        .await;

    // Assert
    assert_eq!(result, Err(CredentialError::Rejected));
}

#[tokio::test]
async fn token_exchange_sends_the_rfc8693_form_with_basic_client_auth_and_returns_the_token() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header(
            "authorization",
            format!("Basic {}", STANDARD.encode("mcp:shh")).as_str(),
        ))
        .and(form_field(
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ))
        .and(form_field("subject_token", "at-alice"))
        .and(form_field(
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:access_token",
        ))
        .and(form_field(
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:jwt",
        ))
        .and(form_field("audience", "https://my.neonpanel.com"))
        .and(form_field("scope", "neonpanel:read"))
        .and(no_form_field("client_secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "exchanged-alice",
            "issued_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_type": "Bearer",
            "expires_in": 900
        })))
        .expect(1)
        .mount(&server)
        .await;
    let source = UserSource::TokenExchange {
        token_url: format!("{}/oauth2/token", server.uri()),
        client_id: "mcp".into(),
        client_secret: Secret::new("shh"),
        auth_method: ClientAuthMethod::Basic,
        audience: Some("https://my.neonpanel.com".into()),
        scope: Some("neonpanel:read".into()),
        requested_token_type: RequestedTokenType::Jwt,
    };
    let clock = FakeClock::at(START);

    // Act
    let credential = credentials(source, &clock).user_credential(&alice()).await;

    // Assert
    assert_eq!(jwt(&credential.unwrap()), "exchanged-alice");
}
