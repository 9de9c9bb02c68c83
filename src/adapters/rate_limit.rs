//! `SharedRateLimit` in Redis: GCRA (generic cell rate algorithm) in one Lua script, so a
//! request costs one round trip (`EVALSHA`, the script cached by Redis) and instances never
//! race on a read-then-write.
//!
//! GCRA keeps one number per key, the "theoretical arrival time" (TAT): each request pushes it
//! `60 s / per_minute` later, and a request is refused while the TAT would run more than one
//! minute ahead of now. A full minute's quota may come as a burst; after that requests are
//! let through at the steady rate. Time is Redis's own (`TIME`), so the instances' clocks may
//! disagree. Keys are `<prefix>:rate:<sha-256 of the subject>` with a TTL of at most a minute:
//! subjects may be email addresses, which do not belong in Redis key names.

use std::fmt::Write as _;
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::ports::{RateLimitError, SharedRateLimit};

/// KEYS[1]: the key's TAT; ARGV: microseconds per request, then the burst tolerance (µs).
/// Returns 0 when allowed, otherwise the microseconds to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local next_tat = tat + interval
local ahead = next_tat - now
if ahead > tolerance then return ahead - tolerance end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.max(1, math.ceil(ahead / 1000)))
return 0
";

/// A rate check must not hold a request for long: past this, the local count decides.
const TIMEOUT: Duration = Duration::from_millis(250);

pub(crate) struct RedisRateLimit {
    redis: ConnectionManager,
    prefix: String,
    script: Script,
}

impl RedisRateLimit {
    #[must_use]
    pub(crate) fn new(redis: ConnectionManager, key_prefix: &str) -> Self {
        Self {
            redis,
            prefix: key_prefix.to_owned(),
            script: Script::new(GCRA),
        }
    }

    /// `<prefix>:rate:<first 128 bits of SHA-256(key), hex>`.
    fn key(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        let mut name = format!("{}:rate:", self.prefix);
        for byte in digest.iter().take(16) {
            let _ = write!(name, "{byte:02x}");
        }
        name
    }
}

#[async_trait::async_trait]
impl SharedRateLimit for RedisRateLimit {
    async fn hit(&self, key: &str, per_minute: u32) -> Result<Option<u64>, RateLimitError> {
        let per_minute = u64::from(per_minute.max(1));
        // At least 1 µs: a limit above 60 million a minute would round the interval to 0.
        let interval = (60_000_000 / per_minute).max(1);
        let tolerance = interval * per_minute;
        let mut invocation = self.script.key(self.key(key));
        invocation.arg(interval).arg(tolerance);
        let mut redis = self.redis.clone();
        let wait_us: u64 = tokio::time::timeout(TIMEOUT, invocation.invoke_async(&mut redis))
            .await
            .map_err(|_| RateLimitError::Unavailable("redis: timed out".into()))?
            .map_err(|e| RateLimitError::Unavailable(format!("redis: {}", e.category())))?;
        // Whole seconds for Retry-After, never 0 when refused.
        Ok((wait_us > 0).then(|| wait_us.div_ceil(1_000_000).max(1)))
    }
}

#[cfg(test)]
mod tests;
