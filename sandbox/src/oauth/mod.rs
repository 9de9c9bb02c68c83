//! The sandbox's authorization server: discovery (RFC 8414 / OIDC), JWKS, open dynamic client
//! registration (RFC 7591), the authorization endpoint with PKCE and a consent page, the token
//! endpoint (authorization_code, refresh_token, client_credentials, RFC 8693 token exchange),
//! and the user-JWT and introspection endpoints of docs/design.md §4.
//!
//! Invariants: authorization codes are single-use and bound to client, redirect URI and PKCE
//! challenge; refresh tokens rotate (the old one dies on use); client secrets are stored only
//! as SHA-256 digests.

mod authorize;
mod client_auth;
mod discovery;
mod introspect;
pub(crate) mod issue;
mod register;
mod token;
pub(crate) mod urls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use salvo::http::header::{CACHE_CONTROL, HeaderValue, PRAGMA, WWW_AUTHENTICATE};
use salvo::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::State;

pub(crate) use client_auth::{ClientIdentity, authenticate_client};

/// Scopes the sandbox knows; requests are narrowed to these (RFC 6749 §3.3).
pub(crate) const SUPPORTED_SCOPES: &[&str] = &["openid", "neonpanel:read", "neonpanel:plan"];
pub(crate) const DEFAULT_SCOPE: &str = "openid neonpanel:read";
pub(crate) const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// A registered client.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub id: String,
    /// SHA-256 of the secret; `None` for a public client (`token_endpoint_auth_method=none`).
    pub secret_digest: Option<[u8; 32]>,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
}

/// What an authorization code stands for until it is redeemed.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    /// RFC 6749 §4.1.3: the token request must repeat `redirect_uri` iff the authorization
    /// request carried it.
    pub redirect_uri_given: bool,
    pub user_id: String,
    pub scope: String,
    pub resource: Option<String>,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub expires_at: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub resource: Option<String>,
}

/// Clients, outstanding codes and live refresh tokens.
#[derive(Default)]
pub(crate) struct Store {
    clients: Mutex<HashMap<String, Client>>,
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single map operation: a poisoned map is still consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// An unguessable opaque value (244 random bits) for codes, secrets and refresh tokens.
pub(crate) fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Store {
    pub(crate) fn add_client(&self, client: Client) {
        locked(&self.clients).insert(client.id.clone(), client);
    }

    pub(crate) fn client(&self, id: &str) -> Option<Client> {
        locked(&self.clients).get(id).cloned()
    }

    pub(crate) fn add_code(&self, code: String, grant: CodeGrant) {
        locked(&self.codes).insert(code, grant);
    }

    /// Removes the code whatever happens next: a code is good for one attempt (RFC 6749 §4.1.2).
    pub(crate) fn take_code(&self, code: &str) -> Option<CodeGrant> {
        locked(&self.codes).remove(code)
    }

    pub(crate) fn add_refresh_token(&self, token: String, grant: RefreshGrant) {
        locked(&self.refresh_tokens).insert(token, grant);
    }

    /// Removes the refresh token: rotation (OAuth 2.1 §4.3.1) makes every one single-use.
    pub(crate) fn take_refresh_token(&self, token: &str) -> Option<RefreshGrant> {
        locked(&self.refresh_tokens).remove(token)
    }
}

/// An RFC 6749 §5.2 error answer.
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }
    pub(crate) fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }
    pub(crate) fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_target", description)
    }
    pub(crate) fn with_error(mut self, error: &'static str) -> Self {
        self.error = error;
        self
    }
    pub(crate) fn server_error(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            description,
        )
    }

    pub(crate) fn render(self, res: &mut Response) {
        res.status_code(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
            res.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"neonpanel-sandbox\""),
            );
        }
        no_store(res);
        res.render(Json(json!({
            "error": self.error,
            "error_description": self.description,
        })));
    }
}

/// RFC 6749 §5.1: token responses must not be cached.
pub(crate) fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The first value of every field of an urlencoded (or multipart) body.
pub(crate) async fn form_fields(req: &mut Request) -> HashMap<String, String> {
    match req.form_data().await {
        Ok(form) => form
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Err(_) => HashMap::new(),
    }
}

/// A field, treating an empty value as absent (RFC 6749 §3.1).
pub(crate) fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// The requested scopes the sandbox knows, in its canonical order; the default when none is
/// left (RFC 6749 §3.3 lets the server narrow the request; the response reports the result).
pub(crate) fn grant_scope(requested: Option<&str>) -> String {
    let requested: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
    let granted: Vec<&str> = SUPPORTED_SCOPES
        .iter()
        .copied()
        .filter(|s| requested.contains(s))
        .collect();
    if granted.is_empty() {
        DEFAULT_SCOPE.to_owned()
    } else {
        granted.join(" ")
    }
}

pub(crate) fn routes(state: &Arc<State>) -> Router {
    let s = || Arc::clone(state);
    Router::new()
        .push(Router::with_path(".well-known/openid-configuration").get(discovery::Metadata(s())))
        .push(
            Router::with_path(".well-known/oauth-authorization-server")
                .get(discovery::Metadata(s())),
        )
        .push(
            Router::with_path("oauth2")
                .push(Router::with_path("jwks").get(discovery::Jwks(s())))
                .push(Router::with_path("register").post(register::Register(s())))
                .push(
                    Router::with_path("authorize")
                        .get(authorize::Authorize(s()))
                        .push(Router::with_path("approve").post(authorize::Approve(s()))),
                )
                .push(Router::with_path("token").post(token::Token(s())))
                .push(Router::with_path("user-jwt").post(introspect::UserJwt(s())))
                .push(Router::with_path("introspect").post(introspect::Introspect(s()))),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_scopes_are_narrowed_to_the_supported_ones_with_a_default() {
        assert_eq!(grant_scope(None), DEFAULT_SCOPE);
        assert_eq!(grant_scope(Some("email profile")), DEFAULT_SCOPE);
        assert_eq!(
            grant_scope(Some("neonpanel:plan offline_access openid")),
            "openid neonpanel:plan"
        );
    }
}
