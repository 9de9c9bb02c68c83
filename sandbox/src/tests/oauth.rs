//! The authorization server: discovery, DCR, authorize and consent, code and refresh grants.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn discovery_documents_advertise_every_endpoint_and_only_s256() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let base = sandbox.base_url().to_owned();

    // Act
    let oidc: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rfc8414: Value = http
        .get(format!("{base}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks: Value = http
        .get(sandbox.jwks_uri())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Assert
    assert_eq!(oidc, rfc8414);
    assert_eq!(oidc["issuer"], json!(sandbox.issuer()));
    assert_eq!(oidc["token_endpoint"], json!(sandbox.token_url()));
    assert_eq!(oidc["jwks_uri"], json!(sandbox.jwks_uri()));
    assert_eq!(
        oidc["introspection_endpoint"],
        json!(sandbox.introspect_url())
    );
    assert_eq!(
        oidc["registration_endpoint"],
        json!(format!("{base}/oauth2/register"))
    );
    assert_eq!(oidc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        oidc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
}

#[tokio::test]
async fn dcr_then_authorize_then_token_with_pkce_issues_a_jwks_verifiable_access_token() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let client_id = register_public(&sandbox, &http).await;
    let (verifier, challenge) = pkce();

    // Act: the loopback redirect registered without a port is used with one (RFC 8252 §7.3).
    let location = authorize(&sandbox, &http, &client_id, &challenge, "alice").await;
    let code = query_param(&location, "code").unwrap();
    let (status, tokens) = post_form(
        &http,
        &sandbox.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:54321/callback"),
            ("code_verifier", &verifier),
            ("client_id", &client_id),
        ],
    )
    .await;

    // Assert
    assert!(location.starts_with("http://127.0.0.1:54321/callback?code="));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    assert_eq!(
        query_param(&location, "iss").as_deref(),
        Some(sandbox.issuer())
    );
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid neonpanel:read");
    assert!(tokens["refresh_token"].is_string());
    assert!(tokens["id_token"].is_string());
    let claims = verified_claims(&sandbox, &http, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["aud"], MCP_AUDIENCE);
    assert_eq!(claims["scope"], "openid neonpanel:read");
    assert_eq!(claims["tenant"], ACME);
    assert_eq!(claims["client_id"], json!(client_id));
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    assert!(claims["jti"].is_string() && claims["nbf"].is_u64());
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused_and_the_code_cannot_be_replayed() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let client_id = register_public(&sandbox, &http).await;
    let (verifier, challenge) = pkce();
    let location = authorize(&sandbox, &http, &client_id, &challenge, "bob").await;
    let code = query_param(&location, "code").unwrap();
    let (other_verifier, _) = pkce();
    let redeem = |verifier: String| {
        let (http, url, code, client_id) = (
            http.clone(),
            sandbox.token_url(),
            code.clone(),
            client_id.clone(),
        );
        async move {
            post_form(
                &http,
                &url,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", "http://127.0.0.1:54321/callback"),
                    ("code_verifier", &verifier),
                    ("client_id", &client_id),
                ],
            )
            .await
        }
    };

    // Act
    let wrong = redeem(other_verifier).await;
    let replay = redeem(verifier).await;

    // Assert
    assert_eq!(wrong.0, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.1["error"], "invalid_grant");
    assert_eq!(replay.0, StatusCode::BAD_REQUEST);
    assert_eq!(replay.1["error"], "invalid_grant");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_used_one_is_refused() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let (client_id, tokens) = login(&sandbox, &http, "alice").await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        let (http, url, client_id) = (http.clone(), sandbox.token_url(), client_id.clone());
        async move {
            post_form(
                &http,
                &url,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", &client_id),
                ],
            )
            .await
        }
    };

    // Act
    let (status, rotated) = refresh(first.clone()).await;
    let (replay_status, replay) = refresh(first).await;
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    let (again_status, _) = refresh(second.clone()).await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(second, tokens["refresh_token"].as_str().unwrap());
    let claims = verified_claims(&sandbox, &http, rotated["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (claims["sub"].clone(), claims["aud"].clone()),
        (json!("alice"), json!(MCP_AUDIENCE))
    );
    assert_eq!(replay_status, StatusCode::BAD_REQUEST);
    assert_eq!(replay["error"], "invalid_grant");
    assert_eq!(again_status, StatusCode::OK);
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_a_400_page_and_no_redirect() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let client_id = register_public(&sandbox, &http).await;
    let (_, challenge) = pkce();

    // Act
    let response = http
        .get(format!("{}/oauth2/authorize", sandbox.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", "https://evil.example/callback"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("auto_approve", "alice"),
        ])
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn authorize_without_pkce_redirects_back_with_invalid_request_and_the_state() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let client_id = register_public(&sandbox, &http).await;

    // Act
    let response = http
        .get(format!("{}/oauth2/authorize", sandbox.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("state", "s1"),
            ("auto_approve", "alice"),
        ])
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("http://127.0.0.1/callback?"));
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(location, "state").as_deref(), Some("s1"));
}

#[tokio::test]
async fn the_consent_page_lists_the_demo_users_and_approving_one_redirects_with_a_code() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let client_id = register_public(&sandbox, &http).await;
    let (_, challenge) = pkce();
    let params = [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("state", "st"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    // Act
    let page = http
        .get(format!("{}/oauth2/authorize", sandbox.base_url()))
        .query(&params)
        .send()
        .await
        .unwrap();
    let page_status = page.status();
    let html = page.text().await.unwrap();
    let mut approval: Vec<(&str, &str)> = params.to_vec();
    approval.push(("user_id", "carol"));
    let approved = http
        .post(format!("{}/oauth2/authorize/approve", sandbox.base_url()))
        .form(&approval)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(page_status, StatusCode::OK);
    for user in sandbox.users() {
        assert!(html.contains(&format!("value=\"{}\"", user.id)), "{html}");
    }
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let location = approved.headers()["location"].to_str().unwrap();
    assert!(query_param(location, "code").is_some());
    assert_eq!(query_param(location, "state").as_deref(), Some("st"));
}

#[tokio::test]
async fn registration_refuses_remote_plain_http_and_gives_confidential_clients_a_secret() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let url = format!("{}/oauth2/register", sandbox.base_url());

    // Act
    let (bad_status, bad) = post_json(
        &http,
        &url,
        &json!({"redirect_uris": ["http://evil.example/cb"]}),
    )
    .await;
    let (missing_status, _) = post_json(&http, &url, &json!({"client_name": "x"})).await;
    let (ok_status, client) = post_json(
        &http,
        &url,
        &json!({
            "redirect_uris": ["https://chatgpt.com/connector_platform_oauth_redirect"],
            "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        }),
    )
    .await;

    // Assert
    assert_eq!(bad_status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"], "invalid_redirect_uri");
    assert_eq!(missing_status, StatusCode::BAD_REQUEST);
    assert_eq!(ok_status, StatusCode::CREATED);
    assert!(client["client_secret"].is_string());
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_post");
    assert!(client["registration_access_token"].is_string());
}
