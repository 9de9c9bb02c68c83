//! The issuer's signing keys: fetched from the JWKS endpoint, parsed once per `kid`, refreshed
//! lazily (docs/design.md §3.4).
//!
//! Invariants:
//! - A fetch happens only under `fetch` (a tokio mutex): concurrent requests for an unknown `kid`
//!   cause one fetch. The std `RwLock` over the key map is never held across an `.await`.
//! - A failed fetch (transport error, non-2xx, junk, a set with no usable key) never evicts a
//!   cached key; the endpoint is then left alone for one cooldown.
//! - An unknown `kid` causes at most one refetch per cooldown; the initial load does not count.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde_json::Value;

use super::jwk::VerifyingKey;
use crate::adapters::outbound::{Outbound, OutboundRequest};
use crate::domain::error::AuthError;
use crate::ports::Clock;

struct Entry {
    /// The JWK as published, to reuse the parsed key when a refresh returns it unchanged.
    raw: Value,
    key: Arc<VerifyingKey>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Entry>,
    /// Last successful fetch.
    loaded_at: Option<u64>,
    /// Last fetch attempt, successful or not.
    attempted_at: Option<u64>,
    /// Whether the last attempt failed.
    failed: bool,
    /// Last refetch caused by an unknown `kid`.
    miss_refetch_at: Option<u64>,
}

/// When a refetch may happen, in whole seconds of the injected clock.
#[derive(Clone, Copy)]
struct Timing {
    refresh: u64,
    cooldown: u64,
}

impl Timing {
    fn recent(self, at: Option<u64>, now: u64) -> bool {
        // A clock that went backwards reads as "recent": fail towards not fetching.
        at.is_some_and(|t| now.saturating_sub(t) < self.cooldown)
    }

    fn stale(self, state: &State, now: u64) -> bool {
        state
            .loaded_at
            .is_none_or(|t| now.saturating_sub(t) >= self.refresh)
    }

    fn endpoint_resting(self, state: &State, now: u64) -> bool {
        state.failed && self.recent(state.attempted_at, now)
    }
}

pub(super) struct KeyStore {
    outbound: Outbound,
    uri: String,
    clock: Arc<dyn Clock>,
    timing: Timing,
    state: RwLock<State>,
    fetch: tokio::sync::Mutex<()>,
}

impl KeyStore {
    pub(super) fn new(
        outbound: Outbound,
        uri: String,
        clock: Arc<dyn Clock>,
        refresh: Duration,
        cooldown: Duration,
    ) -> Self {
        Self {
            outbound,
            uri,
            clock,
            timing: Timing {
                refresh: refresh.as_secs(),
                cooldown: cooldown.as_secs(),
            },
            state: RwLock::new(State::default()),
            fetch: tokio::sync::Mutex::new(()),
        }
    }

    /// The key published under `kid`.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] when the issuer publishes no usable key under `kid`;
    /// [`AuthError::Unavailable`] when none is cached and the last fetch failed.
    pub(super) async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, AuthError> {
        let now = self.clock.now_unix();
        let (cached, stale) = {
            let state = self.read();
            (lookup(&state, kid), self.timing.stale(&state, now))
        };
        if let Some(key) = cached {
            if !stale {
                return Ok(key);
            }
            // Stale-while-revalidate: whoever gets the lock refreshes; the others (and
            // everyone, when the refresh fails) keep using the cached key.
            if let Ok(_guard) = self.fetch.try_lock() {
                let due = {
                    let state = self.read();
                    self.timing.stale(&state, now) && !self.timing.endpoint_resting(&state, now)
                };
                if due && self.refetch(now).await {
                    return lookup(&self.read(), kid)
                        .ok_or(AuthError::InvalidToken("unknown signing key"));
                }
            }
            return Ok(key);
        }

        let _guard = self.fetch.lock().await;
        let now = self.clock.now_unix();
        let (may_fetch, is_refetch) = {
            let state = self.read();
            if let Some(key) = lookup(&state, kid) {
                return Ok(key);
            }
            let may = !self.timing.endpoint_resting(&state, now)
                && (self.timing.stale(&state, now)
                    || !self.timing.recent(state.miss_refetch_at, now));
            (may, state.loaded_at.is_some())
        };
        if may_fetch {
            if is_refetch {
                self.write().miss_refetch_at = Some(now);
            }
            self.refetch(now).await;
        }
        let state = self.read();
        match lookup(&state, kid) {
            Some(key) => Ok(key),
            None if state.failed => Err(AuthError::Unavailable),
            None => Err(AuthError::InvalidToken("unknown signing key")),
        }
    }

    /// Fetches the JWKS and replaces the cached set; returns whether it succeeded.
    #[tracing::instrument(name = "jwks.fetch", skip_all)]
    async fn refetch(&self, now: u64) -> bool {
        let request = OutboundRequest::get(self.uri.as_str())
            .header("accept", "application/json")
            .endpoint(crate::adapters::metrics::Endpoint::Jwks);
        let published = match self.outbound.send(request).await {
            Ok(response) if (200..300).contains(&response.status) => parse_set(&response.body),
            Ok(response) => {
                tracing::warn!(status = response.status, "JWKS endpoint answered an error");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "JWKS endpoint unreachable");
                None
            }
        };
        let mut state = self.write();
        state.attempted_at = Some(now);
        let fresh = published.map(|published| rebuild(&state.keys, published));
        match fresh {
            Some(keys) if !keys.is_empty() => {
                state.keys = keys;
                state.loaded_at = Some(now);
                state.failed = false;
                true
            }
            _ => {
                // A set without one usable key is treated as an outage, not as "revoke all".
                tracing::warn!(
                    cached = state.keys.len(),
                    "no usable JWKS; keeping cached keys"
                );
                state.failed = true;
                false
            }
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // The guarded data is replaced wholesale, so a panic elsewhere cannot leave it torn.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn lookup(state: &State, kid: &str) -> Option<Arc<VerifyingKey>> {
    state.keys.get(kid).map(|entry| Arc::clone(&entry.key))
}

/// The `(kid, jwk)` pairs of a JWK Set document (RFC 7517 §5), or `None` for junk.
fn parse_set(body: &[u8]) -> Option<Vec<(String, Value)>> {
    let mut document: Value = serde_json::from_slice(body).ok()?;
    let Value::Array(keys) = document.get_mut("keys")?.take() else {
        return None;
    };
    Some(
        keys.into_iter()
            .filter_map(|jwk| {
                let kid = jwk
                    .get("kid")?
                    .as_str()
                    .filter(|k| !k.is_empty())?
                    .to_owned();
                Some((kid, jwk))
            })
            .collect(),
    )
}

/// The new key map: unchanged JWKs keep their parsed key, new ones are parsed, unusable ones are
/// dropped. The first usable key wins when a `kid` repeats.
fn rebuild(
    previous: &HashMap<String, Entry>,
    published: Vec<(String, Value)>,
) -> HashMap<String, Entry> {
    let mut keys = HashMap::with_capacity(published.len());
    for (kid, raw) in published {
        if keys.contains_key(&kid) {
            continue;
        }
        let key = match previous.get(&kid) {
            Some(old) if old.raw == raw => Arc::clone(&old.key),
            _ => match VerifyingKey::from_jwk(&raw) {
                Some(key) => Arc::new(key),
                None => continue,
            },
        };
        keys.insert(kid, Entry { raw, key });
    }
    keys
}
