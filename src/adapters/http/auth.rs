//! The auth hoop: finds the request's credential proof, has the [`Authenticator`] port verify
//! it into a [`Caller`] for the depot, or refuses (rendered by [`super::challenge`]).
//!
//! [`Authenticator`]: crate::ports::Authenticator

use std::sync::Arc;

use salvo::http::header::{AUTHORIZATION, HeaderValue};
use salvo::prelude::*;

use super::HttpState;
use super::caller::CallerDepotExt;
use super::challenge::{Challenger, Refusal};
use super::limits::RateLimit;
use crate::domain::principal::Caller;
use crate::domain::proof::Proof;
use crate::domain::secret::Secret;

/// Tokens longer than this are refused before any parsing (a JWT is a few KiB at most).
const MAX_TOKEN_BYTES: usize = 8 * 1024;

pub(crate) struct AuthHoop {
    state: Arc<HttpState>,
    /// Anonymous and failed attempts count against the client IP (docs/design.md §2).
    rate: RateLimit,
    /// Renders this route's refusals.
    challenger: Challenger,
}

impl AuthHoop {
    #[must_use]
    pub(crate) fn new(state: &Arc<HttpState>, resource_path: &str, rate: RateLimit) -> Self {
        let settings = &state.settings;
        Self {
            state: Arc::clone(state),
            rate,
            challenger: Challenger::new(
                settings.metadata_url(resource_path),
                settings.required_scopes.to_string(),
            ),
        }
    }

    /// Renders `refusal`; a failed attempt whose client IP is over the rate limit answers 429
    /// instead: failed attempts must not be free (docs/design.md §2).
    fn refuse(&self, req: &Request, depot: &Depot, res: &mut Response, refusal: Refusal) {
        if refusal.is_failed_attempt() && self.rate.refuse_if_over(req, depot, res) {
            return;
        }
        self.challenger.render(refusal, res);
    }

    /// The caller `proof` proves, with every scope each call needs.
    async fn verify(&self, proof: &Proof) -> Result<Caller, Refusal> {
        let caller = self
            .state
            .authenticator
            .authenticate(proof)
            .await
            .map_err(|e| {
                let refusal = Refusal::from(&e);
                if refusal == Refusal::Unavailable {
                    tracing::warn!(error = %e, scheme = proof.scheme(), "token verification unavailable");
                }
                refusal
            })?;
        let missing = caller
            .principal
            .scopes
            .missing(&self.state.settings.required_scopes);
        if missing.is_empty() {
            Ok(caller)
        } else {
            Err(Refusal::InsufficientScope)
        }
    }
}

/// The credential proof of the request: the bearer token of `Authorization` (RFC 6750 §2.1;
/// the query-string form of §2.3 is deliberately not supported).
///
/// More than one `Authorization` header is refused as [`Refusal::Repeated`]: RFC 9110 §5.3
/// allows repeating a field only when it is a list, which `Authorization` is not, and a proxy
/// that keeps the last where we would keep the first could make us act on a token it never
/// checked.
fn proof(req: &Request) -> Result<Proof, Refusal> {
    let mut values = req.headers().get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Refusal::Missing);
    };
    if values.next().is_some() {
        return Err(Refusal::Repeated);
    }
    bearer_text(value)?
        .map(|token| Proof::Bearer(Secret::new(token)))
        .ok_or(Refusal::Missing)
}

fn bearer_text(value: &HeaderValue) -> Result<Option<&str>, Refusal> {
    let malformed = Refusal::InvalidToken;
    let value = value
        .to_str()
        .map_err(|_| malformed("the Authorization header is not text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(malformed("expected `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(malformed("expected `Authorization: Bearer <token>`"));
    }
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("the token is too large"));
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
        let verified = match proof(req) {
            Ok(proof) => self.verify(&proof).await,
            Err(refusal) => Err(refusal),
        };
        match verified {
            Ok(caller) => {
                depot.set_caller(caller);
            }
            Err(refusal) => {
                self.refuse(req, depot, res, refusal);
                ctrl.skip_rest();
            }
        }
    }
}
