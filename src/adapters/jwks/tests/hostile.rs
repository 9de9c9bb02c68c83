//! Hostile and broken tokens: every one is an `InvalidToken` with a fixed description.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::MockServer;

use super::{
    FakeClock, RSA_PUBLIC, T0, authenticator, b64, bearer, claims, ec_key, hostile_jwks, jwk,
    jwks_mock, jwks_response, rs256, rsa_key, rsa2_key, sign, sign_raw, with, without,
};
use crate::domain::error::AuthError;

fn hostile_tokens() -> Vec<(&'static str, String, &'static str)> {
    let valid = claims(T0);
    let hmac = EncodingKey::from_secret(RSA_PUBLIC);
    let rsa_header = json!({ "alg": "RS256", "kid": "rsa-1", "typ": "JWT" });
    let payload = b64(valid.to_string());
    let other = rs256(&with(valid.clone(), "sub", json!("admin")));
    let mut embedded = Header::new(Algorithm::RS256);
    embedded.kid = Some("attacker".into());
    embedded.jwk = Some(serde_json::from_value::<Jwk>(jwk("rsa2", "attacker", "RS256")).unwrap());
    let mut critical = Header::new(Algorithm::RS256);
    critical.kid = Some("rsa-1".into());
    critical.crit = Some(vec!["exp".into()]);
    let real = rs256(&valid);
    let parts: Vec<&str> = real.split('.').collect();
    vec![
        (
            "alg none",
            format!("{}.{payload}.", b64(r#"{"alg":"none","kid":"rsa-1"}"#)),
            "malformed token",
        ),
        (
            "HS256 keyed with the RSA public PEM",
            sign(Algorithm::HS256, Some("rsa-1"), &hmac, &valid),
            "signing algorithm not allowed",
        ),
        (
            "HS256 naming a published oct key",
            sign(Algorithm::HS256, Some("hmac-1"), &hmac, &valid),
            "signing algorithm not allowed",
        ),
        (
            "PS256 outside the allow-list",
            sign(Algorithm::PS256, Some("rsa-1"), &rsa_key(), &valid),
            "signing algorithm not allowed",
        ),
        (
            "signed by a foreign key",
            sign(Algorithm::RS256, Some("rsa-1"), &rsa2_key(), &valid),
            "invalid signature",
        ),
        (
            "payload swapped",
            format!(
                "{}.{}.{}",
                parts[0],
                other.split('.').nth(1).unwrap(),
                parts[2]
            ),
            "invalid signature",
        ),
        (
            "signature stripped",
            format!("{}.{}.", parts[0], parts[1]),
            "invalid signature",
        ),
        (
            "unknown kid",
            sign(Algorithm::RS256, Some("nobody"), &rsa_key(), &valid),
            "unknown signing key",
        ),
        (
            "key embedded in the header",
            jsonwebtoken::encode(&embedded, &valid, &rsa2_key()).unwrap(),
            "unknown signing key",
        ),
        (
            "missing kid",
            sign(Algorithm::RS256, None, &rsa_key(), &valid),
            "missing key id",
        ),
        (
            "empty kid",
            sign(Algorithm::RS256, Some(""), &rsa_key(), &valid),
            "missing key id",
        ),
        (
            "ES256 header naming an RSA kid",
            sign(Algorithm::ES256, Some("rsa-1"), &ec_key(), &valid),
            "signing key does not match algorithm",
        ),
        (
            "RS256 header naming an EC kid",
            sign(Algorithm::RS256, Some("ec-1"), &rsa_key(), &valid),
            "signing key does not match algorithm",
        ),
        (
            "JWK published for another alg",
            sign(Algorithm::RS256, Some("rsa-384"), &rsa_key(), &valid),
            "signing key does not match algorithm",
        ),
        (
            "critical header",
            jsonwebtoken::encode(&critical, &valid, &rsa_key()).unwrap(),
            "unsupported critical header",
        ),
        (
            "expired beyond leeway",
            rs256(&with(valid.clone(), "exp", json!(T0 - 61))),
            "token expired",
        ),
        (
            "nbf in the future",
            rs256(&with(valid.clone(), "nbf", json!(T0 + 120))),
            "token not yet valid",
        ),
        (
            "iat in the future",
            rs256(&with(valid.clone(), "iat", json!(T0 + 120))),
            "token issued in the future",
        ),
        (
            "wrong iss",
            rs256(&with(valid.clone(), "iss", json!("https://evil.test"))),
            "issuer mismatch",
        ),
        (
            "missing iss",
            rs256(&without(valid.clone(), "iss")),
            "missing iss claim",
        ),
        (
            "wrong aud",
            rs256(&with(valid.clone(), "aud", json!("https://other.test"))),
            "audience mismatch",
        ),
        (
            "wrong aud array",
            rs256(&with(valid.clone(), "aud", json!(["a", "b"]))),
            "audience mismatch",
        ),
        (
            "aud as a number",
            rs256(&with(valid.clone(), "aud", json!(7))),
            "malformed aud claim",
        ),
        (
            "missing aud",
            rs256(&without(valid.clone(), "aud")),
            "missing aud claim",
        ),
        (
            "missing exp",
            rs256(&without(valid.clone(), "exp")),
            "missing exp claim",
        ),
        (
            "exp as a string",
            rs256(&with(valid.clone(), "exp", json!((T0 + 3600).to_string()))),
            "malformed exp claim",
        ),
        (
            "nbf as a string",
            rs256(&with(valid.clone(), "nbf", json!("soon"))),
            "malformed nbf claim",
        ),
        (
            "missing sub",
            rs256(&without(valid.clone(), "sub")),
            "missing sub claim",
        ),
        (
            "sub as a number",
            rs256(&with(valid.clone(), "sub", json!(42))),
            "malformed sub claim",
        ),
        (
            "scope as a number",
            rs256(&with(valid.clone(), "scope", json!(1))),
            "malformed scope claim",
        ),
        ("garbage", "not a jwt at all".into(), "malformed token"),
        ("empty", String::new(), "malformed token"),
        (
            "two segments",
            format!("{}.{}", parts[0], parts[1]),
            "malformed token",
        ),
        (
            "four segments",
            format!("{real}.{}", parts[2]),
            "malformed token",
        ),
        (
            "oversized junk",
            "a".repeat(8 * 1024 + 1),
            "token too large",
        ),
        (
            "oversized signed",
            rs256(&with(valid.clone(), "pad", json!("x".repeat(9000)))),
            "token too large",
        ),
        (
            "bad base64 header",
            format!("!!!.{payload}.{}", parts[2]),
            "malformed token",
        ),
        (
            "bad base64 payload, correctly signed",
            signed_over(&rsa_header, "%%%"),
            "malformed token",
        ),
        (
            "signed payload that is not an object",
            sign_raw(&rsa_header, b"[1,2]", Algorithm::RS256, &rsa_key()),
            "malformed token",
        ),
        (
            "signed payload that is not JSON",
            sign_raw(&rsa_header, b"\xff\xfe", Algorithm::RS256, &rsa_key()),
            "malformed token",
        ),
    ]
}

/// A correctly signed token whose payload segment is not base64url at all.
fn signed_over(header: &Value, payload_segment: &str) -> String {
    let message = format!("{}.{payload_segment}", b64(header.to_string()));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &rsa_key(), Algorithm::RS256).unwrap();
    format!("{message}.{signature}")
}

#[tokio::test]
async fn hostile_and_broken_tokens_are_rejected_as_invalid_token() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&hostile_jwks()))
        .mount(&server)
        .await;
    let auth = authenticator(&server, &FakeClock::at(T0));
    assert!(
        auth.verify_token(&bearer(&rs256(&claims(T0))))
            .await
            .is_ok(),
        "control token"
    );
    let cases = hostile_tokens();
    assert!(cases.len() >= 20);

    for (name, token, description) in cases {
        // Act
        let result = auth.verify_token(&bearer(&token)).await;

        // Assert
        assert_eq!(result, Err(AuthError::InvalidToken(description)), "{name}");
        if let Err(error) = result
            && !token.is_empty()
        {
            assert!(
                !error.to_string().contains(&token),
                "{name} echoes the token"
            );
        }
    }
}
