//! `AWS_IAM_PRINCIPALS`: which IAM roles may call, and which NeonPanel accounts each reaches.
//!
//! The form is JSON, because IAM role names may contain `=`, `,` and `+`, which would make a
//! `key=value,...` form ambiguous. Each key is a role ARN (or an IAM user ARN); each value is
//! either the list of NeonPanel account (company) uuids the role reaches, or an object with
//! `accounts` and optional extra `scopes`:
//!
//! ```json
//! {
//!   "arn:aws:iam::123456789012:role/BedrockAgent": ["5d3c...", "9a1f..."],
//!   "arn:aws:iam::123456789012:role/Planner": {"accounts": ["5d3c..."], "scopes": ["neonpanel:plan"]}
//! }
//! ```
//!
//! STS names an assumed role as `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, without the
//! role's path, so a caller is matched by `arn:aws:iam::ACCOUNT:role/NAME`: a role ARN with a
//! path in the mapping is refused at startup rather than silently never matching.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::principal::ScopeSet;

/// A role or user ARN, as matched against the mapping.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IamArn(String);

impl IamArn {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a mapped role may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamGrant {
    /// NeonPanel account uuids the role reaches (never empty).
    pub accounts: Vec<String>,
    /// Scopes granted beyond the server's required scopes.
    pub scopes: ScopeSet,
}

/// The whole mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IamPrincipals(BTreeMap<IamArn, IamGrant>);

/// Why `AWS_IAM_PRINCIPALS` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrincipalsError {
    #[error("not a JSON object of role ARN to accounts: {0}")]
    Json(String),
    #[error("no role is mapped")]
    Empty,
    #[error("{0:?} is not an IAM role or user ARN (arn:aws:iam::123456789012:role/NAME)")]
    NotAnArn(String),
    #[error(
        "{0:?} has a path: STS reports assumed roles without it, so write arn:aws:iam::ACCOUNT:role/NAME"
    )]
    RolePath(String),
    #[error("{0:?} maps to no account")]
    NoAccounts(String),
    #[error("{0:?} maps to an empty or blank account")]
    BlankAccount(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawGrant {
    Accounts(Vec<String>),
    Full(FullGrant),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullGrant {
    accounts: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
}

impl IamPrincipals {
    /// Parses the JSON form of the module header.
    ///
    /// # Errors
    /// [`PrincipalsError`] naming the first problem.
    pub fn parse(json: &str) -> Result<Self, PrincipalsError> {
        let raw: BTreeMap<String, RawGrant> =
            serde_json::from_str(json).map_err(|e| PrincipalsError::Json(e.to_string()))?;
        if raw.is_empty() {
            return Err(PrincipalsError::Empty);
        }
        let mut map = BTreeMap::new();
        for (arn, grant) in raw {
            let (accounts, scopes) = match grant {
                RawGrant::Accounts(accounts) => (accounts, Vec::new()),
                RawGrant::Full(full) => (full.accounts, full.scopes),
            };
            let key = mapped_arn(arn.trim())?;
            if accounts.is_empty() {
                return Err(PrincipalsError::NoAccounts(arn));
            }
            if accounts
                .iter()
                .any(|a| a.trim().is_empty() || a.chars().any(char::is_whitespace))
            {
                return Err(PrincipalsError::BlankAccount(arn));
            }
            map.insert(
                key,
                IamGrant {
                    accounts,
                    scopes: ScopeSet::from_scopes(scopes),
                },
            );
        }
        Ok(Self(map))
    }

    /// The mapped principal behind `caller_arn` (the `Arn` STS answered) and its grant;
    /// `None` when the ARN is not one STS gives or its role is not mapped.
    #[must_use]
    pub fn grant(&self, caller_arn: &str) -> Option<(&IamArn, &IamGrant)> {
        let principal = principal_of(caller_arn)?;
        self.0.get_key_value(&principal)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The six colon-separated parts of an ARN, when it has them and names an AWS partition and
/// a 12-digit account.
fn arn_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let partition_ok = partition.starts_with("aws")
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (partition_ok && account_ok && region.is_empty())
        .then_some((partition, service, account, resource))
}

/// IAM names: 1 to 64 of letters, digits and `+=,.@_-`.
fn is_iam_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// A mapping key: a role ARN without a path, or a user ARN.
fn mapped_arn(arn: &str) -> Result<IamArn, PrincipalsError> {
    let not_arn = || PrincipalsError::NotAnArn(arn.to_owned());
    let (_, service, _, resource) = arn_parts(arn).ok_or_else(not_arn)?;
    if service != "iam" {
        return Err(not_arn());
    }
    if let Some(role) = resource.strip_prefix("role/") {
        if role.contains('/') {
            return Err(PrincipalsError::RolePath(arn.to_owned()));
        }
        return if is_iam_name(role) {
            Ok(IamArn(arn.to_owned()))
        } else {
            Err(not_arn())
        };
    }
    match resource
        .strip_prefix("user/")
        .and_then(|u| u.rsplit('/').next())
    {
        Some(user) if is_iam_name(user) => Ok(IamArn(arn.to_owned())),
        _ => Err(not_arn()),
    }
}

/// The principal a `GetCallerIdentity` ARN stands for: an assumed role is reduced to its role
/// (`arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`); a user is itself.
#[must_use]
pub fn principal_of(caller_arn: &str) -> Option<IamArn> {
    let (partition, service, account, resource) = arn_parts(caller_arn)?;
    match service {
        "sts" => {
            let rest = resource.strip_prefix("assumed-role/")?;
            let (role, session) = rest.split_once('/')?;
            (is_iam_name(role) && !session.is_empty())
                .then(|| IamArn(format!("arn:{partition}:iam::{account}:role/{role}")))
        }
        "iam" if resource.starts_with("user/") => mapped_arn(caller_arn).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/BedrockAgent";

    #[test]
    fn principals_parse_both_forms_and_match_assumed_roles() {
        let principals = IamPrincipals::parse(&format!(
            r#"{{"{ROLE}": ["acct-1", "acct-2"],
                "arn:aws:iam::123456789012:role/Planner": {{"accounts": ["acct-3"], "scopes": ["neonpanel:plan"]}},
                "arn:aws:iam::123456789012:user/ci-bot": ["acct-4"]}}"#
        ))
        .unwrap();
        assert_eq!(principals.len(), 3);

        let (arn, grant) = principals
            .grant("arn:aws:sts::123456789012:assumed-role/BedrockAgent/session-1")
            .unwrap();
        assert_eq!(arn.as_str(), ROLE);
        assert_eq!(grant.accounts, ["acct-1", "acct-2"]);
        assert!(grant.scopes.is_empty());

        let (_, planner) = principals
            .grant("arn:aws:sts::123456789012:assumed-role/Planner/x")
            .unwrap();
        assert!(planner.scopes.contains("neonpanel:plan"));
        assert!(
            principals
                .grant("arn:aws:iam::123456789012:user/ci-bot")
                .is_some()
        );
    }

    #[test]
    fn unmapped_or_lookalike_arns_get_no_grant() {
        let principals = IamPrincipals::parse(&format!(r#"{{"{ROLE}": ["acct-1"]}}"#)).unwrap();
        for arn in [
            "arn:aws:sts::123456789012:assumed-role/Other/session",
            "arn:aws:sts::999999999999:assumed-role/BedrockAgent/session",
            "arn:aws:sts::123456789012:assumed-role/BedrockAgent",
            "arn:aws:sts::123456789012:assumed-role/BedrockAgentX/s",
            "arn:aws:sts::123456789012:federated-user/BedrockAgent",
            "arn:aws-cn:sts::123456789012:assumed-role/BedrockAgent/s",
            "arn:aws:iam::123456789012:role/BedrockAgent",
            "arn:aws:sts:us-east-1:123456789012:assumed-role/BedrockAgent/s",
            "",
        ] {
            assert!(principals.grant(arn).is_none(), "{arn}");
        }
    }

    #[test]
    fn bad_principal_mappings_are_refused_with_a_reason() {
        let table = [
            ("", "JSON"),
            ("[]", "JSON"),
            ("{}", "no role"),
            (r#"{"not-an-arn": ["a"]}"#, "not an IAM role"),
            (r#"{"arn:aws:iam::123:role/X": ["a"]}"#, "not an IAM role"),
            (r#"{"arn:aws:s3:::bucket": ["a"]}"#, "not an IAM role"),
            (
                r#"{"arn:aws:iam::123456789012:role/team/X": ["a"]}"#,
                "has a path",
            ),
            (r#"{"arn:aws:iam::123456789012:role/X": []}"#, "no account"),
            (r#"{"arn:aws:iam::123456789012:role/X": [" "]}"#, "blank"),
            (
                r#"{"arn:aws:iam::123456789012:role/X": {"accounts": ["a"], "scope": []}}"#,
                "JSON",
            ),
        ];
        for (json, expected) in table {
            let err = IamPrincipals::parse(json).unwrap_err().to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }
}
