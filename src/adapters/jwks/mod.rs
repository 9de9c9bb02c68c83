//! The JWKS [`Authenticator`]: verifies inbound bearer JWTs against the issuer's published keys
//! (docs/design.md §3).
//!
//! Invariants:
//! - Only asymmetric algorithms from the allow-list are accepted; `none` and HMAC never are
//!   (RFC 8725 §3.1, §3.2): HMAC in the allow-list is a configuration error.
//! - Keys come only from `jwks_uri`; a token's own `jwk`/`jku`/`x5u` headers are never trusted.
//! - A token whose SHA-256 is in the verified-token cache is answered without a signature check
//!   until its `exp`; past `exp` it goes through full verification again (which applies leeway).
//! - Every rejection is an [`AuthError::InvalidToken`] with a fixed description that never echoes
//!   the token.

mod jwk;
mod keys;
mod verifier;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use foldhash::fast::RandomState;
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use mini_moka::sync::Cache;

use crate::adapters::metrics::{CacheName, Metrics};
use crate::adapters::outbound::Outbound;
use crate::domain::error::AuthError;
use crate::domain::principal::{Caller, Principal};
use crate::domain::proof::Proof;
use crate::domain::secret::BearerToken;
use crate::ports::{Authenticator, Clock};

use keys::KeyStore;
use verifier::{ClaimPolicy, Verifier};

/// Tokens longer than this are refused before any parsing: no legitimate access token is this
/// large, and bounding it bounds the work (base64, JSON, SHA-256) an anonymous caller can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Upper bound on how long a verified token is trusted without a new signature check (and below
/// mini-moka's 1000-year limit, past which its builder panics).
const MAX_VERIFIED_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How inbound JWTs are verified. Built by the composition root from `AuthSettings`.
#[derive(Clone, Debug)]
pub struct JwksConfig {
    /// Where the issuer publishes its signing keys (`NEONPANEL_OAUTH_JWKS_URI`).
    pub jwks_uri: String,
    /// The exact `iss` every token must carry (`NEONPANEL_OAUTH_ISSUER`).
    pub issuer: String,
    /// `aud` must contain at least one of these (`NEONPANEL_OAUTH_EXPECTED_AUDIENCE`).
    pub audiences: Vec<String>,
    /// Accepted header `alg` values; asymmetric RS*/PS*/ES* only (`NEONPANEL_OAUTH_ALGORITHMS`).
    pub algorithms: Vec<Algorithm>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (`NEONPANEL_OAUTH_LEEWAY_SECS`).
    pub leeway_secs: u64,
    /// The claim holding the tenant (`NEONPANEL_TENANT_CLAIM`).
    pub tenant_claim: String,
    /// Cached keys older than this are refetched on the next request that uses them.
    pub refresh_interval: Duration,
    /// At most one refetch per window for tokens whose `kid` is not cached, and the pause
    /// after a failed fetch before the endpoint is tried again.
    pub unknown_kid_cooldown: Duration,
    /// How many verified tokens are remembered.
    pub token_cache_capacity: u64,
}

impl JwksConfig {
    /// A configuration with the contract defaults: RS256 and ES256, 60 s leeway, tenant claim
    /// `tenant`, refresh every 10 min, 30 s unknown-`kid` cooldown, 10 000 cached tokens.
    #[must_use]
    pub fn new(
        jwks_uri: impl Into<String>,
        issuer: impl Into<String>,
        audiences: Vec<String>,
    ) -> Self {
        Self {
            jwks_uri: jwks_uri.into(),
            issuer: issuer.into(),
            audiences,
            algorithms: vec![Algorithm::RS256, Algorithm::ES256],
            leeway_secs: 60,
            tenant_claim: "tenant".to_owned(),
            refresh_interval: Duration::from_secs(600),
            unknown_kid_cooldown: Duration::from_secs(30),
            token_cache_capacity: 10_000,
        }
    }

    /// Checks the cross-field rules; [`JwksAuthenticator::new`] runs it too.
    ///
    /// # Errors
    /// [`JwksConfigError`] naming the first rule broken.
    pub fn validate(&self) -> Result<(), JwksConfigError> {
        if self.jwks_uri.trim().is_empty() {
            return Err(JwksConfigError::MissingJwksUri);
        }
        if self.issuer.trim().is_empty() {
            return Err(JwksConfigError::MissingIssuer);
        }
        if self.audiences.iter().all(|a| a.trim().is_empty()) {
            return Err(JwksConfigError::MissingAudience);
        }
        if self.algorithms.is_empty() {
            return Err(JwksConfigError::NoAlgorithms);
        }
        // The key store counts whole seconds; a zero cooldown would let every unknown `kid`
        // reach the issuer.
        if self.refresh_interval.as_secs() == 0 || self.unknown_kid_cooldown.as_secs() == 0 {
            return Err(JwksConfigError::IntervalTooShort);
        }
        for alg in &self.algorithms {
            match alg.family() {
                // RFC 8725 §3.2: a public verification key must never double as an HMAC secret.
                AlgorithmFamily::Hmac => return Err(JwksConfigError::SymmetricAlgorithm(*alg)),
                AlgorithmFamily::Ed => return Err(JwksConfigError::UnsupportedAlgorithm(*alg)),
                AlgorithmFamily::Rsa | AlgorithmFamily::Ec => {}
            }
        }
        Ok(())
    }
}

/// Parses one `NEONPANEL_OAUTH_ALGORITHMS` entry, refusing HMAC and anything unsupported.
///
/// # Errors
/// [`JwksConfigError::UnknownAlgorithm`], [`JwksConfigError::SymmetricAlgorithm`] or
/// [`JwksConfigError::UnsupportedAlgorithm`].
pub fn parse_algorithm(name: &str) -> Result<Algorithm, JwksConfigError> {
    let alg: Algorithm = name
        .trim()
        .parse()
        .map_err(|_| JwksConfigError::UnknownAlgorithm(name.trim().to_owned()))?;
    match alg.family() {
        AlgorithmFamily::Hmac => Err(JwksConfigError::SymmetricAlgorithm(alg)),
        AlgorithmFamily::Ed => Err(JwksConfigError::UnsupportedAlgorithm(alg)),
        AlgorithmFamily::Rsa | AlgorithmFamily::Ec => Ok(alg),
    }
}

/// Why a [`JwksConfig`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksConfigError {
    #[error("the JWKS URI is empty")]
    MissingJwksUri,
    #[error("the token issuer is empty")]
    MissingIssuer,
    #[error("no expected audience is configured")]
    MissingAudience,
    #[error("the algorithm allow-list is empty")]
    NoAlgorithms,
    #[error("the JWKS refresh interval and unknown-kid cooldown must be at least one second")]
    IntervalTooShort,
    #[error("{0:?} is a symmetric (HMAC) algorithm; only RS*, PS* and ES* are allowed")]
    SymmetricAlgorithm(Algorithm),
    #[error("{0:?} is not supported; only RS*, PS* and ES* are allowed")]
    UnsupportedAlgorithm(Algorithm),
    #[error("{0:?} is not a JWS algorithm name")]
    UnknownAlgorithm(String),
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        // A host clock before 1970 is broken; 0 makes tokens look not-yet-valid, failing closed.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// Verifies bearer JWTs against a JWKS endpoint, with a key cache and a verified-token cache.
pub struct JwksAuthenticator {
    keys: KeyStore,
    verifier: Verifier,
    /// SHA-256 of the token → the principal it proved. Values are `Arc`s so a hit clones a
    /// pointer, not the principal's strings, out of the cache.
    verified: Cache<[u8; 32], Arc<Principal>, RandomState>,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
}

impl JwksAuthenticator {
    /// # Errors
    /// [`JwksConfigError`] when `config` breaks a rule of [`JwksConfig::validate`].
    pub fn new(
        config: JwksConfig,
        outbound: Outbound,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JwksConfigError> {
        config.validate()?;
        let keys = KeyStore::new(
            outbound,
            config.jwks_uri,
            Arc::clone(&clock),
            config.refresh_interval,
            config.unknown_kid_cooldown,
        );
        let verifier = Verifier::new(
            &config.algorithms,
            ClaimPolicy {
                issuer: config.issuer,
                audiences: config.audiences,
                leeway_secs: config.leeway_secs,
                tenant_claim: config.tenant_claim,
            },
        );
        // Besides `exp`, a cached token is re-verified after one refresh interval, so a key the
        // issuer withdraws stops vouching for cached tokens too.
        let verified = Cache::builder()
            .max_capacity(config.token_cache_capacity)
            .time_to_live(config.refresh_interval.min(MAX_VERIFIED_TTL))
            .build_with_hasher(RandomState::default());
        Ok(Self {
            keys,
            verifier,
            verified,
            clock,
            metrics: Metrics::off(),
        })
    }

    /// Counts verified-token cache hits and misses in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// The default authenticator: it claims every bearer token, so a token of no other
/// authenticator's form is judged (and refused with a precise reason) here.
#[async_trait::async_trait]
impl Authenticator for JwksAuthenticator {
    fn claims(&self, proof: &Proof) -> bool {
        proof.bearer().is_some()
    }

    async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError> {
        let Some(token) = proof.bearer() else {
            return Err(AuthError::InvalidToken("expected a bearer token"));
        };
        let principal = self.verify_token(token).await?;
        Ok(Caller::signed_in(principal, token.clone()))
    }
}

impl JwksAuthenticator {
    /// The principal `token` proves, from the verified-token cache or a full signature check.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] naming the first check that failed;
    /// [`AuthError::Unavailable`] when the signing keys cannot be had.
    #[tracing::instrument(name = "jwks.authenticate", skip_all)]
    pub async fn verify_token(&self, token: &BearerToken) -> Result<Arc<Principal>, AuthError> {
        let raw = token.expose();
        if raw.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::InvalidToken("token too large"));
        }
        if raw.is_empty() {
            return Err(AuthError::InvalidToken("malformed token"));
        }
        let digest = *token.sha256();
        let now = self.clock.now_unix();
        if let Some(principal) = self.verified.get(&digest) {
            // RFC 7519 §4.1.4: reject on or after exp. Expired entries fall through to full
            // verification, which decides with leeway and reports the precise reason.
            if now < principal.expires_at {
                self.metrics.cache(CacheName::VerifiedToken, true);
                return Ok(principal);
            }
            self.verified.invalidate(&digest);
        }
        self.metrics.cache(CacheName::VerifiedToken, false);

        let header = self.verifier.header(raw)?;
        let key = self.keys.key(&header.kid).await?;
        // Read again: the key lookup may have waited on a fetch.
        let now = self.clock.now_unix();
        let principal = Arc::new(self.verifier.verify(raw, &header, &key, now)?);
        if now < principal.expires_at {
            self.verified.insert(digest, Arc::clone(&principal));
        }
        Ok(principal)
    }
}
