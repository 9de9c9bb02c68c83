//! A faithful, in-process stand-in for NeonPanel (docs/design.md §10), for demos and end-to-end
//! tests: an OAuth 2.1 authorization server (discovery, JWKS, DCR, authorize + consent,
//! token, user JWT, introspection) and the API paths of docs/design.md §6 over seeded data, with
//! fault injection.
//!
//! It shares no types with the server (`domain`, `app`, `ports`, `adapters`): it speaks
//! NeonPanel's wire format from its own definitions (`data::wire`), so a misreading of
//! NeonPanel cannot hide on both sides of a test.
//!
//! ```no_run
//! # async fn demo() -> Result<(), neonpanel_mcp::sandbox::SandboxError> {
//! use neonpanel_mcp::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig {
//!     bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
//!     public_url: None,
//! })
//! .await?;
//! let token = sandbox.mint_access_token("alice", "https://mcp.example/mcp", "openid", 3600)?;
//! # let _ = token; sandbox.shutdown().await; Ok(()) }
//! ```

mod api;
mod data;
mod faults;
mod keys;
mod oauth;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use salvo::conn::Acceptor;
use salvo::prelude::*;
use salvo::server::ServerHandle;
use tokio::task::JoinHandle;

pub use faults::{Fault, Faults};

use data::Dataset;
use faults::{FaultAdmin, FaultHoop};
use keys::SigningKey;

/// The audience of every token the sandbox's API accepts.
const API_AUDIENCE: &str = "neonpanel-api";
/// The pre-registered confidential client (client credentials, token exchange, introspection).
const SERVICE_CLIENT_ID: &str = "sandbox-service";
/// The `client_id` claim of tokens minted with [`Sandbox::mint_access_token`].
const MINT_CLIENT_ID: &str = "sandbox-mint";

/// Where the sandbox listens and what it calls itself.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Bind address; `127.0.0.1:0` picks a free port (tests).
    pub bind: SocketAddr,
    /// Public base URL when behind a proxy; the issuer and every advertised URL derive from
    /// it. Default: `http://<bound address>`.
    pub public_url: Option<String>,
}

/// A demo user of the consent page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    /// The token `sub` (`alice`, `bob`, `carol`); also the `auto_approve` value.
    pub id: String,
    pub name: String,
    pub email: String,
    /// Uuids of the companies the user reaches, the tenant first.
    pub companies: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    #[error("the sandbox cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: Box<salvo::Error>,
    },
    #[error("the sandbox cannot generate its signing key")]
    KeyGeneration,
    #[error("the sandbox cannot sign a token: {0}")]
    Signing(String),
    #[error("the sandbox has no demo user {0:?}")]
    UnknownUser(String),
}

/// Everything the handlers share.
pub(crate) struct State {
    /// Base URL and OAuth issuer, without a trailing slash.
    pub issuer: String,
    pub api_audience: String,
    pub keys: SigningKey,
    pub data: Dataset,
    pub oauth: oauth::Store,
    pub faults: Faults,
    seen_api_tokens: Mutex<Vec<String>>,
    /// Requests per company uuid on `/api/v1/companies/{uuid}/…` (reach tests count them).
    company_calls: Mutex<std::collections::HashMap<String, usize>>,
}

impl State {
    fn record_company_call(&self, company: &str) {
        *self
            .company_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(company.to_owned())
            .or_default() += 1;
    }

    fn record_api_token(&self, token: String) {
        self.seen_api_tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(token);
    }
}

/// A running sandbox. Dropping it or calling [`Sandbox::shutdown`] stops it.
pub struct Sandbox {
    state: Arc<State>,
    service_client: (String, String),
    handle: ServerHandle,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds, generates the signing key, seeds the data and starts serving.
    ///
    /// # Errors
    /// [`SandboxError::Bind`] when the address cannot be bound; [`SandboxError::KeyGeneration`]
    /// when no signing key can be made.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let acceptor = TcpListener::new(config.bind)
            .try_bind()
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.bind,
                source: Box::new(source),
            })?;
        let local = acceptor
            .holdings()
            .first()
            .and_then(|h| h.local_addr.clone().into_std())
            .unwrap_or(config.bind);
        let issuer = config
            .public_url
            .map(|url| url.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{local}"));
        let state = Arc::new(State {
            keys: SigningKey::generate(&issuer)?,
            issuer,
            api_audience: API_AUDIENCE.to_owned(),
            data: Dataset::seeded(),
            oauth: oauth::Store::default(),
            faults: Faults::default(),
            seen_api_tokens: Mutex::new(Vec::new()),
            company_calls: Mutex::default(),
        });
        let secret = oauth::random_token();
        state.oauth.add_client(oauth::Client {
            id: SERVICE_CLIENT_ID.to_owned(),
            secret_digest: Some(oauth::digest(&secret)),
            redirect_uris: Vec::new(),
            grant_types: vec![
                "client_credentials".to_owned(),
                oauth::GRANT_TOKEN_EXCHANGE.to_owned(),
            ],
        });
        let server = Server::new(acceptor);
        let handle = server.handle();
        let service = Service::new(router(&state));
        let task = tokio::spawn(async move { server.serve(service).await });
        tracing::info!(issuer = %state.issuer, "NeonPanel sandbox listening");
        Ok(Self {
            state,
            service_client: (SERVICE_CLIENT_ID.to_owned(), secret),
            handle,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>` (or the configured public URL); also the OAuth issuer.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.state.issuer
    }

    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.state.issuer
    }

    #[must_use]
    pub fn jwks_uri(&self) -> String {
        format!("{}/oauth2/jwks", self.state.issuer)
    }

    #[must_use]
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.state.issuer)
    }

    #[must_use]
    pub fn user_jwt_url(&self) -> String {
        format!("{}/oauth2/user-jwt", self.state.issuer)
    }

    #[must_use]
    pub fn introspect_url(&self) -> String {
        format!("{}/oauth2/introspect", self.state.issuer)
    }

    /// `(client_id, client_secret)` of the pre-registered confidential client allowed
    /// `client_credentials` and token exchange; the secret is new at every start.
    #[must_use]
    pub fn service_client(&self) -> (String, String) {
        self.service_client.clone()
    }

    #[must_use]
    pub fn users(&self) -> Vec<DemoUser> {
        self.state
            .data
            .users
            .iter()
            .map(|u| DemoUser {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                companies: u.company_uuids(),
            })
            .collect()
    }

    /// An access token exactly like one `/oauth2/token` issues after the user's consent
    /// (with `client_id` claim `sandbox-mint`).
    ///
    /// # Errors
    /// [`SandboxError::UnknownUser`] for a user id not in [`Sandbox::users`].
    pub fn mint_access_token(
        &self,
        user_id: &str,
        audience: &str,
        scope: &str,
        ttl_secs: u64,
    ) -> Result<String, SandboxError> {
        let user = self
            .state
            .data
            .user(user_id)
            .ok_or_else(|| SandboxError::UnknownUser(user_id.to_owned()))?;
        oauth::issue::access_token(&self.state, user, MINT_CLIENT_ID, audience, scope, ttl_secs)
    }

    /// A handle on the fault list.
    #[must_use]
    pub fn faults(&self) -> Faults {
        self.state.faults.clone()
    }

    /// The audience the API requires (`neonpanel-api`).
    #[must_use]
    pub fn api_audience(&self) -> &str {
        &self.state.api_audience
    }

    /// Every bearer token the `/api/v1` routes received, in order.
    #[must_use]
    pub fn seen_api_tokens(&self) -> Vec<String> {
        self.state
            .seen_api_tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests the API received for company `uuid`'s own data
    /// (`/api/v1/companies/{uuid}/…`), whatever it answered.
    #[must_use]
    pub fn company_calls(&self, uuid: &str) -> usize {
        self.state
            .company_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(uuid)
            .copied()
            .unwrap_or_default()
    }

    /// Stops accepting, lets in-flight requests finish (1 s at most) and waits for the server.
    pub async fn shutdown(mut self) {
        self.handle.stop_graceful(Duration::from_secs(1));
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.handle.stop_forceful();
        }
    }
}

fn router(state: &Arc<State>) -> Router {
    let hoop = || FaultHoop {
        faults: state.faults.clone(),
    };
    let admin = || FaultAdmin {
        faults: state.faults.clone(),
    };
    Router::new()
        .push(
            Router::with_path("__sandbox/faults")
                .post(admin())
                .delete(admin()),
        )
        .push(api::routes(state, hoop()))
        .push(oauth::routes(state).hoop(hoop()))
}
