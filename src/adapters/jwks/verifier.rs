//! Header checks, signature verification and claim validation of one JWT (RFC 7519, RFC 8725).
//!
//! jsonwebtoken verifies the signature only: its time checks are off because it reads
//! NumericDates as integers, and NeonPanel issues floats (RFC 7519 §2 allows non-integer
//! values). Every claim rule is applied here, against the injected clock.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::jwk::VerifyingKey;
use crate::domain::error::AuthError;
use crate::domain::principal::{Principal, ScopeSet, Subject, Tenant};

/// What the claims of an accepted token must say.
pub(super) struct ClaimPolicy {
    pub(super) issuer: String,
    pub(super) audiences: Vec<String>,
    pub(super) leeway_secs: u64,
    pub(super) tenant_claim: String,
}

/// The parts of a JOSE header that select the key.
pub(super) struct TokenHeader {
    pub(super) alg: Algorithm,
    pub(super) kid: String,
}

pub(super) struct Verifier {
    /// One signature-only `Validation` per allowed algorithm: jsonwebtoken refuses a
    /// `Validation` that lists algorithms of several families.
    validations: Vec<(Algorithm, Validation)>,
    policy: ClaimPolicy,
}

const fn invalid(description: &'static str) -> AuthError {
    AuthError::InvalidToken(description)
}

impl Verifier {
    pub(super) fn new(algorithms: &[Algorithm], policy: ClaimPolicy) -> Self {
        let validations = algorithms
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                validation.required_spec_claims.clear();
                validation.validate_exp = false;
                validation.validate_nbf = false;
                validation.validate_aud = false;
                (alg, validation)
            })
            .collect();
        Self {
            validations,
            policy,
        }
    }

    /// The header's `alg` (from the allow-list) and `kid`.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for anything but a three-part JWS whose header names an
    /// allowed algorithm and a key id.
    pub(super) fn header(&self, token: &str) -> Result<TokenHeader, AuthError> {
        // RFC 7515 §7.1: compact serialization is exactly three dot-separated parts.
        if token.bytes().filter(|&b| b == b'.').count() != 2 {
            return Err(invalid("malformed token"));
        }
        // `alg: none` fails here too: jsonwebtoken's `Algorithm` has no such member.
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
        // RFC 7515 §4.1.11: extensions listed in `crit` must be understood; we understand none.
        if header.crit.is_some() {
            return Err(invalid("unsupported critical header"));
        }
        if !self.validations.iter().any(|(alg, _)| *alg == header.alg) {
            return Err(invalid("signing algorithm not allowed"));
        }
        match header.kid {
            Some(kid) if !kid.is_empty() => Ok(TokenHeader {
                alg: header.alg,
                kid,
            }),
            _ => Err(invalid("missing key id")),
        }
    }

    /// Verifies the signature of `token` with `key`, then its claims at `now`.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] naming the first check that failed.
    pub(super) fn verify(
        &self,
        token: &str,
        header: &TokenHeader,
        key: &VerifyingKey,
        now: u64,
    ) -> Result<Principal, AuthError> {
        if !key.accepts(header.alg) {
            return Err(invalid("signing key does not match algorithm"));
        }
        let validation = self
            .validations
            .iter()
            .find_map(|(alg, v)| (*alg == header.alg).then_some(v))
            .ok_or(invalid("signing algorithm not allowed"))?;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), validation)
                .map_err(|e| match e.kind() {
                    ErrorKind::InvalidSignature => invalid("invalid signature"),
                    ErrorKind::InvalidAlgorithm => invalid("signing key does not match algorithm"),
                    ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                        invalid("malformed token")
                    }
                    _ => invalid("token verification failed"),
                })?;
        check_claims(&data.claims, &self.policy, now)
    }
}

/// Applies the claim rules of docs/design.md §3.2 to verified claims.
///
/// # Errors
/// [`AuthError::InvalidToken`] naming the first rule broken.
pub(super) fn check_claims(
    claims: &Map<String, Value>,
    policy: &ClaimPolicy,
    now: u64,
) -> Result<Principal, AuthError> {
    // u64 → f64 is exact for any plausible Unix time (< 2^53).
    let now = now as f64;
    let leeway = policy.leeway_secs as f64;

    match claims.get("iss") {
        None => return Err(invalid("missing iss claim")),
        Some(Value::String(iss)) if *iss == policy.issuer => {}
        Some(_) => return Err(invalid("issuer mismatch")),
    }
    // RFC 7519 §4.1.3: `aud` is one string or an array of strings; one must be ours.
    let ours = |aud: &str| policy.audiences.iter().any(|a| a == aud);
    match claims.get("aud") {
        None => return Err(invalid("missing aud claim")),
        Some(Value::String(aud)) if ours(aud) => {}
        Some(Value::Array(auds)) if auds.iter().filter_map(Value::as_str).any(ours) => {}
        Some(Value::String(_) | Value::Array(_)) => return Err(invalid("audience mismatch")),
        Some(_) => return Err(invalid("malformed aud claim")),
    }

    // RFC 7519 §4.1.4: reject on or after `exp`.
    let exp =
        numeric_date(claims, "exp", "malformed exp claim")?.ok_or(invalid("missing exp claim"))?;
    if now >= exp + leeway {
        return Err(invalid("token expired"));
    }
    // RFC 7519 §4.1.5: reject before `nbf`.
    if numeric_date(claims, "nbf", "malformed nbf claim")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(invalid("token not yet valid"));
    }
    if numeric_date(claims, "iat", "malformed iat claim")?.is_some_and(|iat| iat > now + leeway) {
        return Err(invalid("token issued in the future"));
    }

    let subject = match claims.get("sub") {
        None => return Err(invalid("missing sub claim")),
        Some(Value::String(sub)) if !sub.is_empty() => Subject::new(sub.as_str()),
        Some(_) => return Err(invalid("malformed sub claim")),
    };
    Ok(Principal {
        subject,
        scopes: scopes(claims)?,
        tenant: claims
            .get(&policy.tenant_claim)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Tenant::new),
        // Rounded down so the principal never outlives the token; `as` saturates.
        expires_at: exp.floor() as u64,
        // A sign-in token grants no accounts itself: its reach is its tenant and the user's list.
        accounts: std::collections::BTreeSet::new(),
    })
}

/// RFC 7519 §2 NumericDate: a JSON number, possibly non-integer. `None` when absent.
fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
    malformed: &'static str,
) -> Result<Option<f64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or(invalid(malformed)),
        Some(_) => Err(invalid(malformed)),
    }
}

/// RFC 8693 §4.2 `scope` (space-delimited string) wins; otherwise `scp` as an array of
/// strings or a space-delimited string, as some issuers emit.
fn scopes(claims: &Map<String, Value>) -> Result<ScopeSet, AuthError> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(scope)), _) | (None, Some(Value::String(scope))) => {
            Ok(ScopeSet::parse(scope))
        }
        (None, Some(Value::Array(items))) => Ok(ScopeSet::from_scopes(
            items.iter().filter_map(Value::as_str),
        )),
        (None, None) => Ok(ScopeSet::default()),
        _ => Err(invalid("malformed scope claim")),
    }
}
