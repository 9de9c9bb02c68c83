//! Wiring of the AWS IAM caller path (`AWS_IAM_PRINCIPALS`): the STS authenticator, added
//! beside the issuer's JWTs and chosen by the `aws-sts-v1.` token prefix.

use std::sync::Arc;
use std::time::Duration;

use super::config::Config;
use crate::adapters::aws_sts::{StsAuthConfig, StsAuthenticator, StsBudgetConfig};
use crate::adapters::outbound::Outbound;
use crate::app::authentication::ProofAuthenticators;
use crate::ports::{Authenticator, Clock};

/// The longest one STS call may take (at most `NEONPANEL_HTTP_TIMEOUT_MS`).
const STS_TIMEOUT: Duration = Duration::from_secs(5);

/// How many IAM verdicts are remembered (each at most 15 minutes).
const VERDICT_CACHE_CAPACITY: u64 = 10_000;

/// `default` alone, or with the STS authenticator in front when IAM callers are configured.
#[must_use]
pub(super) fn with_iam_callers(
    config: &Config,
    default: Arc<dyn Authenticator>,
    outbound: &Outbound,
    clock: &Arc<dyn Clock>,
) -> ProofAuthenticators {
    let chosen = ProofAuthenticators::new(default);
    let Some(iam) = &config.aws_iam else {
        return chosen;
    };
    tracing::info!(
        roles = iam.principals.len(),
        sts_endpoints = %iam.endpoints,
        "AWS IAM callers on"
    );
    let sts = StsAuthenticator::new(
        StsAuthConfig {
            endpoints: iam.endpoints.clone(),
            principals: iam.principals.clone(),
            audience: config.resource_url.clone(),
            base_scopes: config.auth.required_scopes.clone(),
            leeway_secs: config.auth.leeway_secs,
            budget: StsBudgetConfig::default(),
            sts_timeout: STS_TIMEOUT.min(config.http_timeout),
            cache_capacity: VERDICT_CACHE_CAPACITY,
        },
        outbound.clone(),
        Arc::clone(clock),
    );
    chosen.with(Arc::new(sts))
}
