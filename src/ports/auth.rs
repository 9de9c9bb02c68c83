//! Inbound token verification and outbound credentials (docs/design.md §3, §4).

use crate::domain::error::{AuthError, CredentialError};
use crate::domain::policy::AccountPermissions;
use crate::domain::principal::Caller;
use crate::domain::proof::Proof;
use crate::domain::secret::BearerToken;

/// Verifies a credential [`Proof`] into a [`Caller`]. Each scheme (issuer JWTs, AWS-signed
/// requests, ...) is one implementation, chosen by the proof's form; tools and the credential
/// policy see only the `Caller`, never which one ran.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Whether `proof` has the form this authenticator verifies (its scheme, a token prefix).
    /// Cheap and without I/O: it only routes the proof, it decides nothing about its validity.
    fn claims(&self, proof: &Proof) -> bool;

    /// The caller `proof` proves. A caller whose proof is a NeonPanel sign-in carries its access
    /// token; any other has none and reaches only what its principal grants.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a proof that is not valid and current (or not of a form
    /// this authenticator claims); [`AuthError::Forbidden`] for a genuine proof whose holder has
    /// no access here; [`AuthError::Unavailable`] when what decides cannot be reached.
    async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError>;
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
    /// [`CredentialError::NoSignIn`] when `caller` has no access token to exchange,
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
