//! The NeonPanel side: client credentials, where user credentials come from, per-tool modes.

use std::collections::HashMap;

use super::super::flags::Settings;
use super::super::raw::{list, present, switch, url};
use super::super::settings::{ClientAuth, ClientSettings, UserSourceSettings};
use crate::app::tools::Catalogue;
use crate::domain::policy::AuthMode;
use crate::domain::secret::Secret;

impl Settings {
    pub(super) fn client_settings(&self, errors: &mut Vec<String>) -> Option<ClientSettings> {
        let client_id = present(self.client_id.as_ref());
        let client_secret = self.client_secret.as_ref().filter(|s| !s.is_empty());
        let (Some(id), Some(secret)) = (client_id, client_secret) else {
            if client_id.is_some() != client_secret.is_some() {
                errors.push(
                    "NEONPANEL_CLIENT_ID and NEONPANEL_CLIENT_SECRET: set both or neither".into(),
                );
            }
            return None;
        };
        let Some(token_url) = url(
            "NEONPANEL_OAUTH_TOKEN_URL",
            self.oauth_token_url.as_ref(),
            errors,
        ) else {
            if present(self.oauth_token_url.as_ref()).is_none() {
                errors.push("NEONPANEL_OAUTH_TOKEN_URL: required with client credentials".into());
            }
            return None;
        };
        let auth = match present(self.iat_auth_method.as_ref()).unwrap_or("client_secret_post") {
            "client_secret_post" => ClientAuth::Post,
            "client_secret_basic" => ClientAuth::Basic,
            other => {
                errors.push(format!(
                    "NEONPANEL_IAT_AUTH_METHOD: expected client_secret_post or client_secret_basic, got {other:?}"
                ));
                ClientAuth::Post
            }
        };
        Some(ClientSettings {
            token_url,
            client_id: id.to_owned(),
            client_secret: Secret::clone(secret),
            scope: present(self.iat_scope.as_ref()).map(str::to_owned),
            audience: present(self.iat_audience.as_ref()).map(str::to_owned),
            auth,
        })
    }

    /// docs/design.md §4: the first configured source wins.
    pub(super) fn user_source(
        &self,
        has_client: bool,
        errors: &mut Vec<String>,
    ) -> UserSourceSettings {
        if let Some(u) = url("NEONPANEL_USER_JWT_URL", self.user_jwt_url.as_ref(), errors) {
            return UserSourceSettings::UserJwtEndpoint(u);
        }
        if let Some(u) = url(
            "NEONPANEL_TOKEN_INTROSPECT_URL",
            self.token_introspect_url.as_ref(),
            errors,
        ) {
            if !has_client {
                errors.push("NEONPANEL_TOKEN_INTROSPECT_URL: needs NEONPANEL_CLIENT_ID/SECRET for client authentication".into());
            }
            return UserSourceSettings::Introspection(u);
        }
        match present(self.token_exchange.as_ref()) {
            Some("rfc8693") if has_client => return UserSourceSettings::TokenExchange,
            Some("rfc8693") => errors.push(
                "NEONPANEL_TOKEN_EXCHANGE: rfc8693 needs NEONPANEL_OAUTH_TOKEN_URL and client credentials".into(),
            ),
            Some("none") | None => {}
            Some(other) => errors.push(format!(
                "NEONPANEL_TOKEN_EXCHANGE: expected rfc8693, got {other:?}"
            )),
        }
        let passthrough = switch(
            "NEONPANEL_ALLOW_TOKEN_PASSTHROUGH",
            self.allow_token_passthrough.as_ref(),
            errors,
        );
        if passthrough == Some(true) {
            return UserSourceSettings::Passthrough;
        }
        UserSourceSettings::None
    }

    pub(super) fn tool_modes(&self, errors: &mut Vec<String>) -> HashMap<String, AuthMode> {
        let catalogue = Catalogue::standard();
        let mut modes = HashMap::new();
        for pair in list(present(self.tool_auth_modes.as_ref())) {
            let Some((tool, mode)) = pair.split_once('=') else {
                errors.push(format!("TOOL_AUTH_MODES: expected tool=mode, got {pair:?}"));
                continue;
            };
            let Some(spec) = catalogue.find(tool.trim()) else {
                errors.push(format!("TOOL_AUTH_MODES: unknown tool {tool:?}"));
                continue;
            };
            match mode.parse::<AuthMode>() {
                Ok(mode) => {
                    modes.insert(spec.spec().name.to_owned(), mode);
                }
                Err(e) => errors.push(format!("TOOL_AUTH_MODES: {e}")),
            }
        }
        modes
    }
}
