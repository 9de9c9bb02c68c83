//! Inbound token verification and outbound credentials (docs/design.md §3, §4).

use std::sync::Arc;

use crate::domain::error::{AuthError, CredentialError};
use crate::domain::policy::AccountPermissions;
use crate::domain::principal::{Caller, Principal};
use crate::domain::secret::BearerToken;

/// Turns a bearer token into a verified [`Principal`]. Another scheme (SigV4) is another
/// implementation; tools never see which one ran.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// # Errors
    /// [`AuthError::InvalidToken`] for any token that is not a valid, current token of the
    /// configured issuer and audience; [`AuthError::Unavailable`] when the keys to decide
    /// cannot be had.
    async fn authenticate(&self, token: &BearerToken) -> Result<Arc<Principal>, AuthError>;
}

/// A per-user NeonPanel credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserCredential {
    /// A user JWT to call the API with.
    Jwt(BearerToken),
    /// Introspection gave permissions but no JWT: the call runs with the service token and the
    /// domain enforces these permissions itself.
    Permissions(AccountPermissions),
}

/// Exchanges the caller's access token for their NeonPanel credential.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait UserCredentials: Send + Sync + 'static {
    /// Whether any user-credential source is configured.
    fn is_configured(&self) -> bool;

    /// # Errors
    /// [`CredentialError::NotConfigured`] when no source is configured,
    /// [`CredentialError::Rejected`] when the issuer refuses the token,
    /// [`CredentialError::Unavailable`] when it cannot be reached.
    async fn user_credential(&self, caller: &Caller) -> Result<UserCredential, CredentialError>;

    /// Forgets the cached credential of `caller` (after an upstream 401).
    async fn evict(&self, caller: &Caller);
}

/// The server's own NeonPanel token (client credentials, "IAT").
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait ServiceTokens: Send + Sync + 'static {
    fn is_configured(&self) -> bool;

    /// # Errors
    /// [`CredentialError::NotConfigured`] without client credentials,
    /// [`CredentialError::Rejected`] / [`CredentialError::Unavailable`] from the token endpoint.
    async fn service_token(&self) -> Result<BearerToken, CredentialError>;

    /// Forgets the current token (after an upstream 401).
    async fn evict(&self);
}

/// Wall-clock time, injectable so expiry and cooldowns are tested without sleeping.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
}
