//! The tokens the sandbox issues, all ES256 JWTs signed with its one key:
//! - access tokens (RFC 9068 shape): `sub` = user, `aud` = RFC 8707 resource or client id,
//!   `scope`, `tenant` (first company), `client_id`; 1 h;
//! - service tokens (client credentials): `sub` = client id, `gty` = `client-credentials`;
//! - user JWTs (docs/design.md §4.1): `aud` = the API audience, `companies`; 15 min;
//! - ID tokens (OIDC Core §2) when `openid` was granted.

use super::super::data::UserRecord;
use super::super::keys::{Claims, GTY_CLIENT_CREDENTIALS, USE_ACCESS, USE_ID, USE_USER_JWT};
use super::super::{SandboxError, State};

pub(crate) const ACCESS_TTL_SECS: u64 = 3600;
pub(crate) const USER_JWT_TTL_SECS: u64 = 900;

fn tenant(user: &UserRecord) -> Option<String> {
    user.memberships.first().map(|(uuid, _)| uuid.clone())
}

pub(crate) fn access_token(
    state: &State,
    user: &UserRecord,
    client_id: &str,
    audience: &str,
    scope: &str,
    ttl_secs: u64,
) -> Result<String, SandboxError> {
    let mut claims = Claims::new(&state.issuer, &user.id, audience, USE_ACCESS, ttl_secs);
    claims.scope = Some(scope.to_owned());
    claims.client_id = Some(client_id.to_owned());
    claims.tenant = tenant(user);
    state.keys.sign(&claims)
}

pub(crate) fn service_token(
    state: &State,
    client_id: &str,
    audience: &str,
    scope: &str,
) -> Result<String, SandboxError> {
    let mut claims = Claims::new(
        &state.issuer,
        client_id,
        audience,
        USE_ACCESS,
        ACCESS_TTL_SECS,
    );
    claims.scope = Some(scope.to_owned());
    claims.client_id = Some(client_id.to_owned());
    claims.gty = Some(GTY_CLIENT_CREDENTIALS.to_owned());
    state.keys.sign(&claims)
}

/// A permission-encoded credential for the API: its audience, the user's companies.
pub(crate) fn user_jwt(
    state: &State,
    user: &UserRecord,
    audience: &str,
    scope: Option<&str>,
) -> Result<String, SandboxError> {
    let mut claims = Claims::new(
        &state.issuer,
        &user.id,
        audience,
        USE_USER_JWT,
        USER_JWT_TTL_SECS,
    );
    claims.scope = scope.map(str::to_owned);
    claims.tenant = tenant(user);
    claims.companies = Some(user.company_uuids());
    state.keys.sign(&claims)
}

pub(crate) fn id_token(
    state: &State,
    user: &UserRecord,
    client_id: &str,
    nonce: Option<&str>,
) -> Result<String, SandboxError> {
    let mut claims = Claims::new(&state.issuer, &user.id, client_id, USE_ID, ACCESS_TTL_SECS);
    claims.nonce = nonce.map(str::to_owned);
    claims.name = Some(user.name.clone());
    claims.email = Some(user.email.clone());
    state.keys.sign(&claims)
}
