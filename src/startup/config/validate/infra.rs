//! Operational settings that depend on each other: Redis, the rate-limit scope, the metrics
//! listener.

use std::net::SocketAddr;

use super::super::flags::Settings;
use super::super::raw::present;
use super::super::settings::RateLimitScope;
use crate::domain::secret::Secret;

impl Settings {
    /// `METRICS_ADDR` as a socket address of its own: sharing the public one would publish the
    /// metrics (or fail to bind).
    pub(super) fn metrics_addr(
        &self,
        listen: SocketAddr,
        errors: &mut Vec<String>,
    ) -> Option<SocketAddr> {
        let text = present(self.metrics_addr.as_ref())?;
        match text.parse::<SocketAddr>() {
            Ok(addr) if addr.port() != 0 && addr.port() == listen.port() => {
                errors.push(format!(
                    "METRICS_ADDR: {addr} uses the public port {}; give metrics a port of their own",
                    listen.port()
                ));
                None
            }
            Ok(addr) => Some(addr),
            Err(_) => {
                errors.push(format!(
                    "METRICS_ADDR: expected IP:port such as 127.0.0.1:9464, got {text:?}"
                ));
                None
            }
        }
    }

    /// REDIS_URL, REDIS_CA_FILE and RATE_LIMIT_SCOPE, which depend on each other.
    pub(super) fn redis_checks(&self, errors: &mut Vec<String>) -> RateLimitScope {
        let url = self
            .redis_url
            .as_ref()
            .filter(|url| !url.is_empty())
            .map(Secret::expose);
        // The URL may hold a password: name the problem, never echo the value.
        let tls = url.is_some_and(|u| u.starts_with("rediss://"));
        if url.is_some_and(|u| !u.starts_with("redis://") && !tls) {
            errors.push("REDIS_URL: must be a redis:// or rediss:// (TLS) URL".into());
        }
        if present(self.redis_ca_file.as_ref()).is_some() && !tls {
            errors.push("REDIS_CA_FILE: only applies to a rediss:// REDIS_URL".into());
        }
        match present(self.rate_limit_scope.as_ref()) {
            None | Some("local") => RateLimitScope::Local,
            Some("fleet") if url.is_some() => RateLimitScope::Fleet,
            Some("fleet") => {
                errors.push("RATE_LIMIT_SCOPE: fleet needs REDIS_URL (the shared count)".into());
                RateLimitScope::Local
            }
            Some(other) => {
                errors.push(format!(
                    "RATE_LIMIT_SCOPE: expected local or fleet, got {other:?}"
                ));
                RateLimitScope::Local
            }
        }
    }
}
