//! Every answer of the auth hoop that refuses a request, rendered here and only here: status,
//! RFC 6750 §3 `WWW-Authenticate` challenge (text from [`crate::domain::challenge`]) and JSON
//! body. Descriptions are fixed strings: a refusal never echoes the credential it refuses.

use salvo::http::header::{HeaderValue, WWW_AUTHENTICATE};
use salvo::prelude::*;
use serde_json::json;

use crate::domain::challenge::{self, ChallengeError};
use crate::domain::error::AuthError;

/// Seconds a client is asked to wait when the credential cannot be checked right now.
const UNAVAILABLE_RETRY_AFTER: &str = "5";

/// Why the auth hoop refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No credential at all: 401 with a bare challenge that says where to get one (RFC 9728).
    Missing,
    /// More than one `Authorization` header: 400 `invalid_request` (RFC 6750 §3.1).
    Repeated,
    /// A credential that cannot be read or is not valid: 401 `invalid_token`.
    InvalidToken(&'static str),
    /// A valid credential without a scope every call needs: 403 `insufficient_scope`.
    InsufficientScope,
    /// A genuine credential whose holder has no access here: 403 `access_denied`, no challenge
    /// (signing in again or with more scopes would not help).
    Forbidden(&'static str),
    /// The credential cannot be checked right now: 503 + `Retry-After`.
    Unavailable,
}

impl Refusal {
    /// Whether this refusal is a failed attempt that the client IP's rate limit counts
    /// (docs/design.md §2): guessing must not be free.
    #[must_use]
    pub(super) fn is_failed_attempt(self) -> bool {
        matches!(
            self,
            Self::Missing | Self::InvalidToken(_) | Self::Forbidden(_)
        )
    }
}

impl From<&AuthError> for Refusal {
    fn from(error: &AuthError) -> Self {
        match error {
            AuthError::InvalidToken(why) => Self::InvalidToken(why),
            AuthError::Forbidden(why) => Self::Forbidden(why),
            AuthError::Unavailable | AuthError::NotConfigured(_) => Self::Unavailable,
        }
    }
}

/// Renders refusals for one route: its metadata URL and the scopes every call needs.
pub(super) struct Challenger {
    /// `resource_metadata` of the route's challenges (RFC 9728 §5.1).
    metadata_url: String,
    required_scopes: String,
}

impl Challenger {
    #[must_use]
    pub(super) fn new(metadata_url: String, required_scopes: String) -> Self {
        Self {
            metadata_url,
            required_scopes,
        }
    }

    /// Writes `refusal` to `res`: status, challenge and JSON body.
    pub(super) fn render(&self, refusal: Refusal, res: &mut Response) {
        let (status, error) = match refusal {
            Refusal::Missing => (StatusCode::UNAUTHORIZED, None),
            Refusal::Repeated => (
                StatusCode::BAD_REQUEST,
                Some(error(
                    "invalid_request",
                    "send exactly one Authorization header",
                )),
            ),
            Refusal::InvalidToken(why) => {
                (StatusCode::UNAUTHORIZED, Some(error("invalid_token", why)))
            }
            // RFC 6750 §3.1: insufficient_scope names the scope needed.
            Refusal::InsufficientScope => (
                StatusCode::FORBIDDEN,
                Some(error(
                    "insufficient_scope",
                    "the token lacks a required scope",
                )),
            ),
            Refusal::Forbidden(why) => {
                return body(res, StatusCode::FORBIDDEN, "access_denied", why);
            }
            Refusal::Unavailable => {
                res.headers_mut().insert(
                    "retry-after",
                    HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER),
                );
                return body(
                    res,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "token verification is unavailable; try again shortly",
                );
            }
        };
        let header = challenge::refusal(error, &self.metadata_url, &self.required_scopes);
        if let Ok(value) = HeaderValue::from_str(&header) {
            res.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        let ChallengeError { code, description } = error.unwrap_or(ChallengeError {
            code: "invalid_request",
            description: "a bearer token is required",
        });
        body(res, status, code, description);
    }
}

const fn error(code: &'static str, description: &'static str) -> ChallengeError {
    ChallengeError { code, description }
}

fn body(res: &mut Response, status: StatusCode, code: &str, description: &str) {
    res.status_code(status);
    res.render(Json(
        json!({ "error": code, "error_description": description }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp";

    fn rendered(refusal: Refusal) -> (u16, Option<String>, Option<String>) {
        let mut res = Response::new();
        Challenger::new(METADATA.into(), "neonpanel:read".into()).render(refusal, &mut res);
        let header = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        (
            res.status_code.map_or(0, |s| s.as_u16()),
            header("www-authenticate"),
            header("retry-after"),
        )
    }

    #[test]
    fn each_refusal_has_its_status_and_challenge() {
        let bare = format!("Bearer resource_metadata=\"{METADATA}\", scope=\"neonpanel:read\"");
        let with = |code: &str, description: &str| {
            format!(
                "Bearer error=\"{code}\", error_description=\"{description}\", \
                 resource_metadata=\"{METADATA}\", scope=\"neonpanel:read\""
            )
        };
        let table = [
            (Refusal::Missing, 401, Some(bare), None),
            (
                Refusal::Repeated,
                400,
                Some(with(
                    "invalid_request",
                    "send exactly one Authorization header",
                )),
                None,
            ),
            (
                Refusal::InvalidToken("token expired"),
                401,
                Some(with("invalid_token", "token expired")),
                None,
            ),
            (
                Refusal::InsufficientScope,
                403,
                Some(with(
                    "insufficient_scope",
                    "the token lacks a required scope",
                )),
                None,
            ),
            (
                Refusal::Forbidden("no NeonPanel account is mapped"),
                403,
                None,
                None,
            ),
            (Refusal::Unavailable, 503, None, Some("5".to_owned())),
        ];
        for (refusal, status, challenge, retry_after) in table {
            assert_eq!(
                rendered(refusal),
                (status, challenge, retry_after),
                "{refusal:?}"
            );
        }
    }

    #[test]
    fn auth_errors_map_to_their_refusals() {
        let table = [
            (AuthError::InvalidToken("bad"), Refusal::InvalidToken("bad")),
            (
                AuthError::Forbidden("unmapped"),
                Refusal::Forbidden("unmapped"),
            ),
            (AuthError::Unavailable, Refusal::Unavailable),
            (AuthError::NotConfigured("none"), Refusal::Unavailable),
        ];
        for (error, refusal) in table {
            assert_eq!(Refusal::from(&error), refusal);
        }
    }
}
