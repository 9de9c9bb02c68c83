//! `POST /oauth2/register`: open dynamic client registration (RFC 7591; NeonPanel needs no
//! initial access token). Public clients (`none`, the sandbox's default because MCP clients
//! are public) get no secret; `client_secret_basic` / `client_secret_post` clients get one.

use std::sync::Arc;

use salvo::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::State;
use super::super::keys::now_secs;
use super::urls::validate_redirect_uri;
use super::{Client, GRANT_TOKEN_EXCHANGE, OAuthError, digest, random_token};

#[derive(Deserialize)]
struct Registration {
    #[serde(default)]
    redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    /// Everything else (client_name, scope, contacts, …) is stored as given and echoed back.
    #[serde(flatten)]
    other: Map<String, Value>,
}

pub(crate) struct Register(pub Arc<State>);

#[async_trait]
impl Handler for Register {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let registration = match req.parse_json::<Registration>().await {
            Ok(registration) => registration,
            Err(e) => {
                return metadata_error(format!("the body is not client metadata JSON: {e}"))
                    .render(res);
            }
        };
        match self.register(registration) {
            Ok(document) => {
                res.status_code(StatusCode::CREATED);
                super::no_store(res);
                res.render(Json(document));
            }
            Err(e) => e.render(res),
        }
    }
}

fn metadata_error(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request(description).with_error("invalid_client_metadata")
}

impl Register {
    fn register(&self, registration: Registration) -> Result<Value, OAuthError> {
        let redirect_uris = registration.redirect_uris.unwrap_or_default();
        if redirect_uris.is_empty() {
            return Err(OAuthError::invalid_request("redirect_uris is required")
                .with_error("invalid_redirect_uri"));
        }
        for uri in &redirect_uris {
            validate_redirect_uri(uri).map_err(|description| {
                OAuthError::invalid_request(description).with_error("invalid_redirect_uri")
            })?;
        }
        let method = registration
            .token_endpoint_auth_method
            .unwrap_or_else(|| "none".to_owned());
        let confidential = match method.as_str() {
            "none" => false,
            "client_secret_basic" | "client_secret_post" => true,
            other => {
                return Err(metadata_error(format!(
                    "token_endpoint_auth_method {other:?} is not supported"
                )));
            }
        };
        let grant_types = registration
            .grant_types
            .unwrap_or_else(|| vec!["authorization_code".into(), "refresh_token".into()]);
        for grant in &grant_types {
            match grant.as_str() {
                "authorization_code" | "refresh_token" => {}
                "client_credentials" | GRANT_TOKEN_EXCHANGE if confidential => {}
                "client_credentials" | GRANT_TOKEN_EXCHANGE => {
                    return Err(metadata_error(format!(
                        "{grant} needs a confidential client (client_secret_basic or _post)"
                    )));
                }
                other => return Err(metadata_error(format!("grant type {other:?} unsupported"))),
            }
        }
        let response_types = registration
            .response_types
            .unwrap_or_else(|| vec!["code".into()]);
        if response_types.iter().any(|t| t != "code") {
            return Err(metadata_error(
                "only the response type \"code\" is supported",
            ));
        }
        let client_id = format!("dcr-{}", uuid::Uuid::new_v4().simple());
        let secret = confidential.then(random_token);
        self.0.oauth.add_client(Client {
            id: client_id.clone(),
            secret_digest: secret.as_deref().map(digest),
            redirect_uris: redirect_uris.clone(),
            grant_types: grant_types.clone(),
        });
        // RFC 7591 §3.2.1: the response carries every registered field, defaults included.
        let mut document = registration.other;
        let mut set = |key: &str, value: Value| {
            document.insert(key.to_owned(), value);
        };
        set("client_id", json!(client_id));
        set("client_id_issued_at", json!(now_secs()));
        set("redirect_uris", json!(redirect_uris));
        set("grant_types", json!(grant_types));
        set("response_types", json!(response_types));
        set("token_endpoint_auth_method", json!(method));
        if let Some(secret) = secret {
            set("client_secret", json!(secret));
            set("client_secret_expires_at", json!(0));
        }
        set(
            "registration_client_uri",
            json!(format!("{}/oauth2/register/{client_id}", self.0.issuer)),
        );
        set("registration_access_token", json!(random_token()));
        Ok(Value::Object(document))
    }
}
