//! `neonpanel-mcp check`: proves, before the first user arrives, what a tool call needs — the
//! issuer's signing keys, a user credential source, the service token, one real NeonPanel API
//! call and Redis. Every check runs and prints one `name: ok|FAIL (reason)` line; the exit
//! status is 1 when any failed, so a deployment pipeline can gate on it.

use std::process::ExitCode;
use std::sync::Arc;

use neonpanel_mcp::app::tools::Catalogue;
use neonpanel_mcp::domain::error::CredentialError;
use neonpanel_mcp::domain::pagination::PageSize;
use neonpanel_mcp::domain::policy::AuthMode;
use neonpanel_mcp::domain::principal::{Caller, Principal, ScopeSet, Subject};
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::ports::Check;
use neonpanel_mcp::startup::config::{Config, UserSourceSettings};
use neonpanel_mcp::startup::wiring::{AppParts, policies};

/// The token the user-credential probe presents: the source must refuse it (proving it is
/// reachable and speaks the protocol) without any real user being involved.
const PROBE_TOKEN: &str = "neonpanel-mcp-check-not-a-real-token";

/// Tools whose effective mode needs `mode`'s credential, by name.
fn tools_needing(config: &Config, wanted: impl Fn(AuthMode) -> bool) -> Vec<&'static str> {
    let catalogue = Catalogue::standard();
    let policies = policies(config, &catalogue);
    catalogue
        .iter()
        .filter(|spec| wanted(policies.of(spec).mode))
        .map(|spec| spec.name)
        .collect()
}

fn check(name: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok,
        detail: detail.into(),
    }
}

async fn user_credential(config: &Config, parts: &AppParts) -> Check {
    if config.user_source == UserSourceSettings::None {
        let broken = tools_needing(config, |mode| mode == AuthMode::User);
        return if broken.is_empty() {
            check(
                "user_credential",
                true,
                "none configured; every tool runs with the service token",
            )
        } else {
            check(
                "user_credential",
                false,
                format!(
                    "none configured: set NEONPANEL_USER_JWT_URL, NEONPANEL_TOKEN_INTROSPECT_URL \
                     or NEONPANEL_TOKEN_EXCHANGE=rfc8693, or these tools fail for every \
                     caller: {}",
                    broken.join(", ")
                ),
            )
        };
    }
    let caller = Caller {
        principal: Arc::new(Principal {
            subject: Subject::new("neonpanel-mcp-check"),
            scopes: ScopeSet::default(),
            tenant: None,
            expires_at: u64::MAX,
            accounts: std::collections::BTreeSet::new(),
        }),
        access_token: Some(Secret::new(PROBE_TOKEN)),
    };
    let source = match &config.user_source {
        UserSourceSettings::UserJwtEndpoint(url) => format!("user-JWT endpoint {url}"),
        UserSourceSettings::Introspection(url) => format!("introspection endpoint {url}"),
        UserSourceSettings::TokenExchange => "token exchange (RFC 8693)".to_owned(),
        UserSourceSettings::Passthrough => "token passthrough".to_owned(),
        UserSourceSettings::None => String::new(),
    };
    match parts.users.user_credential(&caller).await {
        Err(CredentialError::Rejected) => check(
            "user_credential",
            true,
            format!("{source} answers: it refused a made-up token, as it should"),
        ),
        Ok(_) if config.user_source == UserSourceSettings::Passthrough => check(
            "user_credential",
            true,
            "token passthrough: inbound tokens are sent to NeonPanel (the MCP spec forbids this)",
        ),
        Ok(_) => check(
            "user_credential",
            false,
            format!("{source} accepted a made-up token; it must not"),
        ),
        Err(e) => check("user_credential", false, format!("{source}: {e}")),
    }
}

/// The service token, and with it one real API call (the first page of companies).
async fn service_token_and_api(config: &Config, parts: &AppParts) -> (Check, Check) {
    let api_url = &config.api_base;
    if !parts.service_tokens.is_configured() {
        let needing = tools_needing(config, |mode| mode == AuthMode::Iat);
        let token = if needing.is_empty() {
            check("service_token", true, "not configured; no tool needs it")
        } else {
            check(
                "service_token",
                false,
                format!(
                    "not configured: set NEONPANEL_CLIENT_ID, NEONPANEL_CLIENT_SECRET and \
                     NEONPANEL_OAUTH_TOKEN_URL, or these tools fail: {}",
                    needing.join(", ")
                ),
            )
        };
        // No token to call with: an anonymous call still proves the API answers.
        let api = match parts
            .api
            .list_companies(&Secret::new(PROBE_TOKEN), 1, PageSize::MIN)
            .await
        {
            Err(e) if matches!(e.status, 401 | 403) => check(
                "neonpanel_api",
                true,
                format!("{api_url} answers: HTTP {} without a valid token", e.status),
            ),
            Ok(_) => check("neonpanel_api", true, format!("{api_url} answers")),
            Err(e) => check("neonpanel_api", false, format!("{api_url}: {}", e.message)),
        };
        return (token, api);
    }
    let token = match parts.service_tokens.service_token().await {
        Ok(token) => token,
        Err(e) => {
            return (
                check("service_token", false, e.to_string()),
                check(
                    "neonpanel_api",
                    false,
                    format!("{api_url}: not called (no service token)"),
                ),
            );
        }
    };
    let api = match parts.api.list_companies(&token, 1, PageSize::MIN).await {
        Ok(page) => check(
            "neonpanel_api",
            true,
            format!(
                "{api_url} listed companies with the service token: {} on the first page",
                page.data.len()
            ),
        ),
        Err(e) => check(
            "neonpanel_api",
            false,
            format!("{api_url} answered HTTP {}: {}", e.status, e.message),
        ),
    };
    (check("service_token", true, "obtained"), api)
}

async fn redis(config: &Config) -> Option<Check> {
    let url = config.redis_url.as_ref()?;
    let result = async {
        let bus =
            neonpanel_mcp::startup::wiring::connect_redis(url, config.redis_ca_file.as_deref())
                .await
                .map_err(|e| e.to_string())?;
        bus.ping().await.map_err(|e| e.to_string())
    };
    Some(match result.await {
        Ok(()) => check("redis", true, "PONG"),
        Err(e) => check("redis", false, e),
    })
}

/// Runs every check and prints one line each.
///
/// # Errors
/// When the adapters cannot even be built from `config`.
pub(crate) async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    println!("configuration: ok");
    // Redis is checked on its own below, so that an unreachable one is one FAIL line among
    // the others instead of an error that hides them.
    let without_redis = Config {
        redis_url: None,
        ..config.clone()
    };
    let parts = AppParts::from_config(&without_redis).await?;
    let (probes, user, (token, api), redis) = tokio::join!(
        parts.probe.run(),
        user_credential(config, &parts),
        service_token_and_api(config, &parts),
        redis(config),
    );
    let jwks = probes.into_iter().filter(|c| c.name == "jwks");
    let checks: Vec<Check> = jwks.chain([token, api, user]).chain(redis).collect();
    for c in &checks {
        let status = if c.ok { "ok" } else { "FAIL" };
        println!("{}: {status} ({})", c.name, c.detail);
    }
    Ok(if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
