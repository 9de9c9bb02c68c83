//! Who is calling: the verified subject, their scopes and tenant.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use super::secret::BearerToken;

/// The `sub` claim of a verified token.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject(String);

impl Subject {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A set of OAuth scopes, kept sorted so that its text form is a stable cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(BTreeSet<String>);

impl ScopeSet {
    /// RFC 6749 §3.3: scopes are space-delimited, case-sensitive strings.
    #[must_use]
    pub fn parse(space_delimited: &str) -> Self {
        Self(
            space_delimited
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect(),
        )
    }

    #[must_use]
    pub fn from_scopes<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(
            scopes
                .into_iter()
                .map(Into::into)
                .filter(|s: &String| !s.is_empty())
                .collect(),
        )
    }

    #[must_use]
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// The scopes of `required` this set lacks.
    #[must_use]
    pub fn missing(&self, required: &ScopeSet) -> ScopeSet {
        Self(required.0.difference(&self.0).cloned().collect())
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// A new set holding both.
    #[must_use]
    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.union(&other.0).cloned().collect())
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for scope in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
            first = false;
        }
        Ok(())
    }
}

/// The tenant claim of a token: the NeonPanel company the token is bound to, when any.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tenant(String);

impl Tenant {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A verified caller (docs/design.md §3.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub scopes: ScopeSet,
    pub tenant: Option<Tenant>,
    /// `exp` as seconds since the Unix epoch.
    pub expires_at: u64,
    /// NeonPanel accounts (company UUIDs) the authenticator itself grants, for a proof that is
    /// not a NeonPanel sign-in (an IAM role mapped to accounts, say). Empty for a sign-in token,
    /// whose reach is its tenant claim and the caller's own company list. Service-token calls
    /// are confined to these (see `AccountReach::of_principal`).
    pub accounts: BTreeSet<String>,
}

/// A principal together with the NeonPanel access token it was proven by, when its proof was
/// one. The token is kept only to exchange it for a user credential; it is never sent to the
/// NeonPanel API (docs/design.md §4). A caller without one (an AWS-signed request, say) can
/// only be served with the service token, confined to the accounts its principal reaches.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Shared with the verified-token cache: a cached-token request clones a pointer.
    pub principal: Arc<Principal>,
    pub access_token: Option<BearerToken>,
}

impl Caller {
    /// A caller who signed in to NeonPanel: `access_token` can be exchanged for their credential.
    #[must_use]
    pub fn signed_in(principal: Arc<Principal>, access_token: BearerToken) -> Self {
        Self {
            principal,
            access_token: Some(access_token),
        }
    }

    /// A caller proven some other way, with no NeonPanel sign-in to exchange.
    #[must_use]
    pub fn without_sign_in(principal: Arc<Principal>) -> Self {
        Self {
            principal,
            access_token: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_set_parse_splits_on_whitespace_and_dedups() {
        let set = ScopeSet::parse("  openid  neonpanel:read openid ");
        assert_eq!(set.to_string(), "neonpanel:read openid");
    }

    #[test]
    fn scope_set_missing_lists_only_absent_required_scopes() {
        let have = ScopeSet::parse("openid profile");
        let need = ScopeSet::parse("openid neonpanel:read");
        assert_eq!(have.missing(&need).to_string(), "neonpanel:read");
        assert!(need.missing(&need).is_empty());
    }
}
