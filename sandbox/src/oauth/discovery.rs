//! `/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server` (RFC 8414
//! §2; one document serves both) and `/oauth2/jwks` (RFC 7517 §5).

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::json;

use super::super::State;
use super::{GRANT_TOKEN_EXCHANGE, SUPPORTED_SCOPES};

pub(crate) struct Metadata(pub Arc<State>);

#[async_trait]
impl Handler for Metadata {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let issuer = &self.0.issuer;
        res.render(Json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
            "token_endpoint": format!("{issuer}/oauth2/token"),
            "registration_endpoint": format!("{issuer}/oauth2/register"),
            "jwks_uri": format!("{issuer}/oauth2/jwks"),
            "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
            "user_jwt_endpoint": format!("{issuer}/oauth2/user-jwt"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "client_credentials",
                GRANT_TOKEN_EXCHANGE,
            ],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported":
                ["none", "client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post"],
            "scopes_supported": SUPPORTED_SCOPES,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "name", "email", "tenant"],
            // RFC 9207: the authorization response carries `iss`.
            "authorization_response_iss_parameter_supported": true,
        })));
    }
}

pub(crate) struct Jwks(pub Arc<State>);

#[async_trait]
impl Handler for Jwks {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        res.render(Json(json!({ "keys": [self.0.keys.jwk()] })));
    }
}
