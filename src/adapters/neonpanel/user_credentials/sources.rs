//! One credential fetch from each source of docs/design.md §4, uncached.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::RequestedTokenType;
use crate::adapters::metrics::Endpoint;
use crate::adapters::neonpanel::oauth::{ClientAuth, json_answer, seconds, string_field};
use crate::adapters::outbound::{Outbound, OutboundRequest, RequestBody};
use crate::domain::error::CredentialError;
use crate::domain::policy::AccountPermissions;
use crate::domain::principal::Caller;
use crate::domain::secret::BearerToken;
use crate::ports::UserCredential;

/// A resolved [`super::UserSource`].
pub(super) enum Source {
    UserJwt {
        url: String,
    },
    Introspection {
        url: String,
        client: ClientAuth,
    },
    Exchange {
        url: String,
        client: ClientAuth,
        audience: Option<String>,
        scope: Option<String>,
        requested: RequestedTokenType,
    },
    Passthrough,
    None,
}

/// A fetched credential and, when the source said, when it expires (Unix seconds).
pub(super) struct Fetched {
    pub(super) credential: UserCredential,
    pub(super) expires_at: Option<u64>,
}

/// # Errors
/// [`CredentialError::Rejected`] when the source refuses the caller's token,
/// [`CredentialError::Unavailable`] when it cannot be reached or answers nonsense.
pub(super) async fn fetch(
    source: &Source,
    outbound: &Outbound,
    caller: &Caller,
    token: &BearerToken,
    now: u64,
) -> Result<Fetched, CredentialError> {
    let access_token = token.expose();
    match source {
        Source::UserJwt { url } => {
            let request = OutboundRequest::post(
                url.as_str(),
                RequestBody::Json(json!({ "access_token": access_token })),
            )
            .header("accept", "application/json")
            .header("authorization", format!("Bearer {access_token}"))
            .endpoint(Endpoint::UserJwt);
            let answer = json_answer(outbound.send(request).await, "the user-JWT endpoint")?;
            let jwt = string_field(&answer, &["user_jwt", "jwt", "token"])
                .ok_or_else(|| unavailable("the user-JWT endpoint answered without a user_jwt"))?;
            Ok(jwt_credential(jwt, &answer, now))
        }
        Source::Introspection { url, client } => {
            let form = vec![
                ("token".to_owned(), access_token.to_owned()),
                ("token_type_hint".to_owned(), "access_token".to_owned()),
            ];
            let request = client
                .form_post(url, form)
                .endpoint(Endpoint::Introspection);
            let answer = json_answer(outbound.send(request).await, "the introspection endpoint")?;
            introspected(&answer, caller, now)
        }
        Source::Exchange {
            url,
            client,
            audience,
            scope,
            requested,
        } => {
            let requested = match requested {
                RequestedTokenType::Jwt => "urn:ietf:params:oauth:token-type:jwt",
            };
            // RFC 8693 §2.1.
            let mut form: Vec<(String, String)> = [
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                ("subject_token", access_token),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:access_token",
                ),
                ("requested_token_type", requested),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            if let Some(audience) = audience {
                form.push(("audience".into(), audience.clone()));
            }
            if let Some(scope) = scope {
                form.push(("scope".into(), scope.clone()));
            }
            let request = client.form_post(url, form).endpoint(Endpoint::Token);
            let answer = json_answer(outbound.send(request).await, "the token-exchange endpoint")?;
            let token = string_field(&answer, &["access_token"]).ok_or_else(|| {
                unavailable("the token-exchange endpoint answered without an access_token")
            })?;
            Ok(jwt_credential(token, &answer, now))
        }
        Source::Passthrough => Ok(Fetched {
            credential: UserCredential::Jwt(token.clone()),
            expires_at: None,
        }),
        Source::None => Err(CredentialError::NotConfigured(super::NOT_CONFIGURED)),
    }
}

/// RFC 7662 §2.2 answer → credential.
fn introspected(answer: &Value, caller: &Caller, now: u64) -> Result<Fetched, CredentialError> {
    // §2.2: `active` is required; anything but true means the token must not be honoured.
    let active = match answer.get("active") {
        Some(Value::Bool(active)) => *active,
        Some(Value::String(text)) => text == "true",
        _ => false,
    };
    if !active {
        return Err(CredentialError::Rejected);
    }
    // The token was verified as this subject; an authorization server that says otherwise
    // is describing someone else, and their permissions must not be used.
    if let Some(sub) = answer.get("sub").and_then(Value::as_str)
        && sub != caller.principal.subject.as_str()
    {
        return Err(CredentialError::Rejected);
    }
    if let Some(jwt) = string_field(answer, &["user_jwt"]) {
        return Ok(jwt_credential(jwt, answer, now));
    }
    let permissions = answer
        .get("permissions")
        .and_then(account_permissions)
        .ok_or_else(|| {
            unavailable("the introspection answer has neither a user_jwt nor permissions")
        })?;
    Ok(Fetched {
        credential: UserCredential::Permissions(permissions),
        // §2.2 `exp`: the introspected token's expiry, which is what these permissions ride on.
        expires_at: seconds(answer.get("exp")),
    })
}

fn jwt_credential(token: &str, answer: &Value, now: u64) -> Fetched {
    Fetched {
        credential: UserCredential::Jwt(BearerToken::new(token)),
        expires_at: seconds(answer.get("expires_in")).map(|s| now.saturating_add(s)),
    }
}

/// `{"<company uuid>": ["perm", …]}` or `[{"company_uuid"|"account"|"uuid": …, "permissions":
/// […]}]`; `None` for any other shape.
fn account_permissions(value: &Value) -> Option<AccountPermissions> {
    let accounts = match value {
        Value::Object(map) => map
            .iter()
            .filter_map(|(account, granted)| {
                let granted = granted.get("permissions").unwrap_or(granted);
                Some((account.clone(), names(granted)?))
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| {
                let account = string_field(item, &["company_uuid", "account", "uuid"])?;
                Some((account.to_owned(), names(item.get("permissions")?)?))
            })
            .collect(),
        _ => return None,
    };
    Some(AccountPermissions { accounts })
}

fn names(value: &Value) -> Option<Vec<String>> {
    let items = value.as_array()?;
    Some(
        items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// The `exp` claim of a JWT credential, read without verification: the token came straight
/// from the configured source over TLS, and the claim only decides how long we keep it, never
/// what NeonPanel accepts.
pub(super) fn jwt_exp(credential: &UserCredential) -> Option<u64> {
    let UserCredential::Jwt(token) = credential else {
        return None;
    };
    let payload = token.expose().split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    seconds(claims.get("exp"))
}

fn unavailable(message: &str) -> CredentialError {
    CredentialError::Unavailable(message.to_owned())
}
