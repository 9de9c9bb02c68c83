//! The sandbox's one signing key: ES256 on P-256, generated at every start with a random `kid`.
//! It signs every token the sandbox issues (access tokens, ID tokens, user JWTs, service
//! tokens) and verifies them when they come back. Verification goes through the published JWK
//! itself, so a JWK that did not describe the key would fail the sandbox's own tests.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SandboxError;

/// What a token is for; a private claim, so an ID token can never pass as an access token.
pub(crate) const USE_ACCESS: &str = "access";
pub(crate) const USE_USER_JWT: &str = "user_jwt";
pub(crate) const USE_ID: &str = "id";
/// Auth0's `gty` value marking a client-credentials (service) token.
pub(crate) const GTY_CLIENT_CREDENTIALS: &str = "client-credentials";

/// The claims of every token the sandbox issues; optional ones are omitted when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    pub token_use: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 9068 §2.2: the client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user's first company (docs/design.md §3.6, claim `tenant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// User JWTs: every company the user reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Claims {
    /// Fresh registered claims: `iat` = `nbf` = now, `exp` = now + `ttl_secs`, random `jti`.
    pub(crate) fn new(issuer: &str, sub: &str, aud: &str, token_use: &str, ttl_secs: u64) -> Self {
        let now = now_secs();
        Self {
            iss: issuer.to_owned(),
            sub: sub.to_owned(),
            aud: aud.to_owned(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl_secs),
            jti: uuid::Uuid::new_v4().to_string(),
            token_use: token_use.to_owned(),
            ..Self::default()
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

pub(crate) struct SigningKey {
    kid: String,
    issuer: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
}

impl SigningKey {
    /// Generates a P-256 key for `issuer`.
    ///
    /// # Errors
    /// [`SandboxError::KeyGeneration`] when aws-lc-rs cannot produce or export the key.
    pub(crate) fn generate(issuer: &str) -> Result<Self, SandboxError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| SandboxError::KeyGeneration)?;
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| SandboxError::KeyGeneration)?;
        // SEC 1 §2.3.3 uncompressed point: 0x04 ‖ x (32 bytes) ‖ y (32 bytes).
        let point = pair.public_key().as_ref();
        let (Some(x), Some(y)) = (point.get(1..33), point.get(33..65)) else {
            return Err(SandboxError::KeyGeneration);
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let decoding =
            DecodingKey::from_ec_components(&x, &y).map_err(|_| SandboxError::KeyGeneration)?;
        let kid = uuid::Uuid::new_v4().simple().to_string();
        // RFC 7517 §4 / RFC 7518 §6.2.1.
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": kid, "alg": "ES256", "use": "sig",
        });
        Ok(Self {
            kid,
            issuer: issuer.to_owned(),
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            decoding,
            jwk,
        })
    }

    /// The public key as a JWK.
    pub(crate) fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Signs `claims` (ES256, with `kid`; `typ` per RFC 9068 §2.1 for access tokens).
    ///
    /// # Errors
    /// [`SandboxError::Signing`] when jsonwebtoken refuses.
    pub(crate) fn sign(&self, claims: &Claims) -> Result<String, SandboxError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(
            if claims.token_use == USE_ACCESS {
                "at+jwt"
            } else {
                "JWT"
            }
            .into(),
        );
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| SandboxError::Signing(e.to_string()))
    }

    /// Verifies a token this sandbox issued: signature, `kid`, `iss`, `exp`, `nbf` (no leeway:
    /// the sandbox is its own clock). The audience is the caller's business.
    pub(crate) fn verify(&self, token: &str) -> Option<Claims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_and_carries_its_claims() {
        // Arrange
        let key = SigningKey::generate("http://sandbox").unwrap();
        let mut claims = Claims::new("http://sandbox", "alice", "aud-1", USE_ACCESS, 60);
        claims.scope = Some("openid".into());

        // Act
        let token = key.sign(&claims).unwrap();

        // Assert
        assert_eq!(key.verify(&token), Some(claims));
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), key.jwk()["kid"].as_str());
    }

    #[test]
    fn a_token_from_another_key_or_issuer_or_past_its_expiry_does_not_verify() {
        // Arrange
        let key = SigningKey::generate("http://sandbox").unwrap();
        let other = SigningKey::generate("http://sandbox").unwrap();
        let stranger = SigningKey::generate("http://elsewhere").unwrap();
        let claims = Claims::new("http://sandbox", "alice", "a", USE_ACCESS, 60);
        let mut expired = claims.clone();
        expired.exp = expired.iat.saturating_sub(1);
        let foreign_iss = Claims::new("http://elsewhere", "alice", "a", USE_ACCESS, 60);

        // Act / Assert
        assert_eq!(key.verify(&other.sign(&claims).unwrap()), None);
        assert_eq!(key.verify(&key.sign(&expired).unwrap()), None);
        assert_eq!(key.verify(&stranger.sign(&foreign_iss).unwrap()), None);
        assert_eq!(key.verify("not.a.jwt"), None);
    }
}
