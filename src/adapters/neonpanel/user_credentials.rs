//! [`UserCredentials`]: the caller's access token exchanged for their NeonPanel credential
//! (docs/design.md §4), from the first configured source.
//!
//! Cache key: one SHA-256 of subject, sorted scopes, tenant **and the access token**. The first
//! three keep one user's credential from ever serving another; the token hash ties a credential
//! to the sign-in it was minted for, so a new sign-in (say, after the user's NeonPanel access
//! changed) is never served a credential derived from an older token. The cost is one exchange
//! per access token, which its own lifetime bounds anyway.
//!
//! An entry lives until the credential's expiry − 60 s: `expires_in` when the source gives one,
//! else the user JWT's `exp` claim (read, not verified: it only shortens our cache), else the
//! access token's own `exp`. Concurrent misses for one key share a single fetch.

mod sources;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use foldhash::fast::RandomState;
use mini_moka::sync::Cache;
use sha2::{Digest, Sha256};

use self::sources::{Fetched, Source};
use super::oauth::{ClientAuth, ClientAuthMethod};
use crate::adapters::metrics::{CacheName, Metrics};
use crate::adapters::outbound::Outbound;
use crate::domain::error::CredentialError;
use crate::domain::principal::Caller;
use crate::domain::secret::{BearerToken, Secret};
use crate::ports::{Clock, UserCredential, UserCredentials};

/// Seconds before its expiry at which a cached credential stops being served.
const EXPIRY_MARGIN_SECS: u64 = 60;
/// Upper bound on any entry's stay, so memory of departed users is reclaimed even when their
/// credentials claim a long life.
const MAX_ENTRY_LIFETIME: Duration = Duration::from_secs(3600);

const NOT_CONFIGURED: &str = "no NeonPanel user-credential source is configured \
     (NEONPANEL_USER_JWT_URL, NEONPANEL_TOKEN_INTROSPECT_URL or NEONPANEL_TOKEN_EXCHANGE)";

/// The token type asked for in an RFC 8693 exchange (§3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum RequestedTokenType {
    /// `urn:ietf:params:oauth:token-type:jwt`: the only type the API accepts as a bearer.
    #[default]
    Jwt,
}

/// Where a user credential comes from; the wiring picks the first configured (docs/design.md §4).
#[derive(Clone, Debug)]
pub(crate) enum UserSource {
    /// `NEONPANEL_USER_JWT_URL`: NeonPanel's user-JWT endpoint.
    UserJwtEndpoint { url: String },
    /// `NEONPANEL_TOKEN_INTROSPECT_URL`: RFC 7662 introspection with the IAT client credentials.
    Introspection {
        url: String,
        client_id: String,
        client_secret: Secret,
        auth_method: ClientAuthMethod,
    },
    /// `NEONPANEL_TOKEN_EXCHANGE=rfc8693` at `NEONPANEL_OAUTH_TOKEN_URL`.
    TokenExchange {
        token_url: String,
        client_id: String,
        client_secret: Secret,
        auth_method: ClientAuthMethod,
        audience: Option<String>,
        scope: Option<String>,
        requested_token_type: RequestedTokenType,
    },
    /// `NEONPANEL_ALLOW_TOKEN_PASSTHROUGH=true`: the access token itself. The MCP specification
    /// forbids this; whoever builds it logs the startup warning.
    Passthrough,
    /// Nothing configured: every request fails with [`CredentialError::NotConfigured`].
    None,
}

#[derive(Clone, Debug)]
pub(crate) struct UserCredentialConfig {
    pub source: UserSource,
    /// Most cached credentials kept at once.
    pub max_entries: u64,
}

impl UserCredentialConfig {
    #[must_use]
    pub(crate) fn new(source: UserSource) -> Self {
        Self {
            source,
            max_entries: 10_000,
        }
    }
}

/// [`UserCredentials`] backed by the configured [`UserSource`].
pub(crate) struct ExchangedUserCredentials {
    source: Source,
    outbound: Outbound,
    clock: Arc<dyn Clock>,
    cache: Cache<CacheKey, Cached, RandomState>,
    /// Single flight per key. Never held across an `.await` (STYLE R9).
    in_flight: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<()>>>>,
    metrics: Metrics,
}

/// One SHA-256 over subject, scopes, tenant and the access token's SHA-256. The strings are
/// length-prefixed (the digest is fixed-size), so no two different tuples feed the hash the same
/// bytes. A digest rather than the tuple itself: the key is built on every call, and a digest
/// costs no allocation and is cheap to hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct CacheKey([u8; 32]);

impl CacheKey {
    fn of(caller: &Caller, access_token: &BearerToken) -> Self {
        let principal = &caller.principal;
        let mut hasher = Sha256::new();
        field(&mut hasher, principal.subject.as_str());
        // ScopeSet is sorted, so the same scopes always feed the same bytes.
        hasher.update((principal.scopes.iter().count() as u64).to_le_bytes());
        for scope in principal.scopes.iter() {
            field(&mut hasher, scope);
        }
        match &principal.tenant {
            Some(tenant) => {
                hasher.update([1]);
                field(&mut hasher, tenant.as_str());
            }
            None => hasher.update([0]),
        }
        // The token by its digest, which the verifier already computed for this request.
        hasher.update(access_token.sha256());
        Self(hasher.finalize().into())
    }
}

fn field(hasher: &mut Sha256, text: &str) {
    hasher.update((text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
}

#[derive(Clone)]
struct Cached {
    credential: UserCredential,
    /// Served while `now < until`.
    until: u64,
}

impl ExchangedUserCredentials {
    #[must_use]
    pub(crate) fn new(
        config: UserCredentialConfig,
        outbound: Outbound,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let source = match config.source {
            UserSource::UserJwtEndpoint { url } => Source::UserJwt { url },
            UserSource::Introspection {
                url,
                client_id,
                client_secret,
                auth_method,
            } => Source::Introspection {
                url,
                client: ClientAuth::new(client_id, client_secret, auth_method),
            },
            UserSource::TokenExchange {
                token_url,
                client_id,
                client_secret,
                auth_method,
                audience,
                scope,
                requested_token_type,
            } => Source::Exchange {
                url: token_url,
                client: ClientAuth::new(client_id, client_secret, auth_method),
                audience: audience.filter(|a| !a.trim().is_empty()),
                scope: scope.filter(|s| !s.trim().is_empty()),
                requested: requested_token_type,
            },
            UserSource::Passthrough => Source::Passthrough,
            UserSource::None => Source::None,
        };
        Self {
            source,
            outbound,
            clock,
            cache: Cache::builder()
                .max_capacity(config.max_entries)
                .time_to_live(MAX_ENTRY_LIFETIME)
                .build_with_hasher(RandomState::default()),
            in_flight: Mutex::new(HashMap::new()),
            metrics: Metrics::off(),
        }
    }

    /// Counts cache hits and misses in `metrics`.
    #[must_use]
    pub(crate) fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    fn cached(&self, key: &CacheKey) -> Option<UserCredential> {
        let entry = self.cache.get(key)?;
        (self.clock.now_unix() < entry.until).then_some(entry.credential)
    }

    fn remember(&self, key: CacheKey, fetched: Fetched, caller: &Caller) -> UserCredential {
        let expires_at = fetched
            .expires_at
            .or_else(|| sources::jwt_exp(&fetched.credential))
            .unwrap_or(caller.principal.expires_at);
        let until = expires_at.saturating_sub(EXPIRY_MARGIN_SECS);
        if self.clock.now_unix() < until {
            self.cache.insert(
                key,
                Cached {
                    credential: fetched.credential.clone(),
                    until,
                },
            );
        }
        fetched.credential
    }

    fn flight(&self, key: &CacheKey) -> Flight<'_> {
        let lock = match self.in_flight.lock() {
            Ok(mut map) => Arc::clone(map.entry(*key).or_default()),
            // Poisoned only by a panic elsewhere: fall back to an unshared lock, which costs
            // single flight but never correctness.
            Err(_) => Arc::default(),
        };
        Flight {
            map: &self.in_flight,
            key: *key,
            lock,
        }
    }
}

/// A claim on the single-flight lock of one key; the last claim out removes it from the map,
/// also when its future is dropped mid-fetch.
struct Flight<'a> {
    map: &'a Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<()>>>>,
    key: CacheKey,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if let Ok(mut map) = self.map.lock() {
            let last = map
                .get(&self.key)
                .is_some_and(|l| Arc::ptr_eq(l, &self.lock) && Arc::strong_count(l) <= 2);
            if last {
                map.remove(&self.key);
            }
        }
    }
}

#[async_trait::async_trait]
impl UserCredentials for ExchangedUserCredentials {
    fn is_configured(&self) -> bool {
        !matches!(self.source, Source::None)
    }

    #[tracing::instrument(name = "user_credential", skip_all, fields(subject = %caller.principal.subject))]
    async fn user_credential(&self, caller: &Caller) -> Result<UserCredential, CredentialError> {
        if matches!(self.source, Source::None) {
            return Err(CredentialError::NotConfigured(NOT_CONFIGURED));
        }
        let Some(access_token) = caller.access_token.as_ref() else {
            return Err(CredentialError::NoSignIn);
        };
        if matches!(self.source, Source::Passthrough) {
            return Ok(UserCredential::Jwt(access_token.clone()));
        }
        let key = CacheKey::of(caller, access_token);
        if let Some(hit) = self.cached(&key) {
            self.metrics.cache(CacheName::UserCredential, true);
            return Ok(hit);
        }
        let flight = self.flight(&key);
        let _turn = flight.lock.lock().await;
        if let Some(hit) = self.cached(&key) {
            self.metrics.cache(CacheName::UserCredential, true);
            return Ok(hit);
        }
        self.metrics.cache(CacheName::UserCredential, false);
        let now = self.clock.now_unix();
        let fetched =
            sources::fetch(&self.source, &self.outbound, caller, access_token, now).await?;
        Ok(self.remember(key, fetched, caller))
    }

    async fn evict(&self, caller: &Caller) {
        if let Some(access_token) = &caller.access_token {
            self.cache.invalidate(&CacheKey::of(caller, access_token));
        }
    }
}

#[cfg(test)]
mod tests;
