//! The server's own NeonPanel token: OAuth 2.0 client credentials (RFC 6749 §4.4), the "IAT"
//! of docs/design.md §4.
//!
//! One token is cached. Past 80 % of its life the first caller to notice spawns ONE background
//! refresh while every caller keeps receiving the current token; once it has expired (or after
//! [`ServiceTokens::evict`]) callers wait for a single-flight fetch. A failed background refresh
//! keeps the current token and is not tried again for [`REFRESH_COOLDOWN_SECS`], so an outage of
//! the token endpoint does not turn every call into a token request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::oauth::{ClientAuth, ClientAuthMethod, json_answer, seconds, string_field};
use crate::adapters::outbound::Outbound;
use crate::domain::error::CredentialError;
use crate::domain::secret::{BearerToken, Secret};
use crate::ports::{Clock, ServiceTokens};

/// Assumed lifetime of a token whose answer has no `expires_in` (RFC 6749 §5.1 makes it
/// optional); short, so a token of unknown life is replaced early rather than late.
const DEFAULT_LIFETIME_SECS: u64 = 300;
/// Pause after a failed background refresh before the next one.
const REFRESH_COOLDOWN_SECS: u64 = 10;

const NOT_CONFIGURED: &str = "no NeonPanel client credentials are configured \
     (NEONPANEL_CLIENT_ID, NEONPANEL_CLIENT_SECRET, NEONPANEL_OAUTH_TOKEN_URL)";

/// Client-credentials settings (`NEONPANEL_OAUTH_TOKEN_URL`, `NEONPANEL_CLIENT_ID`, …).
#[derive(Clone, Debug)]
pub(crate) struct ServiceTokenConfig {
    /// `NEONPANEL_OAUTH_TOKEN_URL`.
    pub token_url: String,
    /// `NEONPANEL_CLIENT_ID`.
    pub client_id: String,
    /// `NEONPANEL_CLIENT_SECRET`.
    pub client_secret: Secret,
    /// `NEONPANEL_IAT_SCOPE`, sent as `scope` when present.
    pub scope: Option<String>,
    /// `NEONPANEL_IAT_AUDIENCE`, sent as `audience` when present.
    pub audience: Option<String>,
    /// `NEONPANEL_IAT_AUTH_METHOD`.
    pub auth_method: ClientAuthMethod,
}

/// [`ServiceTokens`] from a client-credentials grant; cheap to clone.
#[derive(Clone)]
pub(crate) struct ClientCredentialsTokens {
    inner: Arc<Inner>,
}

struct Inner {
    token_url: String,
    client: ClientAuth,
    scope: Option<String>,
    audience: Option<String>,
    outbound: Outbound,
    clock: Arc<dyn Clock>,
    /// Never held across an `.await` (STYLE R9).
    current: RwLock<Option<CachedToken>>,
    /// Single flight: whoever fetches holds it, latecomers wait and then re-read `current`.
    fetching: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
    /// No background refresh starts before this instant (after a failed one).
    refresh_not_before: AtomicU64,
}

#[derive(Clone)]
struct CachedToken {
    token: BearerToken,
    refresh_at: u64,
    expires_at: u64,
}

impl ClientCredentialsTokens {
    #[must_use]
    pub(crate) fn new(
        config: ServiceTokenConfig,
        outbound: Outbound,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let ServiceTokenConfig {
            token_url,
            client_id,
            client_secret,
            scope,
            audience,
            auth_method,
        } = config;
        Self {
            inner: Arc::new(Inner {
                token_url,
                client: ClientAuth::new(client_id, client_secret, auth_method),
                scope: scope.filter(|s| !s.trim().is_empty()),
                audience: audience.filter(|a| !a.trim().is_empty()),
                outbound,
                clock,
                current: RwLock::new(None),
                fetching: tokio::sync::Mutex::new(()),
                refreshing: AtomicBool::new(false),
                refresh_not_before: AtomicU64::new(0),
            }),
        }
    }
}

#[async_trait::async_trait]
impl ServiceTokens for ClientCredentialsTokens {
    fn is_configured(&self) -> bool {
        true
    }

    #[tracing::instrument(name = "service_token", skip_all)]
    async fn service_token(&self) -> Result<BearerToken, CredentialError> {
        let inner = &self.inner;
        if let Some(cached) = inner.usable() {
            if inner.clock.now_unix() >= cached.refresh_at {
                Inner::spawn_refresh(inner);
            }
            return Ok(cached.token);
        }
        let _flight = inner.fetching.lock().await;
        if let Some(cached) = inner.usable() {
            return Ok(cached.token);
        }
        inner.fetch_and_store().await
    }

    async fn evict(&self) {
        self.inner.store(None);
    }
}

impl Inner {
    /// The cached token, when it has not expired.
    fn usable(&self) -> Option<CachedToken> {
        let now = self.clock.now_unix();
        self.current
            .read()
            .ok()?
            .as_ref()
            .filter(|c| now < c.expires_at)
            .cloned()
    }

    fn store(&self, token: Option<CachedToken>) {
        // A poisoned lock only means a panic elsewhere mid-write of a plain Option; the value
        // is still whole, so recover it rather than lose the cache for good.
        match self.current.write() {
            Ok(mut guard) => *guard = token,
            Err(poisoned) => *poisoned.into_inner() = token,
        }
    }

    fn spawn_refresh(self: &Arc<Self>) {
        if self.clock.now_unix() < self.refresh_not_before.load(Ordering::Acquire) {
            return;
        }
        if self
            .refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            let outcome = {
                let _flight = inner.fetching.lock().await;
                // A caller that read the old token just before the previous refresh stored its
                // successor may have started this one: the fresh token needs no refresh.
                let now = inner.clock.now_unix();
                match inner.usable() {
                    Some(current) if now < current.refresh_at => Ok(current.token),
                    _ => inner.fetch_and_store().await,
                }
            };
            if let Err(error) = outcome {
                // The current token stays in use; the caller that needs a new one will see the
                // error when it has expired, so this is the only trace of an early failure.
                tracing::warn!(error = %error, "early service-token refresh failed");
                let retry_at = inner.clock.now_unix().saturating_add(REFRESH_COOLDOWN_SECS);
                inner.refresh_not_before.store(retry_at, Ordering::Release);
            }
            inner.refreshing.store(false, Ordering::Release);
        });
    }

    /// One client-credentials request, never retried: docs/design.md §5 retries `GET`s only, and a
    /// failed fetch costs one call an error while the next caller simply asks again.
    async fn fetch_and_store(&self) -> Result<BearerToken, CredentialError> {
        let mut form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        if let Some(audience) = &self.audience {
            form.push(("audience".into(), audience.clone()));
        }
        if let Some(scope) = &self.scope {
            form.push(("scope".into(), scope.clone()));
        }
        let request = self
            .client
            .form_post(&self.token_url, form)
            .endpoint(crate::adapters::metrics::Endpoint::Token);
        let answer = json_answer(self.outbound.send(request).await, "the token endpoint")?;
        let token = string_field(&answer, &["access_token"]).ok_or_else(|| {
            CredentialError::Unavailable(
                "the token endpoint answered without an access_token".into(),
            )
        })?;
        let token = BearerToken::new(token);
        let lifetime = seconds(answer.get("expires_in")).unwrap_or(DEFAULT_LIFETIME_SECS);
        let issued_at = self.clock.now_unix();
        self.store(Some(CachedToken {
            token: token.clone(),
            refresh_at: issued_at.saturating_add(lifetime.saturating_mul(4) / 5),
            expires_at: issued_at.saturating_add(lifetime),
        }));
        Ok(token)
    }
}

/// [`ServiceTokens`] when no client credentials are configured: every call says so.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct UnconfiguredServiceTokens;

#[async_trait::async_trait]
impl ServiceTokens for UnconfiguredServiceTokens {
    fn is_configured(&self) -> bool {
        false
    }

    async fn service_token(&self) -> Result<BearerToken, CredentialError> {
        Err(CredentialError::NotConfigured(NOT_CONFIGURED))
    }

    async fn evict(&self) {}
}

#[cfg(test)]
mod tests;
