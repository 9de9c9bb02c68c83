//! The AWS IAM authenticator: a bearer token `aws-sts-v1.<base64url of a presigned STS
//! GetCallerIdentity URL>` is checked strictly (`domain::aws_iam`), sent to STS, and the ARN
//! STS answers is looked up in `AWS_IAM_PRINCIPALS` (the pattern of the Kubernetes
//! aws-iam-authenticator and Vault's AWS auth method).
//!
//! Invariants:
//! - The server holds no AWS secret and checks no signature: STS does. A URL that fails the
//!   strict check never reaches the network.
//! - Verdicts are cached by the token's SHA-256 until the presign expires: mapped identities,
//!   unmapped roles and STS refusals alike (each is final for that exact token). STS outages
//!   are never cached, and never become a success.
//! - STS calls for tokens not in the cache are bounded ([`StsBudget`]): over the budget the
//!   answer is "unavailable" (503 + `Retry-After`), not an STS call.
//! - Neither the token, the URL nor its signature is logged or put in an error.

mod budget;
mod client;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use foldhash::fast::RandomState;
use mini_moka::sync::Cache;
use sha2::{Digest, Sha256};

pub(crate) use budget::{StsBudget, StsBudgetConfig};
pub(crate) use client::StsCallError;

use crate::adapters::outbound::Outbound;
use crate::domain::aws_iam::{
    IamPrincipals, MAX_PRESIGN_SECS, PresignRules, StsEndpoints, TOKEN_PREFIX, check_presigned_url,
};
use crate::domain::error::AuthError;
use crate::domain::principal::{Caller, Principal, ScopeSet, Subject};
use crate::domain::proof::Proof;
use crate::ports::{Authenticator, Clock};

/// The longest token accepted: a presigned URL with a session token is about 3 KB in base64.
pub(crate) const MAX_IAM_TOKEN_BYTES: usize = 8 * 1024;

/// How IAM callers are verified. Built by the composition root.
#[derive(Clone, Debug)]
pub(crate) struct StsAuthConfig {
    /// Which STS endpoints a presigned URL may name (`AWS_STS_ENDPOINTS`).
    pub endpoints: StsEndpoints,
    /// Which roles may call and what they reach (`AWS_IAM_PRINCIPALS`).
    pub principals: IamPrincipals,
    /// The value sent in `x-neonpanel-mcp-audience`: this server's `MCP_RESOURCE_URL`.
    pub audience: String,
    /// Scopes every IAM caller holds (the server's required scopes); grants add their own.
    pub base_scopes: ScopeSet,
    /// Clock skew tolerated for an `X-Amz-Date` in the future.
    pub leeway_secs: u64,
    pub budget: StsBudgetConfig,
    /// The longest an STS call may take before the caller is answered 503 (a slow STS must
    /// not hold the in-flight slots for the whole outbound timeout).
    pub sts_timeout: Duration,
    /// How many verdicts are remembered.
    pub cache_capacity: u64,
}

/// The 403 description for a genuine caller whose role `AWS_IAM_PRINCIPALS` does not name.
const UNMAPPED: &str = "the IAM role is not mapped to any NeonPanel account (AWS_IAM_PRINCIPALS)";
/// The 401 description when STS refused the presigned request.
const REFUSED_BY_STS: &str =
    "STS did not accept the presigned request (signature, audience or expiry)";

#[derive(Clone)]
enum Verdict {
    /// The caller's principal: subject = the mapped role ARN, `accounts` = its grant.
    Known(Arc<Principal>),
    Unmapped,
    Refused,
}

#[derive(Clone)]
struct Cached {
    verdict: Verdict,
    expires_at: u64,
}

pub(crate) struct StsAuthenticator {
    config: StsAuthConfig,
    outbound: Outbound,
    clock: Arc<dyn Clock>,
    budget: StsBudget,
    verdicts: Cache<[u8; 32], Cached, RandomState>,
}

impl StsAuthenticator {
    #[must_use]
    pub(crate) fn new(config: StsAuthConfig, outbound: Outbound, clock: Arc<dyn Clock>) -> Self {
        let budget = StsBudget::new(config.budget, Arc::clone(&clock));
        let verdicts = Cache::builder()
            .max_capacity(config.cache_capacity)
            .time_to_live(Duration::from_secs(MAX_PRESIGN_SECS))
            .build_with_hasher(RandomState::default());
        Self {
            config,
            outbound,
            clock,
            budget,
            verdicts,
        }
    }

    /// Verifies an `aws-sts-v1.` token into the principal of its mapped role.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a malformed, hostile, expired or STS-refused token;
    /// [`AuthError::Forbidden`] for a role `AWS_IAM_PRINCIPALS` does not name;
    /// [`AuthError::Unavailable`] when STS cannot answer or the call budget is spent.
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<Principal>, AuthError> {
        if token.len() > MAX_IAM_TOKEN_BYTES {
            return Err(AuthError::InvalidToken("token too large"));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = self.clock.now_unix();
        if let Some(cached) = self.verdicts.get(&digest) {
            if now < cached.expires_at {
                return answer(&cached.verdict);
            }
            self.verdicts.invalidate(&digest);
        }
        let url = decode(token)?;
        let presign = check_presigned_url(
            &url,
            PresignRules {
                endpoints: &self.config.endpoints,
                now,
                leeway_secs: self.config.leeway_secs,
            },
        )
        .map_err(|e| AuthError::InvalidToken(e.reason()))?;
        let Some(_permit) = self.budget.try_call() else {
            tracing::warn!("STS call budget spent; answering unavailable");
            return Err(AuthError::Unavailable);
        };
        let call = client::caller_arn(&self.outbound, &presign, &self.config.audience);
        let answered = tokio::time::timeout(self.config.sts_timeout, call)
            .await
            .unwrap_or_else(|_| Err(StsCallError::Unavailable("timed out".into())));
        let verdict = match answered {
            Ok(arn) => self.map(&arn, presign.expires_at()),
            Err(StsCallError::Refused(why)) => {
                tracing::info!(sts = %why, "STS refused an IAM token");
                Verdict::Refused
            }
            Err(e @ StsCallError::Unavailable(_)) => {
                tracing::warn!(error = %e, "STS unavailable");
                return Err(AuthError::Unavailable);
            }
        };
        self.verdicts.insert(
            digest,
            Cached {
                verdict: verdict.clone(),
                expires_at: presign.expires_at(),
            },
        );
        answer(&verdict)
    }

    fn map(&self, arn: &str, expires_at: u64) -> Verdict {
        match self.config.principals.grant(arn) {
            Some((principal, grant)) => {
                tracing::info!(principal = %principal.as_str(), "IAM caller verified");
                Verdict::Known(Arc::new(Principal {
                    subject: Subject::new(principal.as_str()),
                    scopes: self.config.base_scopes.union(&grant.scopes),
                    tenant: None,
                    expires_at,
                    accounts: grant.accounts.iter().cloned().collect::<BTreeSet<_>>(),
                }))
            }
            None => {
                // The ARN is an identity, not a secret: operators need it to add a mapping.
                tracing::warn!(arn = %arn, "IAM caller has no AWS_IAM_PRINCIPALS mapping");
                Verdict::Unmapped
            }
        }
    }
}

#[async_trait::async_trait]
impl Authenticator for StsAuthenticator {
    /// Bearer tokens of the form `aws-sts-v1.…`; no other authenticator sees them.
    fn claims(&self, proof: &Proof) -> bool {
        proof
            .bearer()
            .is_some_and(|token| token.expose().starts_with(TOKEN_PREFIX))
    }

    #[tracing::instrument(name = "aws_sts.authenticate", skip_all)]
    async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError> {
        let Some(token) = proof.bearer() else {
            return Err(AuthError::InvalidToken("expected a bearer token"));
        };
        // No NeonPanel sign-in: the caller is served with the service token, confined to
        // `principal.accounts`.
        Ok(Caller::without_sign_in(self.verify(token.expose()).await?))
    }
}

fn answer(verdict: &Verdict) -> Result<Arc<Principal>, AuthError> {
    match verdict {
        Verdict::Known(principal) => Ok(Arc::clone(principal)),
        Verdict::Unmapped => Err(AuthError::Forbidden(UNMAPPED)),
        Verdict::Refused => Err(AuthError::InvalidToken(REFUSED_BY_STS)),
    }
}

/// The presigned URL inside `aws-sts-v1.<base64url>` (padding optional).
fn decode(token: &str) -> Result<String, AuthError> {
    let malformed = AuthError::InvalidToken("malformed aws-sts-v1 token");
    let encoded = token
        .strip_prefix(TOKEN_PREFIX)
        .filter(|e| !e.is_empty())
        .ok_or(malformed.clone())?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|_| malformed.clone())?;
    String::from_utf8(bytes).map_err(|_| malformed)
}
