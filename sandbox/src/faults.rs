//! Fault injection for tests and scripts: a fault matching a request's path prefix delays it,
//! then (with a `status`) answers in place of the real handler, for `times` requests or until
//! cleared. Also reachable over HTTP: `POST /__sandbox/faults` (a JSON [`Fault`]) and
//! `DELETE /__sandbox/faults`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use salvo::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One injected fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Matches every request whose path starts with this (`/api/v1/companies`).
    pub path_prefix: String,
    /// Answered with `{"message":"injected fault"}`; `None` only delays the real answer.
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub latency_ms: u64,
    /// How many requests it hits; `None` = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

/// Handle on the sandbox's active faults; clones share them.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    active: Arc<Mutex<Vec<Fault>>>,
}

impl Faults {
    /// Adds `fault`; earlier faults win when several match.
    pub fn inject(&self, fault: Fault) {
        if fault.times == Some(0) {
            return;
        }
        self.lock().push(fault);
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault that hits a request for `path`, counting the hit.
    fn hit(&self, path: &str) -> Option<Fault> {
        let mut active = self.lock();
        let index = active
            .iter()
            .position(|f| path.starts_with(f.path_prefix.as_str()))?;
        let fault = active.get_mut(index)?;
        let hit = fault.clone();
        match &mut fault.times {
            Some(1) => {
                active.remove(index);
            }
            Some(left) => *left -= 1,
            None => {}
        }
        Some(hit)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // A panic while holding the lock cannot leave the list half-edited.
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The hoop in front of the OAuth and API routes.
pub(crate) struct FaultHoop {
    pub faults: Faults,
}

#[async_trait]
impl Handler for FaultHoop {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        let Some(fault) = self.faults.hit(req.uri().path()) else {
            return;
        };
        if fault.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
        }
        if let Some(status) = fault.status {
            res.status_code(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            res.render(Json(json!({ "message": "injected fault" })));
            ctrl.skip_rest();
        }
    }
}

/// `POST /__sandbox/faults` adds one, `DELETE /__sandbox/faults` clears them all.
pub(crate) struct FaultAdmin {
    pub faults: Faults,
}

#[async_trait]
impl Handler for FaultAdmin {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        if req.method() == salvo::http::Method::DELETE {
            self.faults.clear();
            res.status_code(StatusCode::NO_CONTENT);
            return;
        }
        match req.parse_json::<Fault>().await {
            Ok(fault) => {
                self.faults.inject(fault.clone());
                res.status_code(StatusCode::CREATED);
                res.render(Json(fault));
            }
            Err(e) => {
                res.status_code(StatusCode::BAD_REQUEST);
                res.render(Json(json!({ "message": format!("invalid fault: {e}") })));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(prefix: &str, times: Option<u32>) -> Fault {
        Fault {
            path_prefix: prefix.into(),
            status: Some(503),
            latency_ms: 0,
            times,
        }
    }

    #[test]
    fn a_counted_fault_hits_that_many_matching_requests_then_disappears() {
        // Arrange
        let faults = Faults::default();
        faults.inject(fault("/api/v1", Some(2)));

        // Act
        let hits: Vec<bool> = [
            "/api/v1/companies",
            "/oauth2/token",
            "/api/v1/x",
            "/api/v1/y",
        ]
        .into_iter()
        .map(|path| faults.hit(path).is_some())
        .collect();

        // Assert
        assert_eq!(hits, [true, false, true, false]);
    }

    #[test]
    fn an_uncounted_fault_stays_until_cleared() {
        let faults = Faults::default();
        faults.inject(fault("/", None));
        assert!((0..10).all(|_| faults.hit("/anything").is_some()));
        faults.clear();
        assert!(faults.hit("/anything").is_none());
    }
}
