//! The production wiring (`App::build`) against wiremock stand-ins for the issuer's JWKS and
//! NeonPanel, with real RS256 tokens signed by the TEST-ONLY fixture key.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use neonpanel_mcp::startup::config::Settings;
use neonpanel_mcp::startup::wiring::App;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::helpers::{TestApp, settings};

pub const ISSUER: &str = "https://issuer.test";
pub const AUDIENCE: &str = "http://127.0.0.1/mcp";
pub const KID: &str = "rsa-1";
pub const USER_JWT: &str = "user-jwt-from-exchange";
pub const SERVICE_TOKEN: &str = "service-token-from-client-credentials";

const RSA_PRIVATE: &[u8] = include_bytes!("../../fixtures/rsa_private.pem");
const COMPONENTS: &str = include_str!("../../fixtures/jwk_components.json");

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs `claims` with the fixture RSA key under `kid` (RS256 unless `alg` says otherwise).
pub fn sign(claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
    )
    .unwrap()
}

/// Valid claims for `sub`, overridable field by field.
pub fn claims(sub: &str) -> Value {
    json!({
        "iss": ISSUER,
        "sub": sub,
        "aud": AUDIENCE,
        "iat": now(),
        "exp": now() + 3600,
        "scope": "openid neonpanel:read",
        "tenant": "a1b2c3d4e5f6g7h8i9j0",
    })
}

pub fn token(sub: &str) -> String {
    sign(&claims(sub), Some(KID))
}

pub struct World {
    pub app: TestApp,
    /// The server task; it ends when the server has stopped.
    pub server: tokio::task::JoinHandle<()>,
    /// Serves the JWKS.
    pub issuer: MockServer,
    /// Serves the NeonPanel API, the user-JWT endpoint and the token endpoint.
    pub neonpanel: MockServer,
    /// The `/metrics` listener, when the settings turned it on.
    pub metrics: Option<std::net::SocketAddr>,
}

fn jwks() -> Value {
    let components: Value = serde_json::from_str(COMPONENTS).unwrap();
    let mut key = components["rsa"].clone();
    key["kid"] = json!(KID);
    key["alg"] = json!("RS256");
    key["use"] = json!("sig");
    json!({ "keys": [key] })
}

/// Settings wired to the two mock servers; `tweak` adjusts them per test.
pub async fn world(tweak: impl FnOnce(&mut Settings, &str)) -> World {
    let issuer = MockServer::start().await;
    let neonpanel = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks()))
        .mount(&issuer)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/user-jwt"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"user_jwt": USER_JWT, "expires_in": 900})),
        )
        .mount(&neonpanel)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": SERVICE_TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&neonpanel)
        .await;
    let base = neonpanel.uri();
    let mut s = Settings {
        oauth_jwks_uri: Some(format!("{}/jwks", issuer.uri())),
        api_base: Some(base.clone()),
        user_jwt_url: Some(format!("{base}/oauth2/user-jwt")),
        oauth_token_url: Some(format!("{base}/oauth2/token")),
        client_id: Some("mcp-server".into()),
        client_secret: Some(neonpanel_mcp::domain::secret::Secret::new(
            "test-only-secret",
        )),
        http_timeout_ms: Some("1500".into()),
        ..settings()
    };
    tweak(&mut s, &base);
    let config = s.validate().expect("valid settings");
    let app = App::build(&config).await.expect("app builds");
    let addr = app.local_addr();
    let metrics = app.metrics_addr();
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    World {
        server,
        app: TestApp {
            addr,
            base: format!("http://{addr}"),
            shutdown,
            http: reqwest::Client::new(),
            probe: None,
        },
        issuer,
        neonpanel,
        metrics,
    }
}

/// Every `Authorization` header NeonPanel's API paths received.
pub async fn api_authorizations(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().starts_with("/api/"))
        .filter_map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect()
}
