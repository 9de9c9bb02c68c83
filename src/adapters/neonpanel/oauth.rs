//! OAuth 2.0 plumbing shared by the service token, token introspection and token exchange:
//! client authentication (RFC 6749 §2.3.1) and reading authorization-server answers
//! (RFC 6749 §5.1 success, §5.2 error).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::truncate_chars;
use crate::adapters::outbound::{OutboundError, OutboundRequest, OutboundResponse, RequestBody};
use crate::domain::error::CredentialError;
use crate::domain::secret::Secret;

/// How this server authenticates itself at a token, introspection or exchange endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ClientAuthMethod {
    /// `client_secret_post`: `client_id` and `client_secret` as form fields.
    #[default]
    Post,
    /// `client_secret_basic`: HTTP Basic with the form-urlencoded id and secret.
    Basic,
}

/// This server's client credentials at one authorization server.
#[derive(Clone, Debug)]
pub(super) struct ClientAuth {
    client_id: String,
    client_secret: Secret,
    method: ClientAuthMethod,
}

impl ClientAuth {
    pub(super) fn new(client_id: String, client_secret: Secret, method: ClientAuthMethod) -> Self {
        Self {
            client_id,
            client_secret,
            method,
        }
    }

    /// A form `POST` of `fields` to `url`, authenticated as this client.
    pub(super) fn form_post(&self, url: &str, fields: Vec<(String, String)>) -> OutboundRequest {
        let mut fields = fields;
        let mut basic = None;
        match self.method {
            ClientAuthMethod::Post => {
                fields.push(("client_id".into(), self.client_id.clone()));
                fields.push((
                    "client_secret".into(),
                    self.client_secret.expose().to_owned(),
                ));
            }
            ClientAuthMethod::Basic => {
                // RFC 6749 §2.3.1: id and secret are form-urlencoded *before* base64, so a
                // ':' or '%' in either survives the round trip.
                let pair = format!(
                    "{}:{}",
                    form_urlencode(&self.client_id),
                    form_urlencode(self.client_secret.expose())
                );
                basic = Some(format!("Basic {}", STANDARD.encode(pair)));
            }
        }
        let request = OutboundRequest::post(url, RequestBody::Form(fields))
            .header("accept", "application/json");
        match basic {
            Some(value) => request.header("authorization", value),
            None => request,
        }
    }
}

/// `application/x-www-form-urlencoded` serialisation of one value (WHATWG URL §5.2).
pub(super) fn form_urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The JSON object of a successful answer from an authorization-server endpoint.
///
/// # Errors
/// [`CredentialError::Rejected`] for an RFC 6749 §5.2 error (`invalid_client`, `invalid_grant`,
/// …) or a bare 401/403; [`CredentialError::Unavailable`] for transport failures, 5xx,
/// `temporarily_unavailable`, rate limiting and bodies that are not a JSON object.
pub(super) fn json_answer(
    result: Result<OutboundResponse, OutboundError>,
    endpoint: &'static str,
) -> Result<Value, CredentialError> {
    let response = result.map_err(|e| CredentialError::Unavailable(format!("{endpoint}: {e}")))?;
    let body = serde_json::from_slice::<Value>(&response.body).ok();
    if (200..300).contains(&response.status) {
        return match body {
            Some(value @ Value::Object(_)) => Ok(value),
            _ => Err(CredentialError::Unavailable(format!(
                "{endpoint} answered with a body that is not a JSON object"
            ))),
        };
    }
    let oauth_error = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .and_then(Value::as_str);
    let status = response.status;
    let rejected = match oauth_error {
        // RFC 6749 §5.2 / §4.1.2.1: these two say "try again later", not "no".
        Some("temporarily_unavailable" | "server_error") => false,
        Some(_) => (400..500).contains(&status) && !matches!(status, 404 | 408 | 429),
        None => matches!(status, 401 | 403),
    };
    if rejected {
        // The error code is the authorization server's, never a credential: safe to log.
        tracing::debug!(
            endpoint,
            status,
            oauth_error = %truncate_chars(oauth_error.unwrap_or(""), 64),
            "authorization server rejected the request"
        );
        Err(CredentialError::Rejected)
    } else {
        Err(CredentialError::Unavailable(format!(
            "{endpoint} answered HTTP {status}"
        )))
    }
}

/// The first of `names` that holds a non-empty string.
pub(super) fn string_field<'a>(body: &'a Value, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|name| body.get(*name).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
}

/// A lifetime or instant in whole seconds, sent as an integer, a float or a numeric string.
// The cast below only sees finite, non-negative floats under 1e15, so it cannot wrap.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(super) fn seconds(value: Option<&Value>) -> Option<u64> {
    let number = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (number.is_finite() && (0.0..1.0e15).contains(&number)).then_some(number as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_urlencode_escapes_reserved_characters_and_spaces() {
        assert_eq!(form_urlencode("a b:c%d/é"), "a+b%3Ac%25d%2F%C3%A9");
        assert_eq!(form_urlencode("Az09*-._"), "Az09*-._");
    }

    #[test]
    fn seconds_accepts_integers_floats_and_numeric_strings_only() {
        let table = [
            (serde_json::json!(3600), Some(3600)),
            (serde_json::json!(3600.7), Some(3600)),
            (serde_json::json!(" 60 "), Some(60)),
            (serde_json::json!(-5), None),
            (serde_json::json!("soon"), None),
            (serde_json::json!(null), None),
        ];
        for (value, expected) in table {
            assert_eq!(seconds(Some(&value)), expected, "{value}");
        }
    }

    #[test]
    fn oauth_error_bodies_are_rejections_and_server_trouble_is_unavailability() {
        let answer = |status: u16, body: &str| {
            json_answer(
                Ok(OutboundResponse {
                    status,
                    retry_after: None,
                    location: None,
                    body: body.as_bytes().to_vec(),
                }),
                "token endpoint",
            )
        };
        assert_eq!(
            answer(401, r#"{"error":"invalid_client"}"#),
            Err(CredentialError::Rejected)
        );
        assert_eq!(
            answer(400, r#"{"error":"invalid_grant"}"#),
            Err(CredentialError::Rejected)
        );
        assert!(matches!(
            answer(503, r#"{"error":"temporarily_unavailable"}"#),
            Err(CredentialError::Unavailable(_))
        ));
        assert!(matches!(
            answer(500, "oops"),
            Err(CredentialError::Unavailable(_))
        ));
        assert!(matches!(
            answer(200, "[]"),
            Err(CredentialError::Unavailable(_))
        ));
    }
}
