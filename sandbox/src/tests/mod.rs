//! End-to-end tests of the sandbox over real sockets (reqwest), one sandbox per test.

mod api;
mod faults;
mod inventory;
mod lifecycle;
mod oauth;
mod reports;
mod tokens;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Sandbox, SandboxConfig};

pub(super) use super::data::catalog::{
    ACME_UUID as ACME, GLOBEX_UUID as GLOBEX, INITECH_UUID as INITECH,
};
pub(super) const MCP_AUDIENCE: &str = "https://mcp.example.com/mcp";

pub(super) async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig {
        bind: ([127, 0, 0, 1], 0).into(),
        public_url: None,
    })
    .await
    .unwrap()
}

/// A client that shows redirects instead of following them.
pub(super) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `(verifier, S256 challenge)`.
pub(super) fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub(super) async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let response = http.post(url).json(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(super) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = http.post(url).form(form).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Registers a public client with one loopback redirect; returns its id.
pub(super) async fn register_public(sandbox: &Sandbox, http: &reqwest::Client) -> String {
    let url = format!("{}/oauth2/register", sandbox.base_url());
    let body = json!({
        "client_name": "test", "redirect_uris": ["http://127.0.0.1/callback"],
        "token_endpoint_auth_method": "none",
    });
    let (status, document) = post_json(http, &url, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{document}");
    document["client_id"].as_str().unwrap().to_owned()
}

/// The decoded value of a query parameter of a `Location`.
pub(super) fn query_param(location: &str, name: &str) -> Option<String> {
    let (_, query) = location.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| super::oauth::urls::form_decode(v).unwrap())
    })
}

/// `GET /oauth2/authorize` with `auto_approve`; returns the `Location`.
pub(super) async fn authorize(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    client_id: &str,
    challenge: &str,
    user: &str,
) -> String {
    let url = format!("{}/oauth2/authorize", sandbox.base_url());
    let response = http
        .get(url)
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", "http://127.0.0.1:54321/callback"),
            ("state", "xyz"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("scope", "openid neonpanel:read"),
            ("resource", MCP_AUDIENCE),
            ("auto_approve", user),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The whole Authorization Code + PKCE flow for `user`; returns `(client_id, token answer)`.
pub(super) async fn login(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    user: &str,
) -> (String, Value) {
    let client_id = register_public(sandbox, http).await;
    let (verifier, challenge) = pkce();
    let location = authorize(sandbox, http, &client_id, &challenge, user).await;
    let code = query_param(&location, "code").unwrap();
    let (status, tokens) = post_form(
        http,
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
    assert_eq!(status, StatusCode::OK, "{tokens}");
    (client_id, tokens)
}

/// A client-credentials token of the pre-registered service client.
pub(super) async fn service_token(sandbox: &Sandbox, http: &reqwest::Client) -> String {
    let (id, secret) = sandbox.service_client();
    let response = http
        .post(sandbox.token_url())
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "neonpanel:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A user JWT for `user` from `/oauth2/user-jwt`.
pub(super) async fn user_jwt(sandbox: &Sandbox, http: &reqwest::Client, user: &str) -> String {
    let access = sandbox
        .mint_access_token(user, MCP_AUDIENCE, "openid neonpanel:read", 600)
        .unwrap();
    let response = http
        .post(sandbox.user_jwt_url())
        .bearer_auth(&access)
        .json(&json!({ "access_token": access }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["user_jwt"].as_str().unwrap().to_owned()
}

pub(super) async fn api_get(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    path_and_query: &str,
    token: &str,
) -> (StatusCode, Value) {
    let response = http
        .get(format!("{}{path_and_query}", sandbox.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The claims of `token` after verification with the key published at the JWKS URI (the way
/// a resource server would check it).
pub(super) async fn verified_claims(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    token: &str,
) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = http
        .get(sandbox.jwks_uri())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_aud = false;
    validation.set_issuer(&[sandbox.issuer()]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims
}
