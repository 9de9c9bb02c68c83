//! `HealthProbe` over the real dependencies: the issuer's JWKS and the service token.

use std::sync::Arc;

use crate::adapters::outbound::{Outbound, OutboundRequest};
use crate::adapters::sessions::RedisSessionBus;
use crate::domain::error::CredentialError;
use crate::ports::{Check, HealthProbe, ServiceTokens};

pub(crate) struct UpstreamProbe {
    outbound: Outbound,
    jwks_uri: String,
    service_tokens: Arc<dyn ServiceTokens>,
    redis: Option<Arc<RedisSessionBus>>,
}

impl UpstreamProbe {
    #[must_use]
    pub(crate) fn new(
        outbound: Outbound,
        jwks_uri: String,
        service_tokens: Arc<dyn ServiceTokens>,
        redis: Option<Arc<RedisSessionBus>>,
    ) -> Self {
        Self {
            outbound,
            jwks_uri,
            service_tokens,
            redis,
        }
    }

    async fn redis(&self, bus: &RedisSessionBus) -> Check {
        let (ok, detail) = match bus.ping().await {
            Ok(()) => (true, "PONG".to_owned()),
            Err(e) => (false, e.to_string()),
        };
        Check {
            name: "redis",
            ok,
            detail,
        }
    }

    async fn jwks(&self) -> Check {
        let (ok, detail) = match self
            .outbound
            .send(OutboundRequest::get(&self.jwks_uri))
            .await
        {
            Ok(response) if response.status == 200 => {
                let keys = serde_json::from_slice::<serde_json::Value>(&response.body)
                    .ok()
                    .and_then(|v| v.get("keys").and_then(|k| k.as_array()).map(Vec::len))
                    .unwrap_or(0);
                (keys > 0, format!("{keys} signing key(s)"))
            }
            Ok(response) => (false, format!("HTTP {}", response.status)),
            Err(e) => (false, e.to_string()),
        };
        Check {
            name: "jwks",
            ok,
            detail,
        }
    }

    async fn service_token(&self) -> Check {
        let (ok, detail) = match self.service_tokens.service_token().await {
            Ok(_) => (true, "obtained".to_owned()),
            Err(CredentialError::NotConfigured(_)) => (true, "not configured (skipped)".to_owned()),
            Err(e) => (false, e.to_string()),
        };
        Check {
            name: "service_token",
            ok,
            detail,
        }
    }
}

#[async_trait::async_trait]
impl HealthProbe for UpstreamProbe {
    async fn run(&self) -> Vec<Check> {
        let (jwks, token) = tokio::join!(self.jwks(), self.service_token());
        let mut checks = vec![jwks, token];
        if let Some(bus) = &self.redis {
            checks.push(self.redis(bus).await);
        }
        checks
    }
}
