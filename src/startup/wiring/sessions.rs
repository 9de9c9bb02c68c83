//! Legacy SSE sessions and the fleet rate limit: in memory, or shared through Redis.

use std::path::Path;
use std::sync::Arc;

use super::StartupError;
use crate::adapters::rate_limit::RedisRateLimit;
use crate::adapters::sessions::{self, MemorySessionBus, RedisSessionBus};
use crate::domain::secret::Secret;
use crate::ports::{SessionBus, SharedRateLimit};
use crate::startup::config::{Config, RateLimitScope};

/// Where sessions live and, with `RATE_LIMIT_SCOPE=fleet`, where the rate limit counts.
pub(super) struct SessionParts {
    pub(super) bus: Arc<dyn SessionBus>,
    pub(super) shared_rate_limit: Option<Arc<dyn SharedRateLimit>>,
    /// The Redis connection, for the deep health check.
    pub(super) redis: Option<Arc<RedisSessionBus>>,
}

/// Connects to Redis when `REDIS_URL` is set; otherwise sessions stay in memory.
///
/// # Errors
/// As [`connect_redis`].
pub(super) async fn session_parts(config: &Config) -> Result<SessionParts, StartupError> {
    // Several instances share legacy SSE sessions through Redis (README, "Running in production").
    let redis = match &config.redis_url {
        Some(url) => Some(connect_redis(url, config.redis_ca_file.as_deref()).await?),
        None => None,
    };
    let shared_rate_limit = match (&redis, config.rate_limit_scope) {
        (Some(redis), RateLimitScope::Fleet) => Some(Arc::new(RedisRateLimit::new(
            redis.connection(),
            "neonpanel-mcp",
        )) as Arc<dyn SharedRateLimit>),
        _ => None,
    };
    let bus: Arc<dyn SessionBus> = match &redis {
        Some(redis) => Arc::clone(redis) as Arc<dyn SessionBus>,
        None => Arc::new(MemorySessionBus::new()),
    };
    Ok(SessionParts {
        bus,
        shared_rate_limit,
        redis,
    })
}

/// The Redis session bus, over TLS for `rediss://` (trusting `ca_file` when given).
pub async fn connect_redis(
    url: &Secret,
    ca_file: Option<&Path>,
) -> Result<Arc<RedisSessionBus>, StartupError> {
    let ca = match ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            StartupError::Adapter(format!(
                "REDIS_CA_FILE: cannot read {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let client = sessions::redis::client(url.expose(), ca.as_deref())
        .map_err(|e| StartupError::Adapter(format!("REDIS_URL: {e}")))?;
    RedisSessionBus::connect(client, "neonpanel-mcp")
        .await
        .map_err(|e| StartupError::Adapter(format!("REDIS_URL: {e}")))
}
