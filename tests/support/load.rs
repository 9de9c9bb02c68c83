//! What the load tests (`tests/threads.rs`, `tests/memory.rs`) share: a signed-in caller's
//! token, an identity provider that verifies it and hands out user JWTs, and the settings of a
//! server that puts no limit of its own on many calls from one address.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::startup::config::Settings;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ISSUER: &str = "https://issuer.test";
pub const AUDIENCE: &str = "http://127.0.0.1/mcp";
const RSA_PRIVATE: &[u8] = include_bytes!("../../fixtures/rsa_private.pem");
const COMPONENTS: &str = include_str!("../../fixtures/jwk_components.json");

/// An RS256 access token for `alice`, valid for an hour, signed with the fixture key.
pub fn token() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let claims = json!({
        "iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 3600,
        "scope": "openid neonpanel:read",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE).expect("fixture key");
    jsonwebtoken::encode(&header, &claims, &key).expect("signed")
}

/// A wiremock server that a panicking test leaks instead of dropping: wiremock's drop checks
/// its mocks by blocking on a lock of the runtime, and on a panicking test's thread that spins
/// forever, so a failed assertion would hang the test instead of reporting it.
pub struct Upstream(Option<MockServer>);

impl std::ops::Deref for Upstream {
    type Target = MockServer;

    fn deref(&self) -> &MockServer {
        self.0.as_ref().expect("present until dropped")
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::mem::forget(self.0.take());
        }
    }
}

/// The identity provider: the fixture key's JWKS at `/jwks` and a user JWT at
/// `/oauth2/user-jwt` (each asked once, then cached by the server).
pub async fn identity_provider() -> Upstream {
    let components: Value = serde_json::from_str(COMPONENTS).expect("fixture JWK");
    let mut key = components["rsa"].clone();
    key["kid"] = json!("rsa-1");
    key["alg"] = json!("RS256");
    key["use"] = json!("sig");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "keys": [key] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/user-jwt"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"user_jwt": "u", "expires_in": 900})),
        )
        .mount(&server)
        .await;
    Upstream(Some(server))
}

/// A server on a free loopback port verifying tokens at `identity`, calling NeonPanel at `api`,
/// with no rate limit, no shutdown drain, no per-IP connection cap (every connection comes from 127.0.0.1, as
/// from a load balancer) and room for 1024 upstream calls at once.
pub fn settings(identity: &str, api: &str) -> Settings {
    Settings {
        host: Some("127.0.0.1".into()),
        port: Some("0".into()),
        oauth_issuer: Some(ISSUER.into()),
        oauth_jwks_uri: Some(format!("{identity}/jwks")),
        oauth_required_scopes: Some("neonpanel:read".into()),
        resource_url: Some(AUDIENCE.into()),
        api_base: Some(api.into()),
        user_jwt_url: Some(format!("{identity}/oauth2/user-jwt")),
        oauth_token_url: Some(format!("{identity}/oauth2/token")),
        client_id: Some("mcp-server".into()),
        client_secret: Some(Secret::new("test-only-secret")),
        http_timeout_ms: Some("60000".into()),
        max_inflight: Some("1024".into()),
        rate_limit_per_minute: Some("0".into()),
        max_connections_per_ip: Some("0".into()),
        // The test stops the server itself: no load balancer to wait for.
        shutdown_drain_ms: Some("0".into()),
        ..Settings::default()
    }
}

/// The soft limit of open files: a test holding many calls needs several sockets for each.
pub fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("procfs");
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(usize::MAX)
}
