//! One published JWK turned into a verification key, with the rules that decide which token
//! algorithms it may verify (RFC 7517, RFC 7518 §6, RFC 8725 §3.1).

use std::str::FromStr;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

/// One parsed JWK: the decoding key plus what it may verify.
pub(super) struct VerifyingKey {
    key: DecodingKey,
    family: AlgorithmFamily,
    /// The JWK's own `alg`, when it states one.
    alg: Option<Algorithm>,
    curve: Option<EllipticCurve>,
}

impl VerifyingKey {
    pub(super) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }

    /// Whether this key may verify a token signed with `alg`. RFC 8725 §3.1: the key, not the
    /// token, decides; `DecodingKey::from_jwk` ignores the JWK's `alg`, so it is checked here.
    pub(super) fn accepts(&self, alg: Algorithm) -> bool {
        if self.family != alg.family() || self.alg.is_some_and(|own| own != alg) {
            return false;
        }
        match alg {
            Algorithm::ES256 => self.curve == Some(EllipticCurve::P256),
            Algorithm::ES384 => self.curve == Some(EllipticCurve::P384),
            _ => true,
        }
    }

    /// The verification key described by `raw`, or `None` for anything this server will not
    /// verify with: symmetric (`oct`) and OKP keys, encryption keys (RFC 7517 §4.2, §4.3), keys
    /// whose `alg` contradicts their type, unsupported curves, bad encodings.
    pub(super) fn from_jwk(raw: &Value) -> Option<Self> {
        let jwk = Jwk::deserialize(raw).ok()?;
        if jwk
            .common
            .public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return None;
        }
        if jwk
            .common
            .key_operations
            .as_ref()
            .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
        {
            return None;
        }
        let alg = match jwk.common.key_algorithm {
            None => None,
            Some(named) => Some(Algorithm::from_str(&named.to_string()).ok()?),
        };
        let (key, curve) = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                (DecodingKey::from_rsa_components(&rsa.n, &rsa.e).ok()?, None)
            }
            AlgorithmParameters::EllipticCurve(ec)
                if matches!(ec.curve, EllipticCurve::P256 | EllipticCurve::P384) =>
            {
                let key = DecodingKey::from_ec_components(&ec.x, &ec.y).ok()?;
                (key, Some(ec.curve.clone()))
            }
            _ => return None,
        };
        let family = key.family();
        if alg.is_some_and(|a| a.family() != family) {
            return None;
        }
        Some(Self {
            key,
            family,
            alg,
            curve,
        })
    }
}
