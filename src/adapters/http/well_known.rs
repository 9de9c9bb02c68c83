//! RFC 9728 protected-resource metadata, at the root and path-inserted locations.

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::json;

use super::HttpState;
use crate::domain::resource::sse_resource_of;

/// Serves the metadata document of one resource path (`/mcp`, `/sse`, or the root).
pub(super) struct ProtectedResource {
    state: Arc<HttpState>,
    resource_path: &'static str,
}

#[async_trait]
impl Handler for ProtectedResource {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let settings = &self.state.settings;
        // RFC 9728 §3.3: `resource` must equal the identifier the well-known URL was built
        // from, so the SSE document names the SSE URL (also an accepted audience by default);
        // the root names the canonical URL.
        let resource = match self.resource_path {
            "/sse" => sse_resource_of(&settings.resource_url),
            _ => settings.resource_url.clone(),
        };
        res.render(Json(json!({
            "resource": resource,
            "authorization_servers": [settings.issuer],
            "scopes_supported": settings.scopes_supported.iter().collect::<Vec<_>>(),
            "bearer_methods_supported": ["header"],
            "resource_name": "NeonPanel MCP",
            "resource_documentation": "https://neonpanel.com",
        })));
    }
}

pub(super) fn routes(state: &Arc<HttpState>) -> Router {
    let document = |resource_path| ProtectedResource {
        state: Arc::clone(state),
        resource_path,
    };
    Router::with_path(".well-known/oauth-protected-resource")
        .get(document(""))
        .push(Router::with_path("mcp").get(document("/mcp")))
        .push(Router::with_path("sse").get(document("/sse")))
}

/// Mirror of the issuer's RFC 8414 metadata on our origin, for 2025-03-26-era clients.
pub(super) struct AuthorizationServer {
    state: Arc<HttpState>,
}

impl AuthorizationServer {
    #[must_use]
    pub(super) fn new(state: &Arc<HttpState>) -> Self {
        Self {
            state: Arc::clone(state),
        }
    }
}

#[async_trait]
impl Handler for AuthorizationServer {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        match self.state.issuer_metadata.metadata().await {
            Ok(doc) => res.render(Json(doc)),
            Err(why) => {
                res.status_code(StatusCode::BAD_GATEWAY);
                res.render(Json(
                    json!({ "error": "temporarily_unavailable", "error_description": why }),
                ));
            }
        }
    }
}
