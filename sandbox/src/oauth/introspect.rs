//! The two ways docs/design.md §4 turns a user's access token into an API credential:
//! `POST /oauth2/user-jwt` (§4.1: bearer access token → user JWT) and
//! `POST /oauth2/introspect` (RFC 7662, with NeonPanel's `user_jwt` and `permissions` members).

use std::sync::Arc;

use salvo::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use salvo::prelude::*;
use serde_json::{Map, Value, json};

use super::super::State;
use super::super::keys::{Claims, USE_ACCESS, USE_USER_JWT};
use super::issue::{self, USER_JWT_TTL_SECS};
use super::{ClientIdentity, OAuthError, authenticate_client, form_fields, no_store};

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// RFC 6750 §3.1.
fn invalid_token(res: &mut Response, description: &str) {
    res.status_code(StatusCode::UNAUTHORIZED);
    res.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    no_store(res);
    res.render(Json(json!({
        "error": "invalid_token",
        "error_description": description,
    })));
}

pub(crate) struct UserJwt(pub Arc<State>);

#[async_trait]
impl Handler for UserJwt {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let state = &self.0;
        let header_token = bearer(req);
        let body_token = req
            .parse_json::<Value>()
            .await
            .ok()
            .and_then(|body| body.get("access_token")?.as_str().map(str::to_owned));
        let token = match (header_token, body_token) {
            (Some(a), Some(b)) if a != b => {
                return OAuthError::invalid_request(
                    "the bearer token and the body's access_token differ",
                )
                .render(res);
            }
            (Some(token), _) | (None, Some(token)) => token,
            (None, None) => return invalid_token(res, "an access token is required"),
        };
        let Some(claims) = state
            .keys
            .verify(&token)
            .filter(|c| c.token_use == USE_ACCESS)
        else {
            return invalid_token(res, "the access token is invalid or expired");
        };
        let Some(user) = state.data.user(&claims.sub) else {
            return invalid_token(res, "the access token does not belong to a user");
        };
        match issue::user_jwt(state, user, &state.api_audience, claims.scope.as_deref()) {
            Ok(jwt) => {
                no_store(res);
                res.render(Json(json!({
                    "user_jwt": jwt,
                    "token_type": "Bearer",
                    "expires_in": USER_JWT_TTL_SECS,
                })));
            }
            Err(e) => OAuthError::server_error(e.to_string()).render(res),
        }
    }
}

pub(crate) struct Introspect(pub Arc<State>);

#[async_trait]
impl Handler for Introspect {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let state = &self.0;
        let fields = form_fields(req).await;
        // RFC 7662 §2.1: the endpoint itself requires authorization; here, a confidential client.
        match authenticate_client(&state.oauth, req.headers(), &fields) {
            Ok(ClientIdentity::Confidential(_)) => {}
            Ok(_) => {
                return OAuthError::invalid_client("introspection needs client authentication")
                    .render(res);
            }
            Err(e) => return e.render(res),
        }
        let Some(token) = super::field(&fields, "token") else {
            return OAuthError::invalid_request("token is required").render(res);
        };
        let claims = state
            .keys
            .verify(token)
            .filter(|c| c.token_use == USE_ACCESS || c.token_use == USE_USER_JWT);
        no_store(res);
        match claims {
            // RFC 7662 §2.2: nothing else is said about an inactive token.
            None => res.render(Json(json!({ "active": false }))),
            Some(claims) => match describe(state, &claims) {
                Ok(document) => res.render(Json(document)),
                Err(e) => e.render(res),
            },
        }
    }
}

fn describe(state: &State, claims: &Claims) -> Result<Value, OAuthError> {
    let mut document = Map::new();
    let mut put = |key: &str, value: Value| {
        document.insert(key.to_owned(), value);
    };
    put("active", json!(true));
    put("sub", json!(claims.sub));
    put("scope", json!(claims.scope));
    put("exp", json!(claims.exp));
    put("iat", json!(claims.iat));
    put("nbf", json!(claims.nbf));
    put("iss", json!(claims.iss));
    put("aud", json!(claims.aud));
    put("client_id", json!(claims.client_id));
    put("token_type", json!("Bearer"));
    put("jti", json!(claims.jti));
    if let Some(user) = state.data.user(&claims.sub) {
        let jwt = issue::user_jwt(state, user, &state.api_audience, claims.scope.as_deref())
            .map_err(|e| OAuthError::server_error(e.to_string()))?;
        let permissions: Map<String, Value> = user
            .memberships
            .iter()
            .map(|(uuid, permissions)| (uuid.clone(), json!(permissions)))
            .collect();
        put("username", json!(user.email));
        put("tenant", json!(claims.tenant));
        put("user_jwt", json!(jwt));
        put("permissions", Value::Object(permissions));
    }
    Ok(Value::Object(document))
}
