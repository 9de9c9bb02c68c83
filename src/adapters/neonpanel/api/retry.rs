//! When a failed `GET` is tried again (docs/design.md §5).
//!
//! Only when the request cannot have had an effect or NeonPanel says "later": connect errors,
//! 502, 503, 504 and 429. A whole-call timeout is not retried: the call already spent the full
//! `NEONPANEL_HTTP_TIMEOUT_MS`, and two more would outlast the MCP client's own deadline. A
//! `Retry-After` longer than [`MAX_RETRY_AFTER`] is obeyed by giving up at once (the caller
//! sees `rate_limited` with `retry_after` in `details`) rather than by retrying before the
//! server allows it.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::ApiConfig;
use crate::adapters::outbound::{OutboundError, OutboundResponse};

/// The longest `Retry-After` waited for, and the longest backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// How long to wait before retrying `result`, or `None` when it is final.
pub(super) fn retry_delay(
    result: &Result<OutboundResponse, OutboundError>,
    retries_done: u32,
    config: &ApiConfig,
) -> Option<Duration> {
    if retries_done >= config.max_retries {
        return None;
    }
    let retry_after = match result {
        Err(OutboundError::Connect(_)) => None,
        Ok(response) if matches!(response.status, 429 | 502 | 503 | 504) => response.retry_after,
        _ => return None,
    };
    match retry_after.map(Duration::from_secs) {
        // RFC 9110 §10.2.3: retrying sooner than asked would only earn another 429.
        Some(wait) if wait > MAX_RETRY_AFTER => None,
        Some(wait) => Some(wait),
        None => Some(backoff(config.backoff_base, retries_done)),
    }
}

/// `base · 2^n`, with "equal jitter" (half fixed, half random) so that callers who failed
/// together do not retry together.
fn backoff(base: Duration, retries_done: u32) -> Duration {
    let full = base
        .saturating_mul(2_u32.saturating_pow(retries_done))
        .min(MAX_RETRY_AFTER);
    // RandomState keys are random per thread and change per instance: enough for jitter,
    // without a random-number crate.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let fraction = (random % 1_000) as f64 / 1_000.0;
    full / 2 + (full / 2).mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_retry_with_at_most_half_of_it_random() {
        let base = Duration::from_millis(100);
        for (retries, full) in [(0, 100), (1, 200), (2, 400)] {
            let delay = backoff(base, retries);
            assert!(
                delay >= Duration::from_millis(full / 2),
                "{retries}: {delay:?}"
            );
            assert!(delay <= Duration::from_millis(full), "{retries}: {delay:?}");
        }
    }
}
