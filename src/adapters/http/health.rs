//! `GET /healthz`: liveness for load balancers; 503 while draining.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use salvo::prelude::*;
use serde_json::json;

use super::HttpState;

pub struct Health {
    state: Arc<HttpState>,
}

impl Health {
    #[must_use]
    pub fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

#[async_trait]
impl Handler for Health {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        if self.state.draining.load(Ordering::Relaxed) {
            res.status_code(StatusCode::SERVICE_UNAVAILABLE);
            res.render(Json(
                json!({ "status": "draining", "version": env!("CARGO_PKG_VERSION") }),
            ));
        } else {
            res.render(Json(
                json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
            ));
        }
    }
}
