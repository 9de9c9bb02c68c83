//! Request limits (docs/design.md §2): Origin allow-list, per-subject rate limit, concurrency cap.
//!
//! Written here rather than taken from salvo's rate-limiter and concurrency-limiter because
//! the contract needs what those do not give: `Retry-After` on 429, a JSON-RPC error body on
//! the JSON-RPC routes, and a key that is the token subject (IP only for anonymous calls).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mini_moka::sync::Cache;
use salvo::http::HeaderValue;
use salvo::http::header::ORIGIN;
use salvo::prelude::*;
use serde_json::json;
use tokio::sync::Semaphore;

use super::auth::caller;
use crate::app::protocol::RpcError;
use crate::app::protocol::jsonrpc::error_response;

/// JSON-RPC "server error" code for refusals that are not about the message itself.
const SERVER_ERROR: i32 = -32000;

/// Renders a refusal: a JSON-RPC error on the JSON-RPC routes, a plain JSON error elsewhere.
pub fn refuse(req: &Request, res: &mut Response, status: StatusCode, message: &'static str) {
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
pub struct OriginGuard {
    allowed: Vec<String>,
}

impl OriginGuard {
    #[must_use]
    pub fn new(allowed: Vec<String>) -> Self {
        Self { allowed }
    }
}

#[async_trait]
impl Handler for OriginGuard {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        if let Some(origin) = req.headers().get(ORIGIN) {
            let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
            if !self.allowed.iter().any(|a| a == origin || a == "*") {
                tracing::info!(origin, "request from a disallowed Origin refused");
                refuse(req, res, StatusCode::FORBIDDEN, "Origin not allowed");
                ctrl.skip_rest();
                return;
            }
        }
        ctrl.call_next(req, depot, res).await;
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
#[derive(Clone)]
pub struct RateLimit {
    per_minute: u32,
    windows: Cache<String, Arc<Window>>,
    /// Take the client address from the last `X-Forwarded-For` entry (the one a load balancer
    /// such as an ALB appends); only behind such a proxy, as clients can forge the header.
    trust_forwarded_for: bool,
}

impl RateLimit {
    #[must_use]
    pub fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        let windows = Cache::builder()
            .max_capacity(100_000)
            .time_to_idle(Duration::from_secs(120))
            .build();
        Self {
            per_minute,
            windows,
            trust_forwarded_for,
        }
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

    /// Counts the request against its subject (or client IP when anonymous); when over the
    /// quota, renders the 429 and returns `true`.
    pub fn refuse_if_over(&self, req: &Request, depot: &Depot, res: &mut Response) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let key = match caller(depot) {
            Some(caller) => format!("sub:{}", caller.principal.subject),
            None => format!("ip:{}", self.client_ip(req)),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let Some(wait) = self.hit(key, now) else {
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
        if self.refuse_if_over(req, depot, res) {
            ctrl.skip_rest();
        }
    }
}

/// At most `max` requests in progress on the routes it guards; more get 503 + `Retry-After`
/// at once rather than queueing without bound.
#[derive(Clone)]
pub struct ConcurrencyLimit {
    permits: Arc<Semaphore>,
}

impl ConcurrencyLimit {
    #[must_use]
    pub fn new(max: usize) -> Self {
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
        let Ok(_permit) = self.permits.try_acquire() else {
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
        ctrl.call_next(req, depot, res).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
