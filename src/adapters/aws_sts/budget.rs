//! How many STS calls unknown tokens may cause: a token bucket (calls per second, with a burst)
//! and a bound on calls in flight. A flood of distinct bad tokens then costs at most
//! `burst + rate × seconds` STS calls, never one per request.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ports::Clock;

/// The limits (defaults: 10 calls a second, bursts of 20, 8 at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StsBudgetConfig {
    pub calls_per_second: u32,
    pub burst: u32,
    pub max_in_flight: usize,
}

impl Default for StsBudgetConfig {
    fn default() -> Self {
        Self {
            calls_per_second: 10,
            burst: 20,
            max_in_flight: 8,
        }
    }
}

struct Bucket {
    tokens: u64,
    refilled_at: u64,
}

pub(crate) struct StsBudget {
    config: StsBudgetConfig,
    bucket: Mutex<Bucket>,
    in_flight: Arc<Semaphore>,
    clock: Arc<dyn Clock>,
}

/// Leave to make one STS call; the in-flight slot is freed when it is dropped.
pub(crate) struct Permit {
    _slot: OwnedSemaphorePermit,
}

impl StsBudget {
    #[must_use]
    pub(crate) fn new(config: StsBudgetConfig, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now_unix();
        Self {
            bucket: Mutex::new(Bucket {
                tokens: u64::from(config.burst.max(1)),
                refilled_at: now,
            }),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            config,
            clock,
        }
    }

    /// A permit when both the rate and the in-flight bound allow one call now; `None`
    /// otherwise (the caller answers 503 + `Retry-After`, it does not queue).
    pub(crate) fn try_call(&self) -> Option<Permit> {
        let slot = Arc::clone(&self.in_flight).try_acquire_owned().ok()?;
        let now = self.clock.now_unix();
        // Never held across an await.
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_sub(bucket.refilled_at);
        if elapsed > 0 {
            let refill = elapsed.saturating_mul(u64::from(self.config.calls_per_second));
            bucket.tokens = bucket
                .tokens
                .saturating_add(refill)
                .min(u64::from(self.config.burst.max(1)));
            bucket.refilled_at = now;
        }
        if bucket.tokens == 0 {
            return None;
        }
        bucket.tokens -= 1;
        Some(Permit { _slot: slot })
    }
}
