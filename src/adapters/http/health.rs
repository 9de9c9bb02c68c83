//! `GET /healthz`: liveness for load balancers (503 while draining); `?deep=1` also checks the
//! dependencies, with results cached so the public cannot hammer upstream through it.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use salvo::prelude::*;
use serde_json::{Value, json};

use super::HttpState;

/// Deep results are reused for this long (docs/design.md §2: at least 10 s).
const DEEP_TTL: Duration = Duration::from_secs(10);

pub(super) struct Health {
    state: Arc<HttpState>,
    /// Last deep report and when it was made. The lock is never held across an await.
    deep: Mutex<Option<(Instant, bool, Value)>>,
}

impl Health {
    #[must_use]
    pub(super) fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
            deep: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<(bool, Value)> {
        let guard = self.deep.lock().ok()?;
        let (at, ok, report) = guard.as_ref()?;
        (at.elapsed() < DEEP_TTL).then(|| (*ok, report.clone()))
    }

    async fn deep_report(&self) -> (bool, Value) {
        if let Some(hit) = self.cached() {
            return hit;
        }
        let checks = self.state.probe.run().await;
        let ok = checks.iter().all(|c| c.ok);
        let report: Value = checks
            .iter()
            .map(|c| (c.name.to_owned(), json!({ "ok": c.ok, "detail": c.detail })))
            .collect::<serde_json::Map<_, _>>()
            .into();
        if let Ok(mut guard) = self.deep.lock() {
            *guard = Some((Instant::now(), ok, report.clone()));
        }
        (ok, report)
    }
}

#[async_trait]
impl Handler for Health {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let version = env!("CARGO_PKG_VERSION");
        if self.state.draining.load(Ordering::Relaxed) {
            res.status_code(StatusCode::SERVICE_UNAVAILABLE);
            res.render(Json(json!({ "status": "draining", "version": version })));
            return;
        }
        let deep = req
            .query::<String>("deep")
            .is_some_and(|v| v == "1" || v == "true");
        if !deep {
            res.render(Json(json!({ "status": "ok", "version": version })));
            return;
        }
        let (ok, checks) = self.deep_report().await;
        if !ok {
            res.status_code(StatusCode::SERVICE_UNAVAILABLE);
        }
        let status = if ok { "ok" } else { "degraded" };
        res.render(Json(
            json!({ "status": status, "version": version, "checks": checks }),
        ));
    }
}
