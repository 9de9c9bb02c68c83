//! The NeonPanel side: service tokens, the user-credential source, the API client and the
//! per-tool policies, each built from its settings.

use std::sync::Arc;

use crate::adapters::metrics::Metrics;
use crate::adapters::neonpanel::{
    ApiConfig, ClientAuthMethod, ClientCredentialsTokens, ExchangedUserCredentials,
    HttpNeonPanelApi, RequestedTokenType, ServiceTokenConfig, UnconfiguredServiceTokens,
    UserCredentialConfig, UserSource,
};
use crate::adapters::outbound::Outbound;
use crate::app::tools::{Catalogue, Policies, plan_purchase};
use crate::domain::policy::{AuthMode, ToolPolicy};
use crate::domain::principal::ScopeSet;
use crate::ports::{Clock, ServiceTokens};
use crate::startup::config::{ClientAuth, ClientSettings, Config, UserSourceSettings};

fn method(auth: ClientAuth) -> ClientAuthMethod {
    match auth {
        ClientAuth::Post => ClientAuthMethod::Post,
        ClientAuth::Basic => ClientAuthMethod::Basic,
    }
}

/// The service token (client credentials), or one that explains it is not configured.
pub(super) fn service_tokens(
    client: Option<&ClientSettings>,
    outbound: &Outbound,
    clock: &Arc<dyn Clock>,
) -> Arc<dyn ServiceTokens> {
    match client {
        Some(client) => Arc::new(ClientCredentialsTokens::new(
            ServiceTokenConfig {
                token_url: client.token_url.clone(),
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                scope: client.scope.clone(),
                audience: client.audience.clone(),
                auth_method: method(client.auth),
            },
            outbound.clone(),
            Arc::clone(clock),
        )),
        None => Arc::new(UnconfiguredServiceTokens),
    }
}

/// User credentials from the configured source (docs/design.md §4).
pub(super) fn user_credentials(
    config: &Config,
    outbound: &Outbound,
    clock: Arc<dyn Clock>,
    metrics: &Metrics,
) -> ExchangedUserCredentials {
    let source = match (&config.user_source, &config.client) {
        (UserSourceSettings::UserJwtEndpoint(url), _) => {
            UserSource::UserJwtEndpoint { url: url.clone() }
        }
        (UserSourceSettings::Introspection(url), Some(client)) => UserSource::Introspection {
            url: url.clone(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            auth_method: method(client.auth),
        },
        (UserSourceSettings::TokenExchange, Some(client)) => UserSource::TokenExchange {
            token_url: client.token_url.clone(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            auth_method: method(client.auth),
            audience: client.audience.clone(),
            scope: client.scope.clone(),
            requested_token_type: RequestedTokenType::Jwt,
        },
        (UserSourceSettings::Passthrough, _) => {
            tracing::warn!(
                "NEONPANEL_ALLOW_TOKEN_PASSTHROUGH is on: inbound access tokens are sent to \
                 NeonPanel, which the MCP authorization spec forbids (token passthrough)"
            );
            UserSource::Passthrough
        }
        _ => UserSource::None,
    };
    ExchangedUserCredentials::new(UserCredentialConfig::new(source), outbound.clone(), clock)
        .with_metrics(metrics.clone())
}

/// The NeonPanel API client at `NEONPANEL_API_BASE`.
pub(super) fn api(config: &Config, outbound: Outbound) -> HttpNeonPanelApi {
    HttpNeonPanelApi::new(
        ApiConfig {
            base_url: config.api_base.clone(),
            ..ApiConfig::default()
        },
        outbound,
    )
}

/// Per-tool policies: defaults from the catalogue, overridden by `TOOL_AUTH_MODES`;
/// `PLAN_PURCHASE_SCOPE` applies when plan_purchase runs in `user` mode.
#[must_use]
pub fn policies(config: &Config, catalogue: &Catalogue) -> Policies {
    Policies::for_catalogue(catalogue, |spec| {
        let mode = config
            .tool_modes
            .get(spec.name)
            .copied()
            .unwrap_or(spec.default_mode);
        let extra_scopes = match &config.plan_purchase_scope {
            Some(scope) if spec.name == plan_purchase::NAME && mode == AuthMode::User => {
                ScopeSet::parse(scope)
            }
            _ => ScopeSet::default(),
        };
        ToolPolicy { mode, extra_scopes }
    })
}
