//! Tokens for the server's back channel: client credentials, token exchange, the user-JWT
//! endpoint and introspection.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn client_credentials_issue_an_api_service_token_only_to_an_authenticated_confidential_client()
 {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let (id, _) = sandbox.service_client();
    let public_id = register_public(&sandbox, &http).await;

    // Act
    let token = service_token(&sandbox, &http).await;
    let wrong_secret = http
        .post(sandbox.token_url())
        .basic_auth(&id, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (public_status, public) = post_form(
        &http,
        &sandbox.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &public_id),
        ],
    )
    .await;

    // Assert
    let claims = verified_claims(&sandbox, &http, &token).await;
    assert_eq!(claims["aud"], json!(sandbox.api_audience()));
    assert_eq!(claims["sub"], json!(id));
    assert_eq!(claims["scope"], "neonpanel:read");
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong_secret.headers().contains_key("www-authenticate"));
    assert_eq!(public_status, StatusCode::BAD_REQUEST);
    assert_eq!(public["error"], "unauthorized_client");
}

#[tokio::test]
async fn token_exchange_turns_a_user_access_token_into_an_api_user_jwt() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let (id, secret) = sandbox.service_client();
    let access = sandbox
        .mint_access_token("alice", MCP_AUDIENCE, "openid neonpanel:read", 600)
        .unwrap();

    // Act
    let response = http
        .post(sandbox.token_url())
        .basic_auth(&id, Some(&secret))
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", &access),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:jwt",
            ),
            ("scope", "neonpanel:read"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();

    // Assert
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:jwt"
    );
    assert_eq!(body["expires_in"], 900);
    let claims = verified_claims(&sandbox, &http, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["aud"], json!(sandbox.api_audience()));
    assert_eq!(claims["companies"], json!([ACME, GLOBEX]));
    assert_eq!(claims["scope"], "neonpanel:read");
}

#[tokio::test]
async fn the_user_jwt_endpoint_exchanges_a_valid_access_token_and_refuses_a_bad_one() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let stranger = super::super::keys::SigningKey::generate(sandbox.issuer()).unwrap();
    let forged = stranger
        .sign(&super::super::keys::Claims::new(
            sandbox.issuer(),
            "alice",
            MCP_AUDIENCE,
            super::super::keys::USE_ACCESS,
            600,
        ))
        .unwrap();

    // Act
    let jwt = user_jwt(&sandbox, &http, "bob").await;
    let refused = http
        .post(sandbox.user_jwt_url())
        .bearer_auth(&forged)
        .json(&json!({ "access_token": forged }))
        .send()
        .await
        .unwrap();

    // Assert
    let claims = verified_claims(&sandbox, &http, &jwt).await;
    assert_eq!(claims["sub"], "bob");
    assert_eq!(claims["aud"], json!(sandbox.api_audience()));
    assert_eq!(claims["companies"], json!([GLOBEX]));
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn introspection_describes_active_tokens_with_user_jwt_and_permissions_and_needs_client_auth()
{
    // Arrange
    let sandbox = start().await;
    let http = http();
    let (id, secret) = sandbox.service_client();
    let access = sandbox
        .mint_access_token("alice", MCP_AUDIENCE, "openid neonpanel:read", 600)
        .unwrap();
    let mut claims = super::super::keys::Claims::new(
        sandbox.issuer(),
        "alice",
        MCP_AUDIENCE,
        super::super::keys::USE_ACCESS,
        0,
    );
    claims.exp -= 10;
    let expired = sandbox.state.keys.sign(&claims).unwrap();
    let introspect = |token: String| {
        let (http, url, id, secret) = (
            http.clone(),
            sandbox.introspect_url(),
            id.clone(),
            secret.clone(),
        );
        async move {
            let response = http
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[
                    ("token", token.as_str()),
                    ("token_type_hint", "access_token"),
                ])
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };

    // Act
    let (status, active) = introspect(access).await;
    let (_, inactive) = introspect(expired).await;
    let (_, garbage) = introspect("garbage".into()).await;
    let (anonymous, _) = post_form(&http, &sandbox.introspect_url(), &[("token", "x")]).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], "alice");
    assert_eq!(active["client_id"], "sandbox-mint");
    assert_eq!(active["permissions"][ACME].as_array().unwrap().len(), 7);
    assert!(active["permissions"][GLOBEX].is_array());
    assert!(active["permissions"].get(INITECH).is_none());
    let claims = verified_claims(&sandbox, &http, active["user_jwt"].as_str().unwrap()).await;
    assert_eq!(claims["aud"], json!(sandbox.api_audience()));
    assert_eq!(inactive, json!({ "active": false }));
    assert_eq!(garbage, json!({ "active": false }));
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);
}
