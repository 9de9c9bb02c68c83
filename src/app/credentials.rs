//! Chooses and obtains the NeonPanel credential of one tool call (docs/design.md §4), and enforces
//! the account-reach invariant for service-token calls.
//!
//! A caller without a NeonPanel sign-in (proven some other way, e.g. an AWS-signed request) has
//! no access token to exchange: it is only ever served with the service token, confined to the
//! accounts its principal grants, and a `user`-only tool tells it that it needs a sign-in.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use foldhash::fast::RandomState;
use mini_moka::sync::Cache;

use super::failure::ToolFailure;
use super::pages::walk_pages;
use crate::domain::challenge;
use crate::domain::error::{CredentialError, UpstreamErrorKind};
use crate::domain::pagination::PageSize;
use crate::domain::policy::{AccountPermissions, AccountReach, CredentialPlan, ToolPolicy};
use crate::domain::principal::{Caller, Subject};
use crate::domain::secret::BearerToken;
use crate::ports::{NeonPanelApi, ServiceTokens, UserCredential, UserCredentials};

/// The credential a call runs with.
#[derive(Clone, Debug)]
pub enum Grant {
    /// The caller's own NeonPanel credential: NeonPanel enforces their permissions.
    User(BearerToken),
    /// The service token, confined to the accounts the caller is known to reach.
    Service {
        token: BearerToken,
        reach: AccountReach,
        permissions: Option<AccountPermissions>,
    },
}

impl Grant {
    #[must_use]
    pub fn token(&self) -> &BearerToken {
        match self {
            Self::User(token) | Self::Service { token, .. } => token,
        }
    }

    /// Whether the call may show or touch `account`.
    #[must_use]
    pub fn reaches(&self, account: &str) -> bool {
        match self {
            Self::User(_) => true,
            Self::Service { reach, .. } => reach.contains(account),
        }
    }

    /// # Errors
    /// A `forbidden` failure when a service-token call would touch an unreachable account.
    pub fn ensure_reach(&self, account: &str) -> Result<(), ToolFailure> {
        match self {
            Self::User(_) => Ok(()),
            Self::Service { reach, .. } => reach.ensure(account).map_err(ToolFailure::from),
        }
    }
}

pub struct Credentials {
    users: Arc<dyn UserCredentials>,
    service: Arc<dyn ServiceTokens>,
    api: Arc<dyn NeonPanelApi>,
    /// Accounts each subject reaches, learned from their own company list.
    reach_cache: Cache<(Subject, Option<String>), AccountReach, RandomState>,
    /// RFC 9728 protected-resource metadata URL, for `WWW-Authenticate` challenges.
    resource_metadata: String,
}

impl Credentials {
    #[must_use]
    pub fn new(
        users: Arc<dyn UserCredentials>,
        service: Arc<dyn ServiceTokens>,
        api: Arc<dyn NeonPanelApi>,
        resource_metadata: String,
    ) -> Self {
        let reach_cache = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(300))
            .build_with_hasher(RandomState::default());
        Self {
            users,
            service,
            api,
            reach_cache,
            resource_metadata,
        }
    }

    /// Adds the challenge that asks the client to sign in again (RFC 6750 §3).
    #[must_use]
    pub fn reauthenticate(&self, mut failure: ToolFailure) -> ToolFailure {
        failure.www_authenticate = Some(challenge::sign_in_again(&self.resource_metadata));
        failure
    }

    /// Adds the challenge that asks for more scopes (RFC 6750 §3.1 `insufficient_scope`).
    #[must_use]
    pub fn step_up(&self, mut failure: ToolFailure, scope: &str) -> ToolFailure {
        failure.www_authenticate = Some(challenge::step_up(scope, &self.resource_metadata));
        failure
    }

    /// Obtains the credential `policy` calls for.
    ///
    /// # Errors
    /// A [`ToolFailure`] the caller can act on: sign in again, try later, or no access.
    pub async fn grant(&self, caller: &Caller, policy: &ToolPolicy) -> Result<Grant, ToolFailure> {
        match CredentialPlan::for_mode(policy.mode, self.users.is_configured()) {
            CredentialPlan::UserOnly => match self.user_credential(caller).await {
                Ok(credential) => self.grant_from_user_credential(caller, credential).await,
                Err(e) => Err(self.credential_failure(&e)),
            },
            CredentialPlan::ServiceOnly => self.service_grant(caller, None).await,
            CredentialPlan::UserThenService => match self.user_credential(caller).await {
                Ok(credential) => self.grant_from_user_credential(caller, credential).await,
                Err(CredentialError::Rejected) => {
                    Err(self.credential_failure(&CredentialError::Rejected))
                }
                Err(_) => self.service_grant(caller, None).await,
            },
        }
    }

    /// The caller's own credential; [`CredentialError::NoSignIn`] without asking the source when
    /// the caller has no access token to exchange.
    async fn user_credential(&self, caller: &Caller) -> Result<UserCredential, CredentialError> {
        if caller.access_token.is_none() {
            return Err(CredentialError::NoSignIn);
        }
        self.users.user_credential(caller).await
    }

    /// Forgets whatever credential `grant` came from, after NeonPanel answered 401.
    pub async fn evict(&self, caller: &Caller, grant: &Grant) {
        match grant {
            Grant::User(_) => self.users.evict(caller).await,
            Grant::Service { .. } => self.service.evict().await,
        }
    }

    async fn grant_from_user_credential(
        &self,
        caller: &Caller,
        credential: UserCredential,
    ) -> Result<Grant, ToolFailure> {
        match credential {
            UserCredential::Jwt(token) => Ok(Grant::User(token)),
            UserCredential::Permissions(permissions) => {
                self.service_grant(caller, Some(permissions)).await
            }
        }
    }

    async fn service_grant(
        &self,
        caller: &Caller,
        permissions: Option<AccountPermissions>,
    ) -> Result<Grant, ToolFailure> {
        let token = self
            .service
            .service_token()
            .await
            .map_err(|e| self.credential_failure(&e))?;
        let mut reach = AccountReach::of_principal(&caller.principal);
        match &permissions {
            Some(p) => reach.extend(p.reach()),
            None => reach.extend(self.learned_reach(caller).await),
        }
        Ok(Grant::Service {
            token,
            reach,
            permissions,
        })
    }

    /// The caller's own company list, read with their user credential when one can be had.
    /// Without one the reach is what the principal itself proves (its tenant claim, the
    /// accounts its authenticator granted). A caller without a sign-in never reads the cache:
    /// its subject may coincide with a signed-in one's, whose reach it must not borrow.
    async fn learned_reach(&self, caller: &Caller) -> AccountReach {
        if caller.access_token.is_none() {
            return AccountReach::default();
        }
        let key = (
            caller.principal.subject.clone(),
            caller
                .principal
                .tenant
                .as_ref()
                .map(|t| t.as_str().to_owned()),
        );
        if let Some(reach) = self.reach_cache.get(&key) {
            return reach;
        }
        if !self.users.is_configured() {
            return AccountReach::default();
        }
        let user_token = match self.user_credential(caller).await {
            Ok(UserCredential::Jwt(token)) => token,
            Ok(UserCredential::Permissions(p)) => return p.reach(),
            Err(_) => return AccountReach::default(),
        };
        let mut accounts = Vec::new();
        let walked = walk_pages(
            |page| self.api.list_companies(&user_token, page, PageSize::MAX),
            |companies| {
                accounts.extend(companies.data.into_iter().map(|c| c.uuid));
                ControlFlow::<()>::Continue(())
            },
        )
        .await;
        match walked {
            Ok(_) => {}
            Err(e) if e.kind == UpstreamErrorKind::Unauthorized => {
                self.users.evict(caller).await;
                return AccountReach::default();
            }
            // Unknown reach is an empty reach: refuse rather than guess.
            Err(_) => return AccountReach::default(),
        }
        let reach = AccountReach::from_accounts(accounts);
        self.reach_cache.insert(key, reach.clone());
        reach
    }

    fn credential_failure(&self, error: &CredentialError) -> ToolFailure {
        let failure = ToolFailure::from_credential(error);
        if matches!(error, CredentialError::Rejected) {
            self.reauthenticate(failure)
        } else {
            failure
        }
    }
}

#[cfg(test)]
mod tests;
