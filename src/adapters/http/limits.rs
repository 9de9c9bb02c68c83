//! Request limits (docs/design.md §2): Origin allow-list, per-subject rate limit, concurrency cap.
//!
//! Written here rather than taken from salvo's rate-limiter and concurrency-limiter because
//! the contract needs what those do not give: `Retry-After` on 429, a JSON-RPC error body on
//! the JSON-RPC routes, and a key that is the token subject (IP only for anonymous calls).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use foldhash::fast::RandomState;
use mini_moka::sync::Cache;
use salvo::http::HeaderValue;
use salvo::http::header::ORIGIN;
use salvo::prelude::*;
use serde_json::json;
use tokio::sync::Semaphore;

use super::caller::CallerDepotExt;
use crate::ports::SharedRateLimit;
use crate::protocol::RpcError;
use crate::protocol::jsonrpc::error_response;

/// JSON-RPC "server error" code for refusals that are not about the message itself.
const SERVER_ERROR: i32 = -32000;

/// Renders a refusal: a JSON-RPC error on the JSON-RPC routes, a plain JSON error elsewhere.
pub(super) fn refuse(req: &Request, res: &mut Response, status: StatusCode, message: &'static str) {
    res.status_code(status);
    let path = req.uri().path();
    if path.starts_with("/mcp") || path.starts_with("/messages") {
        res.render(Text::Json(
            error_response(None, &RpcError::new(SERVER_ERROR, message)).to_string(),
        ));
    } else {
        res.render(Json(json!({ "error": message })));
    }
}

/// 403 for a browser `Origin` that is not allowed (DNS-rebinding defence, MCP transport spec).
/// Requests without `Origin` (servers, agents, curl) pass.
pub(super) struct OriginGuard {
    allowed: Vec<String>,
    /// On a loopback listener, local tools (the MCP Inspector, IDE extensions) call from
    /// `http://localhost:<any port>`; only a page on this machine can carry such an Origin.
    loopback_origins: bool,
}

impl OriginGuard {
    #[must_use]
    pub(super) fn new(allowed: Vec<String>, loopback_origins: bool) -> Self {
        Self {
            allowed,
            loopback_origins,
        }
    }
}

#[async_trait]
impl Handler for OriginGuard {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        if let Some(origin) = req.headers().get(ORIGIN) {
            let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
            let loopback = self.loopback_origins && super::rebinding::is_loopback_origin(origin);
            if !loopback && !self.allowed.iter().any(|a| a == origin || a == "*") {
                tracing::info!(origin, "request from a disallowed Origin refused");
                refuse(req, res, StatusCode::FORBIDDEN, "Origin not allowed");
                ctrl.skip_rest();
            }
        }
    }
}

/// One fixed one-minute window of one key.
#[derive(Default)]
struct Window {
    minute: AtomicU64,
    count: AtomicU32,
}

/// Fixed-window limit of `per_minute` requests per token subject, or per client IP when the
/// request carries no verified token. Shared by every route it guards.
///
/// With a [`SharedRateLimit`] (`RATE_LIMIT_SCOPE=fleet`) the route hoop counts in the shared
/// store instead, so the quota holds for the whole fleet; while that store fails, the local
/// window counts (for [`FALLBACK_FOR`] after each failure, so a dead Redis costs one timeout
/// per interval rather than one per request). The auth hoop's count of failed attempts stays
/// local: it guards this instance's verifier.
#[derive(Clone)]
pub(crate) struct RateLimit {
    per_minute: u32,
    windows: Cache<String, Arc<Window>, RandomState>,
    /// Take the client address from the last `X-Forwarded-For` entry (the one a load balancer
    /// such as an ALB appends); only behind such a proxy, as clients can forge the header.
    trust_forwarded_for: bool,
    shared: Option<Arc<dyn SharedRateLimit>>,
    /// Unix second until which the shared store is skipped, and of the last warning about it.
    shared_down_until: Arc<AtomicU64>,
    last_warning: Arc<AtomicU64>,
}

/// How long the local window counts alone after the shared store failed.
const FALLBACK_FOR: u64 = 5;
/// At most one warning about the shared store per this many seconds.
const WARN_EVERY: u64 = 60;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RateLimit {
    #[must_use]
    pub(crate) fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        let windows = Cache::builder()
            .max_capacity(100_000)
            .time_to_idle(Duration::from_secs(120))
            .build_with_hasher(RandomState::default());
        Self {
            per_minute,
            windows,
            trust_forwarded_for,
            shared: None,
            shared_down_until: Arc::new(AtomicU64::new(0)),
            last_warning: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts in `shared` (fleet-wide) when given.
    #[must_use]
    pub(crate) fn with_shared(mut self, shared: Option<Arc<dyn SharedRateLimit>>) -> Self {
        self.shared = shared;
        self
    }

    fn client_ip(&self, req: &Request) -> String {
        let forwarded = self
            .trust_forwarded_for
            .then(|| {
                req.headers()
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
            })
            .flatten()
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        match forwarded {
            Some(ip) => ip.to_owned(),
            None => req
                .remote_addr()
                .clone()
                .into_std()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
        }
    }

    fn key(&self, req: &Request, depot: &Depot) -> String {
        match depot.caller() {
            Some(caller) => format!("sub:{}", caller.principal.subject),
            None => format!("ip:{}", self.client_ip(req)),
        }
    }

    /// Counts the request against its subject (or client IP when anonymous) on this instance;
    /// when over the quota, renders the 429 and returns `true`.
    pub(crate) fn refuse_if_over(&self, req: &Request, depot: &Depot, res: &mut Response) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let wait = self.hit(self.key(req, depot), unix_now());
        Self::render(req, res, wait)
    }

    /// As [`RateLimit::refuse_if_over`], counted for the whole fleet when a shared store is
    /// configured and answering.
    pub(crate) async fn refuse_if_over_fleet(
        &self,
        req: &Request,
        depot: &Depot,
        res: &mut Response,
    ) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let key = self.key(req, depot);
        let wait = self.hit_fleet(key, unix_now()).await;
        Self::render(req, res, wait)
    }

    async fn hit_fleet(&self, key: String, now: u64) -> Option<u64> {
        let Some(shared) = self
            .shared
            .as_ref()
            .filter(|_| self.shared_down_until.load(Ordering::Relaxed) <= now)
        else {
            return self.hit(key, now);
        };
        match shared.hit(&key, self.per_minute).await {
            Ok(wait) => wait,
            Err(e) => {
                self.shared_down_until
                    .store(now + FALLBACK_FOR, Ordering::Relaxed);
                let last = self.last_warning.load(Ordering::Relaxed);
                if now >= last + WARN_EVERY
                    && self
                        .last_warning
                        .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                        .is_ok()
                {
                    tracing::warn!(error = %e, "fleet rate limit unavailable; counting locally");
                }
                self.hit(key, now)
            }
        }
    }

    fn render(req: &Request, res: &mut Response, wait: Option<u64>) -> bool {
        let Some(wait) = wait else {
            return false;
        };
        res.headers_mut()
            .insert("retry-after", HeaderValue::from(wait));
        refuse(
            req,
            res,
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded; retry later",
        );
        true
    }

    /// Counts one request for `key` at `now`; `Some(seconds)` to wait when over the limit.
    fn hit(&self, key: String, now: u64) -> Option<u64> {
        let window = self.windows.get(&key).unwrap_or_else(|| {
            let fresh = Arc::new(Window::default());
            self.windows.insert(key, Arc::clone(&fresh));
            fresh
        });
        let minute = now / 60;
        if window.minute.swap(minute, Ordering::AcqRel) != minute {
            window.count.store(0, Ordering::Release);
        }
        let count = window.count.fetch_add(1, Ordering::AcqRel) + 1;
        (count > self.per_minute).then(|| 60 - now % 60)
    }
}

#[async_trait]
impl Handler for RateLimit {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        if self.refuse_if_over_fleet(req, depot, res).await {
            ctrl.skip_rest();
        }
    }
}

/// At most `max` requests in progress on the routes it guards; more get 503 + `Retry-After`
/// at once rather than queueing without bound.
#[derive(Clone)]
pub(super) struct ConcurrencyLimit {
    permits: Arc<Semaphore>,
}

impl ConcurrencyLimit {
    #[must_use]
    pub(super) fn new(max: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max.max(1))),
        }
    }
}

#[async_trait]
impl Handler for ConcurrencyLimit {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            res.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            refuse(
                req,
                res,
                StatusCode::SERVICE_UNAVAILABLE,
                "Server busy; retry shortly",
            );
            ctrl.skip_rest();
            return;
        };
        // Held until salvo drops the depot, after the last handler: salvo runs the rest of
        // the chain once this hoop returns, and this hoop's future is gone while it waits.
        depot.insert_typed(permit);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::ports::RateLimitError;

    /// A shared store that is down, counting how often it was asked.
    #[derive(Default)]
    struct DownStore {
        calls: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl SharedRateLimit for DownStore {
        async fn hit(&self, _key: &str, _per_minute: u32) -> Result<Option<u64>, RateLimitError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Err(RateLimitError::Unavailable(
                "redis: connection refused".into(),
            ))
        }
    }

    /// A shared store that refuses everything with a 7 s wait.
    struct FullStore;

    #[async_trait::async_trait]
    impl SharedRateLimit for FullStore {
        async fn hit(&self, _key: &str, _per_minute: u32) -> Result<Option<u64>, RateLimitError> {
            Ok(Some(7))
        }
    }

    #[tokio::test]
    async fn fleet_limit_decides_while_its_store_answers() {
        let limit = RateLimit::new(3, false).with_shared(Some(Arc::new(FullStore)));
        assert_eq!(limit.hit_fleet("sub:a".into(), 1_000_020).await, Some(7));
    }

    #[tokio::test]
    async fn fleet_limit_with_its_store_down_counts_locally_and_skips_the_store_for_a_while() {
        // Arrange
        let store = Arc::new(DownStore::default());
        let shared: Arc<dyn SharedRateLimit> = store.clone();
        let limit = RateLimit::new(3, false).with_shared(Some(shared));
        let now = 60 * 16_667 + 20;

        // Act
        let mut answers = Vec::new();
        for _ in 0..4 {
            answers.push(limit.hit_fleet("sub:a".into(), now).await);
        }

        // Assert: the local quota applies; the store was tried once, then left alone.
        assert_eq!(answers, [None, None, None, Some(40)]);
        assert_eq!(store.calls.load(Ordering::SeqCst), 1);
        limit.hit_fleet("sub:b".into(), now + FALLBACK_FOR).await;
        assert_eq!(
            store.calls.load(Ordering::SeqCst),
            2,
            "tried again after the pause"
        );
    }

    #[test]
    fn rate_limit_allows_the_quota_then_says_how_long_to_wait() {
        let limit = RateLimit::new(3, false);
        let now = 60 * 16_667 + 20; // 20 s into a minute
        for _ in 0..3 {
            assert_eq!(limit.hit("sub:a".into(), now), None);
        }
        assert_eq!(limit.hit("sub:a".into(), now), Some(40));
        assert_eq!(limit.hit("sub:b".into(), now), None, "keys are independent");
        assert_eq!(
            limit.hit("sub:a".into(), now + 40),
            None,
            "a new minute resets the window"
        );
    }
}
