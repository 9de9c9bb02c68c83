//! Test harness: fixture keys (TEST-ONLY, see fixtures/README.md), a fake clock, a wiremock
//! JWKS endpoint and token builders.

mod config;
mod fetching;
mod hostile;
mod tokens;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{JwksAuthenticator, JwksConfig};
use crate::adapters::outbound::{Outbound, OutboundConfig};
use crate::domain::secret::BearerToken;
use crate::ports::Clock;

pub(super) const ISSUER: &str = "https://auth.neonpanel.test";
pub(super) const AUDIENCE: &str = "https://mcp.neonpanel.test/mcp";
/// The fake clock's start: 2025-11-24, close to NeonPanel's float `exp` example.
pub(super) const T0: u64 = 1_764_000_000;

pub(super) const RSA_PRIVATE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rsa_private.pem"
));
pub(super) const RSA_PUBLIC: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rsa_public.pem"
));
const RSA2_PRIVATE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rsa2_private.pem"
));
const EC_PRIVATE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ec_private.pem"
));
const COMPONENTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/jwk_components.json"
));

pub(super) struct FakeClock(AtomicU64);

impl FakeClock {
    pub(super) fn at(now: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(now)))
    }

    pub(super) fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub(super) fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap()
}

pub(super) fn rsa2_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA2_PRIVATE).unwrap()
}

pub(super) fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(EC_PRIVATE).unwrap()
}

/// The public JWK of fixture `name` (`rsa`, `rsa2`, `ec`) under `kid`, stating `alg`.
pub(super) fn jwk(name: &str, kid: &str, alg: &str) -> Value {
    let components: Value = serde_json::from_str(COMPONENTS).unwrap();
    let mut jwk = components[name].clone();
    jwk["kid"] = json!(kid);
    jwk["alg"] = json!(alg);
    jwk["use"] = json!("sig");
    jwk
}

/// The standard set: `rsa-1` (RS256) and `ec-1` (ES256).
pub(super) fn standard_jwks() -> Value {
    json!({ "keys": [jwk("rsa", "rsa-1", "RS256"), jwk("ec", "ec-1", "ES256")] })
}

/// Claims that pass every check at `now`.
pub(super) fn claims(now: u64) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "exp": now + 3600,
        "iat": now,
        "scope": "neonpanel:read",
    })
}

pub(super) fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// A token signed over arbitrary header JSON and payload bytes, for headers and payloads
/// `jsonwebtoken::encode` refuses to produce.
pub(super) fn sign_raw(
    header: &Value,
    payload: &[u8],
    alg: Algorithm,
    key: &EncodingKey,
) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

pub(super) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) fn bearer(token: &str) -> BearerToken {
    BearerToken::new(token)
}

pub(super) fn jwks_response(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A mock of `GET /jwks` answering `response`.
pub(super) fn jwks_mock(response: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(response)
}

pub(super) fn config(server: &MockServer) -> JwksConfig {
    JwksConfig::new(
        format!("{}/jwks", server.uri()),
        ISSUER,
        vec![AUDIENCE.to_owned()],
    )
}

pub(super) fn authenticator(server: &MockServer, clock: &Arc<FakeClock>) -> JwksAuthenticator {
    authenticator_with(config(server), &OutboundConfig::default(), clock)
}

pub(super) fn authenticator_with(
    config: JwksConfig,
    outbound: &OutboundConfig,
    clock: &Arc<FakeClock>,
) -> JwksAuthenticator {
    let clock: Arc<dyn Clock> = Arc::clone(clock) as Arc<dyn Clock>;
    JwksAuthenticator::new(config, Outbound::new(outbound), clock).unwrap()
}

pub(super) async fn jwks_requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// `rsa-1` (RS256), `ec-1` (ES256), `rsa-384` (the RSA key published for RS384 only) and an
/// HMAC key `hmac-1` that must never be used.
pub(super) fn hostile_jwks() -> Value {
    json!({ "keys": [
        jwk("rsa", "rsa-1", "RS256"),
        jwk("ec", "ec-1", "ES256"),
        jwk("rsa", "rsa-384", "RS384"),
        { "kty": "oct", "kid": "hmac-1", "alg": "HS256", "k": b64(RSA_PUBLIC) },
    ]})
}

pub(super) fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

pub(super) fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

pub(super) fn rs256(claims: &Value) -> String {
    sign(Algorithm::RS256, Some("rsa-1"), &rsa_key(), claims)
}
