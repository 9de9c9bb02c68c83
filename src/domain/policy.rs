//! Which credential a tool call runs with, and the account-reach invariant (docs/design.md §4).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::error::AccessDenied;
use super::principal::{Principal, ScopeSet};

/// A tool's credential policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMode {
    /// The caller's own NeonPanel credential, obtained by exchange.
    User,
    /// The server's service token (client credentials), limited to accounts the caller reaches.
    Iat,
    /// User first; the service token when no user credential can be had.
    Hybrid,
}

impl AuthMode {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Iat => "iat",
            Self::Hybrid => "hybrid",
        }
    }
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "user" => Ok(Self::User),
            "iat" => Ok(Self::Iat),
            "hybrid" => Ok(Self::Hybrid),
            other => Err(format!(
                "unknown auth mode {other:?} (expected user, iat or hybrid)"
            )),
        }
    }
}

/// The effective policy of one tool after configuration overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolPolicy {
    pub mode: AuthMode,
    /// Scopes the caller must hold beyond the server-wide required scopes.
    pub extra_scopes: ScopeSet,
}

/// The order in which credentials are tried for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialPlan {
    UserOnly,
    ServiceOnly,
    UserThenService,
}

impl CredentialPlan {
    /// The plan for `mode`. Hybrid without a configured user source goes straight to the
    /// service token instead of failing on a source that cannot exist.
    #[must_use]
    pub fn for_mode(mode: AuthMode, user_source_configured: bool) -> Self {
        match (mode, user_source_configured) {
            (AuthMode::User, _) => Self::UserOnly,
            (AuthMode::Iat, _) | (AuthMode::Hybrid, false) => Self::ServiceOnly,
            (AuthMode::Hybrid, true) => Self::UserThenService,
        }
    }
}

/// The NeonPanel accounts (company UUIDs) a caller is known to reach.
///
/// A service token can see every company of the integration, so a service-token call may only
/// touch an account in this set; the set is built from the token's tenant claim, introspection
/// permissions, or the caller's own company list fetched with their user credential.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountReach(BTreeSet<String>);

impl AccountReach {
    #[must_use]
    pub fn from_accounts<I, S>(accounts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(accounts.into_iter().map(Into::into).collect())
    }

    /// The reach a principal proves on its own: its tenant claim and the accounts its
    /// authenticator granted.
    #[must_use]
    pub fn of_principal(principal: &Principal) -> Self {
        let tenant = principal.tenant.iter().map(|t| t.as_str().to_owned());
        Self::from_accounts(tenant.chain(principal.accounts.iter().cloned()))
    }

    #[must_use]
    pub fn contains(&self, account: &str) -> bool {
        self.0.contains(account)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, other: AccountReach) {
        self.0.extend(other.0);
    }

    /// # Errors
    /// [`AccessDenied`] when `account` is not in the set.
    pub fn ensure(&self, account: &str) -> Result<(), AccessDenied> {
        if self.contains(account) {
            Ok(())
        } else {
            Err(AccessDenied {
                account: account.to_owned(),
            })
        }
    }
}

/// Permissions reported by token introspection: per account, the permission names granted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountPermissions {
    pub accounts: Vec<(String, Vec<String>)>,
}

impl AccountPermissions {
    #[must_use]
    pub fn reach(&self) -> AccountReach {
        AccountReach::from_accounts(self.accounts.iter().map(|(account, _)| account.clone()))
    }

    #[must_use]
    pub fn permissions_of(&self, account: &str) -> Option<&[String]> {
        self.accounts
            .iter()
            .find(|(a, _)| a == account)
            .map(|(_, p)| p.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::principal::{Subject, Tenant};

    #[test]
    fn credential_plan_follows_mode_and_configuration() {
        use CredentialPlan::*;
        let table = [
            (AuthMode::User, true, UserOnly),
            (AuthMode::User, false, UserOnly),
            (AuthMode::Iat, true, ServiceOnly),
            (AuthMode::Hybrid, true, UserThenService),
            (AuthMode::Hybrid, false, ServiceOnly),
        ];
        for (mode, configured, plan) in table {
            assert_eq!(
                CredentialPlan::for_mode(mode, configured),
                plan,
                "{mode} {configured}"
            );
        }
    }

    #[test]
    fn auth_mode_parses_contract_names_only() {
        assert_eq!("hybrid".parse::<AuthMode>(), Ok(AuthMode::Hybrid));
        assert!("admin".parse::<AuthMode>().is_err());
    }

    #[test]
    fn reach_of_principal_is_its_tenant_and_refuses_others() {
        let principal = Principal {
            subject: Subject::new("user-1"),
            scopes: ScopeSet::default(),
            tenant: Some(Tenant::new("acme")),
            expires_at: 0,
            accounts: BTreeSet::new(),
        };
        let reach = AccountReach::of_principal(&principal);
        assert!(reach.ensure("acme").is_ok());
        assert_eq!(
            reach.ensure("globex"),
            Err(AccessDenied {
                account: "globex".into()
            })
        );
    }

    #[test]
    fn reach_of_principal_includes_the_accounts_its_authenticator_granted() {
        let principal = Principal {
            subject: Subject::new("arn:aws:iam::123456789012:role/reporting"),
            scopes: ScopeSet::default(),
            tenant: None,
            expires_at: 0,
            accounts: BTreeSet::from(["globex".to_owned(), "initech".to_owned()]),
        };
        let reach = AccountReach::of_principal(&principal);
        assert!(reach.ensure("globex").is_ok());
        assert!(reach.ensure("initech").is_ok());
        assert!(reach.ensure("acme").is_err());
    }
}
