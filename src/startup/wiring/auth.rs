//! Inbound token verification: the JWKS authenticator built from the auth settings.

use std::sync::Arc;

use super::StartupError;
use crate::adapters::jwks::{JwksAuthenticator, JwksConfig, parse_algorithm};
use crate::adapters::metrics::Metrics;
use crate::adapters::outbound::Outbound;
use crate::ports::Clock;
use crate::startup::config::AuthSettings;

/// The bearer-JWT authenticator for `auth`, fetching keys over `outbound`.
///
/// # Errors
/// [`StartupError::Adapter`] when an algorithm or the JWKS settings are refused.
pub(super) fn authenticator(
    auth: &AuthSettings,
    outbound: &Outbound,
    clock: &Arc<dyn Clock>,
    metrics: &Metrics,
) -> Result<JwksAuthenticator, StartupError> {
    let mut jwks = JwksConfig::new(&auth.jwks_uri, &auth.issuer, auth.audiences.clone());
    jwks.algorithms = auth
        .algorithms
        .iter()
        .map(|a| parse_algorithm(a))
        .collect::<Result<_, _>>()
        .map_err(|e| StartupError::Adapter(format!("NEONPANEL_OAUTH_ALGORITHMS: {e}")))?;
    jwks.leeway_secs = auth.leeway_secs;
    jwks.tenant_claim.clone_from(&auth.tenant_claim);
    let authenticator = JwksAuthenticator::new(jwks, outbound.clone(), Arc::clone(clock))
        .map_err(|e| StartupError::Adapter(format!("token verification: {e}")))?
        .with_metrics(metrics.clone());
    Ok(authenticator)
}
