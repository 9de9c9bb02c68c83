//! Ports: the capabilities the application needs from the outside world, as traits.
//!
//! Each trait is one outside actor. Adapters implement them; tests substitute mockall doubles
//! (`Mock*` under `cfg(test)`, or `mockall::mock!` in integration tests).

mod auth;
mod health;
mod mcp;
mod neonpanel;
mod rate_limit;
mod sessions;
mod telemetry;

pub use auth::{Authenticator, Clock, ServiceTokens, UserCredential, UserCredentials};
pub use health::{Check, HealthProbe, IssuerMetadata};
pub use mcp::McpHandler;
pub use neonpanel::NeonPanelApi;
pub use rate_limit::{RateLimitError, SharedRateLimit};
pub use sessions::{BusError, SessionBus, SessionId, SessionInbox, SessionInfo};
pub use telemetry::{NoTelemetry, Telemetry, ToolOutcome};

#[cfg(test)]
pub use auth::{MockAuthenticator, MockServiceTokens, MockUserCredentials};
#[cfg(test)]
pub use neonpanel::MockNeonPanelApi;
