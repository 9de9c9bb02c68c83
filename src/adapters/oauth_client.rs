//! `neonpanel-mcp token`: OAuth 2.1 Authorization Code + PKCE (RFC 7636 S256) with a loopback
//! redirect (RFC 8252 §7.3), Dynamic Client Registration (RFC 7591) when no client id is given,
//! and the RFC 8707 `resource` parameter. Works against any issuer with RFC 8414 metadata.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::adapters::outbound::{Outbound, OutboundRequest, RequestBody};

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    pub issuer: String,
    pub client_id: Option<String>,
    pub scope: String,
    /// RFC 8707 resource: the MCP server's canonical URL, so the token's audience is it.
    pub resource: Option<String>,
    /// Sandbox only: approve as this demo user without a browser.
    pub auto_approve: Option<String>,
    /// How long to wait for the browser to come back.
    pub wait: Duration,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("cannot reach {what}: {detail}")]
    Unreachable { what: &'static str, detail: String },
    #[error("{what} answered HTTP {status}: {detail}")]
    Refused {
        what: &'static str,
        status: u16,
        detail: String,
    },
    #[error("the authorization server metadata lacks {0}")]
    Metadata(&'static str),
    #[error("the authorization was not completed: {0}")]
    Callback(String),
    #[error("cannot listen for the redirect on 127.0.0.1: {0}")]
    Listen(String),
}

/// A random PKCE verifier (RFC 7636 §4.1: 43–128 unreserved characters) and its S256 challenge.
#[must_use]
pub fn pkce_pair() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn json_of(
    outbound: &Outbound,
    what: &'static str,
    request: OutboundRequest,
) -> Result<Value, TokenError> {
    let response = outbound
        .send(request)
        .await
        .map_err(|e| TokenError::Unreachable {
            what,
            detail: e.to_string(),
        })?;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if !(200..300).contains(&response.status) {
        let detail = body
            .get("error_description")
            .or_else(|| body.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no detail")
            .to_owned();
        return Err(TokenError::Refused {
            what,
            status: response.status,
            detail,
        });
    }
    Ok(body)
}

/// RFC 8414 metadata, falling back to OpenID discovery.
async fn metadata(outbound: &Outbound, issuer: &str) -> Result<Value, TokenError> {
    let rfc8414 = format!("{issuer}/.well-known/oauth-authorization-server");
    match json_of(
        outbound,
        "authorization server metadata",
        OutboundRequest::get(rfc8414),
    )
    .await
    {
        Ok(doc) => Ok(doc),
        Err(_) => {
            let oidc = format!("{issuer}/.well-known/openid-configuration");
            json_of(outbound, "OpenID configuration", OutboundRequest::get(oidc)).await
        }
    }
}

fn field<'a>(doc: &'a Value, name: &'static str) -> Result<&'a str, TokenError> {
    doc.get(name)
        .and_then(Value::as_str)
        .ok_or(TokenError::Metadata(name))
}

/// Reads one HTTP request from the loopback listener and returns its query string.
async fn await_callback(listener: &TcpListener) -> Result<String, TokenError> {
    let (mut stream, _) = listener
        .accept()
        .await
        .map_err(|e| TokenError::Callback(e.to_string()))?;
    let mut buffer = vec![0u8; 8192];
    let n = stream
        .read(&mut buffer)
        .await
        .map_err(|e| TokenError::Callback(e.to_string()))?;
    let head = String::from_utf8_lossy(buffer.get(..n).unwrap_or_default()).into_owned();
    let target = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let page =
        "<!doctype html><title>neonpanel-mcp</title><p>Signed in. You can close this tab.</p>";
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    Ok(target
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default())
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs the whole flow; `on_url` is told the authorization URL to open in a browser.
///
/// # Errors
/// [`TokenError`] naming the step that failed; it never contains a token or secret.
pub async fn obtain_token(
    outbound: &Outbound,
    request: &TokenRequest,
    on_url: impl Fn(&str),
) -> Result<Value, TokenError> {
    let issuer = request.issuer.trim_end_matches('/');
    let doc = metadata(outbound, issuer).await?;
    let authorize = field(&doc, "authorization_endpoint")?.to_owned();
    let token_endpoint = field(&doc, "token_endpoint")?.to_owned();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| TokenError::Listen(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| TokenError::Listen(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let client_id = match &request.client_id {
        Some(id) => id.clone(),
        None => {
            let registration = field(&doc, "registration_endpoint")?.to_owned();
            let body = json!({
                "client_name": "neonpanel-mcp token",
                "redirect_uris": [redirect_uri],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            });
            let answer = json_of(
                outbound,
                "client registration",
                OutboundRequest::post(registration, RequestBody::Json(body)),
            )
            .await?;
            field(&answer, "client_id")
                .map_err(|_| TokenError::Metadata("client_id in the registration answer"))?
                .to_owned()
        }
    };
    let (verifier, challenge) = pkce_pair();
    let state = uuid::Uuid::new_v4().simple().to_string();
    let mut url = format!(
        "{authorize}?response_type=code&client_id={}&redirect_uri={}&state={state}&code_challenge={challenge}&code_challenge_method=S256&scope={}",
        percent_encode(&client_id),
        percent_encode(&redirect_uri),
        percent_encode(&request.scope),
    );
    if let Some(resource) = &request.resource {
        url.push_str(&format!("&resource={}", percent_encode(resource)));
    }
    let callback = async {
        tokio::time::timeout(request.wait, await_callback(&listener))
            .await
            .map_err(|_| TokenError::Callback("timed out waiting for the browser".into()))?
    };
    let query = match &request.auto_approve {
        Some(user) => {
            url.push_str(&format!("&auto_approve={}", percent_encode(user)));
            let response = outbound
                .send(OutboundRequest::get(url.clone()))
                .await
                .map_err(|e| TokenError::Unreachable {
                    what: "authorization endpoint",
                    detail: e.to_string(),
                })?;
            if !matches!(response.status, 302 | 303) {
                let detail = String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect();
                return Err(TokenError::Refused {
                    what: "authorization endpoint",
                    status: response.status,
                    detail,
                });
            }
            let location = response
                .location
                .ok_or_else(|| TokenError::Callback("no redirect".into()))?;
            let follow = async {
                outbound
                    .send(OutboundRequest::get(location))
                    .await
                    .map_err(|e| TokenError::Callback(e.to_string()))
            };
            let (query, _) = tokio::try_join!(callback, follow)?;
            query
        }
        None => {
            on_url(&url);
            callback.await?
        }
    };
    if let Some(error) = query_value(&query, "error") {
        return Err(TokenError::Callback(error));
    }
    if query_value(&query, "state").as_deref() != Some(state.as_str()) {
        return Err(TokenError::Callback(
            "state mismatch (possible CSRF); try again".into(),
        ));
    }
    let code = query_value(&query, "code")
        .ok_or_else(|| TokenError::Callback("no code in the redirect".into()))?;
    let mut form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        ("code".to_owned(), code),
        ("redirect_uri".to_owned(), redirect_uri),
        ("client_id".to_owned(), client_id),
        ("code_verifier".to_owned(), verifier),
    ];
    if let Some(resource) = &request.resource {
        form.push(("resource".to_owned(), resource.clone()));
    }
    json_of(
        outbound,
        "token endpoint",
        OutboundRequest::post(token_endpoint, RequestBody::Form(form)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_pair_is_rfc_7636_shaped_and_s256() {
        let (verifier, challenge) = pkce_pair();
        assert_eq!(verifier.len(), 64);
        assert_eq!(
            challenge,
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        );
        assert_ne!(pkce_pair().0, verifier);
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let q = "code=a%2Fb+c&state=xyz&error_description=x";
        assert_eq!(query_value(q, "code").as_deref(), Some("a/b c"));
        assert_eq!(query_value(q, "state").as_deref(), Some("xyz"));
        assert_eq!(query_value(q, "nope"), None);
        assert_eq!(
            percent_encode("http://127.0.0.1:1/cb"),
            "http%3A%2F%2F127.0.0.1%3A1%2Fcb"
        );
    }
}
