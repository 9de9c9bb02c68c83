//! Client authentication at the token and introspection endpoints (RFC 6749 §2.3):
//! `client_secret_basic`, `client_secret_post`, or a bare `client_id` for public clients.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use salvo::http::HeaderMap;
use salvo::http::header::AUTHORIZATION;

use super::urls::form_decode;
use super::{Client, OAuthError, Store, digest, field};

/// Who is calling.
#[derive(Debug)]
pub(crate) enum ClientIdentity {
    /// A confidential client that proved its secret.
    Confidential(Client),
    /// A public client that named itself (it has no secret to prove).
    Public(Client),
    /// No client named at all.
    Anonymous,
}

impl ClientIdentity {
    pub(crate) fn client(&self) -> Option<&Client> {
        match self {
            Self::Confidential(client) | Self::Public(client) => Some(client),
            Self::Anonymous => None,
        }
    }
}

/// Identifies and authenticates the client of a request.
///
/// # Errors
/// `invalid_client` (401) for an unknown client, a wrong secret, or a confidential client
/// that did not authenticate; `invalid_request` when two methods are used at once
/// (RFC 6749 §2.3: the client must not use more than one).
pub(crate) fn authenticate_client(
    store: &Store,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Result<ClientIdentity, OAuthError> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, credentials) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| credentials.trim().to_owned())
        });
    let (id, secret) = match (basic, field(fields, "client_secret")) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not Basic and client_secret together",
            ));
        }
        (Some(credentials), None) => {
            let (id, secret) = decode_basic(&credentials)
                .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
            (id, Some(secret))
        }
        (None, Some(secret)) => {
            let id = field(fields, "client_id")
                .ok_or_else(|| OAuthError::invalid_client("client_secret without client_id"))?;
            (id.to_owned(), Some(secret.to_owned()))
        }
        (None, None) => match field(fields, "client_id") {
            Some(id) => (id.to_owned(), None),
            None => return Ok(ClientIdentity::Anonymous),
        },
    };
    let client = store
        .client(&id)
        .ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    if field(fields, "client_id").is_some_and(|named| named != id) {
        return Err(OAuthError::invalid_client(
            "client_id does not match the authenticated client",
        ));
    }
    match (&client.secret_digest, secret) {
        (Some(expected), Some(given)) if *expected == digest(&given) => {
            Ok(ClientIdentity::Confidential(client))
        }
        (Some(_), Some(_)) => Err(OAuthError::invalid_client("wrong client secret")),
        (Some(_), None) => Err(OAuthError::invalid_client(
            "this client must authenticate (client_secret_basic or client_secret_post)",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_client(
            "a public client has no secret to present",
        )),
        (None, None) => Ok(ClientIdentity::Public(client)),
    }
}

/// RFC 6749 §2.3.1: `base64(urlencode(id) ":" urlencode(secret))`.
fn decode_basic(credentials: &str) -> Option<(String, String)> {
    let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}
