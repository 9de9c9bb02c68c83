//! The auth hoop: bearer token → [`Caller`] in the depot, or 401/403 with an RFC 6750
//! challenge that points at our RFC 9728 metadata. Rendered here, once, for every route.

use std::sync::Arc;

use salvo::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use salvo::prelude::*;
use serde_json::json;

use super::HttpState;
use super::limits::RateLimit;
use crate::domain::error::AuthError;
use crate::domain::principal::Caller;
use crate::domain::secret::Secret;

/// Tokens longer than this are refused before any parsing (a JWT is a few KiB at most).
const MAX_TOKEN_BYTES: usize = 8 * 1024;

pub struct AuthHoop {
    state: Arc<HttpState>,
    /// Anonymous and failed attempts count against the client IP (docs/design.md §2).
    rate: RateLimit,
    /// `resource_metadata` of the challenge for the route this hoop guards.
    metadata_url: String,
}

impl AuthHoop {
    #[must_use]
    pub fn new(state: &Arc<HttpState>, resource_path: &str, rate: RateLimit) -> Self {
        Self {
            state: Arc::clone(state),
            rate,
            metadata_url: state.settings.metadata_url(resource_path),
        }
    }

    fn challenge(&self, error: Option<(&str, &str)>, scope: &str) -> String {
        let mut header = String::from("Bearer ");
        if let Some((code, description)) = error {
            header.push_str(&format!(
                "error=\"{code}\", error_description=\"{description}\", "
            ));
        }
        header.push_str(&format!("resource_metadata=\"{}\"", self.metadata_url));
        if !scope.is_empty() {
            header.push_str(&format!(", scope=\"{scope}\""));
        }
        header
    }

    fn reject(
        &self,
        res: &mut Response,
        status: StatusCode,
        error: Option<(&str, &str)>,
        scope: &str,
    ) {
        let challenge = self.challenge(error, scope);
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        let (code, description) =
            error.unwrap_or(("invalid_request", "a bearer token is required"));
        res.status_code(status);
        res.render(Json(
            json!({ "error": code, "error_description": description }),
        ));
    }
}

impl AuthHoop {
    /// A 401 for an anonymous or failed attempt, unless its client IP is over the rate limit,
    /// which answers 429 instead: failed attempts must not be free (docs/design.md §2).
    fn deny(&self, req: &Request, depot: &Depot, res: &mut Response, error: Option<(&str, &str)>) {
        if !self.rate.refuse_if_over(req, depot, res) {
            let required = self.state.settings.required_scopes.to_string();
            self.reject(res, StatusCode::UNAUTHORIZED, error, &required);
        }
    }
}

/// Why a request's credentials cannot even be read.
enum Unreadable {
    /// More than one `Authorization` header: RFC 9110 §5.3 allows repeating a field only when
    /// it is a list, which `Authorization` is not, and a proxy that keeps the last where we
    /// would keep the first could make us act on a token it never checked. 400 (RFC 6750 §3.1
    /// `invalid_request`), like a strict proxy.
    Repeated,
    /// A header that is there but is not a usable bearer token: 401 `invalid_token`.
    Malformed(&'static str),
}

/// The bearer token of `Authorization`, when the header holds one (RFC 6750 §2.1; the
/// query-string form of §2.3 is deliberately not supported).
fn bearer(req: &Request) -> Result<Option<&str>, Unreadable> {
    let mut values = req.headers().get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Unreadable::Repeated);
    }
    bearer_text(value).map_err(Unreadable::Malformed)
}

fn bearer_text(value: &HeaderValue) -> Result<Option<&str>, &'static str> {
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not text")?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("expected `Authorization: Bearer <token>`")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("expected `Authorization: Bearer <token>`");
    }
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err("the token is too large");
    }
    Ok(Some(token))
}

#[async_trait]
impl Handler for AuthHoop {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        let token = match bearer(req) {
            Ok(Some(token)) => Secret::new(token),
            Ok(None) => {
                self.deny(req, depot, res, None);
                ctrl.skip_rest();
                return;
            }
            Err(Unreadable::Repeated) => {
                let required = self.state.settings.required_scopes.to_string();
                self.reject(
                    res,
                    StatusCode::BAD_REQUEST,
                    Some(("invalid_request", "send exactly one Authorization header")),
                    &required,
                );
                ctrl.skip_rest();
                return;
            }
            Err(Unreadable::Malformed(why)) => {
                self.deny(req, depot, res, Some(("invalid_token", why)));
                ctrl.skip_rest();
                return;
            }
        };
        let principal = match self.state.authenticator.authenticate(&token).await {
            Ok(principal) => principal,
            Err(AuthError::InvalidToken(why)) => {
                self.deny(req, depot, res, Some(("invalid_token", why)));
                ctrl.skip_rest();
                return;
            }
            Err(e @ (AuthError::Unavailable | AuthError::NotConfigured(_))) => {
                tracing::warn!(error = %e, "token verification unavailable");
                res.status_code(StatusCode::SERVICE_UNAVAILABLE);
                res.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("5"));
                res.render(Json(json!({
                    "error": "temporarily_unavailable",
                    "error_description": "token verification is unavailable; try again shortly",
                })));
                ctrl.skip_rest();
                return;
            }
        };
        let missing = principal
            .scopes
            .missing(&self.state.settings.required_scopes);
        if !missing.is_empty() {
            // RFC 6750 §3.1: insufficient_scope names the scope needed.
            self.reject(
                res,
                StatusCode::FORBIDDEN,
                Some(("insufficient_scope", "the token lacks a required scope")),
                &self.state.settings.required_scopes.to_string(),
            );
            ctrl.skip_rest();
            return;
        }
        depot.insert_typed(Caller {
            principal,
            access_token: token,
        });
        ctrl.call_next(req, depot, res).await;
    }
}

/// The caller the hoop put in the depot.
pub fn caller(depot: &Depot) -> Option<&Caller> {
    depot.get_typed::<Caller>().ok()
}
