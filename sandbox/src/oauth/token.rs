//! `POST /oauth2/token` (RFC 6749 §3.2): authorization_code with PKCE (RFC 7636 §4.6),
//! refresh_token with rotation, client_credentials (confidential clients only, §4.4) and
//! token exchange (RFC 8693), which turns an access token the sandbox issued into a user JWT.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use salvo::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::super::keys::{USE_ACCESS, now_secs};
use super::super::{SandboxError, State};
use super::issue::{self, ACCESS_TTL_SECS, USER_JWT_TTL_SECS};
use super::{
    ClientIdentity, GRANT_TOKEN_EXCHANGE, OAuthError, RefreshGrant, authenticate_client, field,
    form_fields, grant_scope, random_token,
};

const TOKEN_TYPE_ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

type Fields = HashMap<String, String>;

pub(crate) struct Token(pub Arc<State>);

#[async_trait]
impl Handler for Token {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let fields = form_fields(req).await;
        let state = &self.0;
        let answer = authenticate_client(&state.oauth, req.headers(), &fields).and_then(|who| {
            match field(&fields, "grant_type") {
                Some("authorization_code") => authorization_code(state, &who, &fields),
                Some("refresh_token") => refresh_token(state, &who, &fields),
                Some("client_credentials") => client_credentials(state, &who, &fields),
                Some(GRANT_TOKEN_EXCHANGE) => token_exchange(state, &who, &fields),
                Some(other) => Err(OAuthError::invalid_request(format!(
                    "grant_type {other:?} is not supported"
                ))
                .with_error("unsupported_grant_type")),
                None => Err(OAuthError::invalid_request("grant_type is required")),
            }
        });
        match answer {
            Ok(body) => {
                super::no_store(res);
                res.render(Json(body));
            }
            Err(e) => e.render(res),
        }
    }
}

fn internal(e: SandboxError) -> OAuthError {
    OAuthError::server_error(e.to_string())
}

fn required<'a>(fields: &'a Fields, name: &str) -> Result<&'a str, OAuthError> {
    field(fields, name).ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
}

/// A scope request may only narrow what was granted (RFC 6749 §6).
fn narrow(requested: Option<&str>, granted: &str) -> Result<String, OAuthError> {
    let Some(requested) = requested else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split_whitespace().collect();
    let wanted: Vec<&str> = requested.split_whitespace().collect();
    if let Some(extra) = wanted.iter().find(|s| !granted.contains(s)) {
        return Err(
            OAuthError::invalid_request(format!("scope {extra:?} was not granted"))
                .with_error("invalid_scope"),
        );
    }
    Ok(wanted.join(" "))
}

/// RFC 7636 §4.1: 43–128 unreserved characters; §4.6: S256 must reproduce the challenge.
fn pkce_ok(verifier: &str, challenge: &str) -> bool {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(unreserved)
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

fn authorization_code(
    state: &State,
    who: &ClientIdentity,
    fields: &Fields,
) -> Result<Value, OAuthError> {
    let client = who
        .client()
        .ok_or_else(|| OAuthError::invalid_client("client_id is required"))?;
    let code = required(fields, "code")?;
    let grant = state
        .oauth
        .take_code(code)
        .ok_or_else(|| OAuthError::invalid_grant("unknown or already used code"))?;
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if grant.expires_at < now_secs() {
        return Err(OAuthError::invalid_grant("the code has expired"));
    }
    match field(fields, "redirect_uri") {
        Some(uri) if uri != grant.redirect_uri => {
            return Err(OAuthError::invalid_grant("redirect_uri does not match"));
        }
        None if grant.redirect_uri_given => {
            return Err(OAuthError::invalid_grant("redirect_uri is required"));
        }
        _ => {}
    }
    let verifier = required(fields, "code_verifier")?;
    if !pkce_ok(verifier, &grant.code_challenge) {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the challenge",
        ));
    }
    let resource = match (grant.resource, field(fields, "resource")) {
        (Some(bound), Some(asked)) if bound != asked => {
            return Err(OAuthError::invalid_target(
                "resource differs from the authorization",
            ));
        }
        (bound, asked) => bound.or(asked.map(str::to_owned)),
    };
    let user = state
        .data
        .user(&grant.user_id)
        .ok_or_else(|| OAuthError::invalid_grant("unknown user"))?;
    let audience = resource.clone().unwrap_or_else(|| client.id.clone());
    let access = issue::access_token(
        state,
        user,
        &client.id,
        &audience,
        &grant.scope,
        ACCESS_TTL_SECS,
    )
    .map_err(internal)?;
    let mut body = Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    put("access_token", json!(access));
    put("token_type", json!("Bearer"));
    put("expires_in", json!(ACCESS_TTL_SECS));
    put("scope", json!(grant.scope));
    if client.grant_types.iter().any(|g| g == "refresh_token") {
        let refresh = random_token();
        state.oauth.add_refresh_token(
            refresh.clone(),
            RefreshGrant {
                client_id: client.id.clone(),
                user_id: user.id.clone(),
                scope: grant.scope.clone(),
                resource,
            },
        );
        put("refresh_token", json!(refresh));
    }
    if grant.scope.split_whitespace().any(|s| s == "openid") {
        let id_token =
            issue::id_token(state, user, &client.id, grant.nonce.as_deref()).map_err(internal)?;
        put("id_token", json!(id_token));
    }
    Ok(Value::Object(body))
}

fn refresh_token(
    state: &State,
    who: &ClientIdentity,
    fields: &Fields,
) -> Result<Value, OAuthError> {
    let client = who
        .client()
        .ok_or_else(|| OAuthError::invalid_client("client_id is required"))?;
    let presented = required(fields, "refresh_token")?;
    let grant = state
        .oauth
        .take_refresh_token(presented)
        .ok_or_else(|| OAuthError::invalid_grant("unknown or already used refresh token"))?;
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the refresh token belongs to another client",
        ));
    }
    let scope = narrow(field(fields, "scope"), &grant.scope)?;
    let user = state
        .data
        .user(&grant.user_id)
        .ok_or_else(|| OAuthError::invalid_grant("unknown user"))?;
    let audience = grant.resource.clone().unwrap_or_else(|| client.id.clone());
    let access = issue::access_token(state, user, &client.id, &audience, &scope, ACCESS_TTL_SECS)
        .map_err(internal)?;
    // Rotation: the presented token is gone; the new one keeps the original grant's scope.
    let rotated = random_token();
    state.oauth.add_refresh_token(rotated.clone(), grant);
    Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TTL_SECS,
        "refresh_token": rotated,
        "scope": scope,
    }))
}

/// The client must be confidential: RFC 6749 §4.4 and RFC 8693 §2.1 both need it here.
fn confidential<'a>(who: &'a ClientIdentity, grant: &str) -> Result<&'a super::Client, OAuthError> {
    match who {
        ClientIdentity::Confidential(client) => Ok(client),
        ClientIdentity::Public(_) => Err(OAuthError::unauthorized_client(format!(
            "{grant} needs a confidential client"
        ))),
        ClientIdentity::Anonymous => Err(OAuthError::invalid_client(
            "client authentication is required",
        )),
    }
}

fn client_credentials(
    state: &State,
    who: &ClientIdentity,
    fields: &Fields,
) -> Result<Value, OAuthError> {
    let client = confidential(who, "client_credentials")?;
    if !client.grant_types.iter().any(|g| g == "client_credentials") {
        return Err(OAuthError::unauthorized_client(
            "client_credentials is not registered",
        ));
    }
    let audience = field(fields, "audience")
        .or_else(|| field(fields, "resource"))
        .unwrap_or(&state.api_audience);
    let scope = grant_scope(field(fields, "scope"));
    let token = issue::service_token(state, &client.id, audience, &scope).map_err(internal)?;
    Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TTL_SECS,
        "scope": scope,
    }))
}

fn token_exchange(
    state: &State,
    who: &ClientIdentity,
    fields: &Fields,
) -> Result<Value, OAuthError> {
    confidential(who, "token exchange")?;
    let subject = required(fields, "subject_token")?;
    let subject_type = required(fields, "subject_token_type")?;
    if subject_type != TOKEN_TYPE_ACCESS && subject_type != TOKEN_TYPE_JWT {
        return Err(OAuthError::invalid_request(
            "subject_token_type must be an access token",
        ));
    }
    let issued_type = match field(fields, "requested_token_type") {
        None | Some(TOKEN_TYPE_JWT) => TOKEN_TYPE_JWT,
        Some(TOKEN_TYPE_ACCESS) => TOKEN_TYPE_ACCESS,
        Some(other) => {
            return Err(OAuthError::invalid_request(format!(
                "requested_token_type {other:?} is not supported"
            )));
        }
    };
    let claims = state
        .keys
        .verify(subject)
        .filter(|c| c.token_use == USE_ACCESS)
        .ok_or_else(|| OAuthError::invalid_grant("subject_token is invalid or expired"))?;
    let user = state
        .data
        .user(&claims.sub)
        .ok_or_else(|| OAuthError::invalid_grant("subject_token does not name a user"))?;
    let scope = narrow(
        field(fields, "scope"),
        claims.scope.as_deref().unwrap_or(""),
    )?;
    let audience = field(fields, "audience")
        .or_else(|| field(fields, "resource"))
        .unwrap_or(&state.api_audience);
    let token = issue::user_jwt(state, user, audience, Some(&scope)).map_err(internal)?;
    Ok(json!({
        "access_token": token,
        "issued_token_type": issued_type,
        "token_type": "Bearer",
        "expires_in": USER_JWT_TTL_SECS,
        "scope": scope,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_accepts_only_the_verifier_of_the_challenge() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_ok(verifier, challenge));
        assert!(!pkce_ok(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
        assert!(!pkce_ok("short", challenge));
    }

    #[test]
    fn a_scope_request_may_narrow_but_never_widen_the_grant() {
        assert_eq!(
            narrow(None, "openid neonpanel:read").unwrap(),
            "openid neonpanel:read"
        );
        assert_eq!(
            narrow(Some("neonpanel:read"), "openid neonpanel:read").unwrap(),
            "neonpanel:read"
        );
        assert!(narrow(Some("neonpanel:plan"), "openid neonpanel:read").is_err());
    }
}
